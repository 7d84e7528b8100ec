#!/usr/bin/env bats
# The node policy at create, run and exec: enforce refuses with every
# violation explained and leaves nothing behind, harden rewrites the config
# (and says so), warn runs and logs; the engine socket is refused in every mode.

bats_require_minimum_version 1.5.0
load helpers

setup() {
  setup_common
  unset STOCKADE_POLICY   # these tests choose their policy
  POL=$BATS_TEST_TMPDIR/policy.yaml
}
teardown() { teardown_common; }

policy() { printf '%s\n' "$@" > "$POL"; }

# the config engines send by default: root, the engine's capability set, writable root, no no_new_privs
engine_default_cfg() {
  cfg '.process.user = {"uid": 0, "gid": 0}
       | .process.noNewPrivileges = false
       | .root.readonly = false
       | .process.capabilities = ({"CAP_CHOWN":1,"CAP_DAC_OVERRIDE":1,"CAP_FOWNER":1,"CAP_FSETID":1,"CAP_KILL":1,
           "CAP_NET_BIND_SERVICE":1,"CAP_SETFCAP":1,"CAP_SETGID":1,"CAP_SETPCAP":1,"CAP_SETUID":1,"CAP_SYS_CHROOT":1}
           | keys | {"bounding": ., "effective": ., "permitted": ., "inheritable": [], "ambient": []})
       | .mounts |= map(select(.destination != "/tmp"))'
}

@test "the hardened config stockade spec writes runs under the built-in policy (restricted, enforce)" {
  [ ! -e /etc/stockade/policy.yaml ] || skip "this host has its own /etc/stockade/policy.yaml"
  args sh -c 'id -u'
  run -0 --separate-stderr stk run --bundle "$BUNDLE" "$ID"
  [ "$output" = 65534 ]
}

@test "enforce: a root container is refused with every violation explained, and nothing is created" {
  [ ! -e /etc/stockade/policy.yaml ] || skip "this host has its own /etc/stockade/policy.yaml"
  engine_default_cfg
  args true
  run -1 --separate-stderr stk run --bundle "$BUNDLE" "$ID"
  echo "$stderr"
  [[ "$stderr" == *"container \"$ID\" refused by the stockade policy (level restricted, mode enforce; built-in default)"* ]]
  [[ "$stderr" == *"STK101 root-user (high) at process.user.uid: runs as uid 0"* ]]
  [[ "$stderr" == *"STK103 privilege-escalation"*"process.noNewPrivileges"* ]]
  [[ "$stderr" == *"STK201 caps-not-dropped"*"CHOWN"* ]]
  [[ "$stderr" == *"STK301 writable-rootfs"*"root.readonly"* ]]
  [[ "$stderr" == *"why: root in a container is root on the host"* ]]
  [[ "$stderr" == *"fix: set process.user.uid"*"with podman or docker: add \`--user 10001:10001\`"* ]]
  [[ "$stderr" == *"or allow it: policy:"* ]]
  # nothing was made: no state directory, no cgroup (teardown checks mounts and processes)
  [ -z "$(ls "$ROOT" 2>/dev/null | grep -v '^\.cache$')" ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "$ID" 2>/dev/null)" ]
  # create refuses the same way
  run -1 --separate-stderr stk create --bundle "$BUNDLE" "$ID"
  [[ "$stderr" == *"STK101"* ]]
}

@test "enforce: the refusal reaches the --log JSON the way shims read it" {
  engine_default_cfg
  policy 'level: restricted' 'mode: enforce'
  run -1 "$STOCKADE" --root "$ROOT" --policy "$POL" --log "$BATS_TEST_TMPDIR/log.json" --log-format json create --bundle "$BUNDLE" "$ID"
  run -0 jq -r 'select(.level == "error") | .msg' "$BATS_TEST_TMPDIR/log.json"
  [[ "$output" == *"refused by the stockade policy"*"STK101 root-user"* ]]
}

