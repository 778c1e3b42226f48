# shellcheck shell=bash
# Shared helpers for the interop scripts. Source it; do not run it.
#
# Paths (all overridable through the environment):
#   KWIRE_CACHE_DIR    downloads and builds            (default <repo>/.cache, git-ignored)
#   KWIRE_INTEROP_WORK running brokers: configs, data, logs (default tests/interop/.work, git-ignored)
#   KWIRE_PYTHON       interpreter used to create the venv (default python3)

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$INTEROP_DIR/../.." && pwd)"
CACHE_DIR="${KWIRE_CACHE_DIR:-$REPO_ROOT/.cache}"
WORK_DIR="${KWIRE_INTEROP_WORK:-$INTEROP_DIR/.work}"
VENV_DIR="$CACHE_DIR/venv"
BIN_DIR="$CACHE_DIR/bin"
M2_REPO="$CACHE_DIR/m2"
JAVA_CLIENT_DIR="$CACHE_DIR/java-client"
BASE_PYTHON="${KWIRE_PYTHON:-python3}"

log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }
# Prints the header comment of script $1 (its usage) for --help.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }

# Default Kafka version = the one property in kafka/pom.xml.
default_kafka_version() {
  sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$INTEROP_DIR/kafka/pom.xml" | head -n1
}

kafka_libs_dir() { echo "$CACHE_DIR/kafka-$1/libs"; }
# Runs one of Kafka's command-line tools (a class from the jars of Kafka version V) for at most
# 60 s: its stdout and stderr, without SLF4J's start-up lines.
kafka_tool() { # V class args...
  timeout 60 java -cp "$(kafka_libs_dir "$1")/*" "${@:2}" 2>&1 | { grep -v '^SLF4J' || true; }
}
kafka_major() { echo "${1%%.*}"; }

mvn_q() {
  # Quiet, batch, with the local repository inside the cache so a fresh machine
  # needs nothing but Maven itself. Maven 3.8 prints bare ANSI resets even in batch
  # mode: strip them, keep the real messages (on stderr).
  local rc
  set -o pipefail
  timeout "${KWIRE_MVN_TIMEOUT:-900}" mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$M2_REPO" "$@" 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' || true; } >&2
  rc=$?
  return $rc
}

