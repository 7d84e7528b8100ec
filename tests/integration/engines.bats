#!/usr/bin/env bats
# stockade under the real engines: podman, Docker (dockerd) and containerd
# (ctr).  Each test starts what it needs on private sockets and directories
# under its temp dir and stops it again, even when it fails.  The image is a
# busybox-static root filesystem imported once (no network).

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  command -v podman >/dev/null || return 0
  export IMG_DIR=$BATS_FILE_TMPDIR/img
  mkdir -p "$IMG_DIR"
  "$MKBUNDLE" "$STOCKADE" "$IMG_DIR/b" >/dev/null
  local P="podman --root $IMG_DIR/storage --runroot $IMG_DIR/run --storage-driver vfs --tmpdir $IMG_DIR/tmp"
  tar -C "$IMG_DIR/b/rootfs" -c . | $P import - localhost/stockade-bb:1 >/dev/null
  $P save -o "$IMG_DIR/bb.tar" localhost/stockade-bb:1 >/dev/null 2>&1
  $P rmi -a >/dev/null 2>&1 || true
  rm -rf "$IMG_DIR/storage" "$IMG_DIR/run" "$IMG_DIR/b"
}

setup() {
  setup_common
  DAEMONS=()
}

teardown() {
  local p
  # podman has no daemon: remove what a failed test left (its containers hold shm mounts)
  if [ -d "$BATS_TEST_TMPDIR/pm" ]; then
    $(podman_cmd) rm -a -f -t 0 >/dev/null 2>&1 || true
    grep -F "$BATS_TEST_TMPDIR/pm" /proc/self/mountinfo | cut -d' ' -f5 | xargs -r -n1 umount -l 2>/dev/null || true
    # conmon outlives `podman rm` by a moment; its cgroup empties only when it exits
    for _ in $(seq 50); do pgrep -f "$BATS_TEST_TMPDIR/pm" >/dev/null || break; sleep 0.1; done
  fi
  if [ -n "${DOCKER:-}" ]; then
    $DOCKER rm -f $($DOCKER ps -aq) >/dev/null 2>&1 || true
  fi
  for p in "${DAEMONS[@]}"; do
    kill "$p" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  # the engines' parent cgroups (podman: libpod_parent, docker: docker,
  # containerd: its namespace) stay behind when empty, as with runc
  local n
  for _ in $(seq 20); do
    for n in libpod_parent docker stockade-test; do
      find /sys/fs/cgroup -maxdepth 6 -depth -type d -path "*/$n*" -exec rmdir {} \; 2>/dev/null || true
    done
    [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d \( -name libpod_parent -o -name docker -o -name stockade-test \) 2>/dev/null)" ] && break
    sleep 0.1
  done
  rmdir /run/containerd/runc/stockade-test 2>/dev/null || true
  teardown_common
}

need() { for c in "$@"; do command -v "$c" >/dev/null || skip "$c is not installed (scripts/deps.sh test installs it)"; done; }

podman_cmd() {
  echo "podman --root $BATS_TEST_TMPDIR/pm/storage --runroot $BATS_TEST_TMPDIR/pm/run --tmpdir $BATS_TEST_TMPDIR/pm/tmp" \
       "--storage-driver vfs --cgroup-manager cgroupfs --events-backend file" \
       "--runtime $STOCKADE --runtime-flag host-limits=clamp --runtime-flag policy=${1:-$STOCKADE_POLICY}"
}

@test "podman: run, exec, stop, rm with stockade as the runtime" {
  need podman conmon
  P=$(podman_cmd)
  $P load -i "$IMG_DIR/bb.tar" >/dev/null
  # output, exit status, and the engine's own hardening requests honoured inside
  run --separate-stderr $P run --rm --network none localhost/stockade-bb:1 sh -c 'echo hello; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t" " "; exit 3'
  [ "$status" -eq 3 ]
  [ "${lines[0]}" = hello ]
  [[ "$output" == *"Seccomp: 2"* ]]      # podman's seccomp profile is loaded
  # what podman asks for is what the container gets: --user, --cap-drop, --read-only, no-new-privileges
  run --separate-stderr $P run --rm --network none --user 1000:1000 --cap-drop all --read-only --security-opt no-new-privileges \
      localhost/stockade-bb:1 sh -c 'id -u; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status | cut -f2; touch /x 2>&1'
  [ "$status" -ne 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 0000000000000000 ]
  [ "${lines[2]}" = 1 ]
  [[ "$output" == *"Read-only file system"* ]]
  # a long-running container: exec into it, stop it, remove it
  $P run -d --name "$ID" --network none localhost/stockade-bb:1 sleep 600
  run --separate-stderr $P exec "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; exit 7'
  [ "$status" -eq 7 ]
  [[ "$output" == *"sleep 600"* ]]
  run --separate-stderr $P exec --user 1000 "$ID" id -u
  [ "$output" = 1000 ]
  $P stop -t 1 "$ID" >/dev/null
  [ "$($P inspect -f '{{.State.Status}}' "$ID")" = exited ]
  $P rm "$ID" >/dev/null
  $P rmi -a -f >/dev/null 2>&1 || true
}

