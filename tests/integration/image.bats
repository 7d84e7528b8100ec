#!/usr/bin/env bats
# The image store: load a busybox image saved three ways (docker-archive,
# oci-archive, OCI layout directory), list, inspect, check the unpacked root,
# refuse a tampered archive with nothing stored, remove.  Every test uses its
# own store under its temp dir; no mounts are made, no network is needed.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  command -v podman >/dev/null || return 0
  command -v skopeo >/dev/null || return 0
  export IMG=$BATS_FILE_TMPDIR/img
  mkdir -p "$IMG"
  "$MKBUNDLE" "$STOCKADE" "$IMG/b" >/dev/null
  local P="podman --root $IMG/storage --runroot $IMG/run --storage-driver vfs --tmpdir $IMG/tmp"
  tar -C "$IMG/b/rootfs" -c . | $P import --change 'CMD ["/bin/sh"]' --change 'ENV FOO=bar' - localhost/stockade-bb:1 >/dev/null
  $P save --format docker-archive -o "$IMG/docker.tar" localhost/stockade-bb:1 >/dev/null 2>&1
  $P save --format oci-archive -o "$IMG/oci.tar" localhost/stockade-bb:1 >/dev/null 2>&1
  skopeo copy -q "oci-archive:$IMG/oci.tar" "oci:$IMG/layout:v1" >/dev/null
  $P rmi -a >/dev/null 2>&1 || true
  rm -rf "$IMG/storage" "$IMG/run" "$IMG/b"
}

setup() {
  [ "$(id -u)" -eq 0 ] || skip "integration tests run as root"
  [ -f "${IMG:-}/oci.tar" ] || skip "needs podman and skopeo to build the test image"
  T=$BATS_TEST_TMPDIR/store
}

teardown() {
  rm -rf "$BATS_TEST_TMPDIR/store" "$BATS_TEST_TMPDIR"/bad*
}

img() { "$STOCKADE" --store "$T" "$@"; }

# the digest in "name@sha256:..."
pinned_digest() { echo "${1##*@}"; }

@test "load docker-archive: pinned reference printed, rootfs unpacked, images lists it" {
  run -0 img load "$IMG/docker.tar"
  [[ "$output" =~ ^localhost/stockade-bb@sha256:[0-9a-f]{64}$ ]]
  d=$(pinned_digest "$output")
  [ -x "$T/rootfs/${d#sha256:}/bin/busybox" ]
  run -0 img images
  [[ "$output" == *"localhost/stockade-bb"*" 1 "*"${d:7:12}"* ]]
  run -0 img images --format json
  [ "$(jq -r '.[0].digest' <<<"$output")" = "$d" ]
}

@test "load oci-archive and OCI layout dir: same manifest digest" {
  run -0 img load "$IMG/oci.tar"
  a=$(pinned_digest "$output")
  [[ "$output" == localhost/stockade-bb@sha256:* ]]
  run -0 img load "$IMG/layout"
  b=$(pinned_digest "$output")
  [ "$a" = "$b" ]
  [ -x "$T/rootfs/${a#sha256:}/bin/busybox" ]
  # the layout names only a tag: the repository comes from the directory's name
  run -0 img inspect localhost/layout:v1
  [ "$(jq -r .digest <<<"$output")" = "$a" ]
}

@test "inspect prints the manifest, config fields and layers" {
  run -0 img load "$IMG/oci.tar"
  d=$(pinned_digest "$output")
  run -0 img inspect localhost/stockade-bb:1
  [ "$(jq -r .digest <<<"$output")" = "$d" ]
  [ "$(jq -r '.config.Cmd[0]' <<<"$output")" = /bin/sh ]
  [ "$(jq -r '.config.Env[]' <<<"$output" | grep -c '^FOO=bar$')" = 1 ]
  [ "$(jq -r '.layers | length' <<<"$output")" = 1 ]
  [[ "$(jq -r .configDigest <<<"$output")" == sha256:* ]]
  # by digest and by the short prefix images prints
  run -0 img inspect "localhost/stockade-bb@$d"
  run -0 img inspect "${d:7:12}"
  run -1 img inspect busybox:nope
  [[ "$output" == *"docker.io/library/busybox:nope"* || "$output" == *"busybox:nope"* ]]
}

