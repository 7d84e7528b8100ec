#!/bin/bash
# validate_sarif.sh [STOCKADE]: audit the fixtures as SARIF (relative and
# absolute paths) and validate both with Microsoft's SARIF Multitool
# (`validate`: the 2.1.0 schema plus the SARIF1xxx/2xxx rules), installed from
# the npm registry into a temporary directory.  Exit 1 on any error or warning.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STOCKADE=$(realpath "${1:-$HERE/build/stockade}")
work=$(mktemp -d /tmp/stockade-sarif.XXXXXX)
trap 'rm -rf "$work"' EXIT
if ! npm install --prefix "$work" --no-audit --no-fund --silent @microsoft/sarif-multitool-linux >/dev/null 2>&1; then
  echo "validate_sarif: cannot install @microsoft/sarif-multitool-linux from npm; skipped" >&2
  exit 0
fi
M=$work/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
chmod +x "$M"
(cd "$HERE/tests/fixtures" && "$STOCKADE" audit --format sarif --fail-on critical audit > "$work/relative.sarif") || true
"$STOCKADE" audit --format sarif --fail-on critical "$HERE/tests/fixtures/audit" > "$work/absolute.sarif" || true
rc=0
for f in relative absolute; do
  out=$("$M" validate --output "$work/$f.validation.sarif" "$work/$f.sarif" 2>&1) || true
  n=$(grep -cE ": (error|warning) SARIF" <<< "$out" || true)
  echo "validate_sarif: $f paths: $n errors or warnings ($(jq '.runs[0].results | length' "$work/$f.sarif") results)"
  if [ "$n" -ne 0 ]; then grep -E ": (error|warning) SARIF" <<< "$out" | head -5; rc=1; fi
done
exit $rc