@test "harden: the same root config runs as nobody with no capabilities, no_new_privs, a read-only root and a noexec /tmp" {
  engine_default_cfg
  policy 'mode: harden'
  # the busybox image's files all belong to root: the hardened process can still run them, but not change them
  # (args takes one line per argument: the script is one line)
  args sh -c 'id -u; id -g; grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status; touch /bin/x 2>/dev/null && echo wrote-root || echo root-read-only; cp /bin/busybox /tmp/bb 2>/dev/null; /tmp/bb true 2>/dev/null && echo tmp-exec || echo tmp-noexec; stat -c %u /bin/busybox'
  run -0 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
  echo "$output"; echo "$stderr"
  [ "${lines[0]}" = 65534 ]
  [ "${lines[1]}" = 65534 ]
  [ "${lines[2]}" = "CapPrm:	0000000000000000" ]
  [ "${lines[3]}" = "CapEff:	0000000000000000" ]
  [ "${lines[4]}" = "CapBnd:	0000000000000400" ]   # NET_BIND_SERVICE, the allowlist, in the bounding set only
  [ "${lines[5]}" = "NoNewPrivs:	1" ]
  [ "${lines[6]}" = root-read-only ]
  [ "${lines[7]}" = tmp-noexec ]
  [ "${lines[8]}" = 0 ]
  # every change is logged
  [[ "$stderr" == *"policy harden: process.user: uid 0 -> 65534"* ]]
  [[ "$stderr" == *"policy harden: process.noNewPrivileges: true"* ]]
  [[ "$stderr" == *"policy harden: process.capabilities.bounding: dropped CAP_CHOWN"* ]]
  [[ "$stderr" == *"policy harden: root.readonly: true"* ]]
  [[ "$stderr" == *"a tmpfs at /tmp"* ]]
}

@test "harden: the hardened config is what the container keeps, so exec is hardened too" {
  engine_default_cfg
  policy 'mode: harden'
  args sleep 30
  # (a detached container keeps the caller's stdio: not bats' capture pipe)
  "$STOCKADE" --root "$ROOT" --policy "$POL" run -d --bundle "$BUNDLE" "$ID" >/dev/null 2>&1 </dev/null
  run -0 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" exec "$ID" id -u
  [ "$output" = 65534 ]
  # asking exec for root is judged like create: hardened back to nobody
  run -0 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" exec --user 0 "$ID" id -u
  [ "$output" = 65534 ]
  [[ "$stderr" == *"policy harden: process.user: uid 0 -> 65534"* ]]
  # and under enforce, refused
  policy 'mode: enforce'
  run -1 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" exec --user 0 "$ID" id -u
  [[ "$stderr" == *"exec in container \"$ID\" refused"*"STK101"* ]]
  stk delete --force "$ID"
}

@test "the Docker socket mounted in is refused in every mode, and so are other things harden cannot fix" {
  for mode in enforce harden warn; do
    cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/orig.json"
    cfg '.mounts += [{"destination": "/var/run/docker.sock", "type": "bind", "source": "/var/run/docker.sock", "options": ["rbind", "rw"]}]'
    policy "mode: $mode"
    run -1 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
    echo "$mode: $stderr"
    [[ "$stderr" == *"STK303 engine-socket-mount (critical) at mounts["*"]: /var/run/docker.sock is mounted"* ]]
    [ -z "$(ls "$ROOT" 2>/dev/null | grep -v '^\.cache$')" ]
    cp "$BATS_TEST_TMPDIR/orig.json" "$BUNDLE/config.json"
  done
  # harden refuses host namespaces instead of rewriting them
  cfg '.linux.namespaces |= map(select(.type != "network"))'
  policy 'mode: harden'
  run -1 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
  [[ "$stderr" == *"STK205 host-namespace"*"network"* ]]
  [[ "$stderr" == *"harden cannot make these safe"* ]]
}

@test "warn: a root container runs as asked and every violation is logged" {
  engine_default_cfg
  policy 'mode: warn'
  args sh -c 'id -u'
  run -0 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" --log "$BATS_TEST_TMPDIR/log" run --bundle "$BUNDLE" "$ID"
  [ "$output" = 0 ]
  [[ "$stderr" == *"policy (warn): container \"$ID\": STK101 root-user (high) at process.user.uid"* ]]
  [[ "$stderr" == *"STK301 writable-rootfs"* ]]
  grep -q 'STK101 root-user' "$BATS_TEST_TMPDIR/log"
}

