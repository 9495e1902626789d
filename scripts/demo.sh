#!/usr/bin/env bash
# baton demo: a local 3-node cluster (1 manager, 2 workers) as separate bin/baton processes on
# loopback, each with its own state dir, using the process executor. Shows the nodes, their
# certificate identities and the state-dir layout, then a service on the process executor
# (scaled and rolling-updated); once secrets exist (`baton --help` lists `secret`), a 2-replica
# service that reads a secret instead.
#
#   scripts/demo.sh             keep the cluster running; Ctrl-C stops it and removes the temp dir
#   scripts/demo.sh --no-wait   stop everything right after showing it (tests, CI)
#
# State and logs go to a new temp dir, or to $BATON_DEMO_DIR (must be empty or absent; kept at the
# end). Only the processes this script started are stopped, by PID: SIGTERM, then SIGKILL after 10 s.
set -euo pipefail

ROOT=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=${ROOT%/*/*}
BATON=$ROOT/bin/baton
WAIT=1
for arg in "$@"; do
  case $arg in
    --no-wait) WAIT=0 ;;
    -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown argument '$arg' (try --help)" >&2; exit 125 ;;
  esac
done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || say() { printf '\n== %s\n' "$*"; }

# --- distribution: build it if missing or older than the sources (bin/baton only checks "missing")
. "$ROOT/scripts/lib/jdk.sh"
baton_find_jdk || exit 1
export JAVA_HOME=$BATON_JDK_HOME # so bin/baton does not repeat a note about another JAVA_HOME
newest_jar=''
for j in "$ROOT"/node/target/lib/baton-*.jar; do
  [ -f "$j" ] || continue
  if [ -z "$newest_jar" ] || [ "$j" -nt "$newest_jar" ]; then newest_jar=$j; fi
done
if [ -z "$newest_jar" ]; then
  BATON_LAUNCHER_BUILD=1 "$BATON"
elif [ -n "$(find "$ROOT" -path "$ROOT/.git" -prune -o -path '*/target' -prune -o \
  -path '*/src/main/*' -type f -newer "$newest_jar" -print -quit)" ]; then
  echo "demo: sources changed since the last build" >&2
  BATON_LAUNCHER_BUILD=1 "$BATON"
fi

# --- work dir
if [ -n "${BATON_DEMO_DIR:-}" ]; then
  D=$BATON_DEMO_DIR KEEP_DIR=1
  mkdir -p "$D"
  [ -z "$(ls -A "$D")" ] || { echo "demo: BATON_DEMO_DIR=$D is not empty" >&2; exit 1; }
  D=$(readlink -f "$D")
else
  D=$(mktemp -d /tmp/baton-demo.XXXXXX) KEEP_DIR=0
fi

PIDS=() NAMES=()
FAILED=0
stop_all() {
  local i pid alive
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do # workers first, the manager last
    kill -TERM "${PIDS[i]}" 2>/dev/null || true
  done
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for i in "${!PIDS[@]}"; do
    if kill -0 "${PIDS[i]}" 2>/dev/null; then
      echo "demo: ${NAMES[i]} (PID ${PIDS[i]}) did not stop within 10 s; killing it" >&2
      kill -KILL "${PIDS[i]}" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((FAILED || (rc != 0 && rc != 130 && rc != 143))); then # not after Ctrl-C or SIGTERM
    for n in "${NAMES[@]}"; do
      [ -f "$D/$n.log" ] && { echo "--- last lines of $D/$n.log" >&2; tail -n 20 "$D/$n.log" >&2; }
    done
  fi
  ((${#PIDS[@]})) && { echo "demo: stopping the cluster (PIDs ${PIDS[*]})" >&2; stop_all; }
  if ((KEEP_DIR)); then echo "demo: state and logs kept in $D" >&2; else rm -rf "$D"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { FAILED=1; echo "demo: $*" >&2; exit 1; }

# start NAME ARGS...: runs bin/baton ARGS in the background, logging to $D/NAME.log
start() {
  local name=$1; shift
  "$BATON" "$@" >"$D/$name.log" 2>&1 &
  PIDS+=("$!") NAMES+=("$name")
}
# wait_until SECONDS WHAT CMD...: retries CMD until it succeeds; fails if a node exited meanwhile
wait_until() {
  local limit=$1 what=$2 i; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    for i in "${!PIDS[@]}"; do
      kill -0 "${PIDS[i]}" 2>/dev/null || fail "${NAMES[i]} exited while waiting for: $what"
    done
    ((SECONDS < deadline)) || fail "timed out after ${limit} s waiting for: $what"
    sleep 0.3
  done
}
# m ARGS...: one CLI call to the manager; a call that hangs fails after $BATON_DEMO_CALL_TIMEOUT s
m() { timeout --foreground "${BATON_DEMO_CALL_TIMEOUT:-120}" "$BATON" --state-dir "$D/manager" "$@"; }
ready_nodes() { # prints how many nodes `node ls --format json` shows as ready
  m node ls --format json | python3 -c 'import json,sys; print(sum(n.get("status")=="ready" for n in json.load(sys.stdin)))'
}
three_ready() { [ "$(ready_nodes)" = 3 ]; }

# free loopback ports whose successor is free too (a manager's Raft port is listen port + 1)
read -r P1 P2 P3 <<<"$(python3 -c '
import socket
held, ports = [], []
while len(ports) < 3:
    a, b = socket.socket(), socket.socket()
    a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        a.close(); b.close(); continue
    held += [a, b]; ports.append(p)
print(*ports)')"
[ -n "${P3:-}" ] || fail "could not pick free loopback ports (python3)"

say "starting a manager on 127.0.0.1:$P1 (state dir $D/manager)"
start manager init --state-dir "$D/manager" --listen-addr "127.0.0.1:$P1" --advertise-addr "127.0.0.1:$P1" \
  --executor process
wait_until 90 "the manager to answer 'node ls'" m node ls
TOKEN=$(m join-token worker -q) || fail "join-token worker -q failed"

i=1
for P in "$P2" "$P3"; do
  say "joining worker$i on 127.0.0.1:$P"
  start "worker$i" join --state-dir "$D/worker$i" --token "$TOKEN" --listen-addr "127.0.0.1:$P" \
    --advertise-addr "127.0.0.1:$P" --executor process "127.0.0.1:$P1"
  i=$((i + 1))
done
wait_until 90 "3 nodes ready in 'node ls --format json'" three_ready

say "baton node ls"
m node ls

say "node certificates: identity is assigned by the CA (CN=node id, OU=role, O=cluster id)"
for n in manager worker1 worker2; do
  echo "$n:"
  openssl x509 -noout -subject -issuer -enddate -in "$D/$n/certificates/node.crt" | sed 's/^/  /'
done

say "state dir of the manager (DESIGN §5)"
find "$D/manager" -maxdepth 2 | sort | sed "s|^$D/||"

usage=$(timeout --foreground 60 "$BATON" --help 2>/dev/null) || true
has_command() { grep -Eq "^[[:space:]]+$1([[:space:]]|\$)" <<<"$usage"; }
if has_command service && has_command secret; then
  say "a secret and a service that reads it"
  printf 'demo-password' | m secret create demo_secret -
  say "baton secret ls   (the value is never shown)"
  m secret ls
  # The task proves it can read the secret without printing it. As root it sees it at
  # /run/secrets/demo_secret (its own mount namespace); otherwise under $BATON_SECRETS_DIR.
  # shellcheck disable=SC2016 # $BATON_SECRETS_DIR is expanded by the task's shell, not here
  m service create --name hello --replicas 2 --secret demo_secret busybox \
    sh -c 'f=/run/secrets/demo_secret; [ -r "$f" ] || f="$BATON_SECRETS_DIR/demo_secret"
           echo "read $(wc -c < "$f") bytes of demo_secret from $f"; sleep 3600'
  say "baton service ps hello"
  m service ps hello
  say "baton service logs hello"
  m service logs hello
elif has_command service; then
  say "a 3-replica service on the process executor (secrets are not in this build yet)"
  # shellcheck disable=SC2016 # $BATON_TASK_SLOT is expanded by the task's shell, not here
  m service create --name hello --replicas 3 busybox \
    sh -c 'echo "hello from slot $BATON_TASK_SLOT"; sleep 3600'
  say "baton service ls"
  m service ls
  say "baton service ps hello"
  m service ps hello
  say "baton service scale hello=5"
  m service scale hello=5
  say "baton service update --env-add GREETING=hi --update-parallelism 2 hello   (rolling update)"
  m service update --env-add GREETING=hi --update-parallelism 2 hello
  m service ps hello
else
  say "services are not in this build yet ('baton --help' lists no 'service' command)"
fi

if ((WAIT == 0)); then
  say "demo done (--no-wait): stopping the cluster"
  exit 0
fi
say "the cluster is running; try: bin/baton --state-dir $D/manager node ls   (Ctrl-C stops it)"
while :; do
  sleep 1 &
  wait $! || true
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
      echo "demo: ${NAMES[i]} (PID ${PIDS[i]}) exited; see $D/${NAMES[i]}.log" >&2
      FAILED=1
      exit 1
    fi
  done
done
