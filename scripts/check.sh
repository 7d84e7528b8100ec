#!/bin/bash
# check.sh: the whole test suite, as `make check` and CI run it.
#   1. build, unit tests (cmocka), integration tests (bats, as root)
#   2. the same again with AddressSanitizer + UBSan
#   3. a short smoke run of every fuzz target (when clang is there)
# Ends with one summary line: "stockade check: PASS ..." or "stockade check: FAIL ...".
set -uo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
results=()
failed=0

step() {  # step NAME CMD...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then results+=("$name: ok"); else results+=("$name: FAILED"); failed=1; fi
}

build() {  # build DIR [meson args]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then meson setup "$dir" "$@" >/dev/null || return 1; fi
  ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

unit() { meson test -C "$1" --suite unit --print-errorlogs -q; }

integration() {  # integration BINARY
  if [ "$(id -u)" -ne 0 ]; then echo "integration tests need root: skipped"; return 1; fi
  STOCKADE=$(realpath "$1") bats --timing tests/integration
}

step "build" build build
step "unit" unit build
step "integration" integration build/stockade

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
step "build (asan+ubsan)" build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
step "unit (asan+ubsan)" unit build-asan
step "integration (asan+ubsan)" integration build-asan/stockade

if [ -x scripts/fuzz.sh ] && command -v clang >/dev/null; then
  step "fuzz smoke" scripts/fuzz.sh 10
fi

echo
printf '  %s\n' "${results[@]}"
secs=$(( $(date +%s) - START ))
if [ $failed -eq 0 ]; then
  echo "stockade check: PASS (${#results[@]} steps, ${secs}s)"
else
  echo "stockade check: FAIL (${secs}s)"
fi
exit $failed
