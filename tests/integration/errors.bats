#!/usr/bin/env bats
# Bad input never crashes and never leaves debris: each failure names the
# file, the JSON path and the fix, exits 1, and teardown checks the host is
# clean (no state dir, cgroup, mount or process).

load helpers

@test "malformed JSON: file, line and column" {
  printf '{\n  "ociVersion": "1.2.0",\n  "process": {,}\n}\n' > "$BUNDLE/config.json"
  expect_refused "$BUNDLE/config.json:3:" "not valid JSON"
}

@test "missing config.json says what a bundle is" {
  rm "$BUNDLE/config.json"
  expect_refused "config.json does not exist" "stockade spec"
}

@test "wrong type: JSON path, expected and found" {
  cfg '.process.user.uid = "root"'
  expect_refused "config.json: process.user.uid: expected a non-negative integer, found a string \"root\""
}

@test "missing rootfs" {
  rm -rf "$BUNDLE/rootfs"
  expect_refused "root.path" "rootfs"
}

@test "bad mount: unknown filesystem type" {
  cfg '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
  expect_refused "mounts[8]" "nosuchfs"
}

@test "bad mount: unknown filesystem option" {
  cfg '.mounts += [{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["mode=banana"]}]'
  expect_refused "mounts[8]" "mode=banana"
}

@test "bad mount: bind source missing on the host" {
  cfg '.mounts += [{"destination": "/x", "type": "bind", "source": "/nonexistent/stockade", "options": ["rbind"]}]'
  expect_refused "mounts[8]" "/nonexistent/stockade does not exist"
}

@test "bad device: a device node where a directory is" {
  cfg '.linux.devices = [{"path": "/dev/pts", "type": "c", "major": 1, "minor": 3}]'
  expect_refused "linux.devices[0]" "/dev/pts"
}

@test "bad seccomp syscall name" {
  cfg '.linux.seccomp.syscalls += [{"names": ["read", "opne"], "action": "SCMP_ACT_ALLOW"}]'
  n=$(jq '.linux.seccomp.syscalls | length - 1' "$BUNDLE/config.json")
  expect_refused "linux.seccomp.syscalls[$n].names[1]" "opne"
}

@test "unknown capability" {
  cfg '.process.capabilities.bounding = ["CAP_NET_BIND_SERVICE", "CAP_LASER"]'
  expect_refused "process.capabilities.bounding[1]" "CAP_LASER"
}

@test "failing prestart hook: its status and output, then nothing left" {
  cfg '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-says-no >&2; exit 3"]}]'
  expect_refused "hooks.prestart[0]" "exit status 3" "hook-says-no"
}

@test "failing createRuntime hook" {
  cfg '.hooks.createRuntime = [{"path": "/bin/false"}]'
  expect_refused "hooks.createRuntime[0]" "/bin/false"
}

@test "failing createContainer hook" {
  cfg '.hooks.createContainer = [{"path": "/bin/false"}]'
  expect_refused "hooks.createContainer[0]"
}

@test "hook timeout" {
  cfg '.hooks.prestart = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
  expect_refused "hooks.prestart[0]" "timed out after 1 s"
}

@test "executable not found fails create, not start" {
  args /no/such/program
  run stk create --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"process.args[0]"*"/no/such/program"* ]]
  [ ! -e "$ROOT/$ID" ]
}

@test "rlimit above the host maximum names the limit, the maximum and the fix" {
  max=$(ulimit -Hn)
  [ "$max" != unlimited ] || skip "no hard NOFILE limit here"
  grep -q 'CapEff:.*' /proc/self/status
  cfg --argjson m $((max + 1)) '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $m}]'
  if capsh --has-p=cap_sys_resource 2>/dev/null; then skip "this host can raise rlimits"; fi
  expect_refused "process.rlimits[0]" "RLIMIT_NOFILE" "$max" "--ulimit nofile="
}

@test "hostname without a UTS namespace" {
  cfg '.linux.namespaces |= map(select(.type != "uts"))'
  expect_refused "hostname" "UTS"
}

@test "a runtime killed during create leaves nothing behind" {
  cfg '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"]}]'
  "$STOCKADE" --root "$ROOT" create --bundle "$BUNDLE" "$ID" &
  pid=$!
  # wait until the hook runs: the container's cgroup and init exist by then
  for _ in $(seq 200); do pgrep -x -f "sleep 30" >/dev/null && break; sleep 0.05; done
  pgrep -x -f "sleep 30" >/dev/null
  kill -9 $pid
  wait $pid || true
  pkill -x -f "sleep 30" || true
  # the runtime's watchdog takes everything down
  for _ in $(seq 100); do [ ! -e "$ROOT/$ID" ] && break; sleep 0.05; done
  [ ! -e "$ROOT/$ID" ]
}

@test "config in a namespace path of the wrong type" {
  cfg '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/ipc" else . end)'
  expect_refused "linux.namespaces" "not a network namespace"
}

@test "oomScoreAdj the host cannot grant: refused with the fix, or kept with a warning under --host-limits clamp" {
  capsh_bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  (( (0x$capsh_bnd >> 24) & 1 )) && skip "this host grants CAP_SYS_RESOURCE"
  cfg '.process.oomScoreAdj = -100'
  args cat /proc/self/oom_score_adj
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: process.oomScoreAdj: the kernel refuses -100"* ]]
  [[ "$output" == *"--host-limits clamp"* ]]
  [ ! -e "$ROOT/$ID" ]
  run "$STOCKADE" --root "$ROOT" --host-limits clamp run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning"*"kept"* ]]
}
