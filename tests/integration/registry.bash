# A private registry and test images, for pull.bats, bench/image.sh and any
# test that needs a registry.  No network: Debian's docker-registry on a
# free port (127.0.0.1 unless told), storage under a directory the caller
# owns, started and stopped by PID (never the packaged systemd service).
#
#   registry_start DIR [ADDR] [AUTH]       sets REGISTRY (addr:port), REGISTRY_PID, REGISTRY_DIR;
#                                          AUTH: an htpasswd file, or the auth section as a YAML flow
#   token_server DIR HTTPD NAME            a Bearer token service: a signed token for repository NAME
#                                          served by the test httpd; sets TOKEN_REALM, TOKEN_AUTH_YAML
#   registry_stop DIR                      stops the registry started with DIR
#   build_test_images DIR HTTPD            OCI layouts: DIR/bb (busybox, 1 layer), DIR/web (busybox +
#                                          httpd + /www, 3 layers), DIR/multi (an index: amd64 + arm64)
#   oci_layout OUT TAG ARCH CMD_JSON LAYERDIR...   one image as an OCI layout
#   push_layout LAYOUT:TAG NAME:TAG [SKOPEO ARGS]  push to $REGISTRY over plain HTTP
#
# Works from bats and from plain bash (set -e safe).

# A TCP port nothing listens on (the kernel picks it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Debian's postinst may start the packaged service where systemd runs; it listens on :5000 and is
# not ours.  Stop it only if it runs (this host may have no systemd at all).
registry_stop_packaged() {
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ] &&
     systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
    systemctl disable docker-registry 2>/dev/null || true
  fi
}

registry_start() {
  local dir=$1 addr=${2:-127.0.0.1} htpasswd=${3:-} port i
  command -v docker-registry >/dev/null || { echo "registry_start: docker-registry is not installed" >&2; return 1; }
  registry_stop_packaged
  mkdir -p "$dir/storage"
  port=$(free_port)
  {
    echo "version: 0.1"
    echo "log: {level: info, accesslog: {disabled: false}}"
    echo "storage: {filesystem: {rootdirectory: $dir/storage}, delete: {enabled: true}}"
    echo "http: {addr: \"$addr:$port\"}"
    if [ -f "$htpasswd" ]; then
      echo "auth: {htpasswd: {realm: stockade-test, path: $htpasswd}}"
    elif [ -n "$htpasswd" ]; then
      echo "auth: $htpasswd"   # a YAML flow mapping, e.g. {token: {...}}
    fi
  } > "$dir/config.yml"
  # fd 3 closed: bats waits for every holder of it
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null 3>&- &
  echo $! > "$dir/registry.pid"
  REGISTRY_PID=$!
  REGISTRY="$addr:$port"
  REGISTRY_DIR=$dir
  for i in $(seq 100); do
    if curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/" 2>/dev/null | grep -qE '^(200|401)$'; then
      return 0
    fi
    kill -0 "$REGISTRY_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "registry_start: docker-registry did not come up on $REGISTRY:" >&2
  cat "$dir/registry.log" >&2
  registry_stop "$dir"
  return 1
}

