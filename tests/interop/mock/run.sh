#!/usr/bin/env bash
# Real clients against kwire-mock (release build), then one fault scenario per class.
#
#   tests/interop/mock/run.sh [--records 100000] [--peers librdkafka,kafka-python,java,franz-go]
#        [--faults PEER:SCENARIO,...] [--fault-records 60000] [--fault-rate 10000]
#        [--kafka-ref auto|start|skip] [--skip-clean] [--skip-groups] [--group-records 60000]
#        [--failover-records 12000] [--skip-kcat]
#        [--skip-faults] [--timeout-s 180] [--out DIR]
#        (fault-run producers time out after min(--timeout-s, 60) s)
#
# 1. clean: every peer produces --records keyed records (acks=all, idempotence, headers) to kwire-mock
#    and consumes them back (tests/interop/run-clients.sh): counts equal, no duplicates, per-partition
#    order, headers, and the key->partition digest equals the same driver's against real Kafka
#    (--kafka-ref auto: a single-node Kafka already running from kafka.sh is used, else one is started
#    and stopped again; skip: no comparison).
# 1b. groups: every peer consumes in a consumer group (tests/interop/run-groups.sh, --group-records
#    over 12 partitions): three members split the partitions, one leaves, one is killed and
#    expired after its session timeout, the survivor takes over, a restarted one resumes from
#    the committed offsets; nothing skipped, only the killed member's uncommitted records read
#    twice. At the same time with group.protocol=consumer (KIP-848) for the peers that have it
#    (all but kafka-python). kcat -G joins the peers (A and B split, A leaves, C resumes; no
#    killed member) unless --skip-kcat. Group settings as kafka.sh's Kafka (mock/groups.json).
# 1c. coordinator failover (mock/group-failover.sh, each with its own kwire-mock, both at once):
#    librdkafka and Java in the same scenario, classic and KIP-848, while each group's
#    coordinator moves to another broker; and every group peer while the broker all the groups'
#    coordinator is on goes down and comes back (--failover-records each).
# 1d. streams (with the java peer): a Kafka Streams application (clients/run.sh java streams,
#    RF 3) counts records by a new key through a repartition topic and a changelog; one of its two
#    instances leaves and the other restores the counts from the changelog: the counts stay right.
# 2. faults: for each PEER:SCENARIO (scenarios/SCENARIO.json is a timeline for the control endpoint's
#    POST /scenario, started once the first records landed), PEER produces --fault-records at
#    --fault-rate per second while the faults hit, then consumes: no loss, no duplicates, order kept,
#    the producer saw no error, the faults landed while it was producing, and the fault left its
#    trace in /state. Default: every scenario with librdkafka, and leader-move and broker-down-up
#    with each other client. acks1-loss is the exception that proves the model: the producer uses
#    acks=1, followers run 800 ms behind, the leader dies: acknowledged records are lost (counted,
#    and required to be > 0); acks-all-failover is the same with acks=all: nothing is lost.
# Prints a peer x check table and a scenario x check table; exits non-zero on any failure.
# Everything listens on 127.0.0.1; kwire-mock (and Kafka if this script started it) are stopped on exit.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
MOCK_DIR="$INTEROP_DIR/mock"
KAFKA_SH="$INTEROP_DIR/kafka.sh"

RECORDS=100000 PEERS="librdkafka,kafka-python,java,franz-go"
FAULT_RECORDS=60000 FAULT_RATE=10000 KAFKA_REF=auto SKIP_CLEAN=0 SKIP_FAULTS=0 TIMEOUT=180 OUT=""
SKIP_GROUPS=0 GROUP_RECORDS=60000 FAILOVER_RECORDS=12000 SKIP_KCAT=0
FAULT_TIMEOUT=60
FAULTS="librdkafka:leader-move,librdkafka:broker-down-up,librdkafka:injected-errors"
FAULTS+=",librdkafka:drop-after-append,librdkafka:latency-stall,librdkafka:follower-lag"
FAULTS+=",java:leader-move,java:broker-down-up,franz-go:leader-move,franz-go:broker-down-up"
FAULTS+=",kafka-python:leader-move,kafka-python:broker-down-up"
FAULTS+=",librdkafka:acks1-loss,librdkafka:acks-all-failover"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --faults) FAULTS="$2"; shift 2 ;;
    --fault-records) FAULT_RECORDS="$2"; shift 2 ;;
    --fault-rate) FAULT_RATE="$2"; shift 2 ;;
    --kafka-ref) KAFKA_REF="$2"; shift 2 ;;
    --skip-clean) SKIP_CLEAN=1; shift ;;
    --skip-groups) SKIP_GROUPS=1; shift ;;
    --group-records) GROUP_RECORDS="$2"; shift 2 ;;
    --failover-records) FAILOVER_RECORDS="$2"; shift 2 ;;
    --skip-kcat) SKIP_KCAT=1; shift ;;
    --skip-faults) SKIP_FAULTS=1; shift ;;
    --timeout-s) TIMEOUT="$2"; FAULT_TIMEOUT=$(( $2 < 60 ? $2 : 60 )); shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ -n "$OUT" ]] || OUT="$WORK_DIR/mock/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
