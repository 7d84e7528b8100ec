#!/bin/bash
# demo.sh STOCKADE: build a tiny image from Debian's busybox-static, run it
# hardened with stockade, and show from inside what that means.  No network.
set -euo pipefail
STOCKADE=$(realpath "${1:-build/stockade}")
HERE=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "make demo runs a container: run it as root (sudo make demo)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/stockade-demo.XXXXXX)
root=$work/state
trap 'rm -rf "$work"' EXIT

"$HERE/tests/lib/mkbundle.sh" "$STOCKADE" "$work/bundle" >/dev/null

cat > "$work/bundle/rootfs/bin/inside" <<'SH'
#!/bin/sh
show() { printf '  %-40s %s\n' "$1" "$2"; }
echo "Inside the container:"
show "who am I (id)" "$(id)"
show "capabilities (CapEff/CapBnd)" "$(grep CapEff /proc/self/status | cut -f2) / $(grep CapBnd /proc/self/status | cut -f2)"
show "no_new_privs" "$(grep NoNewPrivs /proc/self/status | cut -f2)"
show "seccomp mode (2 = filter)" "$(grep '^Seccomp:' /proc/self/status | cut -f2)"
if touch /hello 2>/dev/null; then show "write to /" "ALLOWED (bad)"; else show "write to /" "refused: $(touch /hello 2>&1 | sed 's/.*: //')"; fi
cp /bin/busybox /tmp/bb 2>/dev/null
if /tmp/bb true 2>/dev/null; then show "exec a file from /tmp" "ALLOWED (bad)"; else show "exec a file from /tmp" "refused: $(/tmp/bb true 2>&1 | sed 's/.*: //')"; fi
show "network interfaces" "$(ls /sys/class/net | tr '\n' ' ')"
show "/proc/keys (masked, host: $HOST_KEYS bytes)" "$(wc -c < /proc/keys) bytes"
if unshare -U true 2>/dev/null; then show "new user namespace" "ALLOWED (bad)"; else show "new user namespace" "refused by seccomp"; fi
SH
chmod 755 "$work/bundle/rootfs/bin/inside"

# An image, by digest, with no daemon: an OCI layout made from the busybox root
# (tests/lib/mkimage.sh: tar, gzip, sha256sum, jq), loaded into a private store.
store=$work/store
mkdir -p "$work/site"
echo "hello from a hardened container" > "$work/site/index.html"
mkdir -p "$work/web/srv" && cp "$work/site/index.html" "$work/web/srv/"
"$HERE/tests/lib/mkimage.sh" "$work/demo" 1 --user 65534 --layer "$work/bundle/rootfs" --layer "$work/web" >/dev/null
img() { "$STOCKADE" --root "$root" --store "$store" "$@"; }
echo "stockade $("$STOCKADE" --version | head -1 | awk '{print $3}'): images by digest, run without a daemon"
echo
echo "\$ stockade load demo/            (an OCI layout; every blob's sha256 is checked)"
pinned=$(img load "$work/demo")
tag=localhost/demo:1
echo "  $pinned"
echo
echo "\$ stockade run --rm $tag             (a tag can move: the default policy wants the digest)"
img run --rm "$tag" true 2>&1 | grep -E 'STK501|hint' | sed 's/^ *//; s/^/  /' || true
echo
echo "\$ stockade run --rm -e HOST_KEYS=... ${pinned:0:40}... /bin/inside"
img run --rm -e "HOST_KEYS=$(wc -c < /proc/keys)" "$pinned" /bin/inside
echo
echo "Every setting above is a default (README: \"The hardened defaults and why\")."
echo
echo "\$ stockade run -d --name web -p 8080:80 --secret token=FILE IMAGE httpd ...   (detached, under its own monitor)"
printf 's3cret\n' > "$work/token"
chmod 600 "$work/token"
port=18080
while (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
img run -d --name web -p "$port:8080" --secret "token=$work/token" "$pinned" httpd -f -p 127.0.0.1:8080 -h /srv >/dev/null
img ps | sed 's/^/  /'
# GET / with bash's /dev/tcp (no curl needed): the body, or nothing
http_get() { timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && sed "1,/^\r\?$/d" <&3' "$1" "$2" 2>/dev/null; }
for _ in $(seq 50); do [ -n "$(http_get 127.0.0.1 "$port")" ] && break; sleep 0.1; done
echo "  from the host, http://127.0.0.1:$port/ -> $(http_get 127.0.0.1 "$port")"
addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
if [ -n "$addr" ]; then
  if [ -n "$(http_get "$addr" "$port")" ]; then r="reachable (bad)"; else r="refused: -p binds 127.0.0.1 unless told otherwise"; fi
  echo "  from $addr:$port -> $r"
fi
echo "  inside: $(img run --rm --secret "token=$work/token" "$pinned" sh -c 'echo "/run/secrets/token is $(stat -c "%a %U" /run/secrets/token), in the environment: $(grep -c s3cret /proc/1/environ)"' 2>&1)"
img stop web >/dev/null
img rm web >/dev/null 2>&1 || true

# The policy: the same image asked to run the way engines ask by default (root,
# the engine's capabilities, a writable root) is refused, then hardened.
pol=$work/policy.yaml
tmp=$(mktemp)
jq '.process.user = {"uid": 0, "gid": 0} | .process.noNewPrivileges = false | .root.readonly = false
    | .process.args = ["sh", "-c", "echo \"  as uid $(id -u), CapEff $(grep CapEff /proc/self/status | cut -f2)\""]
    | .process.capabilities = ({"CAP_CHOWN":1,"CAP_DAC_OVERRIDE":1,"CAP_NET_RAW":1,"CAP_SETUID":1,"CAP_SETGID":1}
        | keys | {"bounding": ., "effective": ., "permitted": ., "inheritable": [], "ambient": []})' \
   "$work/bundle/config.json" > "$tmp" && mv "$tmp" "$work/bundle/config.json"
echo
echo "The node policy (built in: level restricted, mode enforce) judges every create, whoever calls."
echo "A root container with an engine's default capabilities:"
printf 'level: restricted\nmode: enforce\n' > "$pol"
"$STOCKADE" --root "$root" --policy "$pol" run --bundle "$work/bundle" demo2 2>&1 | sed -n '1,12p' | sed 's/^/  /' || true
echo "  ..."
echo
echo "The same config under \"mode: harden\" (each rewrite is logged):"
printf 'level: restricted\nmode: harden\n' > "$pol"
"$STOCKADE" --root "$root" --policy "$pol" run --bundle "$work/bundle" demo3 2>&1 | sed 's/^stockade: warning: /  /'

# Audit: the same rules over files, with the fix for each format.
mkdir -p "$work/project"
cat > "$work/project/docker-compose.yml" <<'YAML'
services:
  web:
    image: nginx:latest
    ports: ["8080:80"]
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    environment:
      DB_PASSWORD: hunter2
YAML
echo
echo "The same rules audit files (stockade audit project/):"
(cd "$work" && "$STOCKADE" audit --no-color --fail-on critical project || true) | sed 's/^/  /'
