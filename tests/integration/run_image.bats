#!/usr/bin/env bats
# stockade run IMAGE: a busybox image made with podman, loaded into a private
# store; every container is judged from inside (uid, mounts, env) and every
# test must leave nothing behind (records, runtime state, cgroups, mounts,
# processes).

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  command -v podman >/dev/null || return 0
  export IMG=$BATS_FILE_TMPDIR/img
  mkdir -p "$IMG"
  "$MKBUNDLE" "$STOCKADE" "$IMG/b" >/dev/null
  local P="podman --root $IMG/storage --runroot $IMG/run --storage-driver vfs --tmpdir $IMG/tmp"
  tar -C "$IMG/b/rootfs" -c . | $P import --change 'CMD ["/bin/sh","-c","echo cmd-from-image"]' \
    --change 'ENV FOO=bar' --change 'WORKDIR /etc' --change 'VOLUME /data' - localhost/stk-run:1 >/dev/null
  tar -C "$IMG/b/rootfs" -c . | $P import --change 'ENTRYPOINT ["/bin/echo","ep"]' --change 'CMD ["one"]' \
    --change 'USER 1000:1000' --change 'STOPSIGNAL SIGUSR1' - localhost/stk-ep:1 >/dev/null
  # a minimal image: only /bin (no /proc, /dev, /tmp, /run, /etc)
  mkdir -p "$IMG/min/bin"
  cp "$IMG/b/rootfs/bin/busybox" "$IMG/min/bin/"
  ln -s busybox "$IMG/min/bin/sh"
  tar -C "$IMG/min" -c . | $P import --change 'CMD ["/bin/busybox","ls","-d","/proc","/dev","/tmp","/run","/etc"]' - localhost/stk-min:1 >/dev/null
  $P save --format oci-archive -o "$IMG/min.tar" localhost/stk-min:1 >/dev/null 2>&1
  $P save --format oci-archive -o "$IMG/run.tar" localhost/stk-run:1 >/dev/null 2>&1
  $P save --format oci-archive -o "$IMG/ep.tar" localhost/stk-ep:1 >/dev/null 2>&1
  $P rmi -a >/dev/null 2>&1 || true
  rm -rf "$IMG/storage" "$IMG/run" "$IMG/tmp" "$IMG/b"
  export STORE=$IMG/store
  PINNED=$("$STOCKADE" --store "$STORE" load "$IMG/run.tar")
  "$STOCKADE" --store "$STORE" load "$IMG/ep.tar" >/dev/null
  "$STOCKADE" --store "$STORE" load "$IMG/min.tar" >/dev/null
  export PINNED
}

teardown_file() {
  rm -rf "${IMG:-/nonexistent}"
}

setup() {
  [ -f "${IMG:-}/run.tar" ] || skip "needs podman to build the test image"
  setup_common
  N="t$$-$BATS_TEST_NUMBER"
}

teardown() {
  local n
  for n in $(ls "$ROOT/.run" 2>/dev/null); do
    r rm -f "$n" >/dev/null 2>&1 || true
  done
  local left=""
  [ -z "$(ls "$ROOT/.run" 2>/dev/null)" ] || left+="records: $(ls "$ROOT/.run") "
  local cg
  cg=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "run-t$$-*" 2>/dev/null | head -3)
  [ -z "$cg" ] || left+="cgroups: $cg "
  teardown_common
  [ -z "$left" ] || { echo "DEBRIS LEFT BEHIND: $left" >&2; return 1; }
}

