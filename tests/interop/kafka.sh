#!/usr/bin/env bash
# Real Apache Kafka (KRaft, from Maven artifacts) on 127.0.0.1 for the interop tests.
#
#   kafka.sh start single|cluster [--version V] [--prop k=v]... [--timeout-s S] [--restart]
#                                           (refuses if that mode already runs, unless --restart)
#   kafka.sh stop [single|cluster]          (default: both; SIGTERM, SIGKILL after a timeout; data removed)
#   kafka.sh status                         (exit 0 when something is running)
#   kafka.sh kill-broker N                  (cluster: SIGKILL broker N, data kept)
#   kafka.sh start-broker N [--timeout-s S] (cluster: restart broker N, wait until it serves)
#   kafka.sh metadata [single|cluster] [TOPIC...]     (JSON: brokers, leaders, ISR)
#   kafka.sh leader TOPIC PARTITION [single|cluster]  (prints the leader's node id)
#   kafka.sh create-topic TOPIC [single|cluster] [--partitions 3] [--replication-factor N]
#                          [--config k=v]...        (waits until every partition has a leader)
#   kafka.sh env                            (export lines for what runs; env.sh prints the same)
#   kafka.sh with single|cluster [start options] -- CMD [ARGS...]
#                                           (start, run CMD with those exports, always stop)
#
# single : one combined broker+controller, node 1, broker 127.0.0.1:19092, controller :19093
# cluster: controller node 0 on :29090; brokers 1,2,3 on 127.0.0.1:29092,29093,29094 (port = 29091+N)
#
# Environment: KWIRE_KAFKA_HEAP (default 512m), KWIRE_KAFKA_JVM_OPTS (extra JVM flags),
# KWIRE_KAFKA_START_TIMEOUT (default 120 s), KWIRE_KAFKA_STOP_TIMEOUT (default 15 s),
# KWIRE_KAFKA_VERSION (default: the kafka.version property of kafka/pom.xml),
# KWIRE_KAFKA_PORT_OFFSET (default 0; added to every port), KWIRE_KAFKA_JIT, KWIRE_KAFKA_CDS,
# KWIRE_INTEROP_WORK (state directory; use a separate one with a port offset for a 2nd instance).
#
# KWIRE_KAFKA_SECURITY=sasl (single only) adds four listeners to the PLAINTEXT one: SASL_PLAINTEXT
# on :19892 and SASL_SSL on :19893 (+ the offset), with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and
# OAUTHBEARER (Kafka's unsecured validator); users alice/alice-secret and bob/bob-secret for
# PLAIN (JAAS), alice for both SCRAMs (added when storage is formatted; SCRAM-SHA-512 with 8192
# iterations);
# connections.max.reauth.ms=$KWIRE_KAFKA_REAUTH_MS on both (default 600000: a client that never
# re-authenticates is closed after 10 min); the certificate comes from a CA made with openssl, whose PEM
# is $KWIRE_INTEROP_WORK/single/tls/ca.pem (`env` exports it as KWIRE_KAFKA_SSL_CA). It also
# adds an SSL listener on :19894 (+ the offset) with ssl.client.auth=required, whose truststore
# (PKCS12, made with the JDK's keytool) holds that CA, which issued a client certificate:
# `env` exports KWIRE_KAFKA_SSL_MTLS, KWIRE_KAFKA_CLIENT_CERT and KWIRE_KAFKA_CLIENT_KEY
# (unencrypted PKCS#8 PEM). And an SSL listener without client authentication on :19895 (+ the
# offset), listener name SSL_SERVER, whose certificate (same CA) names the DNS host localhost
# only, as a hosted broker's names its DNS host: reached as localhost (KWIRE_KAFKA_SSL, and the
# address it advertises) the name verifies; reached as 127.0.0.1 it does not.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PORT_OFFSET="${KWIRE_KAFKA_PORT_OFFSET:-0}"   # shifts every port, for a second instance
[[ "$PORT_OFFSET" =~ ^[0-9]+$ ]] || die "KWIRE_KAFKA_PORT_OFFSET must be a number"
SINGLE_PORT=$((19092 + PORT_OFFSET))
SINGLE_CONTROLLER_PORT=$((19093 + PORT_OFFSET))
CLUSTER_CONTROLLER_PORT=$((29090 + PORT_OFFSET))
CLUSTER_PORT_BASE=$((29091 + PORT_OFFSET)) # broker N listens on CLUSTER_PORT_BASE + N
CLUSTER_BROKERS=(1 2 3)
SECURITY="${KWIRE_KAFKA_SECURITY:-none}"
[[ "$SECURITY" == none || "$SECURITY" == sasl ]] || die "KWIRE_KAFKA_SECURITY must be none or sasl"
SASL_PLAINTEXT_PORT=$((19892 + PORT_OFFSET))
SASL_SSL_PORT=$((19893 + PORT_OFFSET))
SSL_MTLS_PORT=$((19894 + PORT_OFFSET))
SSL_SERVER_PORT=$((19895 + PORT_OFFSET))
START_TIMEOUT="${KWIRE_KAFKA_START_TIMEOUT:-120}"
STOP_TIMEOUT="${KWIRE_KAFKA_STOP_TIMEOUT:-15}"

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

