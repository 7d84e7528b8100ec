#!/usr/bin/env bats
# Everything config.json can ask for, checked from inside the container.

load helpers

@test "user namespace: uid/gid mappings, root inside is an unprivileged uid outside" {
  cfg '.linux.namespaces += [{"type": "user"}]
       | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
       | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
       | .process.user = {"uid": 0, "gid": 0}'
  chown -R 200000:200000 "$BUNDLE/rootfs"
  # the container's root (uid 200000 on the host) must be able to reach the bundle
  d=$BUNDLE; while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
  args sh -c 'id -u; cat /proc/self/uid_map | tr -s " "; sleep 5'
  stk run -d --bundle "$BUNDLE" "$ID"
  pid=$(stk state "$ID" | jq .pid)
  # seen from the host, the container's root is uid 200000
  [ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = 200000 ]
  [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ]
  stk delete --force "$ID"
  args sh -c 'id -u; cat /proc/self/uid_map | tr -s " "'
  run stk run --bundle "$BUNDLE" "$ID-b"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = " 0 200000 65536" ]
}

@test "process: user, additionalGids, umask, env, cwd, rlimits, oomScoreAdj" {
  cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 65534], "umask": 63}
       | .process.env += ["GREETING=hi there"] | .process.cwd = "/home/user"
       | .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}, {"type": "RLIMIT_NPROC", "hard": 300, "soft": 300}]
       | .process.oomScoreAdj = 345'
  args sh -c 'id -u; id -g; id -G; umask; echo "$GREETING"; pwd; ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1000 ]
  [ "${lines[2]}" = "1000 5 65534" ]
  [ "${lines[3]}" = 0077 ]
  [ "${lines[4]}" = "hi there" ]
  [ "${lines[5]}" = /home/user ]
  [ "${lines[6]}" = 256 ]
  [ "${lines[7]}" = 512 ]
  [ "${lines[8]}" = 345 ]
}

@test "capabilities: the five sets exactly as configured, ambient included" {
  cfg '.process.user = {"uid": 1000, "gid": 1000}
       | .process.noNewPrivileges = false
       | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"], "effective": ["CAP_NET_BIND_SERVICE"],
                                  "permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"],
                                  "ambient": ["CAP_NET_BIND_SERVICE"]}'
  args sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | cut -f2 | tr "\n" " "; echo; grep NoNewPrivs /proc/self/status | cut -f2'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  # NET_BIND_SERVICE = bit 10 (0x400), CHOWN = bit 0
  [ "${lines[0]}" = "0000000000000400 0000000000000400 0000000000000400 0000000000000401 0000000000000400 " ]
  [ "${lines[1]}" = 0 ]
}

@test "hostname, domainname and linux.sysctl" {
  cfg '.hostname = "box1" | .domainname = "example.test" | .linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "80", "kernel.msgmax": "4096"}'
  args sh -c 'hostname; cat /proc/sys/kernel/domainname; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; cat /proc/sys/kernel/msgmax'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = box1 ]
  [ "${lines[1]}" = example.test ]
  [ "${lines[2]}" = 80 ]
  [ "${lines[3]}" = 4096 ]
  # the host's values are untouched
  [ "$(cat /proc/sys/kernel/domainname)" != example.test ]
}

@test "mounts: bind with ro,nosuid,nodev,noexec; rbind; tmpfs options" {
  mkdir -p "$BATS_TEST_TMPDIR/data/sub"
  echo hello > "$BATS_TEST_TMPDIR/data/file"
  cfg --arg src "$BATS_TEST_TMPDIR/data" '.mounts += [
        {"destination": "/data", "type": "bind", "source": $src, "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=0700", "nosuid"]}]'
  cfg '.process.user = {"uid": 0, "gid": 0}'
  args sh -c 'cat /data/file; touch /data/x 2>&1; grep " /data " /proc/self/mountinfo; grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hello ]
  [[ "${lines[1]}" == *"Read-only file system"* ]]
  [[ "${lines[2]}" == *" /data "*"ro,nosuid,nodev,noexec"* ]]
  [[ "${lines[3]}" == *"size=1024k"* ]]
  [ "${lines[4]}" = 700 ]
  [ ! -e "$BATS_TEST_TMPDIR/data/x" ]
}