@test "a malformed or missing policy refuses every container (fail closed), naming the line and the key" {
  policy 'level: restricted' 'mode: enforcing'
  run -1 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
  [[ "$stderr" == *"container \"$ID\" refused: stockade fails closed when it cannot read its policy"* ]]
  [[ "$stderr" == *"$POL:2"*"mode"* ]]
  run -1 --separate-stderr env STOCKADE_POLICY="$BATS_TEST_TMPDIR/nope.yaml" "$STOCKADE" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
  [[ "$stderr" == *"nope.yaml"* ]]
  [[ "$stderr" == *"STOCKADE_POLICY"* ]]
  [ -z "$(ls "$ROOT" 2>/dev/null | grep -v '^\.cache$')" ]
}

@test "exemptions come from the policy file only: an annotation in the bundle cannot lower the level" {
  engine_default_cfg
  args sh -c 'id -u'
  cfg '.annotations = {"stockade.io/ignore": "STK101,STK103,STK201,STK301", "stockade.io/level": "privileged"}'
  policy 'mode: enforce'
  run -1 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
  [[ "$stderr" == *"STK101"* ]]
  # the policy names the annotation that earns an exemption
  cfg '.annotations = {"ci.example.com/job": "build"}'
  policy 'mode: enforce' 'exemptions:' '  - match:' '      annotation: "ci.example.com/job=build"' \
         '    level: baseline' '    reason: "CI build jobs run as root in throwaway VMs"'
  run -0 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
  [ "$output" = 0 ]
  # and by bundle path
  cfg '.annotations = {}'
  policy 'mode: enforce' 'exemptions:' '  - match:' "      bundle: \"$BATS_TEST_TMPDIR/*\"" \
         '    rules: [STK101, STK103, STK201, STK301]' '    reason: "test bundles"'
  run -0 --separate-stderr "$STOCKADE" --root "$ROOT" --policy "$POL" run --bundle "$BUNDLE" "$ID"
  [ "$output" = 0 ]
}

@test "policy init, show and check" {
  run -0 "$STOCKADE" policy init
  [[ "$output" == *"level: restricted"* ]]
  "$STOCKADE" policy init > "$POL"
  run -0 "$STOCKADE" --policy "$POL" policy show
  [[ "$output" == *"level: restricted"* ]]
  [[ "$output" == *"mode: enforce"* ]]
  run -0 env STOCKADE_POLICY="$POL" "$STOCKADE" policy show
  [[ "$output" == *"$POL"* ]]

  # check: the hardened default would run
  run -0 "$STOCKADE" --policy "$POL" policy check --bundle "$BUNDLE"
  [[ "$output" == *"verdict: runs"* ]]
  # a root config would be refused: findings like audit prints them, exit 1
  engine_default_cfg
  run -1 "$STOCKADE" --policy "$POL" policy check --bundle "$BUNDLE"
  [[ "$output" == *"config.json"*"STK101"*"root-user"* ]]
  [[ "$output" == *"verdict: refused"* ]]
  run -1 "$STOCKADE" --policy "$POL" policy check --format json "$BUNDLE/config.json"
  echo "$output" | jq -e '.findings | map(.rule) | index("STK101") != null'
  # harden would rewrite it
  policy 'mode: harden'
  run -0 "$STOCKADE" --policy "$POL" policy check --bundle "$BUNDLE"
  [[ "$output" == *"verdict: runs hardened"* ]]
  # usage errors are 2
  run -2 "$STOCKADE" policy check
  run -2 "$STOCKADE" policy bogus
}

@test "docs/rules.md is the rule catalogue as the binary knows it" {
  "$STOCKADE" rules --format markdown | diff - "$REPO/docs/rules.md"
  run -0 "$STOCKADE" rules --format json STK303
  echo "$output" | jq -e '.[0].refused_in_every_mode == true and .[0].severity == "critical"'
  run -2 "$STOCKADE" rules STK999
}
