#!/usr/bin/env bash
# TLS and SASL against real peers, bounded in time (about 3 minutes):
#
#   tests/interop/security/run.sh [--records N] [--only kafka|mock]
#
# kafka: a single-node Kafka with SASL_PLAINTEXT and SASL_SSL listeners (kafka.sh,
#   KWIRE_KAFKA_SECURITY=sasl). kwire-auth's client exchanges (auth/tests/real_kafka.rs);
#   kwire-produce over SASL_PLAINTEXT (PLAIN with -X, SCRAM-SHA-512 from a --producer.config
#   file with sasl.jaas.config) and SASL_SSL (SCRAM-SHA-256, OAUTHBEARER with an unsecured JWT,
#   ssl.ca.location), N keyed records each, read back by librdkafka over the PLAINTEXT listener
#   (all of them, once); a wrong password and an unknown CA each fail within 5 s with their
#   typed error.
# mock: kwire-mock with SASL_SSL and the CA it generates: librdkafka (PLAIN, SCRAM-SHA-256,
#   SCRAM-SHA-512, OAUTHBEARER) and kafka-python (PLAIN, both SCRAMs) produce N records and read
#   them back; each client with a wrong password is refused as an authentication failure. Then
#   Apache's Java client (SaslCheck.java, on Kafka's own jars) does the same with every
#   mechanism against a mock whose sessions last 3 s (connections.max.reauth.ms) while it
#   produces for 6 s: it must re-authenticate on its connections (KIP-368), so the mock must not
#   have closed any connection for an expired session.
#
# Binaries: $KWIRE_BIN_DIR (default: the workspace's release binaries, built if missing).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

RECORDS=2000
ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --inside-kafka) INSIDE=1; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

BIN="${KWIRE_BIN_DIR:-}"
if [[ -z "$BIN" ]]; then
  BIN="$RELEASE_DIR"
  [[ -x "$BIN/kwire-produce" && -x "$BIN/kwire-mock" ]] || release_bins kwire-produce kwire-mock
fi
PRODUCE="$BIN/kwire-produce"
MOCK_BIN="$BIN/kwire-mock"
PY="$VENV_DIR/bin/python"
[[ -x "$PY" ]] || die "no interop venv at $VENV_DIR (tests/interop/run setup --only python)"
FAILED=0

check() { # name command...: runs a check (bounded by its own timeout) and records a failure
  local name="$1"; shift
  if "$@"; then log "ok: $name"; else log "FAILED: $name"; FAILED=1; fi
}

# ------------------------------------------------------------------------------- real Kafka

produce_ok() { # topic args...: N keyed lines, all delivered
  local topic="$1"; shift
  seq 1 "$RECORDS" | sed 's/.*/k&:v&/' \
    | timeout 120 "$PRODUCE" -q -b "$BOOT" -t "$topic" -K : "$@"
}

read_back() { # topic
  timeout 60 "$PY" "$HERE/clients.py" librdkafka count "$KWIRE_KAFKA_BOOTSTRAP" "$1" "$RECORDS"
}

refused_fast() { # expected-text args...: fails within 5 s, naming the cause
  local want="$1" out t0=$SECONDS; shift
  out="$(seq 1 3 | timeout 30 "$PRODUCE" -b "$BOOT" -t sec-refused "$@" 2>&1)" && return 1
  log "  $(grep -m1 rejected <<<"$out")"
  grep -q "$want" <<<"$out" && (( SECONDS - t0 <= 5 ))
}

kafka_checks() {
  local sasl=(-X sasl.username=alice -X sasl.password=alice-secret)
  local ssl=(-X security.protocol=SASL_SSL -X "ssl.ca.location=$KWIRE_KAFKA_SSL_CA")
  check "kwire-auth exchanges against Kafka (real_kafka.rs)" \
    env KWIRE_SASL_KAFKA="$KWIRE_KAFKA_SASL_PLAINTEXT" timeout 600 \
    cargo test -q -p kwire-auth --test real_kafka -- --ignored
  BOOT="$KWIRE_KAFKA_SASL_PLAINTEXT"
  check "kwire-produce SASL_PLAINTEXT PLAIN" \
    produce_ok sec-plain -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN "${sasl[@]}"
  check "  read back" read_back sec-plain
  local props="$WORK_DIR/scram512.properties"
  cat > "$props" <<'PROPS'
# SCRAM-SHA-512 with Java's login module, continued on a second line
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="alice" password="alice-secret";
PROPS
  check "kwire-produce SASL_PLAINTEXT SCRAM-SHA-512 (--producer.config)" \
    produce_ok sec-scram512 --producer.config "$props"
  check "  read back" read_back sec-scram512
  BOOT="$KWIRE_KAFKA_SASL_SSL"
  check "kwire-produce SASL_SSL SCRAM-SHA-256" \
    produce_ok sec-ssl-scram256 "${ssl[@]}" -X sasl.mechanism=SCRAM-SHA-256 "${sasl[@]}"
  check "  read back" read_back sec-ssl-scram256
  check "kwire-produce SASL_SSL OAUTHBEARER (unsecured JWT)" \
    produce_ok sec-ssl-oauth "${ssl[@]}" -X sasl.mechanism=OAUTHBEARER \
    -X 'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";'
  check "  read back" read_back sec-ssl-oauth
  check "kwire-produce wrong password: typed, not retried" \
    refused_fast "SASL SCRAM-SHA-512 authentication failed" "${ssl[@]}" \
    -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username=alice -X sasl.password=wrong
  check "kwire-produce unknown CA: typed, not retried" \
    refused_fast "untrusted broker certificate" -X security.protocol=SASL_SSL \
    -X sasl.mechanism=PLAIN "${sasl[@]}"
}

