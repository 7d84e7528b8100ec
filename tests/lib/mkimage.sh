#!/bin/bash
# mkimage.sh OUT TAG [--user U] [--cmd JSON] [--entrypoint JSON] [--env K=V]... [--workdir DIR]
#            [--expose PORT/PROTO]... [--layer DIR]...
#
# An OCI image layout directory OUT (index.json, oci-layout, blobs/sha256/)
# holding one linux/amd64 image tagged TAG ("v1"; org.opencontainers.image.ref.name),
# built from directories with nothing but tar, gzip, sha256sum and jq: each
# --layer DIR becomes one tar+gzip layer, in order (later layers win).  With no
# --layer, the busybox-static root of mkbundle.sh is the one layer.  Files are
# owned by root in the layers (numeric-owner); mtimes are fixed so the same
# input gives the same digests.  `stockade load OUT` reads the result; so do
# skopeo ("oci:OUT:TAG") and umoci.  No network, no engine.
set -euo pipefail
usage() { echo "usage: mkimage.sh OUT TAG [--user U] [--cmd JSON] [--entrypoint JSON] [--env K=V]... [--workdir DIR] [--expose P/tcp]... [--layer DIR]..." >&2; exit 2; }
OUT=${1:-}; TAG=${2:-}
[ -n "$OUT" ] && [ -n "$TAG" ] || usage
shift 2
user=""; cmd='["/bin/sh"]'; entrypoint='null'; workdir=""; envs=(); exposes=(); layers=()
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user=$2; shift 2 ;;
    --cmd) cmd=$2; shift 2 ;;
    --entrypoint) entrypoint=$2; shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --expose) exposes+=("$2"); shift 2 ;;
    --layer) layers+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ${#layers[@]} -eq 0 ]; then
  "$HERE/mkbundle.sh" /bin/true "$tmp/bundle" >/dev/null 2>&1 || true  # the rootfs is made before `spec`
  [ -x "$tmp/bundle/rootfs/bin/busybox" ] || { echo "mkimage.sh: could not build the busybox root (apt-get install busybox-static)" >&2; exit 1; }
  layers=("$tmp/bundle/rootfs")
fi

mkdir -p "$OUT/blobs/sha256"
put() {  # put FILE -> prints the digest hex; moves FILE into blobs
  local h; h=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$OUT/blobs/sha256/$h"
  echo "$h"
}
diff_ids=(); layer_descs=()
i=0
for d in "${layers[@]}"; do
  tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C "$d" -cf "$tmp/l$i.tar" .
  diff_ids+=("sha256:$(sha256sum "$tmp/l$i.tar" | cut -d' ' -f1)")
  gzip -n -1 "$tmp/l$i.tar"
  size=$(stat -c %s "$tmp/l$i.tar.gz")
  h=$(put "$tmp/l$i.tar.gz")
  layer_descs+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$size}")
  i=$((i + 1))
done

env_json=$(printf '%s\n' "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "${envs[@]}" | jq -R . | jq -s .)
exp_json=$(printf '%s\n' "${exposes[@]}" | jq -R 'select(length > 0) | {(.): {}}' | jq -s 'add // {}')
ids_json=$(printf '%s\n' "${diff_ids[@]}" | jq -R . | jq -s .)
jq -n --arg user "$user" --argjson cmd "$cmd" --argjson ep "$entrypoint" --arg wd "$workdir" \
  --argjson env "$env_json" --argjson exp "$exp_json" --argjson ids "$ids_json" \
  '{architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
    config: ({Env: $env, Cmd: $cmd} + (if $ep then {Entrypoint: $ep} else {} end)
             + (if $user != "" then {User: $user} else {} end)
             + (if $wd != "" then {WorkingDir: $wd} else {} end)
             + (if ($exp | length) > 0 then {ExposedPorts: $exp} else {} end)),
    rootfs: {type: "layers", diff_ids: $ids}, history: []}' -c > "$tmp/config.json"
csize=$(stat -c %s "$tmp/config.json")
ch=$(put "$tmp/config.json")
layers_json=$(printf '%s\n' "${layer_descs[@]}" | jq -s -c .)
jq -n -c --arg c "sha256:$ch" --argjson cs "$csize" --argjson layers "$layers_json" \
  '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
    layers: $layers}' > "$tmp/manifest.json"
msize=$(stat -c %s "$tmp/manifest.json")
mh=$(put "$tmp/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' > "$OUT/oci-layout"
jq -n -c --arg m "sha256:$mh" --argjson ms "$msize" --arg tag "$TAG" \
  '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
    platform: {architecture: "amd64", os: "linux"}, annotations: {"org.opencontainers.image.ref.name": $tag}}]}' \
  > "$OUT/index.json"
echo "sha256:$mh"
