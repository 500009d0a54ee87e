#!/usr/bin/env bats
# Running commands in a VPS: exec (OpenVZ: exit 8 when the command fails),
# exec2 (the command's own status), commands through the VPS's shell,
# `-` reading commands from stdin, and enter (an interactive shell on a new
# pty inside the VPS, driven here through script(1) as a user's terminal).

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	vx_test_setup
	vx_create_started 201 --hostname exec201
}
teardown_file() { vx_test_teardown; }

@test "exec: output of a command inside the VPS" {
	vx_expect_ok vzctl exec 201 hostname
	[ "$output" = exec201 ]
}

@test "exec: arguments run through the VPS's shell: pipes work" {
	vx_expect_ok vzctl exec 201 'ps | wc -l'
	[[ "$output" =~ ^[[:space:]]*[0-9]+$ ]]
	# init + sh + ps + wc + header at least, but far fewer than the host
	[ "$output" -ge 3 ]
	[ "$output" -lt "$(ps -e | wc -l)" ]
}

@test "exec: several words are joined into one shell command line" {
	vx_expect_ok vzctl exec 201 echo one 'two  three'
	[ "$output" = "one two three" ]
	vx_expect_ok vzctl exec 201 'echo $((6 * 7))'
	[ "$output" = 42 ]
}

@test "exec: a failing command makes vzctl exit 8" {
	vx_expect_rc 8 vzctl exec 201 false
	vx_expect_rc 8 vzctl exec 201 'exit 3'
	vx_expect_rc 8 vzctl exec 201 /no/such/command
}

@test "exec2: returns the command's own exit status" {
	vx_expect_rc 0 vzctl exec2 201 true
	vx_expect_rc 1 vzctl exec2 201 false
	vx_expect_rc 3 vzctl exec2 201 'exit 3'
	run -127 vx_timeout vzctl exec2 201 /no/such/command
}

@test "exec2: a command killed by a signal gives 128+N" {
	vx_expect_rc 137 vzctl exec2 201 'kill -9 $$'
}

@test "exec: stdout and stderr both reach the caller, separately" {
	run --separate-stderr vx_timeout vzctl exec 201 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
}

@test "exec -: reads the commands from stdin" {
	run vx_timeout bash -c "printf 'echo first\nhostname\nexit 0\n' | vzctl exec 201 -"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'first\nexec201')" ]
}

@test "exec2 -: status of the script read from stdin" {
	run vx_timeout bash -c "printf 'true\nexit 5\n' | vzctl exec2 201 -"
	[ "$status" -eq 5 ]
}

@test "exec: stdin is passed to the command" {
	run vx_timeout bash -c "printf 'a\nb\nc\n' | vzctl exec 201 'wc -l'"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = 3 ]
}

@test "exec: large output arrives complete" {
	run vx_timeout bash -c "vzctl exec 201 'seq 1 200000' | md5sum"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 200000 | md5sum)" ]
}

@test "exec: the command runs in the VPS (pid ns, root, cwd /, clean env)" {
	vx_expect_ok vzctl exec 201 'cat /proc/1/comm; pwd; ls /bin/busybox'
	[ "${lines[0]}" = init ]
	[ "${lines[1]}" = / ]
	[ "${lines[2]}" = /bin/busybox ]
	# Host environment does not leak in.
	MY_HOST_SECRET=leak run vx_timeout vzctl exec 201 'env'
	[ "$status" -eq 0 ]
	! grep -q MY_HOST_SECRET <<<"$output" || false
	! grep -q VX_ROOT <<<"$output" || false
	grep -q '^PATH=' <<<"$output"
}

@test "exec: a long-running command can be interrupted (SIGTERM to vzctl)" {
	# vzctl itself, not a wrapper, is the background job that gets the signal.
	vzctl exec 201 'sleep 300' >/dev/null 2>&1 3>&- &
	local pid=$!
	sleep 1
	kill -TERM $pid
	local t0=$SECONDS
	wait $pid || true
	[ $((SECONDS - t0)) -lt 10 ]
	# No sleep left behind inside the VPS (give it a moment).
	vx_wait_for 10 bash -c "! vzctl exec 201 'ps' | grep -q 'sleep 300'"
}