# Resolve org.apache.kafka:kafka_2.13:<v> and its runtime dependencies into
# .cache/kafka-<v>/libs (skipped when already complete).
ensure_kafka_libs() {
  local v="$1" libs stamp
  libs="$(kafka_libs_dir "$v")"
  # resolved again when kafka/pom.xml changes (a jar added to it)
  stamp="$(sha256sum < "$INTEROP_DIR/kafka/pom.xml" | cut -c1-16)"
  if [[ -f "$libs/.complete" && "$(cat "$libs/.complete")" == "$stamp" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (Maven 3 is required)"
  log "resolving Apache Kafka $v jars into $libs"
  rm -rf "$libs.tmp"
  local profile=()
  if [[ "$(kafka_major "$v")" -lt 4 ]]; then profile=(-Plog4j1); fi
  mvn_q -f "$INTEROP_DIR/kafka/pom.xml" "${profile[@]}" -Dkafka.version="$v" \
    dependency:copy-dependencies -DoutputDirectory="$libs.tmp" \
    || die "could not resolve Kafka $v from the Maven repository"
  [[ -f "$libs.tmp/kafka_2.13-$v.jar" ]] || die "kafka_2.13-$v.jar missing after resolution"
  rm -rf "$libs" && mv "$libs.tmp" "$libs" && echo "$stamp" > "$libs/.complete"
}

ensure_venv() {
  local req="$INTEROP_DIR/clients/requirements.txt" stamp="$VENV_DIR/.requirements"
  if [[ -x "$VENV_DIR/bin/python" && -f "$stamp" ]] && cmp -s "$req" "$stamp"; then return 0; fi
  log "creating Python venv in $VENV_DIR"
  rm -rf "$VENV_DIR"
  "$BASE_PYTHON" -m venv "$VENV_DIR" || die "python venv creation failed"
  PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 600 "$VENV_DIR/bin/pip" install -q \
    --cache-dir "$CACHE_DIR/pip" -r "$req" || die "pip install failed"
  cp "$req" "$stamp"
}

java_client_stamp() {
  cat "$INTEROP_DIR/clients/java/pom.xml" "$INTEROP_DIR"/clients/java/src/main/java/kwire/interop/*.java | sha256sum | cut -c1-16
}

ensure_java_client() {
  local stamp
  stamp="$(java_client_stamp)"
  if [[ -f "$JAVA_CLIENT_DIR/.stamp" && "$(cat "$JAVA_CLIENT_DIR/.stamp")" == "$stamp" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (Maven 3 is required)"
  log "building the Java kafka-clients driver into $JAVA_CLIENT_DIR"
  rm -rf "$JAVA_CLIENT_DIR"
  mvn_q -f "$INTEROP_DIR/clients/java/pom.xml" -Dkwire.out="$JAVA_CLIENT_DIR" \
    package dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$JAVA_CLIENT_DIR/libs" \
    || die "Java client build failed"
  cp "$JAVA_CLIENT_DIR"/target/kwire-interop-java-client.jar "$JAVA_CLIENT_DIR/libs/" \
    || die "Java client jar missing"
  echo "$stamp" > "$JAVA_CLIENT_DIR/.stamp"
}

go_client_stamp() {
  cat "$INTEROP_DIR"/clients/go/{go.mod,go.sum} "$INTEROP_DIR"/clients/go/*.go | sha256sum | cut -c1-16
}

ensure_go_client() {
  local stamp
  stamp="$(go_client_stamp)"
  if [[ -x "$BIN_DIR/kwire-franz" && -f "$BIN_DIR/.kwire-franz.stamp" \
        && "$(cat "$BIN_DIR/.kwire-franz.stamp")" == "$stamp" ]]; then return 0; fi
  command -v go >/dev/null || die "go not found"
  log "building the franz-go driver into $BIN_DIR/kwire-franz"
  mkdir -p "$BIN_DIR"
  ( cd "$INTEROP_DIR/clients/go" \
    && GOMODCACHE="$CACHE_DIR/go/mod" GOCACHE="$CACHE_DIR/go/build" GOFLAGS=-mod=readonly \
       CGO_ENABLED=0 timeout 900 go build -p 1 -trimpath -o "$BIN_DIR/kwire-franz" . ) \
    || die "go build failed"
  echo "$stamp" > "$BIN_DIR/.kwire-franz.stamp"
}

# tcp_open HOST PORT -> 0 when something accepts a connection
tcp_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# ensure_peer PEER: install (or confirm cached) what the real client PEER runs on.
ensure_peer() {
  case "$1" in
    librdkafka|kafka-python) ensure_venv ;;
    java) ensure_java_client ;;
    franz-go) ensure_go_client ;;
    kcat) ensure_venv; "$REPO_ROOT/producer/bench/kcat-setup.sh" >/dev/null || die "kcat not available" ;;
    *) die "unknown peer '$1' (librdkafka, kafka-python, java, franz-go, kcat)" ;;
  esac
}

# stop_pids TIMEOUT PID...: SIGTERM, SIGKILL for whatever still runs TIMEOUT seconds later, then
# reap those that are children of this shell (so none is left a zombie and exit codes are
# collected). Returns 1 when a SIGKILL was needed.
stop_pids() {
  local timeout="$1" p alive deadline clean=0; shift
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while :; do
    alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || break
    if (( SECONDS >= deadline )); then
      clean=1
      for p in "$@"; do
        if kill -0 "$p" 2>/dev/null; then log "pid $p did not stop in ${timeout}s: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
      done
      for _ in $(seq 50); do
        alive=0
        for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
      done
      break
    fi
    sleep 0.1
  done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  return "$clean"
}

# The workspace's release binaries (kwire-mock, kwire-produce, kwire-probe, kwire-blast,
# kwire-bounce) are built with every package that ships one selected, so that they all see one
# feature set and share their compiled dependencies whatever script builds first.
RELEASE_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release"

# release_bins BIN...: builds these release binaries, bounded in time.
release_bins() {
  local args=() b
  for b in "$@"; do args+=(--bin "$b"); done
  ( cd "$REPO_ROOT" && timeout 1200 cargo build --release -q -p kwire-mock -p kwire-producer -p kwire-tests "${args[@]}" ) \
    || die "cargo build --release of $* failed"
}

# ensure_probe: builds kwire-probe (the wire probe the scripts ask brokers with) unless
# KWIRE_PROBE already names one, and exports KWIRE_PROBE so that nested scripts skip the build.
# Call it outside $(...): an export in a command substitution is lost.
ensure_probe() {
  [[ -n "${KWIRE_PROBE:-}" && -x "$KWIRE_PROBE" ]] && return 0
  release_bins kwire-probe
  export KWIRE_PROBE="$RELEASE_DIR/kwire-probe"
}

# probe ARGS...: runs kwire-probe (see `kwire-probe --help`); ensure_probe must have run.
probe() {
  [[ -n "${KWIRE_PROBE:-}" ]] || die "internal: probe before ensure_probe"
  "$KWIRE_PROBE" "$@"
}

# json_field FILE KEY: the top-level KEY of the JSON object in FILE, printed as text.
json_field() {
  "$BASE_PYTHON" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# mock_start DIR ARGS...: starts kwire-mock ($MOCK_BIN, before it $MOCK_WRAP if set, e.g. a
# taskset) on free ports, its logs in DIR; waits (10 s at most) for its ready file and sets
# MOCK_PID, MOCK_BOOTSTRAP and MOCK_CONTROL (empty without --control). Not in a subshell: the
# caller's EXIT trap must see MOCK_PID to stop it (mock_stop).
mock_start() {
  local dir="$1" i; shift
  rm -f "$dir/mock.ready"
  ${MOCK_WRAP[@]+"${MOCK_WRAP[@]}"} "$MOCK_BIN" --port 0 --ready-file "$dir/mock.ready" "$@" \
    > "$dir/mock.stdout" 2> "$dir/mock.log" < /dev/null &
  MOCK_PID=$!
  for i in $(seq 1 200); do
    [[ -s "$dir/mock.ready" ]] && break
    kill -0 "$MOCK_PID" 2>/dev/null || die "kwire-mock exited: $(tail -n3 "$dir/mock.log")"
    sleep 0.05
  done
  [[ -s "$dir/mock.ready" ]] || die "kwire-mock not ready after 10 s: $(tail -n3 "$dir/mock.log")"
  MOCK_BOOTSTRAP="$(json_field "$dir/mock.ready" bootstrap)"
  MOCK_CONTROL="$(json_field "$dir/mock.ready" control)"
}

# mock_stop: stops the kwire-mock of mock_start, if any.
mock_stop() {
  [[ -n "${MOCK_PID:-}" ]] || return 0
  stop_pids 10 "$MOCK_PID" || true
  MOCK_PID=""
}
