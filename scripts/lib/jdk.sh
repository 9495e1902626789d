# shellcheck shell=bash
# Finds a JDK >= 21 for baton's scripts (bin/baton, scripts/test.sh, ...). Source it, then call
# baton_find_jdk: on success it sets BATON_JDK_HOME, BATON_JDK_VERSION (e.g. 25.0.3) and
# BATON_JDK_MAJOR (e.g. 25); on failure it prints one line saying what to install and returns 1.
#
# Order: $JAVA_HOME if it is a JDK >= 21; else the newest JDK >= 21 under /usr/lib/jvm (a too-old
# JAVA_HOME is then ignored, with a one-line note on stderr); else the `java` on PATH if it is one.
# The common path is pure bash (reads each JDK's `release` file, no subprocess), because bin/baton
# runs it before every CLI call and a local call has a 150 ms budget (DESIGN §6).
# Overridable for tests: BATON_JVM_ROOT (default /usr/lib/jvm), BATON_MIN_JAVA (default 21).

# _baton_jdk_probe HOME: sets _BJ_VERSION and _BJ_MAJOR; returns 1 unless HOME is a JDK (java + javac).
_baton_jdk_probe() {
  local home=$1 line v='' m
  _BJ_VERSION='' _BJ_MAJOR=''
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -r "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in JAVA_VERSION=*) v=${line#JAVA_VERSION=}; v=${v//\"/}; break ;; esac
    done <"$home/release"
  fi
  if [ -z "$v" ]; then # no release file: ask the JVM (slow path, rare)
    v=$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p') || v=''
  fi
  m=${v%%[.+_-]*}
  if [ "$m" = 1 ]; then m=${v#1.}; m=${m%%[.+_-]*}; fi # 1.8.0_292 -> 8
  [[ $m =~ ^[0-9]+$ ]] || return 1
  _BJ_VERSION=$v _BJ_MAJOR=$((10#$m))
}

# _baton_version_gt A B: true if version A is newer than B (numeric, component by component).
_baton_version_gt() {
  local IFS=.+_- i x y
  local -a a b
  read -r -a a <<<"$1"
  read -r -a b <<<"$2"
  for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
    x=${a[i]:-0} y=${b[i]:-0}
    x=${x//[^0-9]/} y=${y//[^0-9]/}
    x=$((10#${x:-0})) y=$((10#${y:-0}))
    ((x > y)) && return 0
    ((x < y)) && return 1
  done
  return 1
}

baton_find_jdk() {
  local min=${BATON_MIN_JAVA:-21} root=${BATON_JVM_ROOT:-/usr/lib/jvm}
  local ignored='' best='' best_version='' best_major='' d java
  BATON_JDK_HOME='' BATON_JDK_VERSION='' BATON_JDK_MAJOR=''

  if [ -n "${JAVA_HOME:-}" ]; then
    if _baton_jdk_probe "$JAVA_HOME"; then
      if ((_BJ_MAJOR >= min)); then
        BATON_JDK_HOME=${JAVA_HOME%/} BATON_JDK_VERSION=$_BJ_VERSION BATON_JDK_MAJOR=$_BJ_MAJOR
        return 0
      fi
      ignored="JAVA_HOME=$JAVA_HOME is Java $_BJ_MAJOR, older than $min"
    else
      ignored="JAVA_HOME=$JAVA_HOME is not a JDK"
    fi
  fi

  for d in "$root"/*/; do
    d=${d%/}
    _baton_jdk_probe "$d" || continue
    ((_BJ_MAJOR >= min)) || continue
    if [ -z "$best" ] || _baton_version_gt "$_BJ_VERSION" "$best_version"; then
      best=$d best_version=$_BJ_VERSION best_major=$_BJ_MAJOR
    fi
  done

  if [ -z "$best" ] && java=$(command -v java 2>/dev/null) && java=$(readlink -f "$java" 2>/dev/null); then
    d=${java%/bin/java}
    if [ "$d" != "$java" ] && _baton_jdk_probe "$d" && ((_BJ_MAJOR >= min)); then
      best=$d best_version=$_BJ_VERSION best_major=$_BJ_MAJOR
    fi
  fi

  if [ -z "$best" ]; then
    echo "baton: needs a JDK $min or newer${ignored:+ ($ignored)}; install one (e.g. apt-get install temurin-21-jdk or openjdk-21-jdk) or set JAVA_HOME" >&2
    return 1
  fi
  if [ -n "$ignored" ]; then
    echo "baton: $ignored; using $best (Java $best_version) instead" >&2
  fi
  BATON_JDK_HOME=$best BATON_JDK_VERSION=$best_version BATON_JDK_MAJOR=$best_major
}