@test "exec does not leak host file descriptors into the VPS" {
	# `; true` keeps the shell from exec'ing ls, so $$ is the shell, not ls
	# (whose own directory fd would show up).
	vx_expect_ok vzctl exec 201 'ls /proc/$$/fd; true'
	local fd
	for fd in $output; do
		[ "$fd" -le 2 ] || { echo "leaked fd $fd: $output"; false; }
	done
}

# enter: script(1) gives vzctl a terminal, as a user's would be.
enter_with() {
	local input=$1 ct=${2:-201}
	run vx_timeout bash -c "printf '%b' '$input' | script -qfec 'vzctl enter $ct' /dev/null"
}

@test "enter: commands run on a pty inside the VPS" {
	vx_require script
	enter_with 'tty\nhostname\nexit\n'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" =~ /dev/pts/[0-9]+ ]] || { echo "$output"; false; }
	vx_output_has exec201
}

@test "enter: the pty belongs to the VPS's own devpts" {
	vx_require script
	enter_with 'ls /dev/pts/ | wc -w; echo PTSCOUNT\nexit\n'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# The VPS sees only its own ptys (the one enter made, plus ptmx), not
	# the host's.
	local n
	n=$(grep -B1 PTSCOUNT <<<"$output" | grep -Eo '^[0-9]+' | tail -1)
	[ -n "$n" ] && [ "$n" -le 3 ] || false
}

@test "enter: job control works (the shell is a session leader with a ctty)" {
	vx_require script
	# Paced input: an interactive ash ignores SIGTERM, and a job killed
	# before its child has reset that would survive (an ash race).
	run vx_timeout bash -c "( printf 'sleep 100 &\n'; sleep 0.5; printf 'jobs\n'; sleep 0.3; printf 'kill %%1\n'; sleep 0.5; printf 'exit\n' ) | script -qfec 'vzctl enter 201' /dev/null"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	vx_output_has 'sleep 100'
	! vx_output_has "can't access tty" || false
	# `kill %1` found the job: no sleep left.
	run vx_in_ct 201 ps
	! grep -q 'sleep 100' <<<"$output" || false
}

@test "enter: exit status of the shell is returned" {
	vx_require script
	enter_with 'exit 0\n'
	[ "$status" -eq 0 ]
}

@test "enter: works without a terminal on stdin (piped)" {
	run vx_timeout bash -c "printf 'echo piped-ok\nexit\n' | vzctl enter 201"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	vx_output_has piped-ok
}

@test "enter and exec by name" {
	vx_expect_ok vzctl set 201 --name ex201 --save
	vx_expect_ok vzctl exec ex201 hostname
	[ "$output" = exec201 ]
	vx_require script
	enter_with 'hostname\nexit\n' ex201
	[ "$status" -eq 0 ]
	vx_output_has exec201
}

@test "enter: the terminal size is passed to the pty" {
	vx_require script
	run vx_timeout bash -c "printf 'stty size\nexit\n' | script -qfec 'stty cols 123 rows 45; vzctl enter 201' /dev/null"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	vx_output_has "45 123"
}

@test "enter: Ctrl-C interrupts the command in the VPS, not the session" {
	vx_require script
	run vx_timeout bash -c "( printf 'sleep 101\n'; sleep 1; printf '\003'; sleep 1; printf 'echo after-int\nexit\n' ) | script -qfec 'vzctl enter 201' /dev/null"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	vx_output_has after-int
	# The sleep is gone.
	run vx_in_ct 201 ps
	! grep -q 'sleep 101' <<<"$output" || false
}

@test "exec with stdin at EOF returns at once" {
	run vx_timeout vzctl exec 201 cat </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
