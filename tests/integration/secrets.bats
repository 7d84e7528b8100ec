#!/usr/bin/env bats
# io.stockade.secrets: host files appear at /run/secrets/NAME on a private,
# read-only tmpfs, 0400 and owned by process.user; a bad annotation is
# refused with its JSON path before anything is made.

load helpers

setup() {
  setup_common
  SEC=$BATS_TEST_TMPDIR/host-secrets
  mkdir -p "$SEC"
  printf 's3cr3t-password' > "$SEC/db"
  printf 'api-token\nline2\n' > "$SEC/token"
  # what `run IMAGE` adds: a tmpfs on /run
  cfg '.mounts += [{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "mode=755"]}]'
  cfg '.process.user.uid = 1000 | .process.user.gid = 1000'
  SECRET_MOUNTS_BEFORE=$(secret_mounts)
}

teardown() {
  teardown_common
  # no tmpfs of ours anywhere in the host's mount table
  [ "$(secret_mounts)" = "$SECRET_MOUNTS_BEFORE" ]
}

secret_mounts() { grep -c ' - tmpfs secrets ' /proc/self/mountinfo || true; }

# secrets JSON: set the annotation (a JSON string holding JSON)
secrets() { cfg --arg s "$1" '.annotations["io.stockade.secrets"] = $s'; }

# nothing of the container may exist after a refused create
nothing_left() {
  [ -z "$(ls "$ROOT" 2>/dev/null | grep -v '^\.cache$')" ]
  [ -z "$(pgrep -f "$BATS_TEST_TMPDIR/bundle" || true)" ]
}

@test "secrets: files on /run/secrets with the content, 0400, owned by the process user, read-only" {
  secrets "[{\"name\": \"db\", \"source\": \"$SEC/db\"}, {\"name\": \"api.token_v-2\", \"source\": \"$SEC/token\"}]"
  # (args splits on newlines: the script goes into the rootfs)
  cat > "$BUNDLE/rootfs/check.sh" <<'SH'
cat /run/secrets/db; echo
cat /run/secrets/api.token_v-2
stat -c "%n %a %u:%g" /run/secrets /run/secrets/db /run/secrets/api.token_v-2
id -u
grep " /run/secrets " /proc/self/mountinfo
echo x >> /run/secrets/db && echo WRITABLE
touch /run/secrets/new && echo CREATED
ls /run/secrets | wc -l
grep -c s3cr3t /proc/1/environ || true
env | grep -c s3cr3t || true
SH
  args sh /check.sh
  run stk run --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "s3cr3t-password" ]
  [ "${lines[1]}" = "api-token" ]
  [ "${lines[2]}" = "line2" ]
  [ "${lines[3]}" = "/run/secrets 500 1000:1000" ]
  [ "${lines[4]}" = "/run/secrets/db 400 1000:1000" ]
  [ "${lines[5]}" = "/run/secrets/api.token_v-2 400 1000:1000" ]
  [ "${lines[6]}" = "1000" ]
  # its own tmpfs, read-only, nosuid, nodev, noexec
  [[ "${lines[7]}" == *" ro,nosuid,nodev,noexec"*" - tmpfs "* ]]
  [[ "$output" != *WRITABLE* ]]
  [[ "$output" != *CREATED* ]]
  [[ "$output" == *"Read-only file system"* ]]
  [ "${lines[-3]}" = "2" ]
  [ "${lines[-2]}" = "0" ]
  [ "${lines[-1]}" = "0" ]
  # the host files are untouched and nothing appeared on the host
  [ "$(cat "$SEC/db")" = "s3cr3t-password" ]
  [ ! -e "$BUNDLE/rootfs/run/secrets/db" ]
}

@test "secrets: root in the container also gets a read-only mount; an empty list adds nothing" {
  cfg '.process.user.uid = 0 | .process.user.gid = 0'
  secrets "[{\"name\": \"db\", \"source\": \"$SEC/db\"}]"
  args sh -c 'stat -c "%a %u" /run/secrets/db; echo x > /run/secrets/db || echo refused'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "400 0" ]
  [[ "$output" == *refused* ]]
  [ "$(cat "$SEC/db")" = "s3cr3t-password" ]

  secrets '[]'
  args sh -c 'test -e /run/secrets && echo present || echo absent'
  run stk run --bundle "$BUNDLE" "$ID-2"
  [ "$status" -eq 0 ]
  [ "$output" = "absent" ]
}

