# Progress display for the template builders (sourced by templates/*/build.sh).
#
# On a terminal (stderr is a tty) long steps draw one bar line that is
# redrawn in place; otherwise (scripts, CI logs, vzctl --quiet) they print
# nothing but the step names, so logs stay short and diffable.
# VX_PROGRESS=0 forces the quiet form, VX_PROGRESS=1 the bar.
#
#   progress_step TEXT            one line naming the step
#   progress_debootstrap LOG      filter for debootstrap's output: keeps it
#                                 all in LOG, draws a bar from its
#                                 "I: Retrieving/Validating/Unpacking/
#                                 Configuring PKG" lines
#   progress_pack DIR OUT         tar DIR | zstd > OUT with a bar by bytes

if [ -n "${VX_PROGRESS:-}" ]; then
	progress_tty=$([ "$VX_PROGRESS" = 1 ] && echo 1 || echo 0)
elif [ -t 2 ]; then
	progress_tty=1
else
	progress_tty=0
fi
export progress_tty
progress_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

progress_step() {
	echo "template: $*" >&2
}

# progress_bar DONE TOTAL LABEL: one redrawn line, 30 cells wide.
progress_bar() {
	local done=$1 total=$2 label=$3 pct cells bar
	[ "$total" -gt 0 ] || total=1
	[ "$done" -le "$total" ] || done=$total
	pct=$((done * 100 / total))
	cells=$((done * 30 / total))
	printf -v bar '%*s' "$cells" ''
	bar=${bar// /#}
	printf '\r  [%-30s] %3d%% %-40.40s' "$bar" "$pct" "$label" >&2
}

progress_end() {
	[ "$progress_tty" = 1 ] && printf '\r%*s\r' 80 '' >&2
	return 0
}

# debootstrap runs five passes over its package set (retrieve, validate,
# unpack, configure; extract covers the required subset). The set's size
# is known once retrieval is done; until then the bar assumes the size of
# a bookworm minbase (~120 packages), so it is an estimate, labelled "~".
progress_debootstrap() {
	local log=$1 line n=0 pkgs=0 est=${VX_PROGRESS_PKGS:-120} phase=""
	: >"$log"
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$log"
		case $line in
		"I: Retrieving "*|"I: Validating "*)
			case $line in *" Packages"|*" Release"|*InRelease*) continue ;; esac
			n=$((n + 1)); [ "${line:3:1}" = R ] && pkgs=$((pkgs + 1))
			phase=${line#I: } ;;
		"I: Unpacking "*|"I: Configuring "*|"I: Extracting "*)
			n=$((n + 1)); phase=${line#I: } ;;
		"E: "*|"W: "*)
			[ "$progress_tty" = 1 ] && printf '\r%*s\r' 80 '' >&2
			printf '%s\n' "$line" >&2; continue ;;
		*) continue ;;
		esac
		[ "$progress_tty" = 1 ] || continue
		[ "$pkgs" -gt "$est" ] && est=$pkgs
		progress_bar "$n" $((est * 5)) "$phase"
	done
	progress_end
	# a failed debootstrap is seen by the caller through pipefail
}

progress_pack() {
	local dir=$1 out=$2 total
	local tarflags=(--sort=name --numeric-owner --xattrs --xattrs-include='*'
			--acls --one-file-system -C "$dir")
	if [ "$progress_tty" = 1 ]; then
		total=$(du -s --block-size=10240 --apparent-size "$dir" | cut -f1)
		# tar runs the action every 100 records (1 MB): cheap.
		VX_PROGRESS_TOTAL=$total tar "${tarflags[@]}" --checkpoint=100 \
			--checkpoint-action="exec=$progress_dir/progress-tar.sh" \
			-cf - . | zstd -q -T0 -12 -c >"$out"
		progress_end
	else
		tar "${tarflags[@]}" -cf - . | zstd -q -T0 -12 -c >"$out"
	fi
}