r() { "$STOCKADE" --store "$STORE" --root "$ROOT" "$@"; }
policy() { printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/policy.yaml"; export STOCKADE_POLICY=$BATS_TEST_TMPDIR/policy.yaml; }
nothing_left() {
  [ -z "$(ls "$ROOT/.run" 2>/dev/null)" ]
  [ -z "$(ls "$ROOT" 2>/dev/null)" ] # runtime state (dot entries aside)
}

@test "run IMAGE: the image's Cmd, Env and WorkingDir; --rm leaves nothing" {
  run -0 r run --rm localhost/stk-run:1
  [ "$output" = cmd-from-image ]
  run -0 r run localhost/stk-run:1 sh -c 'echo $FOO; pwd; echo $HOME; echo $HOSTNAME'
  [ "${lines[0]}" = bar ]
  [ "${lines[1]}" = /etc ]
  [ "${lines[3]}" != "" ]
  nothing_left
}

@test "run IMAGE: Entrypoint + Cmd, overridden by arguments and --entrypoint" {
  run -0 r run localhost/stk-ep:1
  [ "$output" = "ep one" ]
  run -0 r run localhost/stk-ep:1 two three
  [ "$output" = "ep two three" ]
  run -0 r run --entrypoint /bin/sh localhost/stk-ep:1 -c 'echo replaced'
  [ "$output" = replaced ]
  # the image's USER 1000:1000
  run -0 r run --entrypoint id localhost/stk-ep:1
  [[ "$output" == "uid=1000"*"gid=1000"* ]]
}

@test "run IMAGE: -e, --env-file, -w, -u override the image" {
  printf '# comment\nFROMFILE=yes\n\nFOO=file\n' > "$BATS_TEST_TMPDIR/env"
  export PASSED=through
  run -0 r run -e FOO=cli --env-file "$BATS_TEST_TMPDIR/env" -e PASSED -e UNSET_HERE_X -w /tmp -u 123:456 \
    localhost/stk-run:1 sh -c 'echo $FOO $FROMFILE $PASSED ${UNSET_HERE_X-none}; pwd; id -u; id -g'
  [ "${lines[0]}" = "file yes through none" ]
  [ "${lines[1]}" = /tmp ]
  [ "${lines[2]}" = 123 ]
  [ "${lines[3]}" = 456 ]
  run -0 r run --user=nobody localhost/stk-run:1 id -u
  [ "$output" = 65534 ]
  run -1 r run -u nosuchuser localhost/stk-run:1 true
  [[ "$output" == *'user "nosuchuser" is not in the image'* ]]
  nothing_left
}

@test "run IMAGE: hardened defaults hold (read-only root, noexec /tmp, no capabilities, nnp, seccomp)" {
  run -0 r run localhost/stk-run:1 sh -c '
    touch /x 2>/dev/null && echo root-writable
    cp /bin/busybox /tmp/busybox && /tmp/busybox true 2>/dev/null && echo tmp-exec
    /bin/busybox true && echo root-exec
    grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
    grep " /run " /proc/mounts; grep " /data " /proc/mounts'
  [[ "$output" != *root-writable* ]]
  [[ "$output" != *tmp-exec* ]]
  [[ "$output" == *root-exec* ]]
  [[ "$output" == *"CapEff:"*"0000000000000000"* ]]
  [[ "$output" == *"CapBnd:"*"0000000000000000"* ]]
  [[ "$output" == *"NoNewPrivs:"*"1"* ]]
  [[ "$output" == *"Seccomp:"*"2"* ]]
  # /run is a tmpfs (for /run/secrets); the image's VOLUME /data an anonymous noexec tmpfs
  [[ "$output" == *"tmpfs /run tmpfs rw,nosuid,nodev,noexec"* ]]
  [[ "$output" == *"tmpfs /data tmpfs rw,nosuid,nodev,noexec"* ]]
}

@test "run IMAGE: the exit status is the container's" {
  run -7 r run localhost/stk-run:1 sh -c 'exit 7'
  run -137 r run localhost/stk-run:1 sh -c 'sh -c "kill -9 \$\$"; exit $?'
  # a program the image lacks is a create error (the runtime looks it up before starting)
  run -1 r run localhost/stk-run:1 /no/such/program
  [[ "$output" == *"/no/such/program"* ]]
  nothing_left
}

@test "run IMAGE: -v is read-only unless :rw; --tmpfs and --mount" {
  mkdir -p "$BATS_TEST_TMPDIR/vol"
  echo host > "$BATS_TEST_TMPDIR/vol/f"
  run -0 r run -v "$BATS_TEST_TMPDIR/vol:/data" localhost/stk-run:1 sh -c 'cat /data/f; (echo x > /data/g) 2>/dev/null || echo ro'
  [ "${lines[0]}" = host ]
  [ "${lines[1]}" = ro ]
  run -0 r run -u 0 -v "$BATS_TEST_TMPDIR/vol:/data:rw" localhost/stk-run:1 sh -c 'echo written > /data/g'
  [ "$(cat "$BATS_TEST_TMPDIR/vol/g")" = written ]
  run -0 r run --tmpfs /scratch:size=1m --tmpfs /fast:exec localhost/stk-run:1 sh -c \
    'grep -E " /(scratch|fast) " /proc/mounts; cp /bin/busybox /fast/busybox && /fast/busybox true && echo fast-exec'
  [[ "$output" == *"/scratch tmpfs rw,nosuid,nodev,noexec"*"size=1024k"* ]]
  [[ "$output" == *"fast-exec"* ]]
  run -0 r run --mount "type=bind,source=$BATS_TEST_TMPDIR/vol,target=/m,readonly" localhost/stk-run:1 cat /m/f
  [ "$output" = host ]
  # named volumes: no volume store
  run -2 r run -v myvol:/data localhost/stk-run:1 true
  [[ "$output" == *"named volume"* ]]
  nothing_left
}

@test "run IMAGE: a -v destination missing from the image is created in the image's root" {
  mkdir -p "$BATS_TEST_TMPDIR/vol"
  run -0 r run -v "$BATS_TEST_TMPDIR/vol:/new/place" localhost/stk-run:1 ls -d /new/place
  d=${PINNED##*@sha256:}
  [ -d "$STORE/rootfs/$d/new/place" ]
}

@test "run IMAGE: an image without the standard mount points runs with a read-only root" {
  run -0 r run localhost/stk-min:1
  [ "${lines[*]}" = "/dev /etc /proc /run /tmp" ]
  run -0 r run localhost/stk-min:1 sh -c 'busybox touch /x 2>/dev/null || echo ro'
  [ "$output" = ro ]
}

@test "run IMAGE: a malformed or unknown option is a usage error and leaves nothing" {
  run -2 r run --no-such-option localhost/stk-run:1 true
  [[ "$output" == *"unknown option --no-such-option"* ]]
  run -2 r run -e '=x' localhost/stk-run:1 true
  [[ "$output" == *"-e"* ]]
  run -2 r run --memory lots localhost/stk-run:1 true
  [[ "$output" == *"--memory"* ]]
  run -2 r run -d -t localhost/stk-run:1 true
  run -2 r run --name 'bad/name' localhost/stk-run:1 true
  run -2 r run
  [[ "$output" == *"image is missing"* ]]
  nothing_left
}

@test "run IMAGE: an image not in the store is an error naming it" {
  run -1 r run localhost/not-here:1 true
  [[ "$output" == *"localhost/not-here:1"* ]]
  nothing_left
}

@test "run IMAGE under a harden policy: the image's root user becomes 65534" {
  policy 'level: restricted' 'mode: harden' 'rules:' '  STK501: off'
  run -0 r run localhost/stk-run:1 id
  [[ "$output" == *"uid=65534"*"gid=65534"* ]]
  [[ "$output" == *"uid 0 -> 65534"* ]]
  nothing_left
}

@test "run IMAGE under an enforce policy: root is refused with the fix, nothing left" {
  policy 'level: restricted' 'mode: enforce' 'rules:' '  STK501: off'
  run -1 r run --name "$N" localhost/stk-run:1 id
  [[ "$output" == *"STK101"* ]]
  [[ "$output" == *"fix:"* ]]
  nothing_left
  run -1 r run -d --name "$N" localhost/stk-run:1 id
  [[ "$output" == *"STK101"* ]]
  nothing_left
  run -0 r run -u 1000 localhost/stk-run:1 id -u
  [ "$output" = 1000 ]
}

@test "run IMAGE under the restricted policy: a tag is refused by STK501 with the pinned reference" {
  policy 'level: restricted' 'mode: enforce'
  run -1 r run -u 1000 localhost/stk-run:1 true
  [[ "$output" == *"STK501"* ]]
  [[ "$output" == *"$PINNED"* ]]
  nothing_left
  run -0 r run -u 1000 "$PINNED" echo pinned-ok
  [ "$output" = pinned-ok ]
}

@test "run -d: logs, ps, stop, rm; the name is unique" {
  run -0 r run -d --name "$N" --rm=false localhost/stk-run:1 sh -c 'echo started; echo to-stderr >&2; trap "echo got-term; exit 3" TERM; while :; do sleep 0.1; done'
  [ "$output" = "$N" ]
  run -1 r run -d --name "$N" localhost/stk-run:1 true
  [[ "$output" == *"already exists"* ]]
  sleep 0.3
  run -0 r ps
  [[ "$output" == *"$N"*"localhost/stk-run:1"*running* ]]
  run -0 r ps --format json
  [ "$(jq -r ".[] | select(.name == \"$N\") | .status" <<<"$output")" = running ]
  [ "$(jq -r ".[] | select(.name == \"$N\") | .pinned" <<<"$output")" = "$PINNED" ]
  run -0 r logs "$N"
  [[ "$output" == *started*to-stderr* ]]
  run -1 r rm "$N"
  [[ "$output" == *"is running"* ]]
  run -0 r stop "$N"
  run -0 r ps
  [[ "$output" != *"$N"* ]]
  run -0 r ps -a --format json
  [ "$(jq -r ".[] | select(.name == \"$N\") | .status" <<<"$output")" = exited ]
  [ "$(jq -r ".[] | select(.name == \"$N\") | .exit_code" <<<"$output")" = 3 ]
  run -0 r logs "$N"
  [[ "$output" == *got-term* ]]
  run -0 r rm "$N"
  run -1 r logs "$N"
  nothing_left
}

@test "run -d --rm: the record goes when the container exits; logs -f follows to the end" {
  run -0 r run -d --name "$N" localhost/stk-run:1 sh -c 'for i in 1 2 3; do echo line$i; sleep 0.2; done'
  run -0 r logs -f "$N"
  [ "${lines[0]}" = line1 ]
  [ "${lines[2]}" = line3 ]
  for i in $(seq 50); do [ -e "$ROOT/.run/$N" ] || break; sleep 0.1; done
  nothing_left
}

@test "stop: the image's StopSignal, SIGKILL after -t; rm -f kills a running one" {
  run -0 r run -d --name "$N" --entrypoint sh localhost/stk-ep:1 -c 'trap "echo usr1; exit 5" USR1; while :; do sleep 0.1; done'
  sleep 0.3
  run -0 r stop "$N"
  for i in $(seq 50); do [ -e "$ROOT/.run/$N" ] || break; sleep 0.1; done
  nothing_left
  # a PID 1 without handlers ignores TERM: SIGKILL after the timeout
  run -0 r run -d --name "$N" localhost/stk-run:1 sleep 100
  SECONDS=0
  run -0 r stop -t 1 "$N"
  [ "$SECONDS" -lt 5 ]
  run -0 r run -d --name "$N-b" localhost/stk-run:1 sleep 100
  run -0 r rm -f "$N-b"
  nothing_left
}

@test "runtime run is unchanged: --bundle, and one ID with ./config.json" {
  args echo bundle-run
  run -0 "$STOCKADE" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
  [ "$output" = bundle-run ]
  cd "$BUNDLE"
  run -0 "$STOCKADE" --root "$ROOT" run "$ID"
  [ "$output" = bundle-run ]
  # ps ID is still the runtime's (a container's processes)
  args sleep 10
  "$STOCKADE" --root "$ROOT" run -d --bundle "$BUNDLE" "$ID" >/dev/null 2>&1 </dev/null
  run -0 "$STOCKADE" --root "$ROOT" ps --format json "$ID"
  [ "$(jq length <<<"$output")" -ge 1 ]
  run -0 "$STOCKADE" --root "$ROOT" delete --force "$ID"
}

@test "run --init: a static init is PID 1 (read-only), the command's status is the exit status" {
  run -4 r run --init localhost/stk-run:1 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; (echo x > /proc/1/exe) 2>&1; exit 4'
  [[ "${lines[0]}" == "/dev/init -- sh -c"* ]]
  [[ "${lines[1]}" == *"Read-only file system"* ]]
  # an orphan is reaped: no zombie left under PID 1
  run -0 r run --init localhost/stk-run:1 sh -c 'sh -c "sleep 0.1 &"; sleep 0.4; ps -o stat,comm | grep -c "^Z" || true'
  [ "${lines[-1]}" = 0 ]
  nothing_left
}

# a free TCP port on 127.0.0.1
free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 20); do
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  return 1
}

@test "run -d -p: published on 127.0.0.1 only, reachable from the host; ps shows the port" {
  command -v curl >/dev/null || skip "needs curl"
  P=$(free_port)
  run -0 r run -d --name "$N" -p "$P:8080" localhost/stk-run:1 busybox httpd -f -p 8080 -h /etc
  for i in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$P/passwd" && break; sleep 0.1; done
  run -0 curl -sf "http://127.0.0.1:$P/passwd"
  [[ "$output" == *"root:x:0:0"* ]]
  run -0 r ps
  [[ "$output" == *"$N"*"127.0.0.1:$P->8080/tcp"* ]]
  # not on the host's other addresses
  local ip
  ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
  if [ -n "$ip" ]; then
    run curl -s -m 2 "http://$ip:$P/passwd"
    [ "$status" -ne 0 ]
  fi
  # the annotation the policy reads
  [ "$(jq -r '.annotations["io.stockade.ports"]' "$ROOT/.run/$N/config.json" | jq -r '.[0].host_ip')" = 127.0.0.1 ]
  run -0 r rm -f "$N"
  # the port is free again
  ! ss -Htln "sport = :$P" | grep -q .
}

@test "run -p in the foreground forwards while the container runs" {
  command -v curl >/dev/null || skip "needs curl"
  P=$(free_port)
  r run --name "$N" -p "127.0.0.1:$P:8080" localhost/stk-run:1 busybox httpd -f -p 8080 -h /etc &
  for i in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$P/passwd" && break; sleep 0.1; done
  run -0 curl -sf "http://127.0.0.1:$P/group"
  run r stop "$N"
  [ "$status" -eq 0 ] || { echo "stop: $output" >&2; false; }
  wait
  nothing_left
}

@test "run -p 0.0.0.0 under the restricted policy: refused by STK401, nothing left" {
  policy 'level: restricted' 'mode: enforce' 'rules:' '  STK501: off'
  P=$(free_port)
  run -1 r run -u 1000 -p "0.0.0.0:$P:80" localhost/stk-run:1 true
  [[ "$output" == *"STK401"* ]]
  nothing_left
  ! ss -Htln "sport = :$P" | grep -q .
  run -2 r run --network none -p "$P:80" localhost/stk-run:1 true
  [[ "$output" == *"--network none"* ]]
  run -2 r run -p "nonsense" localhost/stk-run:1 true
}

@test "run --secret: a 0400 file of the container's user in /run/secrets, never in the environment" {
  echo 's3cr3t-value' > "$BATS_TEST_TMPDIR/pw"
  run -0 r run -u 1234:99 --secret "db_pw=$BATS_TEST_TMPDIR/pw" localhost/stk-run:1 sh -c \
    'cat /run/secrets/db_pw; stat -c "%a %u %g" /run/secrets/db_pw; grep -c s3cr3t /proc/1/environ; env | grep -c s3cr3t; true'
  [ "${lines[0]}" = s3cr3t-value ]
  [ "${lines[1]}" = "400 1234 99" ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = 0 ]
  # hardened to 65534: the file follows the user
  policy 'level: restricted' 'mode: harden' 'rules:' '  STK501: off'
  run -0 r run --secret "db_pw=$BATS_TEST_TMPDIR/pw" localhost/stk-run:1 stat -c "%u" /run/secrets/db_pw
  [ "${lines[-1]}" = 65534 ]
  run -2 r run --secret "bad/name=$BATS_TEST_TMPDIR/pw" localhost/stk-run:1 true
  run -2 r run --secret "x=$BATS_TEST_TMPDIR/missing" localhost/stk-run:1 true
  nothing_left
}

@test "run -i passes stdin, without it stdin is empty; -it gives a terminal" {
  run -0 bash -c "echo 'echo from-stdin' | $STOCKADE --store $STORE --root $ROOT run -i localhost/stk-run:1 sh"
  [ "$output" = from-stdin ]
  run -0 bash -c "echo 'echo from-stdin' | $STOCKADE --store $STORE --root $ROOT run localhost/stk-run:1 sh"
  [ "$output" = "" ]
  command -v script >/dev/null || skip "needs script(1)"
  run -3 timeout 20 script -qec "$STOCKADE --store $STORE --root $ROOT run -it localhost/stk-run:1 sh -c 'tty; echo \$TERM; exit 3'" /dev/null
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"xterm"* ]]
  nothing_left
}

@test "run IMAGE pulls an image the store lacks (from a registry on 127.0.0.1)" {
  "$STOCKADE" pull --help >/dev/null 2>&1 || skip "this build has no registry client (pull)"
  command -v docker-registry >/dev/null && command -v skopeo >/dev/null || skip "needs docker-registry and skopeo"
  P=$(free_port)
  mkdir -p "$BATS_TEST_TMPDIR/reg"
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$BATS_TEST_TMPDIR/reg/data" "$P" > "$BATS_TEST_TMPDIR/reg/config.yml"
  docker-registry serve "$BATS_TEST_TMPDIR/reg/config.yml" >/dev/null 2>&1 &
  REGPID=$!
  for i in $(seq 50); do curl -sf "http://127.0.0.1:$P/v2/" >/dev/null && break; sleep 0.1; done
  skopeo copy -q --dest-tls-verify=false "oci-archive:$IMG/run.tar" "docker://127.0.0.1:$P/bb:2"
  run -0 "$STOCKADE" --store "$BATS_TEST_TMPDIR/store2" --root "$ROOT" run "127.0.0.1:$P/bb:2" echo pulled-and-ran
  kill "$REGPID"; wait "$REGPID" 2>/dev/null || true
  [ "${lines[-1]}" = pulled-and-ran ]
  nothing_left
}

@test "run IMAGE unpacks an image whose root is not unpacked yet (stockade-image unpack), once" {
  local store=$BATS_TEST_TMPDIR/store3 d
  d=$("$STOCKADE" --store "$store" load "$IMG/run.tar")
  d=${d##*@}
  rm -rf "$store/rootfs/${d#sha256:}"
  run -0 "$STOCKADE" --store "$store" --root "$ROOT" run --rm localhost/stk-run:1 cat /etc/passwd
  [[ "$output" == *"root:x:0:0"* ]]
  [ -x "$store/rootfs/${d#sha256:}/bin/busybox" ]
  # a stockade-image that cannot be run is named, with the fix
  rm -rf "$store/rootfs/${d#sha256:}"
  run -1 env STOCKADE_IMAGE_TOOL=/nonexistent/stockade-image "$STOCKADE" --store "$store" --root "$ROOT" run --rm localhost/stk-run:1 true
  [[ "$output" == *"/nonexistent/stockade-image"*"STOCKADE_IMAGE_TOOL"* ]]
  nothing_left
}

@test "run -P publishes the image's ExposedPorts on 127.0.0.1 at the same numbers" {
  command -v curl >/dev/null || skip "needs curl"
  local P store=$BATS_TEST_TMPDIR/store4 pinned
  P=$(free_port)
  "$BATS_TEST_DIRNAME/../lib/mkimage.sh" "$BATS_TEST_TMPDIR/exp" 1 --user 65534 --expose "$P/tcp" >/dev/null
  pinned=$("$STOCKADE" --store "$store" load "$BATS_TEST_TMPDIR/exp")
  run -0 "$STOCKADE" --store "$store" --root "$ROOT" run -d -P --name "$N" "$pinned" httpd -f -p "$P" -h /etc
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$P/passwd" && break; sleep 0.1; done
  run -0 curl -sf "http://127.0.0.1:$P/passwd"
  [[ "$output" == *"nobody"* ]]
  [ "$(ss -Htln "sport = :$P" | awk '{print $4}')" = "127.0.0.1:$P" ]
  run -0 "$STOCKADE" --store "$store" --root "$ROOT" ps
  [[ "$output" == *"127.0.0.1:$P->$P/tcp"* ]]
  run -0 "$STOCKADE" --store "$store" --root "$ROOT" rm -f "$N"
  nothing_left
}