@test "podman: without --host-limits clamp, podman's default NOFILE is refused with the fix named" {
  need podman conmon
  P="podman --root $BATS_TEST_TMPDIR/pm/storage --runroot $BATS_TEST_TMPDIR/pm/run --tmpdir $BATS_TEST_TMPDIR/pm/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime $STOCKADE --runtime-flag policy=$STOCKADE_POLICY"
  $P load -i "$IMG_DIR/bb.tar" >/dev/null
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] && [ "$hard" -lt 1048576 ] || skip "this host grants NOFILE 1048576"
  run $P run --rm --network none localhost/stockade-bb:1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *"RLIMIT_NOFILE hard limit 1048576 is above this host's maximum $hard"* ]]
  [[ "$output" == *"--ulimit nofile=$hard:$hard"* ]]
  run --separate-stderr $P run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/stockade-bb:1 sh -c 'ulimit -n'
  [ "$status" -eq 0 ]
  [ "$output" = 1024 ]
  $P rmi -a -f >/dev/null 2>&1 || true
}

@test "podman under the policy: enforce refuses a root image with STK101, harden runs it as nobody with no capabilities, warn runs it" {
  need podman conmon
  local pol=$BATS_TEST_TMPDIR/node-policy.yaml
  printf 'mode: enforce\n' > "$pol"
  P=$(podman_cmd "$pol")
  $P load -i "$IMG_DIR/bb.tar" >/dev/null
  # podman's defaults: root, its capability set, a writable root
  run $P run --rm --network none localhost/stockade-bb:1 id -u
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"refused by the stockade policy (level restricted, mode enforce"* ]]
  [[ "$output" == *"STK101 root-user (high) at process.user.uid: runs as uid 0"* ]]
  [[ "$output" == *"with podman or docker: add \`--user 10001:10001\`"* ]]
  # asking for what the policy wants passes (podman's read-only tmpfs mounts are exec: keep them off)
  run --separate-stderr $P run --rm --network none --user 1000:1000 --cap-drop all --read-only --read-only-tmpfs=false \
      --security-opt no-new-privileges localhost/stockade-bb:1 id -u
  echo "$output $stderr"
  [ "$status" -eq 0 ]
  [ "$output" = 1000 ]
  # harden: the same image, no flags, runs as nobody with no capabilities
  printf 'mode: harden\n' > "$pol"
  run --separate-stderr $P run --rm --network none localhost/stockade-bb:1 sh -c 'id -u; grep -E "^(CapEff|CapPrm|NoNewPrivs):" /proc/self/status | cut -f2; touch /x 2>/dev/null || echo read-only'
  echo "$output $stderr"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 65534 ]
  [ "${lines[1]}" = 0000000000000000 ]
  [ "${lines[2]}" = 0000000000000000 ]
  [ "${lines[3]}" = 1 ]
  [ "${lines[4]}" = read-only ]
  # the Docker socket (here: any socket named like it) is refused in every mode
  : > "$BATS_TEST_TMPDIR/docker.sock"
  for mode in enforce harden warn; do
    printf 'mode: %s\n' "$mode" > "$pol"
    run $P run --rm --network none -v "$BATS_TEST_TMPDIR/docker.sock:/var/run/docker.sock" localhost/stockade-bb:1 true
    [ "$status" -ne 0 ]
    [[ "$output" == *"STK303 engine-socket-mount"* ]]
  done
  # warn: runs as asked
  printf 'mode: warn\n' > "$pol"
  run --separate-stderr $P run --rm --network none localhost/stockade-bb:1 id -u
  [ "$status" -eq 0 ]
  [ "$output" = 0 ]
  $P rmi -a -f >/dev/null 2>&1 || true
}

start_containerd() {  # start_containerd DIR: a private containerd without the CRI plugin
  local d=$1
  mkdir -p "$d"
  cat > "$d/config.toml" <<TOML
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
TOML
  containerd --config "$d/config.toml" > "$d/log" 2>&1 &
  DAEMONS+=($!)
  for _ in $(seq 100); do [ -S "$d/containerd.sock" ] && return 0; sleep 0.1; done
  cat "$d/log" >&2
  return 1
}

