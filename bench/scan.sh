#!/bin/bash
# bench/scan.sh [STOCKADE]: how fast `stockade scan` reads a host with 1,000
# processes (the target: under 100 ms).
#
# A proc tree is generated from the recorded one (tests/fixtures/proc/host):
# PID 1 and its mounts, 200 host processes (same namespaces as PID 1: listed
# and skipped), and 40 containers of 20 processes each (800), each with its
# own namespaces, status, cgroup (docker, podman, Kubernetes, stockade in
# turn), mountinfo and environ; plus the sys tree with every container's
# cgroup limits.  `stockade scan --proc DIR --sys DIR --format json` is timed
# for RUNS runs (default 21); the median and the fastest are printed.
# Nothing outlives the run.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STOCKADE=$(realpath "${1:-$HERE/build/stockade}")
RUNS=${RUNS:-21}
FIX=$HERE/tests/fixtures/proc
work=$(mktemp -d /tmp/stockade-bench-scan.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

python3 - "$FIX" "$work" <<'PY'
import hashlib, os, shutil, sys
fix, work = sys.argv[1], sys.argv[2]
proc, sysd = os.path.join(work, "proc"), os.path.join(work, "sys")
os.makedirs(proc)
shutil.copytree(os.path.join(fix, "host", "1"), os.path.join(proc, "1"), symlinks=True)
host = {n: os.readlink(os.path.join(proc, "1", "ns", n)) for n in os.listdir(os.path.join(proc, "1", "ns"))}
weak_status = open(os.path.join(fix, "host", "200", "status")).read()
weak_mounts = open(os.path.join(fix, "host", "200", "mountinfo")).read()
hard_mounts = open(os.path.join(fix, "host", "100", "mountinfo")).read()
def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
def proc_dir(pid, ns, status, cgroup):
    d = os.path.join(proc, str(pid))
    os.makedirs(os.path.join(d, "ns"))
    for n, target in ns.items():
        os.symlink(target, os.path.join(d, "ns", n))
    write(os.path.join(d, "status"), status)
    write(os.path.join(d, "cgroup"), cgroup)
pid = 2
for i in range(200):
    proc_dir(pid, host, weak_status.replace("NSpid:\t200\t1", "NSpid:\t%d" % pid), "0::/system.slice/s%d.service\n" % i)
    pid += 1
for c in range(40):
    cid = hashlib.sha256(b"bench%d" % c).hexdigest()
    cg = ["/system.slice/docker-%s.scope" % cid, "/machine.slice/libpod-%s.scope" % cid,
          "/kubepods/burstable/pod%08d-0000-0000-0000-000000000000/%s" % (c, cid), "/stockade/bench-%d" % c][c % 4]
    ns = {n: "%s:[%d]" % (n, 4026540000 + c * 10 + k) for k, n in enumerate(sorted(host))}
    ns["user"] = host["user"]
    for k in range(20):
        st = weak_status.replace("NSpid:\t200\t1", "NSpid:\t%d\t%d" % (pid, k + 1))
        proc_dir(pid, ns, st, "0::%s\n" % cg)
        if k == 0:
            write(os.path.join(proc, str(pid), "mountinfo"), weak_mounts if c % 2 else hard_mounts)
            write(os.path.join(proc, str(pid), "environ"), "PATH=/usr/bin\0HOME=/root\0API_TOKEN=bench-not-a-secret\0")
        pid += 1
    d = os.path.join(sysd, "fs", "cgroup" + cg)
    write(os.path.join(d, "memory.max"), "max\n" if c % 2 else "268435456\n")
    write(os.path.join(d, "pids.max"), "100\n")
    write(os.path.join(d, "cpu.max"), "max 100000\n")
print("%d processes, 40 containers" % (pid - 1))
PY
[ $? -eq 0 ] || exit 1

"$STOCKADE" scan --proc "$work/proc" --sys "$work/sys" --format json > "$work/out.json"
[ $? -le 1 ] || { echo "bench/scan.sh: scan failed" >&2; exit 1; }
echo "containers reported: $(jq '[.findings[].container] | unique | length' "$work/out.json" 2>/dev/null || echo '?')"
times=()
for ((i = 0; i < RUNS; i++)); do
  t0=$(now_us)
  "$STOCKADE" scan --proc "$work/proc" --sys "$work/sys" --format json >/dev/null
  t1=$(now_us)
  times+=($((t1 - t0)))
done
med=$(printf '%s\n' "${times[@]}" | median)
min=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
printf 'stockade scan, 1,000 processes: median %.1f ms, fastest %.1f ms (%d runs; target < 100 ms)\n' \
  "$(echo "$med / 1000" | bc -l)" "$(echo "$min / 1000" | bc -l)" "$RUNS"
