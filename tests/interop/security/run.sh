#!/usr/bin/env bash
# TLS and SASL against real peers, bounded in time (about 5 minutes):
#
#   tests/interop/security/run.sh [--records N] [--mock-records M] [--only kafka|mock]
#
# kafka: a single-node Kafka with SASL_PLAINTEXT, SASL_SSL, SSL with client certificates
#   required (mTLS) and SSL without (a certificate for localhost only) listeners (kafka.sh,
#   KWIRE_KAFKA_SECURITY=sasl). kwire-auth's client exchanges (auth/tests/real_kafka.rs); the
#   authenticator's rules (one ApiVersions before SaslHandshake, ILLEGAL_SASL_STATE, KIP-368
#   re-authentication with the same or another mechanism and principal, expired sessions,
#   SaslHandshake v0 with bare tokens) as raw requests to Kafka's SASL_PLAINTEXT listener and to
#   a kwire-mock with the same 10 s sessions, with the same outcomes (tests/tests/sasl_reauth.rs).
#   kwire-produce sends N (default 100,000) keyed idempotent records over SSL (reached as
#   localhost), mTLS, and SASL_PLAINTEXT and SASL_SSL with each of PLAIN, SCRAM-SHA-256,
#   SCRAM-SHA-512 and OAUTHBEARER (an unsecured JWT), and SCRAM-SHA-512 from a --producer.config
#   file with sasl.jaas.config; one librdkafka consumer then reads every topic back over the
#   PLAINTEXT listener: N records each, every value once, every key matching its value. The SASL
#   sessions last 10 s (connections.max.reauth.ms): kwire-produce sends N records over 25 s on
#   SASL_SSL and must re-authenticate on its open connections (KIP-368) — Kafka closes a
#   connection whose session ran out, which the producer would log as a disconnection — and
#   loses none. Each refusal must come within 5 s with its typed error: no client certificate
#   on the mTLS listener, a wrong password (SCRAM-SHA-512 over SASL_SSL, PLAIN over
#   SASL_PLAINTEXT), an unknown CA (SASL_SSL and SSL, system roots), a wrong host name (the SSL
#   listener reached as 127.0.0.1, its certificate naming localhost only).
# mock: every client and mechanism against kwire-mock's SASL_PLAINTEXT listener, then its
#   SASL_SSL one with the CA it generates: librdkafka, franz-go and kafka-python (PLAIN,
#   SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER with an unsecured JWT) and, on
#   SASL_PLAINTEXT, Apache's Java client (all four) produce M (default 2,000) records and read
#   them back; each client with a wrong password (PLAIN on SASL_PLAINTEXT, SCRAM-SHA-512 on
#   SASL_SSL) is refused as an authentication failure; librdkafka carries on when the mock
#   ends its sessions
#   (expire_sessions, as Kafka closes a connection whose session ran out: every record once)
#   and is refused when the mock rejects its next login (reject_logins). librdkafka and franz-go
#   against the mock's SSL listener with client certificates required (mTLS): with the
#   certificate the mock issued, M records and back; without one, refused. A client that does
#   not re-authenticate (kafka-python with its KIP-368 renewal turned off) against sessions of
#   2 s: idle past them, its next requests find its connections closed, it logs in on new ones,
#   and every record is read back once. Then
#   Apache's Java client (SaslCheck.java, on Kafka's own jars) does the same with every
#   mechanism against a SASL_SSL mock whose sessions last 3 s (connections.max.reauth.ms) while
#   it produces for 6 s: it must re-authenticate on its connections (KIP-368), so the mock must
#   not have closed any connection for an expired session.
#
# Binaries: $KWIRE_BIN_DIR (default: the workspace's release binaries, built if missing).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

RECORDS=100000     # kwire-produce's records per run against Kafka
MOCK_RECORDS=2000  # each client's records per run against kwire-mock
ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --mock-records) MOCK_RECORDS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --inside-kafka) INSIDE=1; shift ;;
    -h|--help) usage "${BASH_SOURCE[0]}"; exit 0 ;;
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

