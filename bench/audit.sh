#!/bin/bash
# bench/audit.sh [STOCKADE]: how fast `stockade audit` is, next to the npm
# linters that run here (dockerfilelint for Dockerfiles, dclint for compose).
#
#  1. batch: the 299-file evaluation set (../shared/eval/audit) and a generated
#     tree of 10,000 files (the set copied round-robin), one invocation each,
#     median of 5 runs -> files/s;
#  2. one file: `stockade audit Dockerfile` (and a compose file), median of 50
#     runs -> ms per invocation.
# The npm linters are installed into a temporary directory (never the repo)
# and timed on the same files, one invocation over all files where they
# accept that.  Nothing outlives the run.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STOCKADE=$(realpath "${1:-$HERE/build/stockade}")
EVAL=${EVAL:-$HERE/../shared/eval/audit}
work=$(mktemp -d /tmp/stockade-bench-audit.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -d "$EVAL" ] || { echo "bench/audit.sh: $EVAL not found (set EVAL=DIR)" >&2; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# the 10,000-file tree: the evaluation files copied round-robin, names kept so the kind is detected the same way
mapfile -t SRC < <(cd "$EVAL" && find . -type f ! -name '*.json' ! -name '*.jsonl' ! -name '*.md' | sort)
mkdir -p "$work/tree"
# 100 files per directory, as in a repository; names keep what detection reads
# (Dockerfile.N, docker-compose-N.yml, N-deployment.yaml)
for ((i = 0; i < 10000; i++)); do
  f=${SRC[$((i % ${#SRC[@]}))]}
  d=$work/tree/$((i / 100))
  [ $((i % 100)) -eq 0 ] && mkdir -p "$d"
  b=$(basename "$f")
  case "$b" in
    Dockerfile*|Containerfile*) n="Dockerfile.$i" ;;
    docker-compose*|compose*) n="${b%.*}-$i.${b##*.}" ;;
    *) n="$i-$b" ;;
  esac
  cp "$EVAL/$f" "$d/$n"
done
NTREE=$(find "$work/tree" -type f | wc -l)
NEVAL=$(find "$EVAL" -type f ! -name '*.jsonl' ! -name '*.md' ! -name '*.json' | wc -l)

batch() {  # batch DIR RUNS -> median seconds
  local i t0 t1
  for ((i = 0; i < $2; i++)); do
    t0=$(now_us); "$STOCKADE" audit --format "${FORMAT:-text}" --fail-on critical "$1" >/dev/null 2>&1; t1=$(now_us)
    echo $((t1 - t0))
  done | median
}
one() {  # one FILE RUNS [CMD...] -> median microseconds
  local f=$1 n=$2 i t0 t1; shift 2
  for ((i = 0; i < n; i++)); do
    t0=$(now_us); "$@" "$f" >/dev/null 2>&1; t1=$(now_us)
    echo $((t1 - t0))
  done | median
}

echo "bench-audit: $(nproc) cores, stockade $("$STOCKADE" --version | head -1 | awk '{print $3}')"
t_eval=$(batch "$EVAL" 5)
t_tree=$(batch "$work/tree" 5)
printf '%-34s %10s %12s\n' "stockade audit" "files" "files/s"
printf '%-34s %10d %12.0f\n' "  evaluation set (one run)" "$NEVAL" "$(awk -v n="$NEVAL" -v t="$t_eval" 'BEGIN{print n/(t/1e6)}')"
printf '%-34s %10d %12.0f\n' "  generated tree (one run)" "$NTREE" "$(awk -v n="$NTREE" -v t="$t_tree" 'BEGIN{print n/(t/1e6)}')"

DF=$EVAL/trivy-checks/dockerfile/$(ls "$EVAL/trivy-checks/dockerfile" | head -1)
DF=$(find "$DF" -type f | head -1)
CF=$(find "$EVAL/kics/dockerCompose" -name '*.yaml' | head -1)
t_df=$(one "$DF" 50 "$STOCKADE" audit --fail-on critical)
t_cf=$(one "$CF" 50 "$STOCKADE" audit --fail-on critical)
echo
printf '%-34s %12s\n' "one-file invocation" "median ms"
printf '%-34s %12.2f\n' "  stockade audit Dockerfile" "$(awk -v t="$t_df" 'BEGIN{print t/1000}')"
printf '%-34s %12.2f\n' "  stockade audit compose file" "$(awk -v t="$t_cf" 'BEGIN{print t/1000}')"

# peers from the npm registry, in a temporary prefix
if command -v npm >/dev/null && [ -z "${NO_PEERS:-}" ]; then
  if npm install --prefix "$work/npm" --no-audit --no-fund --silent dockerfilelint dclint >/dev/null 2>&1; then
    DFL=$work/npm/node_modules/.bin/dockerfilelint
    DCL=$work/npm/node_modules/.bin/dclint
    mapfile -t DFS < <(find "$work/tree" -type f \( -name 'Dockerfile*' -o -name '*.dockerfile' \) | head -1000)
    mapfile -t CFS < <(find "$work/tree" -type f -name '*.yaml' | xargs grep -l '^services:' 2>/dev/null | head -1000)
    echo
    printf '%-34s %10s %12s %14s\n' "peer, same files" "files" "peer files/s" "stockade files/s"
    if [ -x "$DFL" ] && [ ${#DFS[@]} -gt 0 ]; then
      t0=$(now_us); "$DFL" "${DFS[@]}" >/dev/null 2>&1; t1=$(now_us)
      s0=$(now_us); "$STOCKADE" audit --format json --fail-on critical "${DFS[@]}" >/dev/null 2>&1; s1=$(now_us)
      printf '%-34s %10d %12.0f %14.0f\n' "  dockerfilelint $("$DFL" --version 2>/dev/null | head -1)" "${#DFS[@]}" \
        "$(awk -v n=${#DFS[@]} -v t=$((t1 - t0)) 'BEGIN{print n/(t/1e6)}')" "$(awk -v n=${#DFS[@]} -v t=$((s1 - s0)) 'BEGIN{print n/(t/1e6)}')"
      printf '%-34s %12.2f ms (stockade %.2f ms)\n' "  dockerfilelint, one file" "$(one "$DF" 10 "$DFL" | awk '{print $1/1000}')" "$(awk -v t="$t_df" 'BEGIN{print t/1000}')"
    fi
    if [ -x "$DCL" ] && [ ${#CFS[@]} -gt 0 ]; then
      t0=$(now_us); "$DCL" "${CFS[@]}" >/dev/null 2>&1; t1=$(now_us)
      s0=$(now_us); "$STOCKADE" audit --format json --fail-on critical "${CFS[@]}" >/dev/null 2>&1; s1=$(now_us)
      printf '%-34s %10d %12.0f %14.0f\n' "  dclint $("$DCL" --version 2>/dev/null | head -1)" "${#CFS[@]}" \
        "$(awk -v n=${#CFS[@]} -v t=$((t1 - t0)) 'BEGIN{print n/(t/1e6)}')" "$(awk -v n=${#CFS[@]} -v t=$((s1 - s0)) 'BEGIN{print n/(t/1e6)}')"
      printf '%-34s %12.2f ms (stockade %.2f ms)\n' "  dclint, one file" "$(one "$CF" 10 "$DCL" | awk '{print $1/1000}')" "$(awk -v t="$t_cf" 'BEGIN{print t/1000}')"
    fi
  else
    echo "bench-audit: npm could not install dockerfilelint/dclint; peers skipped" >&2
  fi
fi
