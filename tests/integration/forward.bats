#!/usr/bin/env bats
# The -p forwarder on its own (tests/lib/fwdtest.c: fwd_parse + fwd_bind +
# fwd_serve): a server runs in a fresh network namespace that has only
# loopback, fwdtest publishes its port on the host, and clients on the host
# reach it.  No container runtime involved; `run IMAGE -p` builds on this.

load helpers

FWDTEST=$(dirname "$STOCKADE")/tests/fwdtest
PY=$(command -v /usr/bin/python3 python3 | head -1 || true)

setup() {
  setup_common
  [ -x "$FWDTEST" ] || skip "build/tests/fwdtest is not built"
  WWW=$BATS_TEST_TMPDIR/www
  mkdir -p "$WWW"
  echo "hello from the namespace" > "$WWW/index.html"
  NSPIDS=""
  FWDPID=""
  # a host port nothing listens on (TCP and UDP)
  while :; do
    PORT=$((20000 + RANDOM % 20000))
    ss -Htanu "sport = :$PORT" | grep -q . || break
  done
}

teardown() {
  local fwdrc=0
  # fwdtest must stop cleanly (exit 0; under ASan also no leak or error)
  stop_fwd || { fwdrc=1; echo "fwdtest failed: $(cat "$BATS_TEST_TMPDIR/fwd.err")" >&2; }
  local p
  for p in $NSPIDS; do
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  # every namespace we made died with its process
  for p in $NSPIDS; do
    [ ! -e "/proc/$p/ns/net" ] || { echo "netns of $p still there" >&2; return 1; }
  done
  teardown_common
  [ "$fwdrc" -eq 0 ]
}

# in_ns CMD...: run CMD in a new network namespace with lo up; NSPID is its pid
in_ns() {
  unshare --net sh -c 'ip link set lo up && exec "$@"' sh "$@" 3>&- </dev/null &
  NSPID=$!
  NSPIDS="$NSPIDS $NSPID"
}

httpd_in_ns() { in_ns busybox httpd -f -p 127.0.0.1:8080 -h "$WWW"; }

# start_fwd SPEC...: fwdtest on $NSPID; returns when every port is bound (or fwdtest failed)
start_fwd() {
  local ctl=$BATS_TEST_TMPDIR/ctl
  rm -f "$ctl"
  mkfifo "$ctl"
  "$FWDTEST" "$NSPID" "$@" <"$ctl" >"$BATS_TEST_TMPDIR/fwd.out" 2>"$BATS_TEST_TMPDIR/fwd.err" 3>&- &
  FWDPID=$!
  exec 8>"$ctl" # fwdtest serves until this is closed
  local i
  for i in $(seq 100); do
    [ "$(grep -c '^ready' "$BATS_TEST_TMPDIR/fwd.out")" -lt $# ] || return 0
    kill -0 "$FWDPID" 2>/dev/null || break
    sleep 0.05
  done
  wait "$FWDPID"
  FWDRC=$?
  FWDPID=""
  return 1
}

stop_fwd() {
  exec 8>&-
  [ -n "$FWDPID" ] || return 0
  local rc=0
  wait "$FWDPID" || rc=$?
  FWDPID=""
  return $rc
}

# get URL: fetch with retries while the server in the namespace starts
get() {
  local i
  for i in $(seq 50); do
    curl -sf --max-time 10 "$1" && return 0
    sleep 0.1
  done
  return 1
}

@test "forward: a TCP port reaches the server in the namespace, on 127.0.0.1 only" {
  httpd_in_ns
  start_fwd "$PORT:8080"
  grep -qx "ready 127.0.0.1:$PORT->8080/tcp" "$BATS_TEST_TMPDIR/fwd.out"
  run get "http://127.0.0.1:$PORT/index.html"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the namespace" ]
  # bound to loopback only: no 0.0.0.0, no [::], no other address
  run ss -Hltn "sport = :$PORT"
  [ "$(echo "$output" | grep -c .)" -eq 1 ]
  echo "$output" | grep -q " 127.0.0.1:$PORT "
  # the server is not reachable on the host's other addresses
  local other
  other=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
  if [ -n "$other" ]; then
    run curl -sf --max-time 3 "http://$other:$PORT/index.html"
    [ "$status" -ne 0 ]
  fi
  # closing stdin stops it: exit 0, the port is free again
  stop_fwd
  [ -z "$(ss -Hltn "sport = :$PORT")" ]
}

@test "forward: a host port in use is refused with the address named, nothing stays bound" {
  httpd_in_ns
  start_fwd "$PORT:8080"
  local first=$FWDPID
  # a second forwarder on the same port, plus a free one before it
  local free=$((PORT + 1))
  FWDPID=""
  run "$FWDTEST" "$NSPID" "$free:8080" "$PORT:8080" </dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"127.0.0.1:$PORT"* ]]
  [[ "$output" == *"Address already in use"* ]]
  [[ "$output" == *"another host port"* ]]
  # the free port it bound first was released again
  [ -z "$(ss -Hltn "sport = :$free")" ]
  echo "$output"
  exec 8>&-
  wait "$first"
}

