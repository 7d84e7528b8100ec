#!/bin/bash
# deps.sh build|test|bench|fuzz
#
# Installs the Debian 12 packages a make target needs, and only those that
# are missing, so `make demo` and `make check` work as the first command on a
# fresh machine.  Needs root (or sudo) only when something is missing.
set -euo pipefail

build=(gcc meson ninja-build pkg-config libjson-c-dev libseccomp-dev libyaml-dev libcmocka-dev libarchive-dev libssl-dev
       libcurl4-openssl-dev)
demo=(busybox-static jq)
test=(libcmocka-dev bats jq busybox-static iproute2 util-linux procps psmisc clang libclang-rt-14-dev
      podman conmon containerd docker.io skopeo docker-registry apache2-utils curl python3 openssl)
bench=(crun runc time busybox-static jq podman conmon docker.io containerd docker-registry skopeo umoci curl
       python3 bc)
fuzz=(clang libclang-rt-14-dev)

want=("${build[@]}")
for t in "$@"; do
  case "$t" in
    build) ;;
    demo) want+=("${demo[@]}") ;;
    test) want+=("${test[@]}") ;;
    bench) want+=("${bench[@]}") ;;
    fuzz) want+=("${fuzz[@]}") ;;
    *) echo "deps.sh: unknown set '$t' (build, demo, test, bench, fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