PY="$BASE_PYTHON"

MOCK_PID="" STARTED_KAFKA=0 CHILDREN=()
cleanup() {
  local rc=$?
  stop_pids 10 "${CHILDREN[@]+"${CHILDREN[@]}"}" || true
  mock_stop
  if (( STARTED_KAFKA )); then "$KAFKA_SH" stop single >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- kwire-mock ------------------------------------------------------------------------------
log "building kwire-mock (release)"
release_bins kwire-mock
MOCK_BIN="$RELEASE_DIR/kwire-mock"
[[ -x "$MOCK_BIN" ]] || die "$MOCK_BIN missing"

ctl() { "$PY" "$MOCK_DIR/ctl.py" "$CONTROL" "$@"; }

IFS=, read -r -a peers <<< "$PEERS"
IFS=, read -r -a fault_runs <<< "$FAULTS"
(( SKIP_FAULTS )) && fault_runs=()
for p in "${peers[@]}" "${fault_runs[@]%%:*}"; do ensure_peer "$p"; done

# Followers copy at once; an ISR member that stops copying leaves after 1 s (follower-lag scenario).
# Group settings as kafka.sh's Kafka: no initial rebalance delay, KIP-848 sessions of 10 s.
mock_start "$OUT" --control 127.0.0.1:0 --replica-lag-time-max-ms 1000 --config "$MOCK_DIR/groups.json"
BOOTSTRAP="$MOCK_BOOTSTRAP" CONTROL="$MOCK_CONTROL"
log "kwire-mock pid $MOCK_PID: bootstrap $BOOTSTRAP, control $CONTROL"
RUN_ID="$(date +%s)-$RANDOM"

# --- 1. clean run, and the same drivers against real Kafka for the key->partition map --------
kafka_reference() {
  [[ "$KAFKA_REF" == skip ]] && return 0
  local kb=""
  kb="$("$KAFKA_SH" env 2>/dev/null | sed -n 's/^export KWIRE_KAFKA_BOOTSTRAP=//p' | tr -d "'\"")" || true
  if [[ -z "$kb" ]]; then
    if "$KAFKA_SH" status >/dev/null 2>&1; then
      log "a Kafka other than single-node is running: no key reference (use --kafka-ref skip to silence)"
      return 0
    fi
    log "starting a single-node Kafka for the key->partition reference"
    "$KAFKA_SH" start single > "$OUT/kafka-start.log" 2>&1 || { log "Kafka did not start: no key reference"; return 0; }
    STARTED_KAFKA=1
    # where kafka.sh put it (KWIRE_KAFKA_PORT_OFFSET shifts the port)
    kb="$("$KAFKA_SH" env 2>/dev/null | sed -n 's/^export KWIRE_KAFKA_BOOTSTRAP=//p' | tr -d "'\"")" || true
    [[ -n "$kb" ]] || { log "no bootstrap for the Kafka just started: no key reference"; return 0; }
  else
    log "using the running Kafka at $kb for the key->partition reference"
  fi
  mkdir -p "$OUT/kafka-ref"
  local p
  for p in "${peers[@]}"; do
    # keys are k0..k999 (record i has key k(i % 1000)): 1000 records cover every key.
    timeout 240 "$INTEROP_DIR/clients/run.sh" "$p" produce --bootstrap "$kb" \
      --topic "kwire-mock-keyref-$p-$RUN_ID" --count 1000 --acks all --timeout-s 120 \
      > "$OUT/kafka-ref/$p.produce.json" 2> "$OUT/kafka-ref/$p.produce.log" < /dev/null \
      || log "$p against Kafka: exit $?"
  done
  if (( STARTED_KAFKA )); then "$KAFKA_SH" stop single >/dev/null 2>&1 || true; STARTED_KAFKA=0; fi
}

if (( ! SKIP_CLEAN )); then
  log "clean run: ${peers[*]} x $RECORDS records against kwire-mock"
  "$INTEROP_DIR/run-clients.sh" "$BOOTSTRAP" --records "$RECORDS" --peers "$PEERS" \
    --timeout-s "$TIMEOUT" --topic-prefix kwire-mock --out "$OUT/clean" > "$OUT/clean.txt" 2> "$OUT/clean.log" || true
  kafka_reference
fi

# --- 1b. consumer groups -------------------------------------------------------------------
if (( ! SKIP_GROUPS )); then
  # classic and KIP-848 at once (their own topics and groups): the runs mostly wait on session
  # timeouts
  log "groups: ${peers[*]} consume in consumer groups against kwire-mock (classic and KIP-848 at once)"
  mkdir -p "$OUT/groups"
  group_peers=("${peers[@]}")
  (( SKIP_KCAT )) || group_peers+=(kcat)
  echo "${group_peers[*]}" > "$OUT/groups/peers.txt"
  "$INTEROP_DIR/run-groups.sh" "$BOOTSTRAP" --records "$GROUP_RECORDS" --peers "$(IFS=,; echo "${group_peers[*]}")" \
    --timeout-s "$TIMEOUT" --topic-prefix kwire-mock-groups --broker-name kwire-mock --out "$OUT/groups" \
    > "$OUT/groups.txt" 2> "$OUT/groups.log" &
  CHILDREN+=("$!")
  # The same with group.protocol=consumer (KIP-848) for the peers that have it.
  consumer_peers=()
  for p in "${group_peers[@]}"; do [[ "$p" == kafka-python ]] || consumer_peers+=("$p"); done
  if (( ${#consumer_peers[@]} )); then
    mkdir -p "$OUT/groups-consumer"
    echo "${consumer_peers[*]}" > "$OUT/groups-consumer/peers.txt"
    "$INTEROP_DIR/run-groups.sh" "$BOOTSTRAP" --records "$GROUP_RECORDS" \
      --peers "$(IFS=,; echo "${consumer_peers[*]}")" --group-protocol consumer \
      --timeout-s "$TIMEOUT" --topic-prefix kwire-mock-groups --broker-name kwire-mock \
      --out "$OUT/groups-consumer" > "$OUT/groups-consumer.txt" 2> "$OUT/groups-consumer.log" &
    CHILDREN+=("$!")
  fi
  for c in "${CHILDREN[@]}"; do wait "$c" || true; done
  CHILDREN=()
fi

# --- 1c. coordinator failover with real consumers (their own kwire-mocks, 3 brokers) --------
# At once: each group's coordinator moved (librdkafka, Java), and the coordinator's broker
# down and up again (every group peer).
FAILOVER_RC=0
if (( ! SKIP_GROUPS )); then
  failover_peers=()
  for p in "${peers[@]}"; do [[ "$p" == librdkafka || "$p" == java ]] && failover_peers+=("$p"); done
  fo_pids=()
  if (( ${#failover_peers[@]} )); then
    log "groups: coordinator moves while ${failover_peers[*]} consume (classic and KIP-848)"
    MOCK_BIN="$MOCK_BIN" "$MOCK_DIR/group-failover.sh" --fault move --peers "$(IFS=,; echo "${failover_peers[*]}")" \
      --records "$FAILOVER_RECORDS" --timeout-s "$TIMEOUT" --out "$OUT/group-failover" > "$OUT/group-failover.txt" \
      2> "$OUT/group-failover.log" &
    fo_pids+=("$!")
  fi
  log "groups: the coordinator's broker down while ${group_peers[*]} consume (classic and KIP-848)"
  MOCK_BIN="$MOCK_BIN" "$MOCK_DIR/group-failover.sh" --fault down --peers "$(IFS=,; echo "${group_peers[*]}")" \
    --records "$FAILOVER_RECORDS" --timeout-s "$TIMEOUT" --out "$OUT/group-failover-down" \
    > "$OUT/group-failover-down.txt" 2> "$OUT/group-failover-down.log" &
  fo_pids+=("$!")
  CHILDREN+=("${fo_pids[@]}")
  for c in "${fo_pids[@]}"; do wait "$c" || FAILOVER_RC=1; done
  CHILDREN=()
fi

# --- 1d. a Kafka Streams application (at-least-once, two instances, one leaves) ------------
STREAMS_RC=0
if [[ " ${peers[*]} " == *" java "* ]]; then
  log "streams: a Kafka Streams application counts, one instance leaves, the other restores its state"
  timeout 300 "$INTEROP_DIR/clients/run.sh" java streams --bootstrap "$BOOTSTRAP" \
    --topic "kwire-mock-streams-$RUN_ID" --count 20000 --replication-factor 3 --timeout-s 180 \
    > "$OUT/streams.json" 2> "$OUT/streams.log" < /dev/null || STREAMS_RC=1
fi

# --- 2. one scenario per fault class ------------------------------------------------------
FAULT_N=0
reset_faults() {
  ctl delete /faults/connection >/dev/null || true
  ctl delete /faults/inject >/dev/null || true
  local b
  for b in 1 2 3; do
    ctl post "/brokers/$b/up" >/dev/null || true
    ctl post /faults/lag "{\"broker\": $b, \"clear\": true}" >/dev/null || true
  done
}

fault_run() { # peer scenario
  local peer="$1" scenario_name="$2" d="$OUT/faults" topic pid rc=0 last scenario name
  FAULT_N=$((FAULT_N + 1))
  name="$scenario_name@$peer"
  (( FAULT_N > 1 )) && [[ -e "$d/$name.meta.json" ]] && name="$name-$FAULT_N"
  mkdir -p "$d"
  topic="kwire-mock-fault-$scenario_name-$peer-$RUN_ID-$FAULT_N"
  echo "{\"scenario\": \"$scenario_name\", \"peer\": \"$peer\", \"topic\": \"$topic\"}" > "$d/$name.meta.json"
  ctl post /topics "{\"name\": \"$topic\", \"partitions\": 3, \"replication_factor\": 3}" > "$d/$name.topic.json" \
    || { log "$name: cannot create $topic"; return 0; }
  local leader0 expect="$FAULT_RECORDS" extra=()
  leader0="$(ctl topic-summary "$topic" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["partitions"][0]["leader"])')"
  scenario="$(sed "s/@TOPIC@/$topic/g; s/@LEADER0@/$leader0/g" "$MOCK_DIR/scenarios/$scenario_name.json")"
  [[ "$scenario_name" == acks1-loss ]] && extra=(--acks 1 --idempotence false)
  timeout --kill-after=10 "$((TIMEOUT + 60))" "$INTEROP_DIR/clients/run.sh" "$peer" produce \
    --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$FAULT_RECORDS" --headers --acks all \
    --rate "$FAULT_RATE" --timeout-s "$FAULT_TIMEOUT" "${extra[@]+"${extra[@]}"}" > "$d/$name.produce.json" 2> "$d/$name.produce.log" < /dev/null &
  pid=$!
  CHILDREN=("$pid")
  ctl wait-appended "$topic" 1 60 || log "$name: no record landed within 60 s"
  ctl stats > "$d/$name.before.json"
  ctl post /scenario "$scenario" > "$d/$name.scenario.json" || log "$name: scenario refused: $(cat "$d/$name.scenario.json")"
  last="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("last_at_ms", 0))' "$d/$name.scenario.json" 2>/dev/null || echo 0)"
  ctl watch "$topic" "$(awk "BEGIN { print $last / 1000 + 0.2 }")" "$(awk "BEGIN { print $last / 1000 }")" \
    > "$d/$name.watch.json"
  wait "$pid" || rc=$?
  CHILDREN=()
  log "$name: producer exit $rc"
  reset_faults
  sleep 0.3 # followers catch up
  ctl stats > "$d/$name.after.json"
  ctl topic-summary "$topic" > "$d/$name.committed.json" || true
  if [[ "$scenario_name" == acks1-loss ]]; then # read what survived
    expect="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["committed"])' "$d/$name.committed.json")"
  fi
  timeout --kill-after=10 "$((TIMEOUT + 60))" "$INTEROP_DIR/clients/run.sh" "$peer" consume \
    --bootstrap "$BOOTSTRAP" --topic "$topic" --expect "$expect" --timeout-s 90 \
    > "$d/$name.consume.json" 2> "$d/$name.consume.log" < /dev/null || log "$name: consumer exit $?"
  ctl topic-summary "$topic" > "$d/$name.final.json" || true
}

for run in "${fault_runs[@]+"${fault_runs[@]}"}"; do
  peer="${run%%:*}" s="${run#*:}"
  [[ -f "$MOCK_DIR/scenarios/$s.json" ]] || die "no scenario $s"
  log "fault scenario $s with $peer"
  fault_run "$peer" "$s"
done

ctl get /state > "$OUT/final-state.json" || true
rc=0
"$PY" "$INTEROP_DIR/lib/judge.py" mock --out "$OUT" --records "$RECORDS" --fault-records "$FAULT_RECORDS" \
  --group-records "$GROUP_RECORDS" \
  | tee "$OUT/summary.txt" || rc=$?
for f in group-failover group-failover-down; do
  [[ -f "$OUT/$f.txt" ]] || continue
  { echo "coordinator failover while consuming in groups (tests/interop/mock/group-failover.sh, $f):"
    cat "$OUT/$f.txt"; } | tee -a "$OUT/summary.txt"
done
(( FAILOVER_RC == 0 )) || { echo "group failover: FAILED (see $OUT/group-failover*.log)" | tee -a "$OUT/summary.txt"; rc=1; }
if [[ -f "$OUT/streams.json" ]]; then
  { echo "Kafka Streams application (clients/run.sh java streams):"; cat "$OUT/streams.json"; } | tee -a "$OUT/summary.txt"
  (( STREAMS_RC == 0 )) || { echo "streams: FAILED (see $OUT/streams.log)" | tee -a "$OUT/summary.txt"; rc=1; }
fi
log "details in $OUT"
exit "$rc"