@test "secrets: malformed annotations are refused with the JSON path, nothing left behind" {
  mkdir "$SEC/dir"
  head -c $((1024 * 1024 + 1)) /dev/zero > "$SEC/big"
  head -c $((1024 * 1024)) /dev/zero > "$SEC/exact"
  args true
  local case
  while IFS='|' read -r json want; do
    secrets "$json"
    run stk create --bundle "$BUNDLE" "$ID"
    echo "$json -> $status $output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$want"* ]]
    nothing_left
  done <<EOT
[{"name": "a/b", "source": "$SEC/db"}]|annotations.io.stockade.secrets[0].name: "a/b" is not a file name
[{"name": "ok", "source": "$SEC/db"}, {"name": "..", "source": "$SEC/db"}]|annotations.io.stockade.secrets[1].name
[{"name": "", "source": "$SEC/db"}]|annotations.io.stockade.secrets[0].name
[{"name": "db"}]|annotations.io.stockade.secrets[0].source is missing
[{"source": "$SEC/db"}]|annotations.io.stockade.secrets[0].name is missing
[{"name": "db", "source": "$SEC/dir"}]|annotations.io.stockade.secrets[0].source: $SEC/dir is not a regular file
[{"name": "db", "source": "$SEC/big"}]|has 1048577 bytes, a secret may have at most 1048576
[{"name": "db", "source": "$SEC/missing"}]|annotations.io.stockade.secrets[0].source: cannot open $SEC/missing
[{"name": "db", "source": "relative/path"}]|is not an absolute path
[{"name": "db", "source": "$SEC/db"}, {"name": "db", "source": "$SEC/token"}]|secrets[1].name: "db" is already the name of [0]
[{"name": 5, "source": "$SEC/db"}]|secrets[0].name: expected a string
[{"name": "db", "source": "$SEC/db", "mode": "0644"}]|secrets[0].mode: unknown field
["db"]|secrets[0]: expected an object
{"name": "db"}|annotations.io.stockade.secrets: expected an array
[{"name": "db",|annotations.io.stockade.secrets
EOT
  # exactly 1 MiB is fine
  secrets "[{\"name\": \"exact\", \"source\": \"$SEC/exact\"}]"
  args sh -c 'wc -c < /run/secrets/exact'
  run stk run --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [ "$output" = "1048576" ]
}

@test "secrets: /run must be a tmpfs the config mounts, not a symlink" {
  secrets "[{\"name\": \"db\", \"source\": \"$SEC/db\"}]"
  args true
  # no tmpfs on /run: refused, with the fix
  cfg '.mounts |= map(select(.destination != "/run"))'
  run stk create --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"annotations.io.stockade.secrets"*"needs a tmpfs on /run"* ]]
  nothing_left
  [ ! -e "$BUNDLE/rootfs/run/secrets" ]

  # another mount on /run/secrets would hide or be hidden: refused
  cfg '.mounts += [{"destination": "/run", "type": "tmpfs", "source": "tmpfs"}, {"destination": "/run/secrets", "type": "tmpfs", "source": "tmpfs"}]'
  run stk create --bundle "$BUNDLE" "$ID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"also mounts /run/secrets"* ]]
  nothing_left

  # /run in the image is a symlink (even one inside the root): refused, no mount made through it
  cfg '.mounts |= map(select(.destination != "/run/secrets" and .destination != "/run"))'
  rm -rf "$BUNDLE/rootfs/run"
  mkdir -p "$BUNDLE/rootfs/var/run2"
  ln -s /var/run2 "$BUNDLE/rootfs/run"
  cfg '.mounts += [{"destination": "/var/run2", "type": "tmpfs", "source": "tmpfs"}, {"destination": "/run", "type": "tmpfs", "source": "tmpfs"}]'
  run stk create --bundle "$BUNDLE" "$ID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot open /run in the rootfs (it must be a directory, not a symlink)"* ]]
  nothing_left
  [ -z "$(ls "$BUNDLE/rootfs/var/run2")" ]
}

@test "secrets: policy check and audit read such a config without confusion" {
  secrets "[{\"name\": \"db\", \"source\": \"$SEC/db\"}]"
  "$STOCKADE" policy init > "$BATS_TEST_TMPDIR/pol.yaml"
  run "$STOCKADE" --policy "$BATS_TEST_TMPDIR/pol.yaml" policy check --bundle "$BUNDLE"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"verdict: runs"* ]]
  # the annotation is not taken for a secret in the environment or a host mount
  [[ "$output" != *STK304* ]]
  [[ "$output" != *s3cr3t* ]]
  run "$STOCKADE" audit --format json "$BUNDLE/config.json"
  echo "$output"
  [[ "$output" != *s3cr3t* ]]
  echo "$output" | jq -e '.findings | map(.rule) | index("STK304") == null'
}