@test "forward: bad specs are refused before anything is bound" {
  run "$FWDTEST" 1 80
  [ "$status" -eq 2 ]
  [[ "$output" == *"no host port"* ]]
  [[ "$output" == *"8080:80"* ]]
  run "$FWDTEST" 1 8000-8001:80
  [ "$status" -eq 2 ]
  [[ "$output" == *"ranges are not supported"* ]]
  run "$FWDTEST" 1 "$PORT:80/sctp"
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown protocol"* ]]
}

@test "forward: a large file arrives intact" {
  head -c 12M /dev/urandom > "$WWW/big"
  httpd_in_ns
  start_fwd "$PORT:8080"
  get "http://127.0.0.1:$PORT/index.html" >/dev/null
  curl -sf --max-time 60 "http://127.0.0.1:$PORT/big" -o "$BATS_TEST_TMPDIR/big.got"
  [ "$(sha256sum < "$WWW/big")" = "$(sha256sum < "$BATS_TEST_TMPDIR/big.got")" ]
}

@test "forward: many concurrent connections all get their answer" {
  local i
  for i in $(seq 100); do echo "file $i" > "$WWW/f$i"; done
  httpd_in_ns
  start_fwd "$PORT:8080"
  get "http://127.0.0.1:$PORT/index.html" >/dev/null
  local pids=""
  for i in $(seq 100); do
    curl -sf --max-time 30 "http://127.0.0.1:$PORT/f$i" -o "$BATS_TEST_TMPDIR/got$i" 3>&- &
    pids="$pids $!"
  done
  for i in $pids; do wait "$i"; done
  for i in $(seq 100); do
    [ "$(cat "$BATS_TEST_TMPDIR/got$i")" = "file $i" ]
  done
}

@test "forward: a client that does not read does not stall the others" {
  [ -n "$PY" ] || skip "python3 needed"
  head -c 32M /dev/zero > "$WWW/huge"
  httpd_in_ns
  start_fwd "$PORT:8080"
  get "http://127.0.0.1:$PORT/index.html" >/dev/null
  # asks for 32 MiB and never reads: its buffers fill, the forwarder must move on
  "$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /huge HTTP/1.0\r\n\r\n")
time.sleep(20)
' "$PORT" 3>&- &
  local slow=$!
  sleep 0.5
  run curl -sf --max-time 5 "http://127.0.0.1:$PORT/index.html"
  kill "$slow"; wait "$slow" || true
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the namespace" ]
}

@test "forward: half-close passes the client's EOF on and still returns the answer" {
  [ -n "$PY" ] || skip "python3 needed"
  # the server answers only after the client's EOF: the byte count it read
  in_ns "$PY" -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 9000)); l.listen(8)
while True:
    c, _ = l.accept(); n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    c.sendall(b"got %d\n" % n); c.close()
'
  start_fwd "$PORT:9000"
  run "$PY" -c '
import socket, sys, time
for attempt in range(50):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    try:
        s.sendall(b"x" * 300000); s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(100)
            if not b: break
            out += b
    except OSError:
        out = b""
    if out: print(out.decode().strip()); break
    time.sleep(0.1)
