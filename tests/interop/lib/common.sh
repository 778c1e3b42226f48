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

# Default Kafka version = the one property in kafka/pom.xml.
default_kafka_version() {
  sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$INTEROP_DIR/kafka/pom.xml" | head -n1
}

kafka_libs_dir() { echo "$CACHE_DIR/kafka-$1/libs"; }
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
  local v="$1" libs
  libs="$(kafka_libs_dir "$v")"
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (Maven 3 is required)"
  log "resolving Apache Kafka $v jars into $libs"
  rm -rf "$libs.tmp"
  local profile=()
  if [[ "$(kafka_major "$v")" -lt 4 ]]; then profile=(-Plog4j1); fi
  mvn_q -f "$INTEROP_DIR/kafka/pom.xml" "${profile[@]}" -Dkafka.version="$v" \
    dependency:copy-dependencies -DoutputDirectory="$libs.tmp" \
    || die "could not resolve Kafka $v from the Maven repository"
  [[ -f "$libs.tmp/kafka_2.13-$v.jar" ]] || die "kafka_2.13-$v.jar missing after resolution"
  rm -rf "$libs" && mv "$libs.tmp" "$libs" && touch "$libs/.complete"
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

# Python with only the standard library, for the probes (works before setup).
probe_py() {
  local py="$BASE_PYTHON"
  [[ -x "$VENV_DIR/bin/python" ]] && py="$VENV_DIR/bin/python"
  "$py" "$INTEROP_DIR/lib/kprobe.py" "$@"
}