@test "containerd: ctr run, task exec, task kill with --runc-binary stockade" {
  need containerd ctr podman
  start_containerd "$BATS_TEST_TMPDIR/ctd"
  C="ctr -a $BATS_TEST_TMPDIR/ctd/containerd.sock -n stockade-test"
  $C images import --snapshotter native "$IMG_DIR/bb.tar" >/dev/null
  run --separate-stderr $C run --rm --snapshotter native --runc-binary "$STOCKADE" localhost/stockade-bb:1 "$ID-a" \
      sh -c 'echo hello; grep NoNewPrivs /proc/self/status | cut -f2; exit 4'
  [ "$status" -eq 4 ]
  [ "${lines[0]}" = hello ]
  [ "${lines[1]}" = 1 ]   # ctr's default spec asks for no_new_privs
  $C run -d --snapshotter native --runc-binary "$STOCKADE" localhost/stockade-bb:1 "$ID" sleep 600
  run --separate-stderr $C task exec --exec-id e1 "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; exit 6'
  [ "$status" -eq 6 ]
  [[ "$output" == *"sleep 600"* ]]
  $C task kill -s KILL "$ID"
  for _ in $(seq 50); do [[ "$($C task ls)" == *STOPPED* ]] && break; sleep 0.1; done
  [[ "$($C task ls)" == *"$ID"*STOPPED* ]]
  $C task delete "$ID" >/dev/null
  $C container delete "$ID"
  $C images rm localhost/stockade-bb:1 >/dev/null
  # the runc shim keeps its state under /run/containerd/runc/<namespace>: nothing of ours may be left
  [ -z "$(ls -A /run/containerd/runc/stockade-test 2>/dev/null)" ]
  rmdir /run/containerd/runc/stockade-test 2>/dev/null || true
}

@test "docker: dockerd --add-runtime stockade; run, exec, stop" {
  need dockerd podman
  local d=$BATS_TEST_TMPDIR/dk
  mkdir -p "$d"
  printf 'mode: enforce\n' > "$d/enforce.yaml"
  echo "{\"runtimes\": {\"stockade\": {\"path\": \"$STOCKADE\", \"runtimeArgs\": [\"--host-limits\", \"clamp\"]}," \
       "\"stockade-enforce\": {\"path\": \"$STOCKADE\", \"runtimeArgs\": [\"--host-limits\", \"clamp\", \"--policy\", \"$d/enforce.yaml\"]}}}" > "$d/daemon.json"
  dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
          -H "unix://$d/docker.sock" --iptables=false --ip6tables=false --bridge=none --storage-driver vfs > "$d/log" 2>&1 &
  DAEMONS+=($!)
  D="/usr/bin/docker -H unix://$d/docker.sock"
  DOCKER=$D
  for _ in $(seq 150); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
  $D version >/dev/null
  $D load -i "$IMG_DIR/bb.tar" >/dev/null
  run --separate-stderr $D run --rm --runtime stockade --network none localhost/stockade-bb:1 sh -c 'echo hello; grep Seccomp: /proc/self/status | cut -f2; exit 5'
  [ "$status" -eq 5 ]
  [ "${lines[0]}" = hello ]
  [[ "$output" == *$'\n'2* ]]           # Docker's default seccomp profile is loaded
  run --separate-stderr $D run --rm --runtime stockade --network none --user 1000 --cap-drop ALL --read-only localhost/stockade-bb:1 sh -c 'id -u; grep CapEff /proc/self/status | cut -f2'
  [ "$status" -eq 0 ]
  [[ "$output" == *1000* ]]
  [[ "$output" == *0000000000000000* ]]
  $D run -d --name "$ID" --runtime stockade --network none localhost/stockade-bb:1 sleep 600 >/dev/null
  run --separate-stderr $D exec "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "; exit 9'
  [ "$status" -eq 9 ]
  [[ "$output" == *"sleep 600"* ]]
  $D stop -t 1 "$ID" >/dev/null
  [ "$($D inspect -f '{{.State.Running}}' "$ID")" = false ]
  # a refusal reaches the user through the shim, which reads our --log-format json log
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["opne"], "action": "SCMP_ACT_ERRNO"}]}' > "$d/typo.json"
  run $D run --rm --runtime stockade --network none --security-opt seccomp="$d/typo.json" localhost/stockade-bb:1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.seccomp.syscalls[0].names[0]: unknown system call \"opne\""* ]]
  # the node policy through Docker: Docker's defaults (root, its capabilities) are refused with the reasons
  run $D run --rm --runtime stockade-enforce --network none localhost/stockade-bb:1 true
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"refused by the stockade policy (level restricted, mode enforce"* ]]
  [[ "$output" == *"STK101 root-user"* ]]
  [[ "$output" == *"STK201 caps-not-dropped"* ]]
  # and what the policy asks for runs
  run --separate-stderr $D run --rm --runtime stockade-enforce --network none --user 1000:1000 --cap-drop ALL --read-only \
      --security-opt no-new-privileges localhost/stockade-bb:1 id -u
  echo "$output $stderr"
  [ "$status" -eq 0 ]
  [ "$output" = 1000 ]
  $D rm "$ID" >/dev/null
  $D rmi -f localhost/stockade-bb:1 >/dev/null 2>&1 || true
}
