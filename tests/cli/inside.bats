#!/usr/bin/env bats
# Power actions typed inside a VPS: reboot restarts it (a new init, still
# running), halt and poweroff stop it (status down, unmounted, cleaned up).

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

init_start() { vx_in_ct "$1" "awk '{print \$22}' /proc/1/stat" 2>/dev/null; }

# init_changed CTID BEFORE: the VPS answers and its init is a new one.
init_changed() {
	local now
	now=$(init_start "$1") && [ -n "$now" ] && [ "$now" != "$2" ]
}

# Booted: the template's rcS has run, so init handles signals properly.
booted() { vx_in_ct "$1" 'test -e /run/booted' >/dev/null 2>&1; }

@test "reboot inside the VPS restarts it" {
	vx_create_started 701
	vx_wait_for 20 booted 701
	local before hostpid after
	before=$(init_start 701)
	hostpid=$(vx_init_pid 701)
	[ -n "$before" ]
	# exec may be cut off as the VPS goes down: its status does not matter.
	vx_timeout vzctl exec 701 reboot >/dev/null 2>&1 || true
	vx_wait_for 30 init_changed 701 "$before"
	vx_is_running 701
	after=$(init_start 701)
	[ "$after" -gt "$before" ]
	[ "$(vx_init_pid 701)" != "$hostpid" ]
	vx_wait_for 20 booted 701
	vx_ct_cleanup 701
}

@test "reboot twice in a row still comes back" {
	vx_create_started 702
	local i
	for i in 1 2; do
		vx_wait_for 20 booted 702
		local before
		before=$(init_start 702)
		vx_timeout vzctl exec 702 reboot >/dev/null 2>&1 || true
		vx_wait_for 30 init_changed 702 "$before"
	done
	vx_is_running 702
	vx_ct_cleanup 702
}

@test "halt inside the VPS stops it" {
	vx_create_started 703
	vx_wait_for 20 booted 703
	local pid
	pid=$(vx_init_pid 703)
	vx_timeout vzctl exec 703 halt >/dev/null 2>&1 || true
	vx_wait_stopped 703
	vx_expect_ok vzctl status 703
	[ "$output" = "CTID 703 exist unmounted down" ]
	! kill -0 "$pid" 2>/dev/null || false
	[ ! -e "$VX_ROOT/run/vx/ct/703.state" ]
	# It can be started again.
	vx_expect_ok vzctl start 703
	vx_wait_running 703
	vx_ct_cleanup 703
}

@test "poweroff inside the VPS stops it" {
	vx_create_started 704
	vx_wait_for 20 booted 704
	vx_timeout vzctl exec 704 poweroff >/dev/null 2>&1 || true
	vx_wait_stopped 704
	vx_expect_ok vzctl status 704
	[ "$output" = "CTID 704 exist unmounted down" ]
	vx_ct_cleanup 704
}

@test "killing init from the host stops the VPS (monitor cleans up)" {
	vx_create_started 705
	local pid
	pid=$(vx_init_pid 705)
	kill -9 "$pid"
	vx_wait_stopped 705
	vx_expect_ok vzctl status 705
	[ "$output" = "CTID 705 exist unmounted down" ]
	vx_ct_cleanup 705
}

@test "reboot inside a VPS does not affect the host or other VPSes" {
	vx_create_started 706
	vx_create_started 707
	vx_wait_for 20 booted 706
	local other
	other=$(vx_init_pid 707)
	vx_timeout vzctl exec 706 reboot -f >/dev/null 2>&1 || true
	sleep 2
	vx_wait_running 706
	[ "$(vx_init_pid 707)" = "$other" ]
	kill -0 "$other"
	vx_ct_cleanup 706 707
}