java_setup() { # array-name: Apache's Java client (SaslCheck.java), compiled against Kafka's jars
  local libs java_dir="$WORK_DIR/security-java"
  libs="$(kafka_libs_dir "$(default_kafka_version)")"
  ensure_kafka_libs "$(default_kafka_version)"
  mkdir -p "$java_dir"
  javac -d "$java_dir" -cp "$libs/*" "$HERE/SaslCheck.java" || die "javac SaslCheck failed"
  local -n cmd="$1"
  cmd=(timeout 120 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$libs/*:$java_dir" SaslCheck)
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

READ_BACK=() # TOPIC=N for each produced topic, read back at the end by one librdkafka consumer

produce_ok() { # topic args...: N keyed lines, idempotent, all delivered
  local topic="$1" t0; shift
  t0="$(date +%s%N)"
  seq 1 "$RECORDS" | sed 's/.*/k&:v&/' | timeout 120 "$PRODUCE" -q -b "$BOOT" -t "$topic" -K : \
    -X enable.idempotence=true -X acks=all "$@" || return 1
  log "  $RECORDS records in $(ms_since "$t0") ms (connect, authenticate, produce, close)"
  READ_BACK+=("$topic=$RECORDS")
}

refused_fast() { # expected-text args...: fails within 5 s, naming the cause
  local want="$1" out t0 ms; shift
  t0="$(date +%s%N)"
  out="$(seq 1 3 | timeout 30 "$PRODUCE" -b "$BOOT" -t sec-refused "$@" 2>&1)" && return 1
  ms="$(ms_since "$t0")"
  log "  after $ms ms: $(grep -m1 "$want" <<<"$out" || tail -n1 <<<"$out")"
  grep -q "$want" <<<"$out" && (( ms <= 5000 ))
}

reauth_over_kafka() { # args...: N records paced over 25 s to sessions of 10 s
  local log="$WORK_DIR/reauth.log" reauths drops
  "$PY" -c '
import sys, time
n, t0 = int(sys.argv[1]), time.time()
for i in range(1, n + 1):
    print(f"k{i}:v{i}")
    if i % 100 == 0:
        sys.stdout.flush()
        time.sleep(max(0.0, t0 + 25.0 * i / n - time.time()))
' "$RECORDS" | KWIRE_LOG=kwire_producer=debug timeout 120 "$PRODUCE" -q -b "$BOOT" -t sec-reauth \
    -K : -X enable.idempotence=true -X acks=all "$@" 2> "$log" || { tail -5 "$log"; return 1; }
  reauths="$(grep -c 're-authenticating' "$log" || true)"
  drops="$(grep -cE 'disconnected|connection failed' "$log" || true)"
  log "  $reauths re-authentications, $drops lost connections"
  (( reauths >= 2 && drops == 0 )) || return 1
  READ_BACK+=("sec-reauth=$RECORDS")
}

sasl_creds() { # protocol mechanism -> kwire-produce's flags for alice (one per line)
  local oauth='org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";'
  printf '%s\n' -X "security.protocol=$1" -X "sasl.mechanism=$2"
  [[ "$1" == SASL_SSL ]] && printf '%s\n' -X "ssl.ca.location=$KWIRE_KAFKA_SSL_CA"
  if [[ "$2" == OAUTHBEARER ]]; then printf '%s\n' -X "sasl.jaas.config=$oauth"
  else printf '%s\n' -X sasl.username=alice -X sasl.password=alice-secret; fi
}

kafka_checks() {
  local p m topic args=() t0=$SECONDS
  local ca=(-X "ssl.ca.location=$KWIRE_KAFKA_SSL_CA")
  check "kwire-auth exchanges against Kafka (real_kafka.rs)" \
    env KWIRE_SASL_KAFKA="$KWIRE_KAFKA_SASL_PLAINTEXT" timeout 600 \
    cargo test -q -p kwire-auth --test real_kafka -- --ignored
  check "SASL authenticator rules: Kafka and kwire-mock agree (sasl_reauth.rs)" \
    env KWIRE_KAFKA_REAUTH_MS="${KWIRE_KAFKA_REAUTH_MS:?}" timeout 600 \
    cargo test -q -p kwire-tests --test sasl_reauth -- --ignored --nocapture
  log "Kafka: the Rust tests took $((SECONDS - t0)) s"; t0=$SECONDS

  # N keyed idempotent records per protocol and mechanism, read back once by librdkafka.
  BOOT="$KWIRE_KAFKA_SSL"
  check "kwire-produce SSL (server certificate only, reached as localhost)" \
    produce_ok sec-ssl -X security.protocol=SSL "${ca[@]}"
  BOOT="$KWIRE_KAFKA_SSL_MTLS"
  local mtls=(-X security.protocol=SSL "${ca[@]}")
  check "kwire-produce SSL with a client certificate (ssl.client.auth=required)" \
    produce_ok sec-mtls "${mtls[@]}" -X "ssl.certificate.location=$KWIRE_KAFKA_CLIENT_CERT" \
    -X "ssl.key.location=$KWIRE_KAFKA_CLIENT_KEY"
  for p in SASL_PLAINTEXT SASL_SSL; do
    if [[ "$p" == SASL_SSL ]]; then BOOT="$KWIRE_KAFKA_SASL_SSL"; else BOOT="$KWIRE_KAFKA_SASL_PLAINTEXT"; fi
    for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
      topic="sec-${p,,}-${m,,}"
      mapfile -t args < <(sasl_creds "$p" "$m")
      check "kwire-produce $p $m" produce_ok "$topic" "${args[@]}"
    done
  done
  # Java's login module in a properties file, continued on a second line.
  local props="$WORK_DIR/scram512.properties"
  cat > "$props" <<'PROPS'
# SCRAM-SHA-512 with Java's login module, continued on a second line
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="alice" password="alice-secret";
PROPS
  BOOT="$KWIRE_KAFKA_SASL_PLAINTEXT"
  check "kwire-produce SASL_PLAINTEXT SCRAM-SHA-512 (--producer.config, sasl.jaas.config)" \
    produce_ok sec-scram512-props --producer.config "$props"
  BOOT="$KWIRE_KAFKA_SASL_SSL"
  mapfile -t args < <(sasl_creds SASL_SSL SCRAM-SHA-512)
  check "kwire-produce re-authenticates on its connections (10 s sessions, 25 s)" \
    reauth_over_kafka "${args[@]}"
  log "Kafka: producing took $((SECONDS - t0)) s"; t0=$SECONDS
  check "librdkafka reads every record back once (${#READ_BACK[@]} topics)" \
    timeout 120 "$PY" "$HERE/clients.py" librdkafka count "$KWIRE_KAFKA_BOOTSTRAP" "${READ_BACK[@]}"
  log "Kafka: reading back took $((SECONDS - t0)) s"; t0=$SECONDS

  # Refusals: typed, not retried, within 5 s.
  BOOT="$KWIRE_KAFKA_SSL_MTLS"
  check "kwire-produce SSL without a client certificate (ssl.client.auth=required): typed, not retried" \
    refused_fast "the server refused the client certificate" "${mtls[@]}"
  BOOT="$KWIRE_KAFKA_SASL_SSL"
  check "kwire-produce SASL_SSL SCRAM-SHA-512 wrong password: typed, not retried" \
    refused_fast "SASL SCRAM-SHA-512 authentication failed" "${ca[@]}" \
    -X security.protocol=SASL_SSL -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username=alice \
    -X sasl.password=wrong
  BOOT="$KWIRE_KAFKA_SASL_PLAINTEXT"
  check "kwire-produce SASL_PLAINTEXT PLAIN wrong password: typed, not retried" \
    refused_fast "SASL PLAIN authentication failed" -X security.protocol=SASL_PLAINTEXT \
    -X sasl.mechanism=PLAIN -X sasl.username=alice -X sasl.password=wrong
  BOOT="$KWIRE_KAFKA_SASL_SSL"
  check "kwire-produce SASL_SSL unknown CA (system roots): typed, not retried" \
    refused_fast "untrusted broker certificate" -X security.protocol=SASL_SSL \
    -X sasl.mechanism=PLAIN -X sasl.username=alice -X sasl.password=alice-secret
  BOOT="$KWIRE_KAFKA_SSL"
  check "kwire-produce SSL unknown CA (system roots): typed, not retried" \
    refused_fast "untrusted broker certificate" -X security.protocol=SSL
  BOOT="127.0.0.1:${KWIRE_KAFKA_SSL##*:}"
  check "kwire-produce SSL wrong host name (127.0.0.1, certificate for localhost): typed, not retried" \
    refused_fast "broker certificate name mismatch" -X security.protocol=SSL "${ca[@]}"
  # The clients run against kwire-mock with a wrong password, against Kafka: refused alike.
  local c java
  ensure_go_client
  FRANZ="$BIN_DIR/kwire-franz"
  java_setup java
  for c in librdkafka kafka-python; do
    check "$c SASL_PLAINTEXT PLAIN wrong password refused by Kafka" timeout 30 "$PY" \
      "$HERE/clients.py" "$c" refused "$KWIRE_KAFKA_SASL_PLAINTEXT" SASL_PLAINTEXT PLAIN alice wrong -
  done
  check "franz-go SASL_PLAINTEXT PLAIN wrong password refused by Kafka" \
    franz_refused "$KWIRE_KAFKA_SASL_PLAINTEXT" SASL_PLAINTEXT - PLAIN
  check "java SASL_PLAINTEXT PLAIN wrong password refused by Kafka" "${java[@]}" refused \
    "$KWIRE_KAFKA_SASL_PLAINTEXT" PLAIN alice wrong -
  log "Kafka: refusals took $((SECONDS - t0)) s"
}

# ------------------------------------------------------------------------------- kwire-mock

franz_sec() { # protocol ca mechanism password: franz-go's security flags for the mock's listener
  echo --security-protocol "$1" --sasl-mechanism "$3" --sasl-username alice --sasl-password "$4"
  [[ "$1" == SASL_SSL ]] && echo --ssl-ca "$2"
  return 0
}

franz_roundtrip() { # protocol ca mechanism topic: N records produced, then all read back once
  local sec
  read -ra sec <<<"$(franz_sec "$1" "$2" "$3" alice-secret | tr '\n' ' ')"
  "$FRANZ" produce --bootstrap "$MOCK_BOOTSTRAP" --topic "$4" --count "$MOCK_RECORDS" \
    --timeout-s 60 "${sec[@]}" && "$FRANZ" consume --bootstrap "$MOCK_BOOTSTRAP" --topic "$4" \
    --expect "$MOCK_RECORDS" --timeout-s 60 "${sec[@]}"
}

franz_refused() { # bootstrap protocol ca mechanism: a wrong password fails the records with
  # SASL_AUTHENTICATION_FAILED
  local sec out
  read -ra sec <<<"$(franz_sec "$2" "$3" "$4" wrong | tr '\n' ' ')"
  out="$("$FRANZ" produce --bootstrap "$1" --topic franz-refused --count 3 \
    --timeout-s 10 "${sec[@]}")" && return 1
  log "  $out"
  grep -q 'SASL_AUTHENTICATION_FAILED' <<<"$out"
}

# Every client and mechanism against the running mock's SASL listener (protocol, CA or "-"),
# N records each way; then each client with a wrong password for `bad` (a mechanism) refused.
sasl_matrix() { # protocol ca bad-mechanism
  local p="$1" ca="$2" bad="$3" m c
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "librdkafka -> kwire-mock $p $m" timeout 90 "$PY" "$HERE/clients.py" librdkafka \
      roundtrip "$MOCK_BOOTSTRAP" "$p" "$m" alice alice-secret "$ca" "rd-$m" "$MOCK_RECORDS"
  done
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "kafka-python -> kwire-mock $p $m" timeout 120 "$PY" "$HERE/clients.py" kafka-python \
      roundtrip "$MOCK_BOOTSTRAP" "$p" "$m" alice alice-secret "$ca" "py-$m" "$MOCK_RECORDS"
  done
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "franz-go -> kwire-mock $p $m" franz_roundtrip "$p" "$ca" "$m" "franz-$m"
  done
  for c in librdkafka kafka-python; do
    check "$c $p $bad wrong password refused by kwire-mock" timeout 30 "$PY" "$HERE/clients.py" \
      "$c" refused "$MOCK_BOOTSTRAP" "$p" "$bad" alice wrong "$ca"
  done
  check "franz-go $p $bad wrong password refused by kwire-mock" franz_refused "$MOCK_BOOTSTRAP" "$p" "$ca" "$bad"
}

franz_mtls() { # ca flags...: SSL with a client certificate, N records produced and read back once
  local sec=(--security-protocol SSL --ssl-ca "$1"); shift
  "$FRANZ" produce --bootstrap "$MOCK_BOOTSTRAP" --topic franz-mtls --count "$MOCK_RECORDS" \
    --timeout-s 60 "${sec[@]}" "$@" && "$FRANZ" consume --bootstrap "$MOCK_BOOTSTRAP" \
    --topic franz-mtls --expect "$MOCK_RECORDS" --timeout-s 60 "${sec[@]}" "$@"
}

franz_mtls_refused() { # ca: without a certificate nothing is produced
  local out
  out="$("$FRANZ" produce --bootstrap "$MOCK_BOOTSTRAP" --topic franz-mtls-none --count 3 \
    --timeout-s 10 --security-protocol SSL --ssl-ca "$1" 2>&1)" && return 1
  log "  $(tail -n1 <<<"$out")"
}

reauthenticated() { # the mock's SASL counters show re-authentications and no expired session
  "$PY" - "$MOCK_CONTROL/state" <<'PY'
import json, sys, urllib.request
c = json.load(urllib.request.urlopen(sys.argv[1], timeout=10))["security"]["counters"]
print("  kwire-mock SASL counters: " + json.dumps(c))
sys.exit(0 if c["reauthentications"] > 0 and c["expired_sessions_closed"] == 0 else 1)
PY
}

reject_login_fault() { # ca: the right password, refused once by the fault
  "$PY" -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(), headers={"Content-Type": "application/json"}), timeout=10).read()' \
    "$MOCK_CONTROL/actions" '{"action": "reject_logins", "user": "alice", "mechanism": "SCRAM-SHA-512"}' \
    && timeout 30 "$PY" "$HERE/clients.py" librdkafka refused "$MOCK_BOOTSTRAP" SASL_SSL \
      SCRAM-SHA-512 alice alice-secret "$1"
}

