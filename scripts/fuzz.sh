#!/bin/bash
# fuzz.sh [SECONDS]: build every libFuzzer target with clang + ASan/UBSan in
# build-fuzz/ and run each for SECONDS (default 60) from its seed corpus
# (fuzz/corpus/<name>, seeded with `stockade spec` output).  A crash leaves
# its input as build-fuzz/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
B=build-fuzz
if [ ! -f "$B/build.ninja" ]; then
  CC=clang meson setup "$B" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug >/dev/null
fi
ninja -C "$B" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
for t in "$B"/fuzz/fuzz_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  name=$(basename "$t"); name=${name#fuzz_}
  corpus=$work/$name
  mkdir -p "$corpus"
  cp fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  if [ "$name" = spec ]; then "$B/stockade" spec --stdout > "$corpus/hardened.json" 2>/dev/null || true; fi
  echo "fuzz: $name for ${SECS}s"
  if ! "$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$B/" "$corpus" \
       >"$work/$name.log" 2>&1; then
    echo "fuzz: $name FAILED:"; tail -40 "$work/$name.log"; rc=1
  else
    grep -E '^Done|#[0-9]+.*DONE' "$work/$name.log" | tail -1 || true
  fi
done
exit $rc
