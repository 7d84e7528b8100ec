#!/usr/bin/env bats
# The runtime CLI as runc's users and engines drive it.

load helpers

@test "run: hardened defaults are in force inside the container" {
  args sh -c 'id -u; id -g; grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "65534" ]
  [ "${lines[1]}" = "65534" ]
  [[ "$output" == *"CapInh:	0000000000000000"* ]]
  [[ "$output" == *"CapPrm:	0000000000000000"* ]]
  [[ "$output" == *"CapEff:	0000000000000000"* ]]
  [[ "$output" == *"CapBnd:	0000000000000000"* ]]
  [[ "$output" == *"CapAmb:	0000000000000000"* ]]
  [[ "$output" == *"NoNewPrivs:	1"* ]]
  [[ "$output" == *"Seccomp:	2"* ]]
}

@test "run: the root filesystem is read-only and /tmp is noexec,nosuid,nodev" {
  args sh -c 'touch /x 2>&1; grep " /tmp " /proc/self/mountinfo; cp /bin/busybox /tmp/bb && /tmp/bb true; echo "exec=$?"'
  run stk run --bundle "$BUNDLE" "$ID"
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" == *" /tmp "*"nosuid"*"nodev"*"noexec"* ]]
  [[ "$output" == *"exec=126"* ]]
}

@test "run: exit status is the container's, 128+N for a signal" {
  args sh -c 'exit 42'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 42 ]
  # the container's pid 1 ignores signals it has no handler for, except
  # SIGKILL from outside: that one kills it, and stockade reports 128+9
  args sleep 60
  "$STOCKADE" --root "$ROOT" run --bundle "$BUNDLE" "$ID-b" &
  pid=$!
  for _ in $(seq 100); do [ "$(stk state "$ID-b" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.05; done
  stk kill "$ID-b" KILL
  wait $pid || st=$?
  [ "${st:-0}" -eq $((128 + 9)) ]
}

@test "run: signals sent to stockade are forwarded to the container" {
  args sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
  "$STOCKADE" --root "$ROOT" run --bundle "$BUNDLE" "$ID" > "$BATS_TEST_TMPDIR/out" &
  pid=$!
  for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
  kill -TERM $pid
  wait $pid || st=$?
  [ "${st:-0}" -eq 7 ]
  grep -q got-term "$BATS_TEST_TMPDIR/out"
}

@test "create, state, start, kill, delete: the runc lifecycle" {
  args sleep 60
  stk create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
  run stk state "$ID"
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<< "$output")" = created ]
  [ "$(jq -r .ociVersion <<< "$output")" = 1.2.1 ]
  [ "$(jq -r .bundle <<< "$output")" = "$BUNDLE" ]
  pid=$(jq -r .pid <<< "$output")
  [ "$pid" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
  # still stockade's init waiting for start, not the container's program
  [ "$(readlink /proc/$pid/exe)" != /bin/busybox ]
  stk start "$ID"
  [ "$(stk state "$ID" | jq -r .status)" = running ]
  # the init is now the container's program, pid 1 in its namespace
  grep -q "^NSpid:.*	1$" /proc/$pid/status
  stk kill "$ID" KILL
  for _ in $(seq 100); do [ "$(stk state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  [ "$(stk state "$ID" | jq -r .status)" = stopped ]
  stk delete "$ID"
  run stk state "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"does not exist"* ]]
}

@test "delete refuses a running container without --force" {
  args sleep 60
  stk run -d --bundle "$BUNDLE" "$ID"
  run stk delete "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"it is running"*"--force"* ]]
  [ "$(stk state "$ID" | jq -r .status)" = running ]
  stk delete --force "$ID"
  run stk state "$ID"
  [ "$status" -eq 1 ]
}

@test "create twice with the same ID is refused and leaves the first alone" {
  args sleep 60
  stk create --bundle "$BUNDLE" "$ID"
  run stk create --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"already exists"* ]]
  [ "$(stk state "$ID" | jq -r .status)" = created ]
  stk delete "$ID"
}

