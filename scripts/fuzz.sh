#!/usr/bin/env bash
# Runs every Jazzer fuzz target (each @FuzzTest of ca, store, manager and node) in fuzzing mode.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    e.g. scripts/fuzz.sh 120 CsrFuzzTest CaServerFuzzTest
#
# TARGETs are fuzz test class names (default: all). Maven itself reads MAVEN_ARGS from the
# environment (e.g. MAVEN_ARGS=-o to stay offline).
# SECONDS (default 60) is how long each target runs; the targets run one after another, each in a
# JVM of its own (./mvnw -Pfuzz), niced. Prints one line per target with its executions, and exits
# non-zero if any target found an input that breaks its contract. A finding is written as
# crash-<sha1> into the target's src/test/resources/.../<Class>Inputs/<method>/ directory, so the
# normal test suite replays it from then on; the corpus the fuzzer grows is kept in
# <module>/.cifuzz-corpus/ (not committed) and reused by the next run.
set -euo pipefail

ROOT=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=${ROOT%/*/*}
cd "$ROOT"
. scripts/lib/jdk.sh
baton_find_jdk || exit 1
export JAVA_HOME=$BATON_JDK_HOME

SECS=60
if (($# > 0)) && [[ $1 =~ ^[0-9]+$ ]]; then
  SECS=$1
  shift
fi
mkdir -p target
LOG=target/fuzz.log
echo "fuzz.sh: ${SECS}s per target, Java $BATON_JDK_VERSION; full output in $LOG"

rc=0
: >"$LOG"
# One Maven run per module, naming that module's fuzz classes (those of TARGETs only), so that a
# target that kills its JVM (a timeout) does not keep the modules after it from being fuzzed.
for module in ca store manager node; do
  classes=$(grep -rl --include='*FuzzTest.java' '@FuzzTest' "$module/src/test/java" \
    | sed 's|.*/||; s|\.java$||' | sort \
    | { if (($# > 0)); then grep -Fx -f <(printf '%s\n' "$@"); else cat; fi; } | paste -sd, -) || true
  [ -n "$classes" ] || continue
  nice ./mvnw -B -ntp -Pfuzz -Dfuzz.duration="${SECS}s" -Dmaven.test.failure.ignore=true \
    -pl "$module" -am test -Dtest="$classes" >>"$LOG" 2>&1 || rc=$?
done

# One line per target: surefire names the class it starts, libFuzzer ends with "Done N runs in S
# second(s)"; a finding shows as "== Java Exception" (a broken assertion or an unexpected exception)
# or "ERROR: libFuzzer: timeout" (an input that ran longer than 30 s), and as a failed test.
awk '
  /\[INFO\] Running io\.baton\./ { target = $3 }
  /^Done [0-9]+ runs in [0-9]+ second/ { printf "  %-55s %12d runs in %4d s\n", target, $2, $5; done[target] = 1 }
  /^== Java Exception:/ { sub(/^== Java Exception: /, ""); printf "  %-55s FINDING: %s\n", target, $0; found = 1 }
  /ERROR: libFuzzer: / { sub(/.*ERROR: libFuzzer: /, ""); printf "  %-55s FINDING: %s\n", target, $0; found = 1 }
  /Test unit written to .*\/(crash|timeout|oom|leak)-/ { sub(/.*Test unit written to /, ""); printf "  %-55s FINDING, input: %s\n", target, $0; found = 1 }
  END { exit found }
' "$LOG" || rc=1
if grep -q "Tests run:.*\(Failures: [1-9]\|Errors: [1-9]\)" "$LOG"; then
  rc=1
fi
if ((rc != 0)); then
  echo "fuzz.sh: FAILED (see $LOG; findings are under src/test/resources/**/*Inputs/)"
else
  echo "fuzz.sh: ok"
fi
exit "$rc"
