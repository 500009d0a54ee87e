#!/usr/bin/env bats
# Crash safety (issue 5): a process killed with SIGKILL at a named point of
# create, destroy, start or stop leaves no half-made VPS. Afterwards the VPS
# is complete or absent, a new create of the same CTID works, and destroy
# is idempotent. The points are libvx's VX_TEST_CRASHPOINT hooks
# (crashpoint.h, listed in docs/storage.md): deterministic, where
# daemon.bats and layout.bats kill at a random moment.
#
# create/destroy run in a vxd worker process, so the point kills the
# process doing the work (and crash_run then kills the main vxd too, as a
# `kill -9` of the daemon would); start and stop points are in the CT's
# monitor, which inherits vxd's environment. vxd is started
# on demand by vzctl with vzctl's environment, so crash_vxd kills the
# running vxd (VPSes outlive it) and the next vzctl, run with the variable
# set, starts one that carries it; the call after that starts a clean one.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

@test "create killed at each point, every layout: complete or absent; create again works" {
	sed 's/^DISKSPACE=.*/DISKSPACE="64M:64M"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" \
		>"$VX_ROOT/etc/vz/conf/ve-disk64.conf-sample"
	local ct=800
	for layout in overlay plain image image-overlay; do
		for point in create-journal create-filled create-private create-config; do
			ct=$((ct + 1))
			crash_run $point vzctl create $ct --ostemplate busybox \
				--layout $layout --config disk64 --name n$ct
			complete_or_absent $ct
			# a new create of the same CTID (and name) works: it
			# rolls back whatever the killed one left
			run vx_timeout vzctl destroy $ct
			vx_expect_ok vzctl create $ct --ostemplate busybox \
				--layout $layout --config disk64 --name n$ct
			[ ! -e "$VX_ROOT/vz/lock/$ct.creating" ]
			vx_expect_ok vzctl start $ct --wait
			vx_expect_ok vzctl stop $ct --fast
			vx_expect_ok vzctl destroy $ct
			no_trace $ct
		done
	done
}

@test "destroy killed after the rename and before the config goes: destroy again finishes, nothing left" {
	for point in destroy-renamed destroy-cleaned; do
		vx_create 830 --layout overlay --name gone
		crash_run $point vzctl destroy 830
		# still there (its config is the last thing to go), and a
		# destroy finishes the job; then a second one is a no-op error
		vx_expect_ok vzctl status 830
		[[ $output == *" exist "* ]]
		vx_expect_ok vzctl destroy 830
		no_trace 830
		[ ! -e "$VX_ROOT/etc/vz/names/gone" ]
		run vx_timeout vzctl destroy 830
		[ "$status" -ne 0 ]
		vx_create 830 --layout overlay --name gone
		vx_ct_cleanup 830
		no_trace 830
	done
}

@test "start killed with the CT mounted, before init: stopped, starts again" {
	for layout in overlay image image-overlay; do
		vx_create 840 --layout $layout --diskspace 64M
		crash_run start-mounted vzctl start 840 --wait
		run vx_is_running 840
		[ "$status" -ne 0 ]
		vx_expect_ok vzctl start 840 --wait
		vx_expect_ok vzctl exec2 840 'echo ok'
		[ "$output" = ok ]
		vx_ct_cleanup 840
		no_trace 840
	done
}

@test "image-overlay: start and mount killed between the image's mount and the overlay's: the next start, mount and destroy work" {
	local p=$VX_ROOT/vz/private/845
	vx_create 845 --layout image-overlay --diskspace 64M
	crash_run mount-image-upper vzctl start 845 --wait
	run vx_is_running 845
	[ "$status" -ne 0 ]
	vx_expect_ok vzctl status 845
	[ "$output" = "CTID 845 exist unmounted down" ] || { echo "status: $output"; false; }
	# the image may be left on mnt alone: the start unmounts it first
	vx_expect_ok vzctl start 845 --wait
	vx_expect_ok vzctl exec2 845 'echo ok > /root/f; cat /root/f'
	[ "$output" = ok ]
	vx_expect_ok vzctl stop 845 --fast
	[ -z "$(grep -F " $p/mnt " /proc/self/mountinfo)" ]
	crash_run mount-image-upper vzctl mount 845
	grep -qF " $p/mnt " /proc/self/mountinfo
	# resize and destroy find the CT stopped and unmount the image
	vx_expect_ok vzctl set 845 --diskspace 48M
	[ "$(stat -c %s "$p/root.img")" = $((48 * 1024 * 1024)) ]
	crash_run mount-image-upper vzctl mount 845
	vx_expect_ok vzctl destroy 845
	no_trace 845
	[ -z "$(losetup -a | grep -F "$p/")" ]
}

@test "stop killed after init died, before the umount: vxd finishes it; starts and destroys cleanly" {
	local mark=$VX_ROOT/crash-mark pid
	vx_create 850 --layout overlay
	# The stop's point is in the CT's monitor, which gets its environment
	# from the vxd that starts the CT: start it under a vxd carrying the
	# variable, then stop it from a clean one.
	rm -f "$mark"
	vx_kill_vxd
	VX_TEST_CRASHPOINT=stop-before-umount VX_TEST_CRASHPOINT_MARK=$mark \
		vx_expect_ok vzctl start 850 --wait
	vx_kill_vxd
	run vx_timeout vzctl stop 850
	[ -e "$mark" ]
	# vxd finishes the stop of a CT whose monitor died
	vx_wait_stopped 850
	vx_expect_ok vzctl status 850
	[ "$output" = "CTID 850 exist unmounted down" ] || { echo "status: $output"; false; }
	vx_expect_ok vzctl start 850 --wait
	vx_expect_ok vzctl stop 850
	vx_expect_ok vzctl destroy 850
	no_trace 850
}

@test "a create journal cut short by a power loss (no COMPLETE) is removed; what it names is kept" {
	# What an empty or truncated journal names was never made by create
	# (its fsync had not returned), so a rollback must not delete it: a
	# truncated PRIVATE="/vz/private/1" could name another CT's files.
	local decoy=$VX_ROOT/vz/private/860.decoy
	mkdir -p "$decoy/upper"
	printf 'PID="1"\nPRIVATE="%s"\nTMP="%s"\n' "$decoy" "$decoy" \
		>"$VX_ROOT/vz/lock/860.creating"
	: >"$VX_ROOT/vz/lock/861.creating"
	vx_expect_ok vzctl create 860 --ostemplate busybox
	vx_expect_ok vzctl create 861 --ostemplate busybox
	[ -d "$decoy/upper" ]
	[ ! -e "$VX_ROOT/vz/lock/860.creating" ]
	[ ! -e "$VX_ROOT/vz/lock/861.creating" ]
	vx_expect_ok vzctl destroy 860
	vx_expect_ok vzctl destroy 861
	# the same journal with COMPLETE is a killed create: rolled back
	printf 'PID="1"\nPRIVATE="%s"\nTMP=""\nCOMPLETE="yes"\n' "$decoy" \
		>"$VX_ROOT/vz/lock/860.creating"
	vx_expect_ok vzctl create 860 --ostemplate busybox
	[ ! -e "$decoy" ]
	vx_expect_ok vzctl destroy 860
}
