#!/usr/bin/env bats
# ps, pause/resume, update, events: a running container looked after through its cgroup.

load helpers

@test "ps lists the container's processes by host pid" {
  args sh -c 'sleep 600 & sleep 600'
  stk run -d --bundle "$BUNDLE" "$ID"
  for _ in $(seq 50); do [ "$(stk ps --format json "$ID" | jq length)" -eq 2 ] && break; sleep 0.05; done
  run stk ps --format json "$ID"
  [ "$(jq length <<< "$output")" -eq 2 ]
  init=$(stk state "$ID" | jq .pid)
  jq -e --argjson p "$init" 'index($p) != null' <<< "$output"
  run stk ps "$ID"
  [[ "${lines[0]}" == PID* ]]
  [[ "$output" == *"sleep 600"* ]]
  stk delete --force "$ID"
}

@test "pause freezes every process and resume thaws them" {
  args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done'
  stk run -d --bundle "$BUNDLE" "$ID"
  stk pause "$ID"
  [ "$(stk state "$ID" | jq -r .status)" = paused ]
  run stk pause "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *paused* ]]
  stk resume "$ID"
  [ "$(stk state "$ID" | jq -r .status)" = running ]
  run stk resume "$ID"
  [ "$status" -eq 1 ]
  stk delete --force "$ID"
}

@test "delete --force of a paused container kills it and cleans up" {
  args sleep 600
  stk run -d --bundle "$BUNDLE" "$ID"
  stk pause "$ID"
  stk delete --force "$ID"
  run stk state "$ID"
  [ "$status" -eq 1 ]
}

@test "update changes limits at once; bad values are refused with the field named" {
  args sleep 600
  stk run -d --bundle "$BUNDLE" "$ID"
  stk update --memory 128m --pids-limit 50 "$ID"
  pids_dir=$(find /sys/fs/cgroup/pids -type d -name "$ID" | head -1)
  mem_dir=$(find /sys/fs/cgroup/memory -type d -name "$ID" | head -1)
  [ "$(cat "$pids_dir/pids.max")" = 50 ]
  [ "$(cat "$mem_dir/memory.limit_in_bytes")" = 134217728 ]
  echo '{"pids": {"limit": 7}}' > "$BATS_TEST_TMPDIR/r.json"
  stk update --resources "$BATS_TEST_TMPDIR/r.json" "$ID"
  [ "$(cat "$pids_dir/pids.max")" = 7 ]
  echo '{"pids": {"limit": "many"}}' > "$BATS_TEST_TMPDIR/bad.json"
  run stk update --resources "$BATS_TEST_TMPDIR/bad.json" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.json: linux.resources.pids.limit"* ]]
  run stk update --memory lots "$ID"
  [ "$status" -eq 2 ]
  stk delete --force "$ID"
}

@test "events --stats prints memory, pids and cpu usage as JSON" {
  args sleep 600
  stk run -d --bundle "$BUNDLE" "$ID"
  run stk events --stats "$ID"
  [ "$status" -eq 0 ]
  [ "$(jq -r .type <<< "$output")" = stats ]
  [ "$(jq -r .id <<< "$output")" = "$ID" ]
  jq -e '.data.memory.usage.usage > 0' <<< "$output"
  jq -e '.data.pids.current >= 1' <<< "$output"
  stk delete --force "$ID"
}

@test "pause/resume with the cgroup v2 freezer (pure v2 layout in a private mount namespace)" {
  cfg 'del(.linux.resources.memory) | del(.linux.resources.pids)'
  args sleep 600
  run unshare -m --propagation private sh -c "
    umount -l /sys/fs/cgroup/* 2>/dev/null; umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup || exit 9
    S='$STOCKADE --root $ROOT'
    \$S run -d --bundle '$BUNDLE' '$ID' || exit 10
    \$S pause '$ID' || exit 11
    echo \$(\$S state '$ID' | jq -r .status) \$(cat /sys/fs/cgroup/stockade/$ID/cgroup.freeze)
    \$S resume '$ID' || exit 12
    echo \$(\$S state '$ID' | jq -r .status) \$(cat /sys/fs/cgroup/stockade/$ID/cgroup.freeze)
    \$S delete --force '$ID' || exit 13
    test ! -e /sys/fs/cgroup/stockade/$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "paused 1" ]
  [ "${lines[1]}" = "running 0" ]
}
