#!/usr/bin/env bats
# Host limits that break at scale (issue 5): `vzctl info` lists them with
# what one more VPS needs, and vxd raises a low one before a start. The
# host's sysctls are shared with everything else on the machine, so the
# tests do not lower them to see them raised; the raise is tested on vxd's
# own open-file limit (RLIMIT_NOFILE, started low on purpose).

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

@test "vzctl info lists each host limit with its value and the need" {
	vx_expect_ok vzctl info
	for s in kernel.pid_max kernel.threads-max fs.file-max fs.nr_open \
		 fs.inotify.max_user_instances fs.inotify.max_user_watches \
		 kernel.keys.maxkeys kernel.keys.maxbytes; do
		f=/proc/sys/${s//.//}
		grep -qE "^  $s +$(cat "$f") \(need >= [0-9]+: (ok|LOW)\)$" <<<"$output" ||
			{ echo "no line for $s = $(cat "$f")"; false; }
	done
	vx_output_has "RLIMIT_NOFILE"
}

@test "vxd started with a low open-file limit raises it (it holds fds per VPS)" {
	local pid
	vx_create 901
	pid=$(vx_vxd_pid) && kill -9 "$pid" && vx_wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
	# a vxd started by a vzctl that runs with 64 open files (soft)
	(ulimit -Sn 64; vx_timeout vzctl status 901 >/dev/null)
	pid=$(vx_vxd_pid)
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")
	[ "$soft" -ge 4096 ] || { echo "vxd soft nofile $soft"; false; }
	grep -q "raised the open-file limit from 64 to $soft" "$VX_ROOT/run/vx/vxd.log"
	# a start finds nothing low (a small host), so it says nothing
	vx_expect_ok vzctl start 901 --wait
	! grep -qi "raised\|WARNING" <<<"$output" || false
	vx_ct_cleanup 901
}
