#!/bin/sh
# tar --checkpoint-action=exec= handler of progress.sh: draws the packing
# bar. tar sets TAR_CHECKPOINT (checkpoints so far, one per 100 records of
# 10 KiB); progress_pack sets VX_PROGRESS_TOTAL (records in the tree).
p=$((TAR_CHECKPOINT * 100 * 100 / (VX_PROGRESS_TOTAL + 1)))
[ "$p" -gt 100 ] && p=100
c=$((p * 30 / 100))
bar=$(printf '%*s' "$c" '' | tr ' ' '#')
printf '\r  [%-30s] %3d%% %-40s' "$bar" "$p" "${VX_PROGRESS_LABEL:-packing}" >&2