@test "a tampered archive is refused naming the digest, and nothing is stored" {
  mkdir -p "$BATS_TEST_TMPDIR/bad"
  tar -C "$BATS_TEST_TMPDIR/bad" -xf "$IMG/oci.tar"
  layer=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/bad/blobs/sha256/$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/bad/index.json" | cut -d: -f2)")
  f="$BATS_TEST_TMPDIR/bad/blobs/sha256/${layer#sha256:}"
  # flip one byte in the middle of the layer blob
  off=$(( $(stat -c %s "$f") / 2 ))
  byte=$(dd if="$f" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
  printf "$(printf '\\%03o' $(( byte ^ 1 )))" | dd of="$f" bs=1 seek=$off conv=notrunc 2>/dev/null
  tar -C "$BATS_TEST_TMPDIR/bad" -cf "$BATS_TEST_TMPDIR/bad.tar" .
  run -1 img load "$BATS_TEST_TMPDIR/bad.tar"
  [[ "$output" == *"$layer"*"sha256 mismatch"* ]]
  [ -z "$(ls "$T/blobs/sha256")" ]
  [ -z "$(ls "$T/rootfs")" ]
  [ -z "$(ls "$T/tmp")" ]
  run -0 img images --format json
  [ "$(jq length <<<"$output")" = 0 ]
  # the layout directory form is refused the same way
  run -1 img load "$BATS_TEST_TMPDIR/bad"
  [[ "$output" == *"$layer"* ]]
  [ -z "$(ls "$T/blobs/sha256")" ]
  # and so is the archive when the store already holds the good blob: the stream is still hashed
  run -0 img load "$IMG/oci.tar"
  run -0 img images --format json
  before=$output
  run -1 img load "$BATS_TEST_TMPDIR/bad.tar"
  [[ "$output" == *"$layer"*"sha256 mismatch"* ]]
  run -0 img images --format json
  [ "$output" = "$before" ]
}

@test "rmi removes the reference, the rootfs and the blobs" {
  run -0 img load "$IMG/oci.tar"
  d=$(pinned_digest "$output")
  run -0 img rmi localhost/stockade-bb:1
  [ ! -e "$T/rootfs/${d#sha256:}" ]
  [ -z "$(ls "$T/blobs/sha256")" ]
  run -0 img images --format json
  [ "$(jq length <<<"$output")" = 0 ]
  run -1 img rmi localhost/stockade-bb:1
  [[ "$output" == *"not in the store"* ]]
}

@test "rmi of one of two references keeps the image" {
  run -0 img load "$IMG/oci.tar"
  d=$(pinned_digest "$output")
  run -0 img load "$IMG/layout"
  run -0 img rmi localhost/layout:v1
  [ -x "$T/rootfs/${d#sha256:}/bin/busybox" ]
  run -0 img inspect localhost/stockade-bb:1
  # name@digest removes that name's references only
  run -0 img load "$IMG/layout"
  run -0 img rmi "localhost/layout@$d"
  run -1 img inspect localhost/layout:v1
  run -0 img inspect localhost/stockade-bb:1
  [ -x "$T/rootfs/${d#sha256:}/bin/busybox" ]
}

@test "--store, STOCKADE_STORE and bad input" {
  STOCKADE_STORE=$T run -0 "$STOCKADE" load "$IMG/oci.tar"
  [ -d "$T/blobs/sha256" ]
  run -1 img load "$BATS_TEST_TMPDIR/nonexistent.tar"
  [[ "$output" == *nonexistent.tar* ]]
  echo junk > "$BATS_TEST_TMPDIR/bad-junk.tar"
  run -1 img load "$BATS_TEST_TMPDIR/bad-junk.tar"
  [[ "$output" == *bad-junk.tar* ]]
  run -2 img images --format yaml
}

# oci_layout DIR LAYER.tar: a one-layer OCI layout around an uncompressed layer, tagged "v1"
oci_layout() {
  local dir=$1 layer=$2 ld cfg cd man md
  mkdir -p "$dir/blobs/sha256"
  ld=$(sha256sum "$layer" | cut -d' ' -f1)
  cp "$layer" "$dir/blobs/sha256/$ld"
  cfg=$(jq -cn --arg d "sha256:$ld" '{architecture:"amd64",os:"linux",config:{Cmd:["/bin/sh"]},rootfs:{type:"layers",diff_ids:[$d]}}')
  cd=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" > "$dir/blobs/sha256/$cd"
  man=$(jq -cn --arg c "sha256:$cd" --argjson cs "${#cfg}" --arg l "sha256:$ld" --argjson ls "$(stat -c %s "$layer")" \
    '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
      config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
      layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar",digest:$l,size:$ls}]}')
  md=$(printf '%s' "$man" | sha256sum | cut -d' ' -f1)
  printf '%s' "$man" > "$dir/blobs/sha256/$md"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
  jq -cn --arg m "sha256:$md" --argjson s "${#man}" \
    '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$s,
      annotations:{"org.opencontainers.image.ref.name":"localhost/hostile:v1"}}]}' > "$dir/index.json"
}

