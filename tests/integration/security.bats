#!/usr/bin/env bats
# The runtime must not be the way out: each test attacks from inside (or
# through) a container and checks that the attack fails.

load helpers

wait_created() { for _ in $(seq 100); do [ "$(stk state "$1" | jq -r .status)" = created ] && return 0; sleep 0.05; done; return 1; }

@test "CVE-2019-5736 class: the runtime binary cannot be opened for writing through /proc/PID/exe" {
  args true
  sum_before=$(sha256sum "$STOCKADE" | cut -d' ' -f1)
  stk create --bundle "$BUNDLE" "$ID"
  pid=$(stk state "$ID" | jq -r .pid)
  # the init is still stockade (waiting for start); even host root cannot write through its exe link
  run sh -c "echo pwned >> /proc/$pid/exe"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* || "$output" == *"Text file busy"* ]]
  # nor open it for writing from inside the container's namespaces as the container user
  run nsenter -t "$pid" -a -S 65534 -G 65534 sh -c 'echo pwned >> /proc/1/exe'
  [ "$status" -ne 0 ]
  [ "$(sha256sum "$STOCKADE" | cut -d' ' -f1)" = "$sum_before" ]
  stk delete "$ID"
}

@test "CVE-2019-5736 class: the setup stage is not dumpable (no ptrace, no /proc/PID/mem)" {
  args true
  stk create --bundle "$BUNDLE" "$ID"
  pid=$(stk state "$ID" | jq -r .pid)
  # a process in the container without CAP_SYS_PTRACE cannot look into the init
  run nsenter -t "$pid" -a -S 65534 -G 65534 sh -c 'cat /proc/1/environ; ls /proc/1/fd; head -c1 /proc/1/mem'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Permission denied"* ]]
  stk delete "$ID"
}

@test "CVE-2024-21626 class: process.cwd cannot be a leaked fd of the host" {
  for fd in 3 4 5 6 7 8 9; do
    cfg --arg c "/proc/self/fd/$fd" '.process.cwd = $c'
    args sh -c 'pwd; ls /'
    run stk run --bundle "$BUNDLE" "$ID-$fd"
    [ "$status" -ne 0 ]
    [[ "$output" == *"process.cwd"* ]]
  done
}

@test "no host file descriptor reaches the container beyond 0-2" {
  args sh -c 'ls /proc/self/fd | tr "\n" " "'
  exec 7</etc/hostname 8>"$BATS_TEST_TMPDIR/leak"
  run stk run --bundle "$BUNDLE" "$ID"
  exec 7<&- 8>&-
  [ "$status" -eq 0 ]
  # ls itself holds one fd for the directory it lists
  [[ "$output" =~ ^"0 1 2 3 "$ ]]
}

@test "--preserve-fds passes exactly the fds asked for" {
  args sh -c 'cat <&3; ls /proc/self/fd | tr "\n" " "'
  echo preserved > "$BATS_TEST_TMPDIR/f"
  # fd 3 is bats' own output channel: set it aside while we borrow it
  exec {bats3}>&3 3<"$BATS_TEST_TMPDIR/f" 4</etc/hostname
  run stk run --preserve-fds 1 --bundle "$BUNDLE" "$ID"
  exec 3>&$bats3 4<&- {bats3}>&-
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = preserved ]
  [[ "${lines[1]}" =~ ^"0 1 2 3 4 "$ ]]   # 3 preserved, 4 is ls's own
}

@test "CVE-2019-16884 class: a rootfs whose /proc is a symlink is refused" {
  rm -rf "$BUNDLE/rootfs/proc"
  mkdir -p "$BUNDLE/rootfs/fakeproc"
  ln -s /fakeproc "$BUNDLE/rootfs/proc"
  args true
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"mounts[0]"*"/proc is a symlink"* ]]
}

@test "CVE-2021-30465 class: a mount destination that is a symlink stays inside the rootfs" {
  mkdir -p "$BUNDLE/rootfs/etc"
  ln -s /etc "$BUNDLE/rootfs/evil"
  cfg '.mounts += [{"destination": "/evil/owned", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","nodev","noexec"]}]'
  args sh -c 'grep -c " /etc/owned " /proc/self/mountinfo'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  [ ! -e /etc/owned ]
  [ -d "$BUNDLE/rootfs/etc/owned" ]
}

@test "CVE-2021-30465 class: ../ in a mount destination cannot climb out" {
  cfg '.mounts += [{"destination": "/../../../../tmp/stockade-escape-'"$$"'", "type": "tmpfs", "source": "tmpfs"}]'
  args sh -c "grep -c ' /tmp/stockade-escape-$$ ' /proc/self/mountinfo"
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  # mounted inside the container, under its own /tmp; nothing on the host
  [ "$output" = 1 ]
  [ ! -e "/tmp/stockade-escape-$$" ]
}

@test "CVE-2025-31133 class: masking never uses the container's /dev/null" {
  # no /dev tmpfs: the image's own /dev is used, with /dev/null pointing at a host knob
  cfg 'del(.mounts[] | select(.destination | startswith("/dev")))'
  mkdir -p "$BUNDLE/rootfs/dev"
  ln -sf /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
  before=$(cat /proc/sys/kernel/core_pattern)
  args sh -c 'wc -c < /proc/keys; grep " /proc/keys " /proc/self/mountinfo | cut -d" " -f4'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
}

@test "CVE-2025-52565 class: /dev/console cannot be redirected by a symlink" {
  cfg 'del(.mounts[] | select(.destination == "/dev"))'
  mkdir -p "$BUNDLE/rootfs/dev/pts"
  ln -sf /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/console"
  cfg '.process.terminal = true'
  args true
  run stk run --bundle "$BUNDLE" "$ID" </dev/null
  [ "$status" -ne 0 ]
  [[ "$output" == *"/dev/console"* ]]
}

@test "masked paths read as empty and readonly paths refuse writes" {
  # (this kernel has no /proc/kcore or /proc/sysrq-trigger; masking skips what does not exist)
  cfg '.process.user = {"uid": 0, "gid": 0}'
  args sh -c 'wc -c < /proc/keys; wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l; echo x > /proc/sys/kernel/domainname; grep -c " /proc/keys " /proc/self/mountinfo'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$(wc -c < /proc/keys)" -gt 0 ] || skip "host /proc/keys is empty"
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [ "${lines[-1]}" = 1 ]
}

@test "the default seccomp filter refuses what Docker's allows but stockade does not" {
  cfg '.process.user = {"uid": 0, "gid": 0} | .process.capabilities.bounding = ["CAP_SYS_ADMIN","CAP_SYS_PTRACE"] | .process.capabilities.effective = ["CAP_SYS_ADMIN","CAP_SYS_PTRACE"] | .process.capabilities.permitted = ["CAP_SYS_ADMIN","CAP_SYS_PTRACE"]'
  args sh -c 'unshare -U true 2>&1; unshare -m true 2>&1; mount -t tmpfs t /mnt 2>&1; echo done'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  [ "$(grep -ci -E 'Operation not permitted|permission denied' <<< "$output")" -ge 3 ]
}

@test "the container cannot see or signal host processes" {
  args sh -c 'ps -o pid= | wc -l; kill -0 1 && echo can-signal-own-init'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" -le 3 ]
}

@test "network: a private namespace with only loopback, and it is up" {
  args sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate; ping -c1 -W1 127.0.0.1 >/dev/null 2>&1 && echo ping-ok || echo no-ping'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "${lines[0]}" = lo ]
  [[ "${lines[1]}" = unknown || "${lines[1]}" = up ]]
}
