#!/usr/bin/env bats
# `stockade exec`: the new process is exactly as confined as the container's
# init, unless the caller explicitly asks for more.

load helpers

start_sleeper() {
  args sleep 600
  stk run -d --bundle "$BUNDLE" "$ID"
  [ "$(stk state "$ID" | jq -r .status)" = running ]
}

@test "exec: the process gets the container's user, capabilities, no_new_privs, seccomp, cgroup and namespaces" {
  start_sleeper
  run stk exec "$ID" sh -c 'id -u; id -g; grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "; cat /proc/1/cmdline | tr "\0" " "; echo; hostname'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 65534 ]
  [ "${lines[1]}" = 65534 ]
  [[ "$output" == *"CapEff: 0000000000000000"* ]]
  [[ "$output" == *"CapBnd: 0000000000000000"* ]]
  [[ "$output" == *"NoNewPrivs: 1"* ]]
  [[ "$output" == *"Seccomp: 2"* ]]
  [[ "$output" == *"sleep 600"* ]]     # it sees the container's pid 1: same pid namespace
  [ "${lines[-1]}" = stockade ]        # and the container's hostname
  # same cgroup as the init, on the host's view
  init=$(stk state "$ID" | jq -r .pid)
  stk exec -d --pid-file "$BATS_TEST_TMPDIR/p" "$ID" sleep 30
  p=$(cat "$BATS_TEST_TMPDIR/p")
  [ "$(grep pids /proc/$p/cgroup)" = "$(grep pids /proc/$init/cgroup)" ]
  [ "$(readlink /proc/$p/ns/mnt)" = "$(readlink /proc/$init/ns/mnt)" ]
  [ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/$init/ns/net)" ]
  stk delete --force "$ID"
}

@test "exec --process FILE: fields the file omits stay as confined as the container" {
  start_sleeper
  # a process file without user, capabilities or noNewPrivileges (a peer ran this as root with no_new_privs off)
  echo '{"args": ["sh", "-c", "id -u; grep -E \"^(CapEff|NoNewPrivs):\" /proc/self/status | tr -s \"\\t\" \" \""], "cwd": "/"}' > "$BATS_TEST_TMPDIR/proc.json"
  run stk exec --process "$BATS_TEST_TMPDIR/proc.json" "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 65534 ]
  [ "${lines[1]}" = "CapEff: 0000000000000000" ]
  [ "${lines[2]}" = "NoNewPrivs: 1" ]
  stk delete --force "$ID"
}

@test "exec: --user, --cap, --env and --cwd change only what they name" {
  start_sleeper
  run stk exec --user 0:0 --cap CAP_NET_BIND_SERVICE --env FOO=bar --cwd /tmp "$ID" sh -c 'id -u; grep CapEff /proc/self/status | cut -f2; echo $FOO; pwd; grep NoNewPrivs /proc/self/status | cut -f2'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0000000000000400 ]   # CAP_NET_BIND_SERVICE only
  [ "${lines[2]}" = bar ]
  [ "${lines[3]}" = /tmp ]
  [ "${lines[4]}" = 1 ]
  stk delete --force "$ID"
}

@test "exec: the exit status is the process's, and stdin/stdout pass through" {
  start_sleeper
  run stk exec "$ID" sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run sh -c "echo hello | '$STOCKADE' --root '$ROOT' exec '$ID' cat"
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  run stk exec "$ID" /no/such/program
  [ "$status" -ne 0 ]
  [[ "$output" == *"/no/such/program"* ]]
  stk delete --force "$ID"
}

@test "exec: refused in a stopped or missing container, and without a command" {
  args true
  stk create --bundle "$BUNDLE" "$ID"
  stk start "$ID"
  for _ in $(seq 100); do [ "$(stk state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.05; done
  run stk exec "$ID" true
  [ "$status" -eq 1 ]
  [[ "$output" == *"stopped"* ]]
  run stk exec nope-$$ true
  [ "$status" -eq 1 ]
  [[ "$output" == *"nope-$$"* ]]
  run stk exec "$ID"
  [ "$status" -eq 2 ]
  stk delete "$ID"
}

@test "CVE-2019-5736 class through exec: the container cannot write the runtime binary while exec runs" {
  start_sleeper
  sum_before=$(sha256sum "$STOCKADE" | cut -d' ' -f1)
  # inside: keep trying to open every stockade process's exe for writing
  stk exec -d --user 0:0 "$ID" sh -c 'while :; do for e in /proc/[0-9]*/exe; do echo x 2>/dev/null >> "$e" && echo WROTE > /tmp/pwned; done; done'
  for _ in $(seq 20); do stk exec "$ID" true; done
  run stk exec "$ID" cat /tmp/pwned
  [ "$status" -ne 0 ]
  [ "$(sha256sum "$STOCKADE" | cut -d' ' -f1)" = "$sum_before" ]
  stk delete --force "$ID"
}

@test "exec --tty --console-socket hands a terminal from the container's devpts to the caller" {
  [ -x "$RECVTTY" ] || skip "recvtty helper not built"
  start_sleeper
  "$RECVTTY" "$BATS_TEST_TMPDIR/tty.sock" > "$BATS_TEST_TMPDIR/tty.out" &
  rpid=$!
  for _ in $(seq 50); do [ -S "$BATS_TEST_TMPDIR/tty.sock" ] && break; sleep 0.05; done
  stk exec --tty --detach --console-socket "$BATS_TEST_TMPDIR/tty.sock" "$ID" sh -c 'tty; test -t 1 && echo stdout-is-a-tty; id -u'
  wait $rpid
  run cat "$BATS_TEST_TMPDIR/tty.out"
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *stdout-is-a-tty* ]]
  [[ "$output" == *65534* ]]
  # --tty --detach without a socket has nowhere to send the terminal
  run stk exec --tty --detach "$ID" true
  [ "$status" -eq 1 ]
  [[ "$output" == *"--console-socket"* ]]
  stk delete --force "$ID"
}

@test "exec --preserve-fds passes exactly the fds asked for; --no-new-privs on a container without it" {
  cfg '.process.noNewPrivileges = false'
  start_sleeper
  echo preserved > "$BATS_TEST_TMPDIR/f"
  exec {bats3}>&3 3<"$BATS_TEST_TMPDIR/f" 4</etc/hostname
  run stk exec --preserve-fds 1 "$ID" sh -c 'cat <&3; ls /proc/self/fd | tr "\n" " "'
  exec 3>&$bats3 4<&- {bats3}>&-
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = preserved ]
  [[ "${lines[1]}" =~ ^"0 1 2 3 4 "$ ]]
  run stk exec "$ID" sh -c 'grep NoNewPrivs /proc/self/status | cut -f2'
  [ "$output" = 0 ]
  run stk exec --no-new-privs "$ID" sh -c 'grep NoNewPrivs /proc/self/status | cut -f2'
  [ "$output" = 1 ]
  stk delete --force "$ID"
}