mock_checks() {
  local dir="$WORK_DIR/security-mock" ca m c
  ensure_go_client
  FRANZ="$BIN_DIR/kwire-franz"
  rm -rf "$dir"; mkdir -p "$dir"
  local java
  java_setup java
  trap mock_stop EXIT

  # SASL_PLAINTEXT: every client and mechanism; wrong PLAIN passwords refused.
  mock_start "$dir" --brokers 1 --security-protocol SASL_PLAINTEXT --sasl-user alice:alice-secret
  sasl_matrix SASL_PLAINTEXT - PLAIN
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "java -> kwire-mock SASL_PLAINTEXT $m" "${java[@]}" roundtrip "$MOCK_BOOTSTRAP" \
      "$m" alice alice-secret - "java-$m" "$MOCK_RECORDS" 0
  done
  check "java SASL_PLAINTEXT PLAIN wrong password refused by kwire-mock" "${java[@]}" refused \
    "$MOCK_BOOTSTRAP" PLAIN alice wrong -
  check "kwire-mock refused them as SASL failures" \
    grep -q 'PLAIN authentication failed: .*invalid credentials' "$dir/mock.log"
  mock_stop

  # SASL_SSL with the CA the mock generates: the same, wrong SCRAM-SHA-512 passwords refused;
  # then its faults.
  mock_start "$dir" --brokers 1 --security-protocol SASL_SSL --sasl-user alice:alice-secret \
    --ssl-output-dir "$dir/tls" --control 127.0.0.1:0
  ca="$(json_field "$dir/mock.ready" ca)"
  sasl_matrix SASL_SSL "$ca" SCRAM-SHA-512
  check "kwire-mock refused them as SASL failures" \
    grep -q 'SCRAM-SHA-512 authentication failed: .*invalid credentials' "$dir/mock.log"
  check "librdkafka carries on when kwire-mock ends its sessions (expire_sessions)" \
    timeout 90 "$PY" "$HERE/clients.py" librdkafka expire "$MOCK_BOOTSTRAP" SASL_SSL \
    SCRAM-SHA-256 alice alice-secret "$ca" rd-expire "$MOCK_RECORDS" "$MOCK_CONTROL"
  check "  kwire-mock closed the expired connections" \
    grep -q 'after the session expired without re-authentication' "$dir/mock.log"
  check "librdkafka refused by a reject_logins fault" reject_login_fault "$ca"
  mock_stop

  # mTLS: the mock requires a certificate from the CA it generated, which issued client.pem.
  mock_start "$dir" --brokers 1 --security-protocol SSL --ssl-client-auth-required \
    --ssl-output-dir "$dir/tls-mtls"
  ca="$(json_field "$dir/mock.ready" ca)"
  check "librdkafka -> kwire-mock SSL with a client certificate" timeout 60 "$PY" \
    "$HERE/clients.py" librdkafka mtls "$MOCK_BOOTSTRAP" "$ca" \
    "$(json_field "$dir/mock.ready" client_certificate)" \
    "$(json_field "$dir/mock.ready" client_key)" rd-mtls "$MOCK_RECORDS"
  check "librdkafka without a client certificate refused by kwire-mock" timeout 30 "$PY" \
    "$HERE/clients.py" librdkafka mtls "$MOCK_BOOTSTRAP" "$ca" - - rd-mtls-none 1
  check "franz-go -> kwire-mock SSL with a client certificate" franz_mtls "$ca" \
    --ssl-certificate "$(json_field "$dir/mock.ready" client_certificate)" \
    --ssl-key "$(json_field "$dir/mock.ready" client_key)"
  check "franz-go without a client certificate refused by kwire-mock" franz_mtls_refused "$ca"
  mock_stop

  # A client that does not re-authenticate (KIP-368) against sessions of 2 s: the mock closes
  # each expired connection at its next request, the client logs in again on a new one.
  mock_start "$dir" --brokers 1 --security-protocol SASL_SSL --sasl-user alice:alice-secret \
    --ssl-output-dir "$dir/tls-lapse" --connections-max-reauth-ms 2000 --control 127.0.0.1:0
  ca="$(json_field "$dir/mock.ready" ca)"
  check "kafka-python without re-authentication reconnects when its sessions expire (2 s)" \
    timeout 120 "$PY" "$HERE/clients.py" kafka-python lapse "$MOCK_BOOTSTRAP" SASL_SSL \
    SCRAM-SHA-512 alice alice-secret "$ca" py-lapse "$MOCK_RECORDS" "$MOCK_CONTROL"
  check "  kwire-mock closed the expired connections" \
    grep -q 'after the session expired without re-authentication' "$dir/mock.log"
  mock_stop

  # Apache's Java client, re-authenticating (KIP-368) while it produces.
  mock_start "$dir" --brokers 1 --security-protocol SASL_SSL --sasl-user alice:alice-secret \
    --ssl-output-dir "$dir/tls-java" --connections-max-reauth-ms 3000 --control 127.0.0.1:0
  ca="$(json_field "$dir/mock.ready" ca)"
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512 OAUTHBEARER; do
    check "java -> kwire-mock SASL_SSL $m, 3 s sessions" "${java[@]}" roundtrip "$MOCK_BOOTSTRAP" \
      "$m" alice alice-secret "$ca" "java-$m" "$MOCK_RECORDS" 6000
  done
  check "java wrong password refused by kwire-mock" "${java[@]}" refused "$MOCK_BOOTSTRAP" \
    SCRAM-SHA-256 alice wrong "$ca"
  check "java re-authenticated: no connection closed for an expired session" \
    bash -c '! grep -q "session expired" "$1"' _ "$dir/mock.log"
  check "  kwire-mock counted the re-authentications (GET /state)" reauthenticated
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
  KWIRE_KAFKA_SECURITY=sasl KWIRE_KAFKA_REAUTH_MS=10000 "$INTEROP_DIR/kafka.sh" with single -- \
    env KWIRE_BIN_DIR="$BIN" "${BASH_SOURCE[0]}" --inside-kafka --records "$RECORDS" || FAILED=1
fi
(( FAILED == 0 )) || die "security checks failed"
log "security checks passed"