@test "a hostile layer cannot write outside the image root" {
  H=$BATS_TEST_TMPDIR/bad-host   # the sentinel: must stay exactly as it is
  W=$BATS_TEST_TMPDIR/bad-work
  mkdir -p "$H" "$W/sub"
  echo secret > "$H/secret"
  # a -> the sentinel dir, then a/pwned written through it
  ln -s "$H" "$W/a"
  tar -C "$W" -cf "$BATS_TEST_TMPDIR/bad-layer.tar" a
  rm "$W/a"; mkdir "$W/a"; echo x > "$W/a/pwned"
  tar -C "$W" -rf "$BATS_TEST_TMPDIR/bad-layer.tar" a/pwned
  # an absolute name and a ../ climb (-P keeps them as written)
  echo x > "$W/abs"
  tar -C "$W" -P -rf "$BATS_TEST_TMPDIR/bad-layer.tar" --transform "s|^|$H/|" abs
  tar -C "$W/sub" -P -rf "$BATS_TEST_TMPDIR/bad-layer.tar" ../abs
  # a setuid file and a hardlink to the sentinel's file
  echo x > "$W/su"; chmod 4755 "$W/su"
  tar -C "$W" -rf "$BATS_TEST_TMPDIR/bad-layer.tar" su
  oci_layout "$BATS_TEST_TMPDIR/bad-oci" "$BATS_TEST_TMPDIR/bad-layer.tar"
  run -0 img load "$BATS_TEST_TMPDIR/bad-oci"
  d=$(pinned_digest "${lines[-1]}")
  [ "$(ls -A "$H")" = secret ]
  [ "$(cat "$H/secret")" = secret ]
  R=$T/rootfs/${d#sha256:}
  # what was written through the link is inside the root, where the link points from "/"
  [ -f "$R$H/pwned" ]
  [ -L "$R/a" ]
  [ ! -u "$R/su" ]
  [[ "$output" == *"skipped"* ]]
}

# Issue 6: setuid bits are kept only where the policy allows (images.keep_setuid).
@test "setuid and setgid bits are stripped when unpacking unless the policy keeps them" {
  local src=$BATS_TEST_TMPDIR/suid
  mkdir -p "$src/bin"
  printf '#!/bin/sh\n' > "$src/bin/su-like"
  printf '#!/bin/sh\n' > "$src/bin/sg-like"
  chmod 4755 "$src/bin/su-like"
  chmod 2755 "$src/bin/sg-like"
  "$BATS_TEST_DIRNAME/../lib/mkimage.sh" "$BATS_TEST_TMPDIR/suidimg" 1 --layer "$src" >/dev/null
  run -0 img load "$BATS_TEST_TMPDIR/suidimg"
  d=$(pinned_digest "$output")
  [ "$(stat -c %a "$T/rootfs/${d#sha256:}/bin/su-like")" = 755 ]
  [ "$(stat -c %a "$T/rootfs/${d#sha256:}/bin/sg-like")" = 755 ]
  img rmi "localhost/suidimg:1" >/dev/null
  printf 'level: restricted\nimages:\n  keep_setuid: true\n' > "$BATS_TEST_TMPDIR/policy.yaml"
  run -0 "$STOCKADE" --store "$T" --policy "$BATS_TEST_TMPDIR/policy.yaml" load "$BATS_TEST_TMPDIR/suidimg"
  [ "$(stat -c %a "$T/rootfs/${d#sha256:}/bin/su-like")" = 4755 ]
  [ "$(stat -c %a "$T/rootfs/${d#sha256:}/bin/sg-like")" = 2755 ]
  # a policy that cannot be read stops load before anything is stored (fail closed)
  img rmi "localhost/suidimg:1" >/dev/null
  run -1 "$STOCKADE" --store "$T" --policy "$BATS_TEST_TMPDIR/missing.yaml" load "$BATS_TEST_TMPDIR/suidimg"
  [[ "$output" == *missing.yaml* ]]
  [ -z "$(ls "$T/rootfs" 2>/dev/null)" ]
}