@test "state of a container whose init died reports stopped" {
  args sleep 60
  stk run -d --bundle "$BUNDLE" "$ID"
  pid=$(stk state "$ID" | jq -r .pid)
  kill -9 "$pid"
  for _ in $(seq 100); do [ "$(stk state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  [ "$(stk state "$ID" | jq -r .status)" = stopped ]
  stk delete "$ID"
}

@test "start of a container that is already running is refused" {
  args sleep 60
  stk run -d --bundle "$BUNDLE" "$ID"
  run stk start "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"running, not created"* ]]
}

@test "list shows containers in table and json" {
  args sleep 60
  stk create --bundle "$BUNDLE" "$ID-a"
  stk run -d --bundle "$BUNDLE" "$ID-b"
  run stk list
  [[ "$output" == *"$ID-a"*created* ]]
  [[ "$output" == *"$ID-b"*running* ]]
  run stk list --format json
  [ "$(jq length <<< "$output")" -eq 2 ]
  [ "$(jq -r ".[] | select(.id == \"$ID-b\") | .status" <<< "$output")" = running ]
}

@test "kill --all signals every process in the container" {
  args sh -c 'sleep 60 & sleep 60 & wait'
  stk run -d --bundle "$BUNDLE" "$ID"
  pid=$(stk state "$ID" | jq -r .pid)
  for _ in $(seq 50); do [ "$(pgrep -P "$pid" | wc -l)" -ge 2 ] && break; sleep 0.05; done
  children=$(pgrep -P "$pid")
  stk kill --all "$ID" KILL
  for _ in $(seq 100); do [ "$(stk state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  for c in $children; do ! kill -0 "$c" 2>/dev/null; done
}

@test "usage errors exit 2 and name the problem" {
  run stk create
  [ "$status" -eq 2 ]
  [[ "$output" == *"container ID is missing"* ]]
  run stk kill "$ID" NOTASIGNAL
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown signal"* ]]
  run stk frobnicate
  [ "$status" -eq 2 ]
  run "$STOCKADE" --systemd-cgroup list
  [ "$status" -eq 1 ]
  [[ "$output" == *"cgroupfs"* ]]
}

@test "--version names stockade, the spec and libseccomp" {
  run "$STOCKADE" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "stockade version "* ]]
  [[ "$output" == *"spec: 1.2"* ]]
  [[ "$output" == *"libseccomp: 2."* ]]
}

@test "features prints the runtime-spec features document" {
  run "$STOCKADE" features
  [ "$status" -eq 0 ]
  [ "$(jq -r .ociVersionMax <<< "$output")" = 1.2.1 ]
  jq -e '.linux.namespaces | index("user")' <<< "$output"
  jq -e '.linux.seccomp.enabled' <<< "$output"
  jq -e '.hooks | index("createRuntime")' <<< "$output"
}

@test "spec writes a hardened config and refuses to overwrite it" {
  d=$BATS_TEST_TMPDIR/specdir
  mkdir "$d"
  stk spec --bundle "$d"
  jq -e '.process.user.uid == 65534 and .process.noNewPrivileges and .root.readonly' "$d/config.json"
  jq -e '.process.capabilities.bounding == []' "$d/config.json"
  jq -e '[.mounts[] | select(.destination == "/tmp") | .options[]] | (index("noexec") and index("nosuid") and index("nodev"))' "$d/config.json"
  jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO"' "$d/config.json"
  jq -e '[.linux.namespaces[].type] | (index("network") and index("pid") and index("user") == null)' "$d/config.json"
  run stk spec --bundle "$d"
  [ "$status" -eq 1 ]
  [[ "$output" == *"exists"*"--force"* ]]
}

@test "--log-format json writes errors as JSON lines" {
  run "$STOCKADE" --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nosuch
  [ "$status" -eq 1 ]
  line=$(tail -1 "$BATS_TEST_TMPDIR/log.json")
  [ "$(jq -r .level <<< "$line")" = error ]
  [[ "$(jq -r .msg <<< "$line")" == *"does not exist"* ]]
}

@test "concurrent creates of different containers all succeed" {
  args true
  for i in 1 2 3 4 5 6; do stk create --bundle "$BUNDLE" "$ID-$i" & done
  wait
  [ "$(stk list -q | wc -l)" -eq 6 ]
  for i in 1 2 3 4 5 6; do stk delete "$ID-$i"; done
}
