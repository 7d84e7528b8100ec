#!/bin/bash
# bench/run.sh [STOCKADE] — start latency and peak RSS, stockade vs crun vs runc.
#
# One run, one bundle: the hardened config from `stockade spec` (seccomp
# filter, masked paths, read-only root, cgroup limits) with process.args =
# /bin/true on a busybox-static rootfs.  For ROUNDS rounds (default 3),
# interleaved to spread machine noise, each runtime starts N (default 100)
# sequential containers with `RUNTIME run --bundle B ID`; the floor is
# `unshare --fork --pid --mount --uts --ipc --net chroot ROOTFS /bin/true`.
# Prints per-round medians, then the median of the round medians, the peak
# RSS (/usr/bin/time %M: max RSS of the runtime and the processes it waited
# for) and ratios against crun.
#
# crun 1.8 refuses hybrid cgroup hosts while cgroup2 holds any controller.
# Instead of changing the host, the whole benchmark runs in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted, so all three runtimes
# see the same pure-v1 layout.  Nothing outlives the run.
#
# stockade runs under the restricted policy in enforce mode (the built-in
# default, written out so /etc/stockade/policy.yaml cannot change it);
# "stockade-nopolicy" is the same binary under `level: privileged`, where no
# rule runs: the difference is what judging the config costs at create.
#
# Env: ROUNDS, N, RSS_RUNS (default 10), RUNTIMES (default "stockade stockade-nopolicy crun runc"), NO_SECCOMP=1.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STOCKADE=$(realpath "${1:-$HERE/build/stockade}")
ROUNDS=${ROUNDS:-3}
N=${N:-100}
RSS_RUNS=${RSS_RUNS:-10}

if [ "$(id -u)" -ne 0 ]; then echo "bench/run.sh starts containers: run it as root" >&2; exit 1; fi

# Re-enter in a private mount namespace (see above).
if [ -z "${STOCKADE_BENCH_NS:-}" ]; then
  exec env STOCKADE_BENCH_NS=1 unshare -m --propagation private "$0" "$STOCKADE"
fi
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then umount -l /sys/fs/cgroup/unified; fi

work=$(mktemp -d /tmp/stockade-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
B=$work/bundle
"$HERE/tests/lib/mkbundle.sh" "$STOCKADE" "$B" /bin/true >/dev/null || exit 1
# crun 1.8 accepts only runtime-spec 1.0.x documents; nothing in this config is newer
jq '.ociVersion = "1.0.2"' "$B/config.json" > "$B/config.tmp" && mv "$B/config.tmp" "$B/config.json"
# NO_SECCOMP=1: the same config without linux.seccomp (to see what the filter costs each runtime)
if [ -n "${NO_SECCOMP:-}" ]; then
  jq 'del(.linux.seccomp)' "$B/config.json" > "$B/config.tmp" && mv "$B/config.tmp" "$B/config.json"
fi
ROOTFS=$B/rootfs

printf 'level: restricted\nmode: enforce\n' > "$work/restricted.yaml"
printf 'level: privileged\n' > "$work/nopolicy.yaml"
declare -A POLICY=([stockade]=$work/restricted.yaml [stockade-nopolicy]=$work/nopolicy.yaml)

read -r -a RTS <<< "${RUNTIMES:-stockade stockade-nopolicy crun runc}"
declare -A BIN
for rt in "${RTS[@]}"; do
  case "$rt" in
    stockade|stockade-nopolicy) BIN[$rt]=$STOCKADE ;;
    *) BIN[$rt]=$(command -v "$rt") || { echo "bench: $rt not installed, skipped" >&2; continue; } ;;
  esac
done

one() {  # one RT ID: start one container to completion
  if [ "$1" = unshare ]; then
    unshare --fork --pid --mount --uts --ipc --net chroot "$ROOTFS" /bin/true
  else
    STOCKADE_POLICY=${POLICY[$1]:-} "${BIN[$1]}" --root "$work/state-$1" run --bundle "$B" "$2"
  fi
}

series() {  # series RT ROUND -> prints the median in microseconds
  local rt=$1 r=$2 i t0 t1 times=() fail=0
  for ((i = 0; i < N; i++)); do
    t0=$EPOCHREALTIME
    one "$rt" "b$r-$i" </dev/null >/dev/null 2>>"$work/err-$rt" || fail=$((fail + 1))
    t1=$EPOCHREALTIME
    times+=($(( ${t1/./} - ${t0/./} )))
  done
  [ $fail -eq 0 ] || echo "bench: $rt: $fail of $N runs failed (first error: $(head -1 "$work/err-$rt"))" >&2
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'
}

peak_rss() {  # peak_rss RT -> max KiB over RSS_RUNS runs
  local rt=$1 i r max=0
  for ((i = 0; i < RSS_RUNS; i++)); do
    if [ "$rt" = unshare ]; then
      r=$(/usr/bin/time -f %M unshare --fork --pid --mount --uts --ipc --net chroot "$ROOTFS" /bin/true 2>&1 >/dev/null </dev/null | tail -1)
    else
      r=$(STOCKADE_POLICY=${POLICY[$rt]:-} /usr/bin/time -f %M "${BIN[$rt]}" --root "$work/state-$rt" run --bundle "$B" "rss-$i" 2>&1 >/dev/null </dev/null | tail -1)
    fi
    [[ "$r" =~ ^[0-9]+$ ]] && [ "$r" -gt "$max" ] && max=$r
  done
  echo "$max"
}

ALL=()
for rt in "${RTS[@]}"; do [ -n "${BIN[$rt]:-}" ] && ALL+=("$rt"); done
ALL+=(unshare)

echo "bench: $N sequential /bin/true containers per runtime per round, $ROUNDS rounds, hardened config (seccomp $([ -n "${NO_SECCOMP:-}" ] && echo off || echo on))"
echo "bench: kernel $(uname -r), $(nproc) cores; versions:"
for rt in "${ALL[@]}"; do [ "$rt" = unshare ] || echo "  $rt: $("${BIN[$rt]}" --version 2>/dev/null | head -1)"; done
declare -A MED
for ((r = 1; r <= ROUNDS; r++)); do
  line="round $r:"
  for rt in "${ALL[@]}"; do
    m=$(series "$rt" "$r")
    MED[$rt]+="$m "
    line+=" $rt=$(awk -v u="$m" 'BEGIN{printf "%.2f", u/1000}')ms"
  done
  echo "$line"
done

echo
printf '%-18s %12s %14s %10s %10s\n' runtime median_ms peak_rss_kb x_crun_ms x_crun_rss
declare -A M R
for rt in "${ALL[@]}"; do
  M[$rt]=$(printf '%s\n' ${MED[$rt]} | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  R[$rt]=$(peak_rss "$rt")
done
for rt in "${ALL[@]}"; do
  xm=-; xr=-
  if [ -n "${M[crun]:-}" ]; then
    xm=$(awk -v a="${M[$rt]}" -v b="${M[crun]}" 'BEGIN{printf "%.2f", a/b}')
    xr=$(awk -v a="${R[$rt]}" -v b="${R[crun]}" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')
  fi
  printf '%-18s %12.2f %14s %10s %10s\n' "$rt" "$(awk -v u="${M[$rt]}" 'BEGIN{print u/1000}')" "${R[$rt]}" "$xm" "$xr"
done