# ------------------------------------------------------------------------------- kwire-mock

mock_checks() {
  local dir="$WORK_DIR/security-mock" ca m c
  rm -rf "$dir"; mkdir -p "$dir"
  trap mock_stop EXIT
  mock_start "$dir" --brokers 1 --security-protocol SASL_SSL --sasl-user alice:alice-secret \
    --ssl-output-dir "$dir/tls"
  ca="$(json_field "$dir/mock.ready" ca)"
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "librdkafka -> kwire-mock SASL_SSL $m" timeout 90 "$PY" "$HERE/clients.py" librdkafka \
      roundtrip "$MOCK_BOOTSTRAP" SASL_SSL "$m" alice alice-secret "$ca" "rd-$m" "$RECORDS"
  done
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
    check "kafka-python -> kwire-mock SASL_SSL $m" timeout 120 "$PY" "$HERE/clients.py" kafka-python \
      roundtrip "$MOCK_BOOTSTRAP" SASL_SSL "$m" alice alice-secret "$ca" "py-$m" "$RECORDS"
  done
  for c in librdkafka kafka-python; do
    check "$c wrong password refused by kwire-mock" timeout 30 "$PY" "$HERE/clients.py" "$c" \
      refused "$MOCK_BOOTSTRAP" SASL_SSL SCRAM-SHA-512 alice wrong "$ca"
  done
  check "kwire-mock refused them as SASL failures" \
    grep -q 'SCRAM-SHA-512 authentication failed: .*invalid credentials' "$dir/mock.log"
  mock_stop

  # Apache's Java client, re-authenticating (KIP-368) while it produces.
  local libs java_dir="$WORK_DIR/security-java"
  libs="$(kafka_libs_dir "$(default_kafka_version)")"
  ensure_kafka_libs "$(default_kafka_version)"
  mkdir -p "$java_dir"
  javac -d "$java_dir" -cp "$libs/*" "$HERE/SaslCheck.java" || die "javac SaslCheck failed"
  mock_start "$dir" --brokers 1 --security-protocol SASL_SSL --sasl-user alice:alice-secret \
    --ssl-output-dir "$dir/tls-java" --connections-max-reauth-ms 3000
  ca="$(json_field "$dir/mock.ready" ca)"
  local java=(timeout 120 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$libs/*:$java_dir" SaslCheck)
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "java -> kwire-mock SASL_SSL $m, 3 s sessions" "${java[@]}" roundtrip "$MOCK_BOOTSTRAP" \
      "$m" alice alice-secret "$ca" "java-$m" "$RECORDS" 6000
  done
  check "java wrong password refused by kwire-mock" "${java[@]}" refused "$MOCK_BOOTSTRAP" \
    SCRAM-SHA-256 alice wrong "$ca"
  check "java re-authenticated: no connection closed for an expired session" \
    bash -c '! grep -q "session expired" "$1"' _ "$dir/mock.log"
  mock_stop
  trap - EXIT
}

if [[ -n "${INSIDE:-}" ]]; then
  kafka_checks
  exit "$FAILED"
fi
mkdir -p "$WORK_DIR"
if [[ -z "$ONLY" || "$ONLY" == mock ]]; then mock_checks; fi
if [[ -z "$ONLY" || "$ONLY" == kafka ]]; then
  KWIRE_KAFKA_SECURITY=sasl "$INTEROP_DIR/kafka.sh" with single -- \
    env KWIRE_BIN_DIR="$BIN" "${BASH_SOURCE[0]}" --inside-kafka --records "$RECORDS" || FAILED=1
fi
(( FAILED == 0 )) || die "security checks failed"
log "security checks passed"
