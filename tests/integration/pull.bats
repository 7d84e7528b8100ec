#!/usr/bin/env bats
# stockade pull and prune against a real registry: Debian's docker-registry on
# 127.0.0.1 (a second one with htpasswd auth, a third on the host's
# non-loopback address for the plain-HTTP refusal), started in setup_file and
# stopped by PID in teardown_file.  The images are OCI layouts written by
# registry.bash and pushed with skopeo; every test pulls into its own store.

load helpers
load registry
bats_require_minimum_version 1.5.0

HTTPD=$(dirname "$STOCKADE")/tests/httpd

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  for c in docker-registry skopeo jq htpasswd curl python3; do command -v $c >/dev/null || return 0; done
  [ -x "$HTTPD" ] || return 0
  export IMG=$BATS_FILE_TMPDIR/img
  build_test_images "$IMG" "$HTTPD"
  # an image of its own for the corruption test: busybox plus a layer no other image has
  mkdir -p "$IMG/src/junk"
  head -c 65536 /dev/urandom > "$IMG/src/junk/junk"
  oci_layout "$IMG/bad" v1 amd64 '["/bin/sh"]' "$IMG/src/bb" "$IMG/src/junk"

  registry_start "$BATS_FILE_TMPDIR/reg"
  export REG=$REGISTRY REG_DIR=$REGISTRY_DIR
  push_layout "$IMG/bb:v1" bb:v1
  push_layout "$IMG/web:v1" web:v1
  push_layout "$IMG/multi:v1" multi:v1
  push_layout "$IMG/bad:v1" bad:v1
  push_layout "$IMG/bb:v1" moving:v1

  htpasswd -Bbn alice 's3cret!' > "$BATS_FILE_TMPDIR/htpasswd"
  registry_start "$BATS_FILE_TMPDIR/areg" 127.0.0.1 "$BATS_FILE_TMPDIR/htpasswd"
  export AREG=$REGISTRY
  push_layout "$IMG/bb:v1" private/bb:v1 --dest-creds 'alice:s3cret!'

  # Bearer: a token service (the test httpd serving a signed token) and a registry that trusts it
  token_server "$BATS_FILE_TMPDIR/tok" "$HTTPD" tok/bb
  export TOKEN_REALM
  registry_start "$BATS_FILE_TMPDIR/treg" 127.0.0.1 "$TOKEN_AUTH_YAML"
  export TREG=$REGISTRY
  push_layout "$IMG/bb:v1" tok/bb:v1 --dest-creds alice:unused

  # the host's own non-loopback address, if it has one: nothing leaves the machine
  local ext
  ext=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
  if [ -n "$ext" ]; then
    registry_start "$BATS_FILE_TMPDIR/ereg" "$ext"
    export EREG=$REGISTRY
    push_layout "$IMG/bb:v1" bb:v1
  fi
  export READY=1
}

teardown_file() {
  registry_stop "$BATS_FILE_TMPDIR/reg"
  registry_stop "$BATS_FILE_TMPDIR/areg"
  registry_stop "$BATS_FILE_TMPDIR/ereg"
  registry_stop "$BATS_FILE_TMPDIR/treg"
  token_server_stop "$BATS_FILE_TMPDIR/tok"
}

setup() {
  [ "$(id -u)" -eq 0 ] || skip "integration tests run as root"
  [ -n "${READY:-}" ] || skip "needs docker-registry, skopeo, jq, htpasswd (apache2-utils), curl, python3"
  setup_common
  T=$BATS_TEST_TMPDIR/store
  # no credentials from the host's own docker config
  export DOCKER_CONFIG=$BATS_TEST_TMPDIR/no-docker-config
}

teardown() {
  [ -z "${HTTPD_PID:-}" ] || { kill "$HTTPD_PID" 2>/dev/null; wait "$HTTPD_PID" 2>/dev/null || true; }
  # containers `run IMAGE` started (the end-to-end test): remove them even when the test failed
  local n
  for n in $(ls "$ROOT/.run" 2>/dev/null); do "$STOCKADE" --root "$ROOT" rm -f "$n" >/dev/null 2>&1 || true; done
  rm -rf "$T"
  teardown_common
}

