# Shared setup for the integration tests (bats).  Every test gets its own
# state root and bundle; teardown deletes what the test made and then
# checks that no container process, cgroup, mount or state dir survived.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
STOCKADE=${STOCKADE:-$REPO/build/stockade}
MKBUNDLE=$REPO/tests/lib/mkbundle.sh
RECVTTY=$(dirname "$STOCKADE")/tests/recvtty

setup_common() {
  [ "$(id -u)" -eq 0 ] || skip "integration tests run as root"
  ROOT=$BATS_TEST_TMPDIR/state
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  ID="stk-$$-$BATS_TEST_NUMBER"
  MOUNTS_BEFORE=$(mount_count)
  ENGINE_CGROUPS_BEFORE=$(engine_cgroups)
  "$MKBUNDLE" "$STOCKADE" "$BUNDLE" >/dev/null
  # The runtime's own tests judge the runtime, so they run under a policy that
  # enforces nothing; policy.bats sets the policies it tests.
  printf 'level: privileged\n' > "$BATS_TEST_TMPDIR/permissive-policy.yaml"
  export STOCKADE_POLICY=$BATS_TEST_TMPDIR/permissive-policy.yaml
}

# Mounts on the host under this test's directory (bundle, rootfs, state):
# anything of ours that leaked out of a container's mount namespace lands
# there.  (Counting every host mount would blame us for other programs'.)
mount_count() { grep -c -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true; }
# Engines' parent cgroups (compared before and after: a host may have its own).
engine_cgroups() { find /sys/fs/cgroup -maxdepth 3 -type d \( -name libpod_parent -o -name docker \) 2>/dev/null | sort; }

# cfg JQ_FILTER: edit the bundle's config.json in place
cfg() {
  local tmp
  tmp=$(mktemp)
  jq "$@" "$BUNDLE/config.json" > "$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# args CMD...: set process.args
args() {
  local json
  json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  cfg --argjson a "$json" '.process.args = $a'
}

stk() { "$STOCKADE" --root "$ROOT" "$@"; }

# `run` of the bundle is refused: exit 1, every NEEDLE in the message, no state left.
expect_refused() {  # expect_refused NEEDLE...
  run stk run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  for n in "$@"; do [[ "$output" == *"$n"* ]] || { echo "missing: $n"; return 1; }; done
  [ ! -e "$ROOT/$ID" ]
}

# Everything a test made must be gone after teardown.
teardown_common() {
  local id leftovers=""
  if [ -d "$ROOT" ]; then
    for id in $(ls "$ROOT" 2>/dev/null); do
      "$STOCKADE" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
    # (.cache holds compiled seccomp programs, not container state)
    [ -z "$(ls "$ROOT" 2>/dev/null)" ] || leftovers+="state: $(ls "$ROOT") "
  fi
  # cgroups named after this test's containers, in any hierarchy
  local cg
  cg=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "stk-$$-*" 2>/dev/null | head -5)
  if [ -n "$cg" ]; then
    leftovers+="cgroups: $cg "
    find /sys/fs/cgroup -maxdepth 6 -depth -type d -name "stk-$$-*" -exec rmdir {} + 2>/dev/null || true
  fi
  # processes still running from this test's bundle
  local procs
  procs=$(pgrep -f "$BATS_TEST_TMPDIR" 2>/dev/null | grep -v "^$$\$" || true)
  [ -z "$procs" ] || { leftovers+="processes: $procs "; kill -9 $procs 2>/dev/null || true; }
  # an engine's parent cgroups a test left behind (podman's libpod_parent, docker's docker)
  local eng
  eng=$(engine_cgroups)
  # only new ones count: one that existed before (an engine started by setup_file) may go away during the test
  local new_eng
  new_eng=$(comm -13 <(printf '%s\n' "${ENGINE_CGROUPS_BEFORE-$eng}" | sed '/^$/d') <(printf '%s\n' "$eng" | sed '/^$/d'))
  [ -z "$new_eng" ] || leftovers+="engine cgroups: $new_eng "
  local now
  now=$(mount_count)
  [ "$now" -le "${MOUNTS_BEFORE:-$now}" ] || leftovers+="mounts under $BATS_TEST_TMPDIR: $(grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo | cut -d' ' -f5 | tr '\n' ' ') "
  if [ -n "$leftovers" ]; then
    echo "DEBRIS LEFT BEHIND: $leftovers" >&2
    return 1
  fi
}

setup() { setup_common; }
teardown() { teardown_common; }
