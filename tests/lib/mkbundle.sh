#!/bin/bash
# mkbundle.sh STOCKADE DIR [ARGS...]
#
# A minimal OCI bundle from Debian's busybox-static: DIR/rootfs (busybox and
# its applet links, /etc/passwd and /etc/group with root, nobody and a
# "user" 1000, empty mount points) and DIR/config.json from `stockade spec`
# (the hardened default) with process.args = ARGS (default: sh).
# No network needed.  Reuses a cached rootfs under ${STOCKADE_CACHE:-/tmp}.
set -euo pipefail
STOCKADE=${1:?usage: mkbundle.sh STOCKADE DIR [ARGS...]}
DIR=${2:?usage: mkbundle.sh STOCKADE DIR [ARGS...]}
shift 2
BUSYBOX=${BUSYBOX:-/bin/busybox}
CACHE=${STOCKADE_CACHE:-/tmp}/stockade-rootfs-cache-$(id -u)

# static: ldd (always there, unlike file(1)) has nothing to load
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "mkbundle.sh: $BUSYBOX must be a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi

if [ ! -f "$CACHE/.done" ] || [ "$BUSYBOX" -nt "$CACHE/.done" ]; then
  tmp=$(mktemp -d "${CACHE}.XXXX")
  chmod 755 "$tmp"
  mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,home/user,run,var/tmp}
  chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
  cp "$BUSYBOX" "$tmp/bin/busybox"
  for a in $("$BUSYBOX" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$tmp/etc/passwd"
  printf 'root:x:0:\ntty:x:5:\nuser:x:1000:\nnogroup:x:65534:\n' > "$tmp/etc/group"
  chown 1000:1000 "$tmp/home/user"
  touch "$tmp/.done"
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
fi

mkdir -p "$DIR"
rm -rf "$DIR/rootfs"
cp -a "$CACHE" "$DIR/rootfs"
rm -f "$DIR/rootfs/.done" "$DIR/config.json"
"$STOCKADE" spec --bundle "$DIR" -- "${@:-sh}"