img() { "$STOCKADE" --store "$T" "$@"; }
pinned_digest() { echo "${1##*@}"; }
# the manifest digest of a layout's image (what the registry stores under the tag)
layout_digest() { jq -r '.manifests[0].digest' "$1/index.json"; }
blob_gets() { grep -c "\"GET /v2/[^ ]*/blobs/" "$REG_DIR/registry.log" || true; }

@test "pull by tag: the pinned reference alone on stdout, listed, unpacked" {
  run -0 --separate-stderr img pull "$REG/bb:v1"
  d=$(layout_digest "$IMG/bb")
  [ "$output" = "$REG/bb@$d" ]
  # not a tty: nothing else is printed
  [ -z "$stderr" ]
  [ -x "$T/rootfs/${d#sha256:}/bin/busybox" ]
  [ "$(cat "$T/rootfs/${d#sha256:}/etc/passwd" | head -1)" = "root:x:0:0:root:/root:/bin/sh" ]
  run -0 img images --format json
  [ "$(jq -r '.[0].name' <<<"$output")" = "$REG/bb" ]
  [ "$(jq -r '.[0].tag' <<<"$output")" = v1 ]
  [ "$(jq -r '.[0].digest' <<<"$output")" = "$d" ]
  run -0 img inspect "$REG/bb:v1"
  [ "$(jq -r '.config.Cmd[0]' <<<"$output")" = /bin/sh ]
  # the runtime binary hands pull to stockade-image, and -q prints the same line
  run -0 img pull -q "$REG/bb:v1"
  [ "$output" = "$REG/bb@$d" ]
}

@test "pull by digest, and an index picks linux/amd64" {
  d=$(layout_digest "$IMG/bb")
  run -0 img pull "$REG/bb@$d"
  [ "$output" = "$REG/bb@$d" ]
  run -0 img inspect "$REG/bb@$d"
  [ "$(jq -r .digest <<<"$output")" = "$d" ]
  # the index's amd64 entry, not the arm64 one listed first
  run -0 img pull "$REG/multi:v1"
  [ "$output" = "$REG/multi@sha256:$(cat "$IMG/multi/amd64.digest")" ]
  run -0 img inspect "$REG/multi:v1"
  [ "$(jq -r .architecture <<<"$output")" = amd64 ]
  # a digest the registry does not have: 404 named with the URL
  run -1 img pull "$REG/bb@sha256:$(printf x | sha256sum | cut -d' ' -f1)"
  [[ "$output" == *"http://$REG/v2/bb/manifests/sha256:"*"HTTP 404"* ]]
}

@test "pulling again fetches no blob twice; a shared layer is fetched once" {
  run -0 img pull "$REG/web:v1"
  before=$(blob_gets)
  run -0 --separate-stderr img --debug pull "$REG/web:v1"
  [ "$(blob_gets)" = "$before" ]
  [ "$(grep -c 'already stored, not fetched' <<<"$stderr")" = 4 ]   # config + 3 layers
  [[ "$stderr" != *"/blobs/"* ]]
  # bb's only layer is web's first: only bb's config comes over the wire
  run -0 --separate-stderr img --debug pull "$REG/bb:v1"
  [ "$(blob_gets)" = "$((before + 1))" ]
  [[ "$stderr" == *"layer 1/1"*"already stored, not fetched"* ]]
}

@test "a multi-layer image: the httpd binary is unpacked, executable, and serves the image's files" {
  run -0 img pull "$REG/web:v1"
  d=$(pinned_digest "$output")
  root=$T/rootfs/${d#sha256:}
  [ -x "$root/bin/httpd" ]
  [ -x "$root/bin/busybox" ]
  [ "$(cat "$root/www/index.html")" = "hello from stockade's test image" ]
  run -0 img inspect "$REG/web:v1"
  [ "$(jq -r '.layers | length' <<<"$output")" = 3 ]
  [ "$(jq -c '.config.Cmd' <<<"$output")" = '["/bin/httpd","8080","/www"]' ]
  port=$(free_port)
  "$root/bin/httpd" "$port" "$root/www" 127.0.0.1 >"$BATS_TEST_TMPDIR/httpd.out" 2>&1 3>&- &
  HTTPD_PID=$!
  for i in $(seq 50); do grep -q listening "$BATS_TEST_TMPDIR/httpd.out" && break; sleep 0.1; done
  [ "$(curl -s "http://127.0.0.1:$port/")" = "hello from stockade's test image" ]
}

@test "a corrupted blob in the registry is refused and nothing from that pull is stored" {
  run -0 img pull "$REG/bb:v1"
  blobs_before=$(ls "$T/blobs/sha256" | sort)
  roots_before=$(ls "$T/rootfs")
  # flip one byte of the junk layer in the registry's own storage (same size: only the hash tells)
  m=$(layout_digest "$IMG/bad")
  layer=$(jq -r '.layers[1].digest' "$IMG/bad/blobs/sha256/${m#sha256:}")
  h=${layer#sha256:}
  f=$REG_DIR/storage/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data
  [ -f "$f" ]
  off=$(( $(stat -c %s "$f") / 2 ))
  byte=$(dd if="$f" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
  printf "$(printf '\\%03o' $(( byte ^ 1 )))" | dd of="$f" bs=1 seek=$off conv=notrunc 2>/dev/null
  run -1 img pull "$REG/bad:v1"
  [[ "$output" == *"$layer"*"sha256 mismatch"* ]]
  [[ "$output" == *"http://$REG/v2/bad/blobs/$layer"* ]]
  # the config that did verify is gone again, the shared layer stays, no ref, no root, no temp file
  [ "$(ls "$T/blobs/sha256" | sort)" = "$blobs_before" ]
  [ "$(ls "$T/rootfs")" = "$roots_before" ]
  [ -z "$(ls "$T/tmp")" ]
  run -0 img images --format json
  [ "$(jq length <<<"$output")" = 1 ]
  [ "$(jq -r '.[0].name' <<<"$output")" = "$REG/bb" ]
}

@test "a registry with basic auth: credentials from DOCKER_CONFIG work, none gives a 401 with the fix" {
  run -1 img pull "$AREG/private/bb:v1"
  [[ "$output" == *"http://$AREG/v2/private/bb/manifests/v1: HTTP 401"* ]]
  [[ "$output" == *"log in: put credentials in ~/.docker/config.json"* ]]
  [ -z "$(ls "$T/blobs/sha256")" ]
  mkdir -p "$BATS_TEST_TMPDIR/dc"
  export DOCKER_CONFIG=$BATS_TEST_TMPDIR/dc
  printf '{"auths": {"%s": {"auth": "%s"}}}' "$AREG" "$(printf 'alice:s3cret!' | base64)" > "$DOCKER_CONFIG/config.json"
  run -0 img pull "$AREG/private/bb:v1"
  [ "$output" = "$AREG/private/bb@$(layout_digest "$IMG/bb")" ]
  # a wrong password is reported as refused credentials, naming the file
  printf '{"auths": {"http://%s/": {"username": "alice", "password": "nope"}}}' "$AREG" > "$BATS_TEST_TMPDIR/bad.json"
  run -1 img pull --auth-file "$BATS_TEST_TMPDIR/bad.json" "$AREG/private/bb:v1"
  [[ "$output" == *"HTTP 401"*"refused the credentials"*"$BATS_TEST_TMPDIR/bad.json"* ]]
  # username/password fields and a scheme-prefixed key work too
  printf '{"auths": {"http://%s/": {"username": "alice", "password": "s3cret!"}}}' "$AREG" > "$BATS_TEST_TMPDIR/ok.json"
  rm -rf "$T"
  run -0 img pull --auth-file "$BATS_TEST_TMPDIR/ok.json" "$AREG/private/bb:v1"
}

@test "a registry with Bearer tokens: the token from the realm is fetched and used for every request" {
  run -0 --separate-stderr img --debug pull "$TREG/tok/bb:v1"
  [ "$output" = "$TREG/tok/bb@$(layout_digest "$IMG/bb")" ]
  [[ "$stderr" == *"token from $TOKEN_REALM?service=stockade-registry&scope=repository%3Atok%2Fbb%3Apull"* ]]
  [ "$(grep -c 'pull: token from' <<<"$stderr")" = 1 ]
  [ -x "$T/rootfs/$(layout_digest "$IMG/bb" | cut -d: -f2)/bin/busybox" ]
  # the token grants tok/bb only: another repository is a 401 with the login hint
  run -1 img pull "$TREG/tok/other:v1"
  [[ "$output" == *"http://$TREG/v2/tok/other/manifests/v1: HTTP 401"*"log in"* ]]
}

@test "plain HTTP to a non-loopback registry is refused without --insecure-registry" {
  [ -n "${EREG:-}" ] || skip "this host has no non-loopback IPv4 address"
  run -1 img pull "$EREG/bb:v1"
  # stockade spoke TLS to it (the registry speaks plain HTTP) and says how to allow it
  [[ "$output" == *"https://$EREG/v2/bb/manifests/v1"* ]]
  [[ "$output" == *"--insecure-registry $EREG"* ]]
  [ -z "$(ls "$T/blobs/sha256")" ]
  run -0 img pull --insecure-registry "$EREG" "$EREG/bb:v1"
  [ "$output" = "$EREG/bb@$(layout_digest "$IMG/bb")" ]
  # a host without the port matches any port
  rm -rf "$T"
  run -0 img pull --insecure-registry "${EREG%:*}" "$EREG/bb:v1"
}

@test "prune removes a dangling image, orphans and old tmp leftovers, and says what it freed" {
  run -0 img pull "$REG/moving:v1"
  old=$(pinned_digest "$output")
  run -0 img pull "$REG/web:v1"
  web=$(pinned_digest "$output")
  # the tag moves to another image: the old one is dangling (<none>)
  REGISTRY=$REG push_layout "$IMG/web:v1" moving:v1
  run -0 img pull "$REG/moving:v1"
  [ "$(pinned_digest "$output")" = "$web" ]
  run -0 img images
  [[ "$output" == *"<none>"*"${old:7:12}"* ]]
  # an interrupted load's leftovers: old ones go, a fresh one stays (a load may be writing it)
  mkdir -p "$T/tmp/rootfs-dead"; touch "$T/tmp/rootfs-dead/f" "$T/tmp/blob-dead"
  touch -d '2 hours ago' "$T/tmp/rootfs-dead" "$T/tmp/blob-dead"
  touch "$T/tmp/blob-fresh"
  orphan=$(head -c 1000 /dev/urandom | tee "$BATS_TEST_TMPDIR/o" | sha256sum | cut -d' ' -f1)
  cp "$BATS_TEST_TMPDIR/o" "$T/blobs/sha256/$orphan"; touch -d '2 hours ago' "$T/blobs/sha256/$orphan"
  run -0 img prune
  [[ "$output" == *"deleted image  $old"* ]]
  [[ "$output" == *"deleted blob   sha256:$orphan"* ]]
  [[ "$output" == *"deleted tmp    tmp/rootfs-dead"* ]]
  [[ "$output" == *"deleted tmp    tmp/blob-dead"* ]]
  [[ "$output" == *"1 images"*"freed"* ]]
  [ ! -e "$T/rootfs/${old#sha256:}" ]
  [ -e "$T/tmp/blob-fresh" ]
  [ ! -e "$T/blobs/sha256/${old#sha256:}" ]
  # the tagged images and their blobs are untouched
  [ -x "$T/rootfs/${web#sha256:}/bin/httpd" ]
  run -0 img images --format json
  [ "$(jq -r '[.[].tag] | sort | join(",")' <<<"$output")" = "v1,v1" ]
  [[ "$output" != *"<none>"* ]]
  # nothing left to do: prune again removes nothing
  run -0 img prune
  [[ "$output" == *"0 images, 0 unpacked roots, 0 blobs, 0 tmp entries removed"* ]]
  # --all: every image (no container uses one); web:v1 and moving:v1 are one image
  run -0 img prune --all
  [[ "$output" == *"deleted image  $web"* ]]
  [[ "$output" == *"1 images"* ]]
  [ -z "$(ls "$T/blobs/sha256")" ]
  [ -z "$(ls "$T/rootfs")" ]
  run -0 img images --format json
  [ "$(jq length <<<"$output")" = 0 ]
}

@test "prune keeps the image a container runs from, even with --all" {
  run -0 img pull "$REG/bb:v1"
  bb=$(pinned_digest "$output")
  run -0 img pull "$REG/web:v1"
  web=$(pinned_digest "$output")
  # a container's state as the runtime keeps it: <root>/<id>/config.json with root.path in the store
  croot=$BATS_TEST_TMPDIR/ctr-root
  mkdir -p "$croot/c1"
  jq -n --arg p "$T/rootfs/${web#sha256:}" '{"ociVersion": "1.2.1", "root": {"path": $p, "readonly": true}}' \
    > "$croot/c1/config.json"
  run -0 "$STOCKADE" --store "$T" --root "$croot" prune --all
  [[ "$output" == *"deleted image  $bb"* ]]
  [[ "$output" != *"$web"* ]]
  [ -x "$T/rootfs/${web#sha256:}/bin/httpd" ]
  run -0 img images --format json
  [ "$(jq -r '.[].digest' <<<"$output")" = "$web" ]
  rm -rf "$croot"
}

@test "a lying registry (static files from the test httpd) is caught: wrong manifest, extra bytes, huge manifest" {
  www=$BATS_TEST_TMPDIR/www
  m=$(layout_digest "$IMG/bb")
  man=$IMG/bb/blobs/sha256/${m#sha256:}
  cfg=$(jq -r .config.digest "$man")
  layer=$(jq -r '.layers[0].digest' "$man")
  other=sha256:$(printf other | sha256sum | cut -d' ' -f1)
  mkdir -p "$www/v2/liar/manifests" "$www/v2/liar/blobs" "$www/v2/huge/manifests"
  # asked for by digest, it answers with another manifest
  cp "$man" "$www/v2/liar/manifests/$other"
  # by tag the manifest is right, but the layer has a byte too many
  cp "$man" "$www/v2/liar/manifests/v1"
  cp "$IMG/bb/blobs/sha256/${cfg#sha256:}" "$www/v2/liar/blobs/$cfg"
  { cat "$IMG/bb/blobs/sha256/${layer#sha256:}"; printf x; } > "$www/v2/liar/blobs/$layer"
  head -c $((5 << 20)) /dev/zero | tr '\0' ' ' > "$www/v2/huge/manifests/v1"
  port=$(free_port)
  "$HTTPD" "$port" "$www" 127.0.0.1 >"$BATS_TEST_TMPDIR/httpd.out" 2>&1 3>&- &
  HTTPD_PID=$!
  for i in $(seq 50); do grep -q listening "$BATS_TEST_TMPDIR/httpd.out" && break; sleep 0.1; done
  run -1 img pull "127.0.0.1:$port/liar@$other"
  [[ "$output" == *"the registry sent a manifest for $other that hashes to $m"* ]]
  run -1 img pull "127.0.0.1:$port/liar:v1"
  [[ "$output" == *"blob $layer: more data than the declared size"* ]]
  run -1 img pull "127.0.0.1:$port/huge:v1"
  [[ "$output" == *"larger than 4194304 bytes"* ]]
  # nothing from any of them was kept (the config did verify, and went again)
  [ -d "$T/blobs/sha256" ]
  [ -z "$(ls "$T/blobs/sha256")" ]
  [ -z "$(ls "$T/tmp")" ]
  [ -z "$(ls "$T/rootfs")" ]
  run -0 img images --format json
  [ "$(jq length <<<"$output")" = 0 ]
}

@test "pull usage errors" {
  run -2 img pull
  [[ "$output" == *"the image reference is missing"* ]]
  run -2 img pull a b
  [[ "$output" == *"expected one image reference, found 2 arguments"* ]]
  run -1 img pull "sha256:$(printf x | sha256sum | cut -d' ' -f1)"
  [[ "$output" == *"names no repository"* ]]
  run -1 img pull "$REG/Bad:v1"
  [[ "$output" == *"lowercase"* ]]
  run -1 img pull --auth-file /nonexistent/config.json "$AREG/private/bb:v1"
  [[ "$output" == *"--auth-file /nonexistent/config.json"* ]]
}

# Issue 6's whole path against the real registry, under the default policy
# (restricted, enforce): pull by tag, run by the pinned digest as a non-root
# user, publish the test httpd on 127.0.0.1 only, pass a secret as a file.
@test "end to end: pull by tag, run by digest under the restricted policy, -p on 127.0.0.1 only, a secret file" {
  printf 'level: restricted\nmode: enforce\n' > "$BATS_TEST_TMPDIR/policy.yaml"
  S() { "$STOCKADE" --store "$T" --root "$ROOT" --policy "$BATS_TEST_TMPDIR/policy.yaml" "$@"; }
  run -0 S pull "$REG/web:v1"
  pinned=${lines[-1]}
  [ "$pinned" = "$REG/web@$(layout_digest "$IMG/web")" ]
  # the tag is refused (STK501) with the pinned reference as the fix
  run -1 S run --rm -u 65534 "$REG/web:v1" true
  [[ "$output" == *STK501* ]]
  [[ "$output" == *"$pinned"* ]]
  # the image's Cmd is the test httpd on :8080 inside; published on 127.0.0.1 by default
  P=$(free_port)
  printf 'tok-%s\n' "$RANDOM$RANDOM" > "$BATS_TEST_TMPDIR/token"
  run -0 S run -d --name web -u 65534 -p "$P:8080" --secret "token=$BATS_TEST_TMPDIR/token" "$pinned"
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$P/index.html" && break; sleep 0.1; done
  run -0 curl -sf "http://127.0.0.1:$P/index.html"
  [ "$output" = "hello from stockade's test image" ]
  [ "$(ss -Htln "sport = :$P" | awk '{print $4}')" = "127.0.0.1:$P" ]
  local ext
  ext=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
  if [ -n "$ext" ]; then
    run curl -s -m 2 "http://$ext:$P/index.html"
    [ "$status" -ne 0 ]
  fi
  # the secret: a 0400 file of uid 65534 on a read-only tmpfs, in no process's environment
  run -0 S run --rm -u 65534 --secret "token=$BATS_TEST_TMPDIR/token" "$pinned" \
    sh -c 'stat -c "%a %u" /run/secrets/token; cat /run/secrets/token; tr "\0" "\n" < /proc/1/environ | grep -c tok- || true'
  [ "${lines[0]}" = "400 65534" ]
  [ "${lines[1]}" = "$(cat "$BATS_TEST_TMPDIR/token")" ]
  [ "${lines[2]}" = 0 ]
  # --rm is the default: once stopped, the record, the container and the forwarder are gone
  run -0 S stop web
  for _ in $(seq 50); do [ -z "$(ls "$ROOT/.run" 2>/dev/null)" ] && break; sleep 0.1; done
  [ -z "$(ls "$ROOT/.run" 2>/dev/null)" ]
  ! ss -Htln "sport = :$P" | grep -q .
}
