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
tmp=$(mktemp)
jq --arg k "$(wc -c < /proc/keys)" '.process.args = ["/bin/inside"] | .process.env += ["HOST_KEYS=" + $k]' "$work/bundle/config.json" > "$tmp" && mv "$tmp" "$work/bundle/config.json"

echo "stockade $("$STOCKADE" --version | head -1 | awk '{print $3}'): running a busybox container with \"stockade spec\"'s hardened defaults"
echo
"$STOCKADE" --root "$root" run --bundle "$work/bundle" demo
echo
echo "Every setting above is a default of \"stockade spec\" (README: \"The hardened defaults and why\")."

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
