#!/bin/bash
# bench/engines.sh [STOCKADE] — end-to-end `podman run --rm` and `docker run --rm`
# latency with stockade, crun and runc as the engine's runtime, in one run, and
# `stockade run --rm IMAGE true` (no engine: the image from the same archive,
# loaded into a private store) next to them.
#
# Same image (busybox-static, imported locally), same request for every
# runtime (`true`, --network none, NOFILE/NPROC 1024 so that no runtime
# needs CAP_SYS_RESOURCE).  ROUNDS rounds (default 3) of N runs (default 20)
# per engine and runtime, interleaved; prints the median of round medians and
# ratios to crun.  Runs in a private mount namespace without the hybrid
# cgroup2 mount so crun 1.8 can run (as bench/run.sh); podman and dockerd use
# private storage under a temp dir and are stopped at the end.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STOCKADE=$(realpath "${1:-$HERE/build/stockade}")
ROUNDS=${ROUNDS:-3}
N=${N:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench/engines.sh runs containers: run it as root" >&2; exit 1; }
if [ -z "${STOCKADE_BENCH_NS:-}" ]; then
  exec env STOCKADE_BENCH_NS=1 unshare -m --propagation private "$0" "$STOCKADE"
fi
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then umount -l /sys/fs/cgroup/unified; fi

work=$(mktemp -d /tmp/stockade-bench-engines.XXXXXX)
dpid=
# The engines' parent cgroups (podman's libpod_parent, docker's docker) that
# this run creates are removed at the end; ones that were already there stay.
engine_cgroups() { find /sys/fs/cgroup -maxdepth 2 -type d \( -name libpod_parent -o -name docker \) 2>/dev/null | sort; }
cgroups_before=$(engine_cgroups)
cleanup() {
  [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && sleep 2
  grep -F "$work" /proc/self/mountinfo | cut -d' ' -f5 | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$work"
  # conmon's cgroup empties only when conmon exits, a moment after `podman rm`
  for _ in $(seq 50); do
    left=$(comm -13 <(printf '%s\n' "$cgroups_before") <(engine_cgroups))
    [ -z "$left" ] && break
    for cg in $left; do find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    sleep 0.1
  done
  [ -z "$left" ] || echo "bench/engines.sh: could not remove engine cgroups: $left" >&2
}
trap cleanup EXIT
"$HERE/tests/lib/mkbundle.sh" "$STOCKADE" "$work/b" >/dev/null
P="podman --root $work/pm/storage --runroot $work/pm/run --tmpdir $work/pm/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file"
tar -C "$work/b/rootfs" -c . | $P import - localhost/bench:1 >/dev/null
$P save -o "$work/img.tar" localhost/bench:1 >/dev/null 2>&1

RTS=(stockade crun runc)
declare -A BIN=([stockade]=$STOCKADE [crun]=$(command -v crun) [runc]=$(command -v runc))
printf '{"runtimes": {' > "$work/daemon.json"
sep=
# The request is the engine's default (root, its capabilities), which stockade's
# default policy refuses; this benchmark times the runtime, so stockade runs
# under a policy that enforces nothing (bench/run.sh measures the policy's cost).
printf 'level: privileged\n' > "$work/policy.yaml"
declare -A RTARGS=([stockade]="\"runtimeArgs\": [\"--policy=$work/policy.yaml\"], ")
for rt in "${RTS[@]}"; do printf '%s"bench-%s": {%s"path": "%s"}' "$sep" "$rt" "${RTARGS[$rt]:-}" "${BIN[$rt]}" >> "$work/daemon.json"; sep=,; done
printf '}}\n' >> "$work/daemon.json"
D="/usr/bin/docker -H unix://$work/docker.sock"
if command -v dockerd >/dev/null; then
  dockerd --config-file "$work/daemon.json" --data-root "$work/dk" --exec-root "$work/dkx" --pidfile "$work/dockerd.pid" \
          -H "unix://$work/docker.sock" --iptables=false --ip6tables=false --bridge=none --storage-driver vfs > "$work/dockerd.log" 2>&1 &
  dpid=$!
  for _ in $(seq 150); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
  $D load -i "$work/img.tar" >/dev/null
fi
# stockade run IMAGE: the same archive in a private store.  The image's user is
# root, so the policy is the restricted level in harden mode (root becomes
# 65534, as the default restricted/enforce policy would demand) with STK501 off
# (the tag is local); the policy's work is included in the time.
SIMG=$("$STOCKADE" --store "$work/store" load "$work/img.tar")
printf 'level: restricted\nmode: harden\nrules:\n  STK501: off\n' > "$work/run-policy.yaml"
srun() { "$STOCKADE" --root "$work/srun" --store "$work/store" --policy "$work/run-policy.yaml" run --rm "${SIMG%@*}:1" true 2>/dev/null; }
srun || { echo "bench-engines: stockade run IMAGE failed:" >&2; srun; }

ARGS=(--rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/bench:1 true)
one() {  # one ENGINE RT
  case "$1" in
    podman) if [ "$2" = stockade ]; then $P --runtime "${BIN[$2]}" --runtime-flag "policy=$work/policy.yaml" run "${ARGS[@]}";
            else $P --runtime "${BIN[$2]}" run "${ARGS[@]}"; fi ;;
    docker) $D run --runtime "bench-$2" "${ARGS[@]}" ;;
  esac
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
declare -A MED
ENGINES=(podman); [ -n "$dpid" ] && ENGINES+=(docker)
echo "bench-engines: $N runs x $ROUNDS rounds per engine and runtime (\`ENGINE run --rm ... true\`)"
for ((r = 1; r <= ROUNDS; r++)); do
  for e in "${ENGINES[@]}"; do
    for rt in "${RTS[@]}"; do
      times=(); fail=0
      for ((i = 0; i < N; i++)); do
        t0=$EPOCHREALTIME
        one "$e" "$rt" >/dev/null 2>>"$work/err-$e-$rt" || fail=$((fail + 1))
        t1=$EPOCHREALTIME
        times+=($(( ${t1/./} - ${t0/./} )))
      done
      [ $fail -eq 0 ] || echo "bench-engines: $e/$rt: $fail of $N failed: $(head -1 "$work/err-$e-$rt")" >&2
      MED[$e-$rt]+="$(printf '%s\n' "${times[@]}" | median) "
    done
  done
  times=(); fail=0
  for ((i = 0; i < N; i++)); do
    t0=$EPOCHREALTIME
    srun >/dev/null || fail=$((fail + 1))
    t1=$EPOCHREALTIME
    times+=($(( ${t1/./} - ${t0/./} )))
  done
  [ $fail -eq 0 ] || echo "bench-engines: stockade run IMAGE: $fail of $N failed" >&2
  MED[run]+="$(printf '%s\n' "${times[@]}" | median) "
done
printf '\n%-8s %-10s %12s %9s\n' engine runtime median_ms x_crun
for e in "${ENGINES[@]}"; do
  c=$(printf '%s\n' ${MED[$e-crun]} | median)
  for rt in "${RTS[@]}"; do
    m=$(printf '%s\n' ${MED[$e-$rt]} | median)
    printf '%-8s %-10s %12.1f %9.2f\n' "$e" "$rt" "$(awk -v u="$m" 'BEGIN{print u/1000}')" "$(awk -v a="$m" -v b="$c" 'BEGIN{print a/b}')"
  done
done
m=$(printf '%s\n' ${MED[run]} | median)
printf '\nstockade run --rm IMAGE true (no engine) %10.1f ms\n' "$(awk -v u="$m" 'BEGIN{print u/1000}')"
for e in "${ENGINES[@]}"; do
  for rt in "${RTS[@]}"; do
    o=$(printf '%s\n' ${MED[$e-$rt]} | median)
    printf '  %s run --rm with %-8s is %5.1fx slower\n' "$e" "$rt" "$(awk -v a="$o" -v b="$m" 'BEGIN{print a/b}')"
  done
done