registry_stop() {
  local dir=$1 pid i
  [ -f "$dir/registry.pid" ] || return 0
  pid=$(cat "$dir/registry.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/registry.pid"
}

# layer_blob DIR OUTDIR: a reproducible tar.gz of DIR in OUTDIR/blobs/sha256; prints "digest diffid size"
layer_blob() {
  local src=$1 out=$2 tmp diffid digest
  tmp=$(mktemp "$out/layer.XXXXXX")
  tar -C "$src" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$tmp.tar" .
  diffid=$(sha256sum < "$tmp.tar" | cut -d' ' -f1)
  gzip -n -c "$tmp.tar" > "$tmp"
  digest=$(sha256sum < "$tmp" | cut -d' ' -f1)
  mkdir -p "$out/blobs/sha256"
  mv "$tmp" "$out/blobs/sha256/$digest"
  rm -f "$tmp.tar"
  echo "$digest $diffid $(stat -c %s "$out/blobs/sha256/$digest")"
}

# json_blob OUT JSON: store JSON as a blob; prints "digest size"
json_blob() {
  local out=$1 json=$2 digest
  mkdir -p "$out/blobs/sha256"
  digest=$(printf '%s' "$json" | sha256sum | cut -d' ' -f1)
  printf '%s' "$json" > "$out/blobs/sha256/$digest"
  echo "$digest ${#json}"
}

# image_manifest OUT ARCH CMD_JSON LAYERDIR...: config + manifest blobs; prints "digest size"
image_manifest() {
  local out=$1 arch=$2 cmd=$3 d diffids="[]" layers="[]" cfg m
  shift 3
  for d in "$@"; do
    read -r digest diffid size < <(layer_blob "$d" "$out")
    diffids=$(jq -c --arg d "sha256:$diffid" '. + [$d]' <<<"$diffids")
    layers=$(jq -c --arg d "sha256:$digest" --argjson s "$size" \
      '. + [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": $d, "size": $s}]' <<<"$layers")
  done
  cfg=$(jq -cn --arg a "$arch" --argjson cmd "$cmd" --argjson ids "$diffids" \
    '{"architecture": $a, "os": "linux", "created": "2026-01-01T00:00:00Z",
      "config": {"Cmd": $cmd, "Env": ["PATH=/bin:/usr/bin"]}, "rootfs": {"type": "layers", "diff_ids": $ids}}')
  read -r cd cs < <(json_blob "$out" "$cfg")
  m=$(jq -cn --arg cd "sha256:$cd" --argjson cs "$cs" --argjson layers "$layers" \
    '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": $cd, "size": $cs},
      "layers": $layers}')
  json_blob "$out" "$m"
}

# oci_layout OUT TAG ARCH CMD_JSON LAYERDIR...
oci_layout() {
  local out=$1 tag=$2 md ms
  shift 2
  mkdir -p "$out"
  read -r md ms < <(image_manifest "$out" "$@")
  printf '{"imageLayoutVersion": "1.0.0"}' > "$out/oci-layout"
  jq -n --arg d "sha256:$md" --argjson s "$ms" --arg t "$tag" \
    '{"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": $d, "size": $s, "annotations": {"org.opencontainers.image.ref.name": $t}}]}' > "$out/index.json"
}

# busybox_rootfs DIR: busybox-static and its applet links
busybox_rootfs() {
  local d=$1 a
  mkdir -p "$d"/{bin,etc,tmp,proc,sys,dev}
  cp /bin/busybox "$d/bin/busybox"
  for a in sh ls cat echo wget true false sleep id; do ln -sf busybox "$d/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$d/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$d/etc/group"
}

build_test_images() {
  local dir=$1 httpd=$2 md ms amd arm
  mkdir -p "$dir/src/bb" "$dir/src/httpd/bin" "$dir/src/www/www"
  busybox_rootfs "$dir/src/bb"
  cp "$httpd" "$dir/src/httpd/bin/httpd"
  chmod 0755 "$dir/src/httpd/bin/httpd"
  echo "hello from stockade's test image" > "$dir/src/www/www/index.html"
  oci_layout "$dir/bb" v1 amd64 '["/bin/sh"]' "$dir/src/bb"
  oci_layout "$dir/web" v1 amd64 '["/bin/httpd", "8080", "/www"]' "$dir/src/bb" "$dir/src/httpd" "$dir/src/www"
  # an index: the same layers for amd64 and arm64, told apart by their configs
  mkdir -p "$dir/multi"
  read -r amd ms < <(image_manifest "$dir/multi" amd64 '["/bin/sh"]' "$dir/src/bb")
  read -r arm md < <(image_manifest "$dir/multi" arm64 '["/bin/sh"]' "$dir/src/bb")
  printf '{"imageLayoutVersion": "1.0.0"}' > "$dir/multi/oci-layout"
  local idx
  idx=$(jq -cn --arg a "sha256:$amd" --argjson asz "$ms" --arg r "sha256:$arm" --argjson rs "$md" \
    '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
       {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": $r, "size": $rs,
        "platform": {"architecture": "arm64", "os": "linux"}},
       {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": $a, "size": $asz,
        "platform": {"architecture": "amd64", "os": "linux"}}]}')
  read -r md ms < <(json_blob "$dir/multi" "$idx")
  jq -n --arg d "sha256:$md" --argjson s "$ms" \
    '{"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
      "digest": $d, "size": $s, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}' > "$dir/multi/index.json"
  echo "$amd" > "$dir/multi/amd64.digest"
}

# push_layout LAYOUT:TAG NAME:TAG [SKOPEO ARGS...]
push_layout() {
  local src=$1 dst=$2
  shift 2
  skopeo copy -q --all --dest-tls-verify=false "$@" "oci:$src" "docker://$REGISTRY/$dst" >/dev/null
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# token_server DIR HTTPD NAME: an RS256 token (self-signed certificate in its x5c header) granting pull
# and push on repository NAME, as a static file the test httpd serves at /token for any query.  The
# registry trusts the certificate (rootcertbundle).  Start the registry with "$TOKEN_AUTH_YAML".
# Sets TOKEN_REALM, TOKEN_AUTH_YAML, TOKEN_PID (stop with token_server_stop DIR).
token_server() {
  local dir=$1 httpd=$2 name=$3 port hdr claims sig i
  mkdir -p "$dir/www"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
    -subj /CN=stockade-test-token >/dev/null 2>&1
  hdr=$(jq -cn --arg c "$(openssl x509 -in "$dir/cert.pem" -outform DER | base64 -w0)" \
    '{"alg": "RS256", "typ": "JWT", "x5c": [$c]}' | b64url)
  claims=$(jq -cn --arg n "$name" --argjson now "$(date +%s)" \
    '{"iss": "stockade-test", "sub": "alice", "aud": "stockade-registry", "exp": ($now + 86400),
      "nbf": ($now - 60), "iat": ($now - 60), "jti": "stockade-test-token",
      "access": [{"type": "repository", "name": $n, "actions": ["pull", "push"]}]}' | b64url)
  sig=$(printf '%s.%s' "$hdr" "$claims" | openssl dgst -sha256 -sign "$dir/key.pem" -binary | b64url)
  jq -cn --arg t "$hdr.$claims.$sig" '{"token": $t, "expires_in": 86400}' > "$dir/www/token"
  port=$(free_port)
  "$httpd" "$port" "$dir/www" 127.0.0.1 >"$dir/httpd.log" 2>&1 </dev/null 3>&- &
  TOKEN_PID=$!
  echo $TOKEN_PID > "$dir/httpd.pid"
  for i in $(seq 50); do grep -q listening "$dir/httpd.log" && break; sleep 0.1; done
  TOKEN_REALM=http://127.0.0.1:$port/token
  TOKEN_AUTH_YAML="{token: {realm: \"$TOKEN_REALM\", service: stockade-registry, issuer: stockade-test, rootcertbundle: $dir/cert.pem}}"
}

token_server_stop() {
  local dir=$1 pid
  [ -f "$dir/httpd.pid" ] || return 0
  pid=$(cat "$dir/httpd.pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$dir/httpd.pid"
}