@test "linux.devices: a device node with its mode and owner, allowed by the cgroup" {
  cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 1000, "gid": 1000}]
       | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
  args sh -c 'stat -c "%t:%T %a %u" /dev/mynull; echo x > /dev/mynull && echo written; cat /dev/zero | head -c 3 | wc -c'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1:3 666 1000" ]
  [ "${lines[1]}" = written ]
  [ "${lines[2]}" = 3 ]
}

@test "cgroups: memory, pids and cpu limits are applied at cgroupsPath and removed on delete" {
  cfg --arg p "/stockade-test/$ID" '.linux.cgroupsPath = $p
       | .linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 42}
       | .linux.resources.cpu = {"shares": 256, "quota": 20000, "period": 100000}'
  args sleep 600
  stk run -d --bundle "$BUNDLE" "$ID"
  [ "$(cat /sys/fs/cgroup/memory/stockade-test/$ID/memory.limit_in_bytes)" = 67108864 ]
  [ "$(cat /sys/fs/cgroup/pids/stockade-test/$ID/pids.max)" = 42 ]
  [ "$(cat /sys/fs/cgroup/cpu/stockade-test/$ID/cpu.cfs_quota_us)" = 20000 ]
  [ "$(cat /sys/fs/cgroup/cpu/stockade-test/$ID/cpu.shares)" = 256 ]
  pid=$(stk state "$ID" | jq .pid)
  grep -q "pids:/stockade-test/$ID\$" /proc/$pid/cgroup
  stk delete --force "$ID"
  [ ! -e "/sys/fs/cgroup/pids/stockade-test/$ID" ]
  [ ! -e "/sys/fs/cgroup/memory/stockade-test/$ID" ]
  rmdir /sys/fs/cgroup/*/stockade-test 2>/dev/null || true
}

@test "a pids limit stops a fork bomb inside the container" {
  cfg '.linux.resources.pids = {"limit": 10}'
  # only shell builtins once the limit is reached: read, kill, wait, echo
  args sh -c '( for i in $(seq 30); do sleep 5 & done ) 2>/tmp/err; read n < /sys/fs/cgroup/pids/pids.current; kill -9 -1; wait; echo "procs=$n"; head -1 /tmp/err'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = procs=9 ] || [ "${lines[0]}" = procs=10 ]
  [[ "${lines[1]}" == *"Resource temporarily unavailable"* ]]
}

@test "hooks: all six run in order with the state on stdin" {
  # startContainer runs inside the container, after pivot_root: it logs through a bind mount
  mkdir -m 1777 "$BATS_TEST_TMPDIR/hl"
  log=$BATS_TEST_TMPDIR/hl/hooks.log
  touch "$log" && chmod 666 "$log"   # the startContainer hook runs as the container's user
  # startContainer sleeps first: poststart must still come after it (start waits for the exec)
  hook() { jq -n --arg n "$1" --arg log "$2" --arg pre "${3:-}" '{"path": "/bin/sh", "args": ["sh", "-c", "read -r s; \($pre) echo \($n) $(echo $s | sed -E \"s/.*\\\"status\\\": *\\\"([a-z]+)\\\".*/\\\\1/\") >> \($log)"]}'; }
  cfg --argjson a "$(hook prestart "$log")" --argjson b "$(hook createRuntime "$log")" --argjson c "$(hook createContainer "$log")" \
      --argjson d "$(hook startContainer /hl/hooks.log "sleep 0.5;")" --argjson e "$(hook poststart "$log")" --argjson f "$(hook poststop "$log")" \
      --arg hl "$BATS_TEST_TMPDIR/hl" \
      '.hooks = {"prestart": [$a], "createRuntime": [$b], "createContainer": [$c], "startContainer": [$d], "poststart": [$e], "poststop": [$f]}
       | .mounts += [{"destination": "/hl", "type": "bind", "source": $hl, "options": ["bind", "rw"]}]'
  args true
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  run cat "$log"
  [ "${lines[0]}" = "prestart creating" ]
  [ "${lines[1]}" = "createRuntime creating" ]
  [ "${lines[2]}" = "createContainer creating" ]
  [ "${lines[3]}" = "startContainer created" ]
  [ "${lines[4]}" = "poststart running" ] || [ "${lines[4]}" = "poststart stopped" ]
  [ "${lines[5]}" = "poststop stopped" ]
}

