#!/usr/bin/env bats
# stockade scan on real containers: a hardened one (the default `stockade spec`
# config) and a weak one (root, every capability, no seccomp, writable root, an
# unmasked /proc, a bind of a file named docker.sock and a token in its
# environment), both started by stockade itself.  The JSON report must judge
# each by its stockade ID, and the token's value must appear nowhere.

bats_require_minimum_version 1.5.0
load helpers

TOKEN_VALUE=xyzzy-scan-bats-not-for-print-4711

setup() {
  setup_common
  command -v jq >/dev/null || skip "jq is needed"
  GOOD="$ID-good"
  WEAK="$ID-weak"
  WBUNDLE=$BATS_TEST_TMPDIR/weak
  "$MKBUNDLE" "$STOCKADE" "$WBUNDLE" >/dev/null
  : > "$BATS_TEST_TMPDIR/docker.sock"
}

teardown() {
  # podman has no daemon: remove what a test started (its containers hold shm mounts)
  if [ -n "${PM:-}" ]; then
    $PM rm -a -f -t 0 >/dev/null 2>&1 || true
    $PM rmi -a -f >/dev/null 2>&1 || true
    grep -F "$BATS_TEST_TMPDIR/pm" /proc/self/mountinfo | cut -d' ' -f5 | xargs -r -n1 umount -l 2>/dev/null || true
    # conmon outlives `podman rm` by a moment: its cgroup (libpod_parent/conmon) empties only when it exits
    local _
    for _ in $(seq 50); do pgrep -f "$BATS_TEST_TMPDIR/pm" >/dev/null || break; sleep 0.1; done
    pkill -9 -f "$BATS_TEST_TMPDIR/pm" 2>/dev/null || true
    for _ in $(seq 20); do
      find /sys/fs/cgroup -maxdepth 6 -depth -type d -path "*/libpod_parent*" -exec rmdir {} \; 2>/dev/null || true
      [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name libpod_parent 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  teardown_common
}

# start_both: the hardened and the weak container, detached, running sleep
start_both() {
  args sleep 600
  # every capability the runtime itself holds (a sandbox may lack some)
  local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
    SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL
    SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
  local bnd i all
  bnd=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
  all=$(for i in "${!names[@]}"; do (( (bnd >> i) & 1 )) && echo "CAP_${names[$i]}"; done | jq -R . | jq -sc .)
  local tmp
  tmp=$(mktemp)
  jq --argjson all "$all" --arg sock "$BATS_TEST_TMPDIR/docker.sock" --arg tok "API_TOKEN=$TOKEN_VALUE" '
    .process.args = ["sleep", "600"]
    | .process.user = {"uid": 0, "gid": 0}
    | .process.capabilities = {"bounding": $all, "effective": $all, "permitted": $all}
    | .process.noNewPrivileges = false
    | .process.env += [$tok]
    | del(.linux.seccomp) | del(.linux.maskedPaths)
    | .root.readonly = false
    | .mounts += [{"destination": "/var/run/docker.sock", "type": "bind", "source": $sock, "options": ["bind", "rw"]}]
    ' "$WBUNDLE/config.json" > "$tmp" && mv "$tmp" "$WBUNDLE/config.json"
  stk run -d --bundle "$BUNDLE" "$GOOD" </dev/null >/dev/null 2>&1
  stk run -d --bundle "$WBUNDLE" "$WEAK" </dev/null >/dev/null 2>&1
  [ "$(stk state "$GOOD" | jq -r .status)" = running ]
  [ "$(stk state "$WEAK" | jq -r .status)" = running ]
}

# scan judges at its own level: the permissive policy the runtime runs under is not scan's
scan() { env -u STOCKADE_POLICY "$STOCKADE" --root "$ROOT" scan "$@"; }

# rules JSON CONTAINER: the rule IDs reported for CONTAINER, one a line, sorted and unique
rules() { jq -r --arg c "$2" '.findings[] | select(.container == $c) | .rule' <<<"$1" | sort -u; }

@test "scan judges a hardened and a weak stockade container by their IDs" {
  start_both
  run --separate-stderr scan --format json
  [ "$status" -eq 1 ]
  local weak good
  weak=$(rules "$output" "$WEAK")
  good=$(rules "$output" "$GOOD")
  for r in STK101 STK102 STK103 STK201 STK202 STK204 STK301 STK303 STK305 STK601; do
    grep -qx "$r" <<<"$weak" || { echo "weak: no $r in: $weak"; false; }
  done
  for r in STK101 STK102 STK202 STK204 STK303 STK305 STK601; do
    ! grep -qx "$r" <<<"$good" || { echo "hardened: $r reported: $good"; false; }
  done
  # the variable is named, its value never shown
  jq -e --arg c "$WEAK" '.findings[] | select(.container == $c and .rule == "STK601") | .message | contains("API_TOKEN")' \
    <<<"$output" >/dev/null
  [[ "$output" != *"$TOKEN_VALUE"* ]]
  [[ "$stderr" != *"$TOKEN_VALUE"* ]]
}

@test "scan --container picks one; the text header names the engine, ID and init pid" {
  start_both
  run --separate-stderr scan --container "$WEAK"
  [ "$status" -eq 1 ]
  local pid
  pid=$(stk state "$WEAK" | jq -r .pid)
  [[ "$output" == *"container $WEAK: engine stockade, id $WEAK, init pid $pid, 1 process"* ]]
  [[ "$output" != *"container $GOOD"* ]]
  [[ "$output" != *"$TOKEN_VALUE"* ]]
  for fmt in sarif junit; do
    run --separate-stderr scan --format "$fmt"
    [[ "$output" != *"$TOKEN_VALUE"* ]]
  done
  run --separate-stderr scan --container no-such-container
  [ "$status" -eq 2 ]
}

@test "scan refuses bad options" {
  run --separate-stderr scan --format yaml
  [ "$status" -eq 2 ]
  run --separate-stderr scan --proc /nonexistent
  [ "$status" -eq 2 ]
}

@test "scan judges what podman started (with runc): a weak and a hardened container, by podman's IDs" {
  command -v podman >/dev/null && command -v runc >/dev/null && command -v conmon >/dev/null || skip "podman, conmon and runc are needed"
  PM="podman --root $BATS_TEST_TMPDIR/pm/storage --runroot $BATS_TEST_TMPDIR/pm/run --tmpdir $BATS_TEST_TMPDIR/pm/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime runc"
  tar -C "$BUNDLE/rootfs" -c . | $PM import - localhost/scan-bb:1 >/dev/null
  local weak good
  # (podman asks for NOFILE/NPROC 1048576, above this host's hard limit: runc refuses, so ask for less)
  weak=$($PM run -d --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cap-add ALL --security-opt seccomp=unconfined \
         -v "$BATS_TEST_TMPDIR/docker.sock:/var/run/docker.sock" -e "API_TOKEN=$TOKEN_VALUE" localhost/scan-bb:1 sleep 600)
  good=$($PM run -d --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --user 1000:1000 --cap-drop all --read-only --read-only-tmpfs=false \
         --security-opt no-new-privileges --memory 64m --pids-limit 64 localhost/scan-bb:1 sleep 600)
  run -1 --separate-stderr scan --format json
  local json=$output
  local w g
  w=$(rules "$json" "${weak:0:12}")
  g=$(rules "$json" "${good:0:12}")
  echo "weak: $w"; echo "good: $g"
  for r in STK101 STK202 STK204 STK303 STK601; do grep -qx "$r" <<<"$w"; done
  for r in STK101 STK201 STK202 STK204 STK301 STK303 STK601 STK701; do ! grep -qx "$r" <<<"$g"; done
  # the text header names the engine and podman's container ID
  run -1 --separate-stderr scan
  [[ "$output" == *podman*"$weak"* ]]
  # the token's name is reported, never its value
  [[ "$json" == *API_TOKEN* ]]
  [[ "$json$output$stderr" != *"$TOKEN_VALUE"* ]]
}