mode_dir() { echo "$WORK_DIR/$1"; }
node_dir() { echo "$WORK_DIR/$1/$2"; }
check_mode() { [[ "${1:-}" == single || "${1:-}" == cluster ]] || die "mode must be single or cluster, got '${1:-}'"; }

nodes_of() { # mode -> node names, controller first
  if [[ "$1" == single ]]; then echo node1; else echo controller broker1 broker2 broker3; fi
}
broker_port() { # mode node-name
  if [[ "$1" == single ]]; then echo "$SINGLE_PORT"; else echo $((CLUSTER_PORT_BASE + ${2#broker})); fi
}
bootstrap_of() {
  if [[ "$1" == single ]]; then echo "127.0.0.1:$SINGLE_PORT"; return; fi
  local b out=()
  for b in "${CLUSTER_BROKERS[@]}"; do out+=("127.0.0.1:$((CLUSTER_PORT_BASE + b))"); done
  (IFS=,; echo "${out[*]}")
}
broker_count() { if [[ "$1" == single ]]; then echo 1; else echo "${#CLUSTER_BROKERS[@]}"; fi; }

# ---------------------------------------------------------------------------------------------
# configuration

# version_ge A B: A >= B, comparing dotted numbers
version_ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]; }

write_config() { # mode node-name version extra-props-file
  local mode="$1" name="$2" v="$3" extra="$4" dir id roles listeners adv="" voters
  dir="$(node_dir "$mode" "$name")"
  mkdir -p "$dir/data"
  if [[ "$mode" == single ]]; then
    id=1 roles=broker,controller
    voters="1@127.0.0.1:$SINGLE_CONTROLLER_PORT"
    listeners="PLAINTEXT://127.0.0.1:$SINGLE_PORT,CONTROLLER://127.0.0.1:$SINGLE_CONTROLLER_PORT"
    adv="PLAINTEXT://127.0.0.1:$SINGLE_PORT"
    if [[ "$SECURITY" == sasl ]]; then
      local secured="SASL_PLAINTEXT://127.0.0.1:$SASL_PLAINTEXT_PORT,SASL_SSL://127.0.0.1:$SASL_SSL_PORT,SSL://127.0.0.1:$SSL_MTLS_PORT"
      # SSL_SERVER binds loopback and is advertised by the one name its certificate holds
      listeners="$listeners,$secured,SSL_SERVER://127.0.0.1:$SSL_SERVER_PORT"
      adv="$adv,$secured,SSL_SERVER://localhost:$SSL_SERVER_PORT"
    fi
  elif [[ "$name" == controller ]]; then
    id=0 roles=controller
    voters="0@127.0.0.1:$CLUSTER_CONTROLLER_PORT"
    listeners="CONTROLLER://127.0.0.1:$CLUSTER_CONTROLLER_PORT"
  else
    id="${name#broker}" roles=broker
    voters="0@127.0.0.1:$CLUSTER_CONTROLLER_PORT"
    listeners="PLAINTEXT://127.0.0.1:$(broker_port "$mode" "$name")"
    adv="$listeners"
  fi
  local rf=1 minisr=1
  if [[ "$mode" == cluster ]]; then rf=3 minisr=2; fi
  {
    echo "# generated by tests/interop/kafka.sh ($mode/$name)"
    echo "node.id=$id"
    echo "process.roles=$roles"
    echo "controller.quorum.voters=$voters"
    echo "controller.listener.names=CONTROLLER"
    echo "listeners=$listeners"
    echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    if [[ -n "$adv" ]]; then
      echo "advertised.listeners=$adv"
      echo "inter.broker.listener.name=PLAINTEXT"
    fi
    if [[ "$mode" == single && "$SECURITY" == sasl ]]; then security_props "$dir"; fi
    echo "log.dirs=$dir/data"
    # topics
    echo "auto.create.topics.enable=true"
    # Since 4.3 the controller applies these to auto-created topics (brokers warn about them);
    # older brokers apply their own.
    if [[ "$roles" == *controller* ]] || ! version_ge "$v" 4.3; then
      echo "num.partitions=3"
      echo "default.replication.factor=$rf"
    fi
    echo "min.insync.replicas=$minisr"
    echo "offsets.topic.replication.factor=$rf"
    echo "offsets.topic.num.partitions=3"
    echo "transaction.state.log.replication.factor=$rf"
    echo "transaction.state.log.min.isr=$minisr"
    echo "transaction.state.log.num.partitions=3"
    # fast start and few threads: 2 cores are shared with compilers
    echo "group.initial.rebalance.delay.ms=0"
    # KIP-848 members expire 10 s after their last heartbeat, as the interop drivers' classic
    # members (session.timeout.ms=10000); Kafka's default and lowest allowed are both 45 s.
    # kwire-mock runs with the same (tests/interop/mock/groups.json).
    echo "group.consumer.min.session.timeout.ms=6000"
    echo "group.consumer.session.timeout.ms=10000"
    echo "num.network.threads=2"
    echo "num.io.threads=2"
    echo "background.threads=2"
    echo "num.recovery.threads.per.data.dir=1"
    echo "num.replica.fetchers=1"
    echo "log.cleaner.threads=1"
    # a killed broker is fenced (and leadership moves) after ~6 s instead of 9 s
    echo "broker.heartbeat.interval.ms=1000"
    echo "broker.session.timeout.ms=6000"
    if [[ -s "$extra" ]]; then echo "# --prop overrides"; cat "$extra"; fi
  } > "$dir/server.properties"
}

# The SASL listeners' settings (KWIRE_KAFKA_SECURITY=sasl), and their certificate.
security_props() { # node-dir
  local tls="$1/../tls" l m
  make_certs "$tls"
  echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,SSL_SERVER:SSL"
  echo "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER"
  echo "connections.max.reauth.ms=${KWIRE_KAFKA_REAUTH_MS:-600000}"
  for l in sasl_plaintext sasl_ssl; do
    echo "listener.name.$l.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\" user_bob=\"bob-secret\";"
    for m in scram-sha-256 scram-sha-512; do
      echo "listener.name.$l.$m.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
    done
    echo "listener.name.$l.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\";"
  done
  echo "ssl.keystore.type=PEM"
  echo "ssl.keystore.location=$(cd "$tls" && pwd)/broker-keystore.pem"
  echo "ssl.client.auth=none"
  # The SSL listener wants a client certificate issued by the CA.
  echo "listener.name.ssl.ssl.client.auth=required"
  echo "listener.name.ssl.ssl.truststore.type=PKCS12"
  echo "listener.name.ssl.ssl.truststore.location=$(cd "$tls" && pwd)/truststore.p12"
  echo "listener.name.ssl.ssl.truststore.password=kwire-interop"
  # SSL_SERVER: no client certificate, and a certificate for localhost only
  echo "listener.name.ssl_server.ssl.keystore.type=PEM"
  echo "listener.name.ssl_server.ssl.keystore.location=$(cd "$tls" && pwd)/localhost-keystore.pem"
}

make_certs() { # dir: ca.pem, broker-keystore.pem (unencrypted PKCS#8 key + chain) for 127.0.0.1 and
  # localhost, localhost-keystore.pem (localhost only), a client certificate and a truststore
  local d="$1"
  # Kept while complete (the marker is written last, so a set cut short by a failure is made
  # again) and valid for another day (the certificates last two); otherwise all of it is made
  # again, the truststore too (keytool will not import into a store that holds the CA).
  [[ -f "$d/complete" ]] && openssl x509 -checkend 86400 -noout -in "$d/broker.pem" >/dev/null 2>&1 \
    && return 0
  mkdir -p "$d"
  rm -f "$d/complete" "$d/truststore.p12"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=kwire-interop CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || die "openssl: cannot make the CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/broker.key" -out "$d/broker.csr" 2>/dev/null || die "openssl: cannot make the broker key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$d/ext.cnf"
  openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext.cnf" -out "$d/broker.pem" 2>/dev/null || die "openssl: cannot sign the broker certificate"
  openssl pkcs8 -topk8 -nocrypt -in "$d/broker.key" -out "$d/broker-pk8.key" || die "openssl pkcs8"
  cat "$d/broker-pk8.key" "$d/broker.pem" "$d/ca.pem" > "$d/broker-keystore.pem"
  # The same key, certified for the DNS name localhost only (no IP address)
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$d/localhost-ext.cnf"
  openssl req -new -key "$d/broker.key" -subj "/CN=localhost" -out "$d/localhost.csr" 2>/dev/null \
    || die "openssl: cannot make the localhost request"
  openssl x509 -req -in "$d/localhost.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/localhost-ext.cnf" -out "$d/localhost.pem" 2>/dev/null || die "openssl: cannot sign the localhost certificate"
  cat "$d/broker-pk8.key" "$d/localhost.pem" "$d/ca.pem" > "$d/localhost-keystore.pem"
  # mTLS: a client certificate from the same CA, and a truststore with the CA.
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=kwire-client" \
    -keyout "$d/client.key" -out "$d/client.csr" 2>/dev/null || die "openssl: cannot make the client key"
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$d/client-ext.cnf"
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/client-ext.cnf" -out "$d/client.pem" 2>/dev/null || die "openssl: cannot sign the client certificate"
  openssl pkcs8 -topk8 -nocrypt -in "$d/client.key" -out "$d/client-pk8.key" || die "openssl pkcs8"
  keytool -importcert -noprompt -alias kwire-ca -file "$d/ca.pem" -keystore "$d/truststore.p12" \
    -storetype PKCS12 -storepass kwire-interop >/dev/null 2>&1 || die "keytool: cannot make the truststore"
  : > "$d/complete"
}

jvm_log_opts() { # version
  if [[ "$(kafka_major "$1")" -ge 4 ]]; then
    echo "-Dlog4j2.configurationFile=$INTEROP_DIR/kafka/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$INTEROP_DIR/kafka/log4j.properties"
  fi
}

# Start-up CPU matters on 2 shared cores, so by default the JVMs run C1 only
# (KWIRE_KAFKA_JIT=full restores tiered C2 for throughput work) and use an application
# class-data-sharing archive of the Kafka classpath. The archive is written by the first
# broker of a version when it stops cleanly and reused from then on (about 3x less CPU
# to start a broker). KWIRE_KAFKA_CDS=0 disables it.
jit_opts() {
  if [[ "${KWIRE_KAFKA_JIT:-c1}" == c1 ]]; then echo "-XX:TieredStopAtLevel=1"; fi
}

cds_archive() { # version -> archive path (specific to this JVM build)
  local jvm
  jvm="$(java -Xshare:auto -version 2>&1 | cksum | cut -d' ' -f1)"
  echo "$CACHE_DIR/kafka-$1/cds-$jvm.jsa"
}

cds_opts() { # version [maker] -> JVM flags that use (or, for the maker, write) the archive
  [[ "${KWIRE_KAFKA_CDS:-1}" == 1 ]] || return 0
  local jsa
  jsa="$(cds_archive "$1")"
  if [[ -s "$jsa" ]]; then
    echo "-XX:SharedArchiveFile=$jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  elif [[ "${2:-}" == maker ]]; then
    echo "-XX:ArchiveClassesAtExit=$jsa.$$.tmp -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

# After a clean stop, keep the archive a maker wrote (a SIGKILLed one may be partial).
cds_adopt() { # version clean(0|1)
  local jsa tmp
  jsa="$(cds_archive "$1")"
  for tmp in "$jsa".*.tmp; do
    [[ -e "$tmp" ]] || continue
    if [[ "$2" == 1 && -s "$tmp" && ! -s "$jsa" ]]; then mv -f "$tmp" "$jsa" && log "saved CDS archive $jsa"
    else rm -f "$tmp"; fi
  done
}

check_java() { # version
  command -v java >/dev/null || die "java not found"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  major="${major#1.}"
  if [[ "$(kafka_major "$1")" -ge 4 && "${major%%.*}" -lt 17 ]]; then
    die "Kafka $1 needs Java 17+, found $major"
  fi
}

scram_users() { # mode -> StorageTool flags adding alice's SCRAM credentials
  [[ "$1" == single && "$SECURITY" == sasl ]] || return 0
  echo "--add-scram SCRAM-SHA-256=[name=alice,password=alice-secret]"
  echo "--add-scram SCRAM-SHA-512=[name=alice,password=alice-secret,iterations=8192]"
}

format_node() { # mode name version cluster-id
  local dir libs
  dir="$(node_dir "$1" "$2")"
  libs="$(kafka_libs_dir "$3")"
  # static voters (controller.quorum.voters): the same flags work for 3.9 and 4.x
  # shellcheck disable=SC2046
  timeout 120 java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC $(cds_opts "$3") $(jvm_log_opts "$3") \
    -cp "$libs/*" kafka.tools.StorageTool format -t "$4" -c "$dir/server.properties" $(scram_users "$1") \
    > "$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; return 1; }
}

# ---------------------------------------------------------------------------------------------
# processes

node_marker() { echo "-Dkwire.interop.node=$WORK_DIR/$1/$2"; }

node_pid() { # mode name -> pid of a live process of ours, or nothing
  local f pid
  f="$(node_dir "$1" "$2")/pid"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(node_marker "$1" "$2") " || return 1
  echo "$pid"
}

start_node() { # mode name version [maker]
  local mode="$1" name="$2" v="$3" maker="${4:-}" dir libs
  dir="$(node_dir "$mode" "$name")"
  libs="$(kafka_libs_dir "$v")"
  local port
  if [[ "$name" == controller ]]; then port=$CLUSTER_CONTROLLER_PORT; else port="$(broker_port "$mode" "$name")"; fi
  if tcp_open 127.0.0.1 "$port"; then die "port $port is already in use (another Kafka?)"; fi
  [[ -f "$dir/server.log" ]] && mv -f "$dir/server.log" "$dir/server.log.prev"
  # shellcheck disable=SC2046,SC2086
  ( exec java -Xms128m -Xmx"${KWIRE_KAFKA_HEAP:-512m}" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
      $(jit_opts) $(cds_opts "$v" "$maker") -Djava.awt.headless=true $(jvm_log_opts "$v") \
      ${KWIRE_KAFKA_JVM_OPTS:-} "$(node_marker "$mode" "$name")" \
      -cp "$libs/*" kafka.Kafka "$dir/server.properties" ) > "$dir/server.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  # until the subshell has exec'd java, its command line lacks the marker node_pid looks for
  for _ in $(seq 100); do
    node_pid "$mode" "$name" >/dev/null && return 0
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.05
  done
  node_pid "$mode" "$name" >/dev/null || die "$mode/$name did not start (see $dir/server.log)"
}

stop_pids() { # signal-first timeout pid...
  local timeout="$1" p deadline; shift
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while (( SECONDS < deadline )); do
    local alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || return 0
    sleep 0.2
  done
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then log "pid $p did not stop in ${timeout}s: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
  done
  for _ in $(seq 50); do
    local alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.1
  done
  return 1
}

stop_mode() { # mode [keep-data]
  local mode="$1" dir name pid brokers=() ctl=()
  dir="$(mode_dir "$mode")"
  [[ -d "$dir" ]] || return 0
  for name in $(nodes_of "$mode"); do
    pid="$(node_pid "$mode" "$name")" || continue
    if [[ "$name" == controller ]]; then ctl+=("$pid"); else brokers+=("$pid"); fi
  done
  if (( ${#brokers[@]} + ${#ctl[@]} )); then
    log "stopping $mode (pids ${brokers[*]} ${ctl[*]})"
  fi
  # brokers first (their controlled shutdown talks to the controller), then the controller
  local clean=1
  stop_pids "$STOP_TIMEOUT" "${brokers[@]}" || clean=0
  stop_pids "$STOP_TIMEOUT" "${ctl[@]}" || clean=0
  [[ -f "$dir/version" ]] && cds_adopt "$(cat "$dir/version")" "$clean"
  for name in $(nodes_of "$mode"); do
    rm -rf "$dir/$name/data" "$dir/$name/pid"
  done
  rm -f "$dir/version" "$dir/ready"
}

mode_alive() { # mode: any of its nodes still runs
  local name
  for name in $(nodes_of "$1"); do node_pid "$1" "$name" >/dev/null && return 0; done
  return 1
}

dump_logs() { # mode
  local name f
  for name in $(nodes_of "$1"); do
    f="$(node_dir "$1" "$name")/server.log"
    [[ -f "$f" ]] || continue
    echo "----- $1/$name: last lines of $f" >&2
    grep -E 'ERROR|FATAL|Exception|WARN' "$f" | tail -n 15 >&2 || true
    tail -n 15 "$f" >&2
  done
}

wait_ready() { # mode bootstrap brokers timeout [node-names to watch...]
  local mode="$1" bs="$2" want="$3" timeout="$4" name; shift 4
  local deadline=$((SECONDS + timeout)) out
  while :; do
    for name in "$@"; do
      node_pid "$mode" "$name" >/dev/null || { log "$mode/$name exited during startup"; dump_logs "$mode"; return 1; }
    done
    if out="$(probe wait --bootstrap "$bs" --brokers "$want" --timeout-s 0 2>&1)"; then return 0; fi
    if (( SECONDS >= deadline )); then
      log "$mode not ready after ${timeout}s: $out"; dump_logs "$mode"; return 1
    fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------------------------
# commands

STARTING_MODE=""
on_start_exit() {
  local rc=$?
  if [[ -n "$STARTING_MODE" ]]; then
    log "start of $STARTING_MODE failed: cleaning up"
    stop_mode "$STARTING_MODE" || true
  fi
  exit "$rc"
}

cmd_start() {
  local mode="${1:-}"; check_mode "$mode"; shift
  local v="${KWIRE_KAFKA_VERSION:-$(default_kafka_version)}" timeout="$START_TIMEOUT" props=() restart=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --version) v="$2"; shift 2 ;;
      --prop) props+=("$2"); shift 2 ;;
      --timeout-s) timeout="$2"; shift 2 ;;
      --restart) restart=1; shift ;;
      *) die "unknown start option $1" ;;
    esac
  done
  local t0=$SECONDS dir name
  check_java "$v"
  ensure_kafka_libs "$v"
  dir="$(mode_dir "$mode")"
  if (( ! restart )) && mode_alive "$mode"; then
    die "$mode is already running (Kafka $(cat "$(mode_dir "$mode")/version" 2>/dev/null)); 'kafka.sh stop $mode' first, or start --restart"
  fi
  stop_mode "$mode"   # a start is always from empty data (this also clears a crashed run)
  mkdir -p "$dir"
  STARTING_MODE="$mode"
  trap on_start_exit EXIT
  printf '%s\n' "${props[@]+"${props[@]}"}" > "$dir/extra.properties"
  echo "$v" > "$dir/version"
  local cid
  # 16 random bytes, base64url like Kafka's own ids; never starting with '-' (read as an option)
  cid="$("$BASE_PYTHON" -c '
import base64, uuid
while True:
    c = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not c.startswith("-"):
        print(c)
        break')"
  local pids=()
  for name in $(nodes_of "$mode"); do
    write_config "$mode" "$name" "$v" "$dir/extra.properties"
    format_node "$mode" "$name" "$v" "$cid" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "storage format failed"; done
  local maker=maker
  for name in $(nodes_of "$mode"); do
    if [[ "$name" == controller ]]; then start_node "$mode" "$name" "$v"
    else start_node "$mode" "$name" "$v" "$maker"; maker=""; fi
  done
  # shellcheck disable=SC2046
  wait_ready "$mode" "$(bootstrap_of "$mode")" "$(broker_count "$mode")" "$timeout" $(nodes_of "$mode") \
    || die "Kafka $v ($mode) did not come up"
  STARTING_MODE=""
  trap - EXIT
  date +%s > "$dir/ready"
  log "Kafka $v $mode ready at $(bootstrap_of "$mode") in $((SECONDS - t0))s (logs: $dir/*/server.log)"
}

cmd_stop() {
  if [[ $# -gt 0 ]]; then check_mode "$1"; stop_mode "$1"; else stop_mode single; stop_mode cluster; fi
}

cmd_status() {
  local mode name any=0 pid
  for mode in single cluster; do
    [[ -f "$(mode_dir "$mode")/version" ]] || { echo "$mode: stopped"; continue; }
    echo "$mode: Kafka $(cat "$(mode_dir "$mode")/version"), bootstrap $(bootstrap_of "$mode")"
    for name in $(nodes_of "$mode"); do
      if pid="$(node_pid "$mode" "$name")"; then echo "  $name: running (pid $pid)"; any=1
      else echo "  $name: not running"; fi
    done
  done
  (( any ))
}

require_cluster() { [[ -f "$(mode_dir cluster)/version" ]] || die "the cluster is not started (kafka.sh start cluster)"; }
check_broker_id() { [[ " ${CLUSTER_BROKERS[*]} " == *" ${1:-x} "* ]] || die "broker id must be one of ${CLUSTER_BROKERS[*]}"; }

cmd_kill_broker() {
  check_broker_id "${1:-}"; require_cluster
  local pid
  pid="$(node_pid cluster "broker$1")" || die "broker $1 is not running"
  kill -KILL "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$(node_dir cluster "broker$1")/pid"
  log "broker $1 (pid $pid) killed"
}

cmd_start_broker() {
  check_broker_id "${1:-}"; require_cluster
  local id="$1" timeout="$START_TIMEOUT" v t0=$SECONDS; shift
  [[ "${1:-}" == --timeout-s ]] && timeout="$2"
  if node_pid cluster "broker$id" >/dev/null; then die "broker $id is already running"; fi
  v="$(cat "$(mode_dir cluster)/version")"
  start_node cluster "broker$id" "$v"
  wait_ready cluster "127.0.0.1:$((CLUSTER_PORT_BASE + id))" "${#CLUSTER_BROKERS[@]}" "$timeout" "broker$id" \
    || die "broker $id did not come back"
  log "broker $id serving again in $((SECONDS - t0))s"
}

running_mode() { # preferred mode or the first running one
  if [[ -n "${1:-}" ]]; then echo "$1"; return; fi
  if [[ -f "$(mode_dir cluster)/version" ]]; then echo cluster; else echo single; fi
}

cmd_metadata() {
  local mode=""
  if [[ "${1:-}" == single || "${1:-}" == cluster ]]; then mode="$1"; shift; fi
  mode="$(running_mode "$mode")"
  local args=() t
  for t in "$@"; do args+=(--topic "$t"); done
  probe metadata --bootstrap "$(bootstrap_of "$mode")" "${args[@]+"${args[@]}"}"
}

cmd_leader() {
  [[ $# -ge 2 ]] || die "usage: kafka.sh leader TOPIC PARTITION [single|cluster]"
  local mode
  mode="$(running_mode "${3:-}")"
  local out
  out="$(probe leader --bootstrap "$(bootstrap_of "$mode")" --topic "$1" --partition "$2")" \
    || die "no leader known for $1/$2: $out"
  echo "$out"
}

mode_running() { # mode: started and every node alive
  local name
  [[ -f "$(mode_dir "$1")/ready" ]] || return 1
  for name in $(nodes_of "$1"); do node_pid "$1" "$name" >/dev/null || return 1; done
}

cmd_env() { # export lines for whatever is running (exit 1 when nothing is)
  local any=0
  if mode_running single; then
    echo "export KWIRE_KAFKA_BOOTSTRAP=$(bootstrap_of single)"
    echo "export KWIRE_KAFKA_SINGLE_VERSION=$(cat "$(mode_dir single)/version")"
    if [[ -s "$(mode_dir single)/tls/ca.pem" ]]; then
      echo "export KWIRE_KAFKA_SASL_PLAINTEXT=127.0.0.1:$SASL_PLAINTEXT_PORT"
      echo "export KWIRE_KAFKA_SASL_SSL=127.0.0.1:$SASL_SSL_PORT"
      echo "export KWIRE_KAFKA_SSL_CA=$(cd "$(mode_dir single)/tls" && pwd)/ca.pem"
      echo "export KWIRE_KAFKA_SSL_MTLS=127.0.0.1:$SSL_MTLS_PORT"
      echo "export KWIRE_KAFKA_SSL=localhost:$SSL_SERVER_PORT"
      echo "export KWIRE_KAFKA_CLIENT_CERT=$(cd "$(mode_dir single)/tls" && pwd)/client.pem"
      echo "export KWIRE_KAFKA_CLIENT_KEY=$(cd "$(mode_dir single)/tls" && pwd)/client-pk8.key"
    fi
    any=1
  fi
  if [[ -f "$(mode_dir cluster)/ready" ]]; then # a killed broker still leaves a usable cluster
    echo "export KWIRE_KAFKA_CLUSTER_BOOTSTRAP=$(bootstrap_of cluster)"
    echo "export KWIRE_KAFKA_CLUSTER_VERSION=$(cat "$(mode_dir cluster)/version")"
    any=1
  fi
  (( any )) || { log "no Kafka is running (tests/interop/kafka.sh start single|cluster)"; return 1; }
  # so that kafka.sh / run-clients.sh called from the tests find this same instance
  echo "export KWIRE_INTEROP_WORK=$WORK_DIR"
  echo "export KWIRE_KAFKA_PORT_OFFSET=$PORT_OFFSET"
  echo "export KWIRE_INTEROP_KAFKA_SH=$INTEROP_DIR/kafka.sh"
  echo "export KWIRE_INTEROP_CLIENT=$INTEROP_DIR/clients/run.sh"
  [[ -n "${KWIRE_PROBE:-}" ]] && echo "export KWIRE_PROBE=$KWIRE_PROBE"
  return 0
}

cmd_create_topic() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh create-topic TOPIC [single|cluster] [--partitions P] [--replication-factor R] [--config k=v]"
  local topic="$1" mode=""; shift
  if [[ "${1:-}" == single || "${1:-}" == cluster ]]; then mode="$1"; shift; fi
  mode="$(running_mode "$mode")"
  probe create-topic --bootstrap "$(bootstrap_of "$mode")" --topic "$topic" "$@"
}

WITH_MODE=""
on_with_exit() {
  local rc=$?
  [[ -n "$WITH_MODE" ]] && stop_mode "$WITH_MODE"
  exit "$rc"
}

cmd_with() {
  local mode="${1:-}"; check_mode "$mode"; shift
  local start_args=()
  while [[ $# -gt 0 && "$1" != -- ]]; do start_args+=("$1"); shift; done
  [[ "${1:-}" == -- ]] || die "usage: kafka.sh with single|cluster [start options] -- CMD [ARGS...]"
  shift
  [[ $# -gt 0 ]] || die "no command given after --"
  trap 'exit 130' INT TERM
  cmd_start "$mode" "${start_args[@]+"${start_args[@]}"}"  # cleans up after itself on failure
  WITH_MODE="$mode"   # only now: never stop an instance this call did not start
  trap on_with_exit EXIT
  eval "$(cmd_env)"
  local rc=0
  "$@" || rc=$?
  exit "$rc"
}

main() {
  local cmd="${1:-}"; [[ $# -gt 0 ]] && shift
  case "$cmd" in # the commands that ask a broker need the probe built first
    start|start-broker|metadata|leader|create-topic|with) ensure_probe ;;
  esac
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status ;;
    kill-broker) cmd_kill_broker "$@" ;;
    start-broker) cmd_start_broker "$@" ;;
    metadata) cmd_metadata "$@" ;;
    leader) cmd_leader "$@" ;;
    create-topic) cmd_create_topic "$@" ;;
    with) cmd_with "$@" ;;
    env) cmd_env ;;
    -h|--help|help) usage 0 ;;
    *) usage ;;
  esac
}

main "$@"; exit $?  # on one line: bash never reads past it (safe if the file is edited meanwhile)