@test "process.terminal: the pty goes to --console-socket and the container sees a tty" {
  [ -x "$RECVTTY" ] || skip "recvtty helper not built"
  cfg '.process.terminal = true'
  args sh -c 'tty; test -t 0 && echo stdin-is-a-tty; stat -c %t:%T /dev/console'
  "$RECVTTY" "$BATS_TEST_TMPDIR/tty.sock" > "$BATS_TEST_TMPDIR/tty.out" &
  rpid=$!
  for _ in $(seq 50); do [ -S "$BATS_TEST_TMPDIR/tty.sock" ] && break; sleep 0.05; done
  stk create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/tty.sock" "$ID"
  stk start "$ID"
  wait $rpid
  run cat "$BATS_TEST_TMPDIR/tty.out"
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *stdin-is-a-tty* ]]
  [[ "$output" == *"88:0"* ]]      # /dev/console is the pty (devpts major 136 = 0x88)
  stk delete "$ID"
}

@test "--no-pivot runs with MS_MOVE + chroot" {
  args sh -c 'ls / | head -3; cat /proc/self/mountinfo | wc -l'
  run stk run --no-pivot --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = bin ]
}

@test "joining a namespace by path: a second container shares the first one's network" {
  args sleep 600
  stk run -d --bundle "$BUNDLE" "$ID"
  pid=$(stk state "$ID" | jq .pid)
  cfg --arg p "/proc/$pid/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
  args true
  stk run -d --bundle "$BUNDLE" "$ID-b"
  pid2=$(stk state "$ID-b" | jq .pid)
  [ "$(readlink /proc/$pid2/ns/net)" = "$(readlink /proc/$pid/ns/net)" ] || [ "$(stk state "$ID-b" | jq -r .status)" = stopped ]
  stk delete --force "$ID-b"
  args sh -c 'readlink /proc/self/ns/net'
  run stk run --bundle "$BUNDLE" "$ID-c"
  [ "$output" = "$(readlink /proc/$pid/ns/net)" ]
  stk delete --force "$ID"
}

@test "rootfsPropagation is honoured; the default keeps the container's mounts private" {
  args sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *" / ro,"* ]]
  [[ "$output" != *"shared:"* && "$output" != *"master:"* ]]
  cfg '.linux.rootfsPropagation = "rshared"'
  run stk run --bundle "$BUNDLE" "$ID-b"
  [ "$status" -eq 0 ]
  [[ "$output" == *" / ro,"*"shared:"* ]]
}

@test "cgroups: a pure v1 layout (hybrid's cgroup2 hidden) works too" {
  mountpoint -q /sys/fs/cgroup/unified || skip "this host has no hybrid cgroup2 mount to hide"
  cfg '.linux.resources.pids = {"limit": 33}'
  args sh -c 'cat /sys/fs/cgroup/pids/pids.max'
  run unshare -m --propagation private sh -c "umount -l /sys/fs/cgroup/unified && '$STOCKADE' --root '$ROOT' run --bundle '$BUNDLE' '$ID'"
  [ "$status" -eq 0 ]
  [ "$output" = 33 ]
}

@test "cgroups: a pure v2 layout works, with device rules enforced by an eBPF program" {
  # a private mount namespace that sees only the unified hierarchy at /sys/fs/cgroup
  cfg 'del(.linux.resources.memory) | del(.linux.resources.pids)
       | .process.user = {"uid": 0, "gid": 0}
       | .linux.devices = [{"path": "/dev/mem", "type": "c", "major": 1, "minor": 1, "fileMode": 384}]
       | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 1, "access": "m"}]'
  args sh -c 'grep "^0::" /proc/self/cgroup; echo x > /dev/null && echo null-ok; head -c1 /dev/mem > /dev/null 2>&1 || echo mem-denied'
  run unshare -m --propagation private sh -c "umount -l /sys/fs/cgroup/* 2>/dev/null; umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && '$STOCKADE' --root '$ROOT' run --bundle '$BUNDLE' '$ID' && test ! -e /sys/fs/cgroup/stockade/$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "0::/" ]          # inside its own cgroup namespace
  [ "${lines[1]}" = null-ok ]
  [ "${lines[2]}" = mem-denied ]      # root, but the device program says no
}

@test "cgroup namespace: the container sees its own cgroup as the root" {
  args sh -c 'cut -d: -f3 /proc/self/cgroup | sort -u'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = / ]
}
