#!/usr/bin/env bash
# Install everything the interop tests need, idempotently (cached work is skipped):
#   - Apache Kafka broker jars (Maven) -> .cache/kafka-<version>/libs
#   - Python venv with confluent-kafka (librdkafka) and kafka-python -> .cache/venv
#   - the Java kafka-clients driver -> .cache/java-client
#   - the franz-go driver -> .cache/bin/kwire-franz
#
#   setup.sh [--kafka-version V]... [--only kafka|python|java|go]...
#
# --kafka-version may be repeated (default: the pin in kafka/pom.xml); --only limits the steps.
# Needs java 17+, mvn, go and python3 (with venv). On Debian as root, a missing JDK, Maven or
# python3-venv is installed with apt-get; Go must already be on PATH (the go.mod needs a
# newer Go than Debian ships).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

versions=()
only=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kafka-version) versions+=("$2"); shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ ${#versions[@]} -gt 0 ]] || versions=("${KWIRE_KAFKA_VERSION:-$(default_kafka_version)}")
wants() { [[ ${#only[@]} -eq 0 || " ${only[*]} " == *" $1 "* ]]; }

APT_UPDATED=0
apt_install() {
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null || die "missing $*; install it (no apt-get as root here)"
  if (( ! APT_UPDATED )); then timeout 600 apt-get update -qq >&2 || die "apt-get update failed"; APT_UPDATED=1; fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || die "apt-get install $* failed"
}

prereqs() {
  if wants kafka || wants java; then
    command -v java >/dev/null && command -v javac >/dev/null || apt_install openjdk-17-jdk-headless
    command -v mvn >/dev/null || apt_install maven
  fi
  if wants python; then
    "$BASE_PYTHON" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  fi
  if wants go; then
    command -v go >/dev/null || die "go not found on PATH (needed for the franz-go driver)"
  fi
}

step() { # name command...
  local name="$1" t0=$SECONDS; shift
  "$@"
  TIMES+=("$(printf '%-28s %4ds' "$name" $((SECONDS - t0)))")
}

TIMES=()
T0=$SECONDS
mkdir -p "$CACHE_DIR"
step prerequisites prereqs
if wants kafka; then
  for v in "${versions[@]}"; do step "kafka $v jars" ensure_kafka_libs "$v"; done
fi
wants python && step "python venv (librdkafka, kafka-python)" ensure_venv
wants java && step "java driver (kafka-clients)" ensure_java_client
wants go && step "go driver (franz-go)" ensure_go_client

{
  echo "interop setup done in $((SECONDS - T0))s:"
  printf '  %s\n' "${TIMES[@]}"
} >&2
