#!/usr/bin/env bash
# baton benchmarks: node start-up (init, join, local node ls) as real bin/baton processes on loopback,
# set against Docker Swarm's figures on the same kind of machine (io.baton.bench.NodeStartupBench);
# `scripts/bench.sh services [--runs N]` times services instead (io.baton.bench.ServiceConvergenceBench),
# `scripts/bench.sh scheduler [--runs N]` the scheduler on simulated nodes (io.baton.bench.SchedulerBench),
# `scripts/bench.sh failover [--runs N]` N kill -9s of the leader of 3 managers under continuous writes
# (io.baton.bench.FailoverBench; fails if an acknowledged write is lost),
# `scripts/bench.sh writes [--runs N] [--seconds S] [--peers N[,N...]] [--codec plain,encrypted]
# [--writers N[,N...]] [--dir DIR]` the cluster store's committed changes per second with many
# concurrent writers on the leader of 1 (default) or more in-process managers, log plain and/or
# encrypted at rest (default both; encrypted/plain ratio per row), e.g. `--peers 1,3 --writers 64`
# (io.baton.bench.WriteBench).
# `scripts/bench.sh dispatcher [--runs N]` the session messages and bytes the dispatcher pushes while a
# 1,000-task service comes up on 10 simulated nodes, in-process (io.baton.bench.DispatcherPushBench).
# `scripts/bench.sh faults` the fault trials (io.baton.bench.FaultBench): kill -9 and SIGSTOP/SIGCONT of
# the leader, a follower and workers under writes and rolling updates, a whole-cluster restart, and (as
# root, with `ip netns`) a partitioned worker and manager; fails if a trial fails.
# `scripts/bench.sh docker [--runs N]` service convergence on real containers, baton's docker executor
# against Docker Swarm on the same dockerd (io.baton.bench.DockerConvergenceBench).
#
#   scripts/bench.sh [--runs N]     N runs per figure (default 5); prints a table on stdout
#   --keep (any benchmark) keeps its temp dir with the nodes' state dirs and logs, and prints where
#
# Builds the distribution and the bench module first if either is missing (./mvnw install without
# tests). On JDK >= 25 it also (re)trains the CLI's AOT cache (bin/baton-train-aot, best effort) when
# that is missing or older than a jar in node/target/lib: a stale cache makes every CLI call print
# errors and start without it, which is not what the `node ls` figure is meant to measure.
# `writes` and `dispatcher` run in-process: it needs only the bench module, which it builds if missing
# (./mvnw package -pl bench -am without tests), and no AOT cache.
# Starts only its own processes, stops them by PID and removes its temp dir.
set -euo pipefail

ROOT=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=${ROOT%/*/*}
cd "$ROOT"
. scripts/lib/jdk.sh
baton_find_jdk || exit 1
export JAVA_HOME=$BATON_JDK_HOME # bin/baton then uses the same JDK without a note

have() { [ -f "$1" ]; }
if [ "${1:-}" = writes ] || [ "${1:-}" = dispatcher ]; then
  main=io.baton.bench.WriteBench
  [ "$1" = dispatcher ] && main=io.baton.bench.DispatcherPushBench
  shift
  bench_libs=(bench/target/lib/baton-store-*.jar)
  if ! have "${bench_libs[0]}"; then
    echo "bench: building the bench module (./mvnw -q -B -ntp -DskipTests -pl bench -am package)…" >&2
    ./mvnw -q -B -ntp -DskipTests -pl bench -am package
  fi
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "bench/target/classes:bench/target/lib/*" "$main" "$@"
fi
node_jars=(node/target/lib/baton-node-*.jar)
bench_jars=(bench/target/baton-bench-*.jar)
if ! have "${node_jars[0]}" || ! have "${bench_jars[0]}"; then
  echo "bench: building (./mvnw -q -B -ntp -DskipTests install)…" >&2
  ./mvnw -q -B -ntp -DskipTests install
fi

aot=node/target/baton-cli.aot
if ((BATON_JDK_MAJOR >= 25)) && { [ ! -s "$aot" ] || [ -n "$(find node/target/lib -name '*.jar' -newer "$aot" -print -quit)" ]; }; then
  echo "bench: training the CLI's AOT cache (bin/baton-train-aot)…" >&2
  bin/baton-train-aot >&2 || echo "bench: bin/baton-train-aot failed; measuring without an AOT cache" >&2
fi

main=io.baton.bench.NodeStartupBench
case "${1:-}" in
  services) main=io.baton.bench.ServiceConvergenceBench; shift ;;
  scheduler) main=io.baton.bench.SchedulerBench; shift ;;
  failover) main=io.baton.bench.FailoverBench; shift ;;
  faults) main=io.baton.bench.FaultBench; shift ;;
  docker) main=io.baton.bench.DockerConvergenceBench; shift ;;
esac
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "bench/target/classes:bench/target/lib/*" "$main" "$@"