' "$PORT"
  [ "$status" -eq 0 ]
  echo "$output"
  [ "$output" = "got 300000" ]
}

@test "forward: nothing listening in the container closes the client's connection" {
  in_ns sleep 1000
  start_fwd "$PORT:9999"
  # the host side accepts, the container side is refused: the client sees the connection end
  run curl -s --max-time 5 "http://127.0.0.1:$PORT/"
  [ "$status" -eq 52 ] || [ "$status" -eq 56 ] # empty reply / connection reset
  # and the forwarder keeps serving
  kill -0 "$FWDPID"
}

@test "forward: UDP datagrams reach the server and its replies come back" {
  [ -n "$PY" ] || skip "python3 needed"
  in_ns "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 5353))
while True:
    d, a = s.recvfrom(65536); s.sendto(b"echo:" + d, a)
'
  start_fwd "$PORT:5353/udp"
  grep -qx "ready 127.0.0.1:$PORT->5353/udp" "$BATS_TEST_TMPDIR/fwd.out"
  run ss -Hlun "sport = :$PORT"
  echo "$output" | grep -q " 127.0.0.1:$PORT "
  # two peers, each gets its own answers
  run "$PY" -c '
import socket, sys
port = int(sys.argv[1])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.settimeout(0.3)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.settimeout(0.3)
got = {}
for i in range(50):
    for name, s in (("a", a), ("b", b)):
        if name in got: continue
        s.sendto(name.encode() * 1000, ("127.0.0.1", port))
        try:
            d, _ = s.recvfrom(65536); got[name] = d
        except socket.timeout:
            pass
    if len(got) == 2: break
print(got.get("a", b"") == b"echo:" + b"a" * 1000, got.get("b", b"") == b"echo:" + b"b" * 1000)
' "$PORT"
  [ "$status" -eq 0 ]
  [ "$output" = "True True" ]
}

@test "forward: IPv6 loopback in brackets" {
  ip -6 addr show dev lo | grep -q "::1" || skip "no ::1 on this host"
  httpd_in_ns
  start_fwd "[::1]:$PORT:8080"
  grep -qx "ready \[::1\]:$PORT->8080/tcp" "$BATS_TEST_TMPDIR/fwd.out"
  run get "http://[::1]:$PORT/index.html"
  [ "$output" = "hello from the namespace" ]
  run ss -Hltn "sport = :$PORT"
  [ "$(echo "$output" | grep -c .)" -eq 1 ]
  echo "$output" | grep -q "\[::1\]:$PORT "
}

@test "forward: a flood of connections is capped (fds stay bounded) and service resumes after it" {
  [ -n "$PY" ] || skip "python3 needed"
  # a server that greets and then holds every connection open (no fork per client)
  in_ns "$PY" -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 9100)); l.listen(4096); held = []
while True:
    c, _ = l.accept(); c.sendall(b"hi\n"); held.append(c)
'
  start_fwd "$PORT:9100"
  run "$PY" -c '
import resource, socket, sys, time, os
port, fwd = int(sys.argv[1]), sys.argv[2]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
socks = []
for i in range(1300):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    socks.append(s)
time.sleep(2)
nfd = len(os.listdir("/proc/%s/fd" % fwd))
print("fds", nfd)
for s in socks: s.close()
time.sleep(1)
for attempt in range(50):
    c = socket.create_connection(("127.0.0.1", port)); c.settimeout(5)
    try:
        d = c.recv(10)
    except OSError:
        d = b""
    c.close()
    if d: print("after", d.decode().strip()); break
    time.sleep(0.2)
' "$PORT" "$FWDPID"
  echo "$output"
  [ "$status" -eq 0 ]
  local nfd
  nfd=$(echo "$output" | awk '/^fds/ {print $2}')
  # 1024 connections x 2 fds + the listener, epoll, namespaces, stdio
  [ "$nfd" -le 2070 ]
  [ "$nfd" -ge 1000 ] # it did serve many at once
  [[ "$output" == *"after hi"* ]]
  kill -0 "$FWDPID"
}
