#!/bin/bash
# bench/image.sh [STOCKADE]: pull + unpack from a local registry, stockade vs
# skopeo + umoci, in the same run.
#
# A private docker-registry on 127.0.0.1 (tests/integration/registry.bash)
# holds two images written here: "web", the 3-layer test image (busybox, the
# static test httpd, a page), and "big", 4 layers (busybox, Python's standard
# library, Perl's, Debian's locale data) of about 250 MB unpacked.  Each
# run starts from nothing on the client side:
#   stockade:      stockade --store FRESH pull -q REG/IMAGE:v1   (fetch, verify, store, unpack)
#   skopeo+umoci:  skopeo copy docker://REG/IMAGE:v1 oci:FRESH:v1 && umoci unpack --image FRESH:v1 BUNDLE
# RUNS runs each (default 5), alternating; the medians and their ratio are
# printed as a table.  The registry is stopped and everything removed on exit.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STOCKADE=$(realpath "${1:-$HERE/build/stockade}")
HTTPD=$(dirname "$STOCKADE")/tests/httpd
RUNS=${RUNS:-5}
for c in docker-registry skopeo umoci jq python3 curl; do
  command -v $c >/dev/null || { echo "bench/image.sh: needs $c (scripts/deps.sh bench)" >&2; exit 1; }
done
[ -x "$HTTPD" ] || { echo "bench/image.sh: $HTTPD missing (build with tests enabled)" >&2; exit 1; }
# shellcheck source=tests/integration/registry.bash
source "$HERE/tests/integration/registry.bash"
work=$(mktemp -d /tmp/stockade-bench-image.XXXXXX)
cleanup() { registry_stop "$work/reg"; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

build_test_images "$work/img" "$HTTPD"
mkdir -p "$work/img/src/py/usr/lib" "$work/img/src/perl/usr/share" "$work/img/src/locale/usr/share"
cp -a /usr/lib/python3.11 "$work/img/src/py/usr/lib/" 2>/dev/null
cp -a /usr/share/perl "$work/img/src/perl/usr/share/" 2>/dev/null
cp -a /usr/share/locale "$work/img/src/locale/usr/share/" 2>/dev/null
oci_layout "$work/img/big" v1 amd64 '["/bin/sh"]' "$work/img/src/bb" "$work/img/src/py" "$work/img/src/perl" \
  "$work/img/src/locale"
rm -rf "$work/img/src/py" "$work/img/src/perl" "$work/img/src/locale"
registry_start "$work/reg" || exit 1
push_layout "$work/img/web:v1" web:v1
push_layout "$work/img/big:v1" big:v1

printf '%-6s %7s %10s %10s %14s %15s %12s\n' IMAGE LAYERS PACKED UNPACKED "stockade ms" "skopeo+umoci ms" "ratio"
for name in web big; do
  m=$(jq -r '.manifests[0].digest' "$work/img/$name/index.json")
  man=$work/img/$name/blobs/sha256/${m#sha256:}
  layers=$(jq '.layers | length' "$man")
  packed=$(jq '[.layers[].size] | add' "$man")
  s=() u=()
  for i in $(seq "$RUNS"); do
    rm -rf "$work/store" "$work/oci" "$work/bundle"; sync
    t0=$(now_us)
    "$STOCKADE" --store "$work/store" pull -q "$REGISTRY/$name:v1" >/dev/null || { echo "stockade pull failed" >&2; exit 1; }
    t1=$(now_us)
    s+=($(( (t1 - t0) / 1000 )))
    unpacked=$(du -sb "$work/store/rootfs" | cut -f1)
    rm -rf "$work/store"; sync
    t0=$(now_us)
    skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/$name:v1" "oci:$work/oci:v1" >/dev/null &&
      umoci unpack --image "$work/oci:v1" "$work/bundle" >/dev/null 2>&1 || { echo "skopeo/umoci failed" >&2; exit 1; }
    t1=$(now_us)
    u+=($(( (t1 - t0) / 1000 )))
    rm -rf "$work/oci" "$work/bundle"
  done
  ms=$(printf '%s\n' "${s[@]}" | median)
  mu=$(printf '%s\n' "${u[@]}" | median)
  printf '%-6s %7s %9.1fM %9.1fM %14s %15s %11sx\n' "$name" "$layers" "$(echo "$packed / 1000000" | bc -l)" \
    "$(echo "$unpacked / 1000000" | bc -l)" "$ms" "$mu" "$(echo "scale=2; $mu / $ms" | bc -l)"
done
echo "(medians of $RUNS runs each, fresh client side every run; ratio = skopeo+umoci / stockade, >1: stockade faster)"
