#!/usr/bin/env bash
# Drive every real client against one Kafka-speaking endpoint and check what comes back.
#
#   run-clients.sh BOOTSTRAP [--records N] [--peers librdkafka,kafka-python,java,franz-go]
#                  [--acks all] [--idempotence true|false] [--compression none] [--value-size 100]
#                  [--cross] [--timeout-s 90] [--topic-prefix kwire-interop] [--out DIR]
#                  [--rate R] [--failover [--failover-delay-s 1.5]]
#
# For each peer: produce N keyed records with headers (acks=all by default; idempotence on unless
# acks is 0/1 or --idempotence false) to a fresh auto-created topic, then consume them back with
# the same client. With --cross every other peer consumes that topic too. Checks per peer (pass/fail), printed as a table:
#   produce     exit 0, produced = acked = N, no errors
#   consume     exactly N records back, none missing, no timeout
#   no-dups     no record seen twice
#   order       every partition sees increasing sequence numbers
#   headers     every record carries its "seq" header, unchanged
#   keys-stable no key in two partitions, and the consumer saw the producer's key->partition map
#   keys-agree  the producer's key->partition digest equals the other peers'
# --failover (needs `kafka.sh start cluster`): each peer's topic is created first (3 partitions,
# RF 3); while the peer produces (paced by --rate, default records/5 per second) the leader of
# partition 0 is SIGKILLed (kafka.sh kill-broker) and restarted once the producer is done, before
# consuming. Adds the check
#   failover    the kill landed while the producer was still running and the broker came back
# Exits non-zero on any failure. JSON lines and client logs are kept in --out
# (default tests/interop/.work/run-clients/<time>); the table is also written there.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[[ $# -ge 1 && "$1" != -* ]] || usage
BOOTSTRAP="$1"; shift
RECORDS=10000 PEERS="librdkafka,kafka-python,java,franz-go" ACKS=all IDEMPOTENCE=""
COMPRESSION=none VALUE_SIZE=100 CROSS=0 TIMEOUT=90 PREFIX=kwire-interop OUT="" RATE=""
FAILOVER=0 FAILOVER_DELAY=1.5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --acks) ACKS="$2"; shift 2 ;;
    --idempotence) IDEMPOTENCE="$2"; shift 2 ;;
    --compression) COMPRESSION="$2"; shift 2 ;;
    --value-size) VALUE_SIZE="$2"; shift 2 ;;
    --cross) CROSS=1; shift ;;
    --timeout-s) TIMEOUT="$2"; shift 2 ;;
    --topic-prefix) PREFIX="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --failover) FAILOVER=1; shift ;;
    --failover-delay-s) FAILOVER_DELAY="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown option $1" ;;
  esac
done
IFS=, read -r -a peers <<< "$PEERS"
[[ -n "$OUT" ]] || OUT="$WORK_DIR/run-clients/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
: > "$OUT/manifest.tsv"

for p in "${peers[@]}"; do ensure_peer "$p"; done

CHILDREN=()
cleanup() {
  local rc=$?
  stop_pids 10 "${CHILDREN[@]+"${CHILDREN[@]}"}" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_client NAME PEER OP ARGS... -> background client (bounded by timeout); pid in LAST_PID
start_client() {
  local name="$1" peer="$2" op="$3"; shift 3
  timeout --kill-after=10 "$((TIMEOUT + 60))" "$INTEROP_DIR/clients/run.sh" "$peer" "$op" "$@" \
    > "$OUT/$name.json" 2> "$OUT/$name.log" < /dev/null &
  LAST_PID=$!
  CHILDREN+=("$LAST_PID")
  echo "$SECONDS" > "$OUT/$name.t0"
}

# finish_client NAME PEER OP PID -> waits, appends a manifest line; never fails the script
finish_client() {
  local name="$1" peer="$2" op="$3" pid="$4" rc=0 t0
  wait "$pid" || rc=$?
  local keep=() c # a reaped pid may be reused: cleanup must not signal it
  for c in "${CHILDREN[@]}"; do [[ "$c" == "$pid" ]] || keep+=("$c"); done
  CHILDREN=("${keep[@]+"${keep[@]}"}")
  t0="$(cat "$OUT/$name.t0")"; rm -f "$OUT/$name.t0"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$peer" "$op" "$rc" "$((SECONDS - t0))" >> "$OUT/manifest.tsv"
  log "$name: exit $rc in $((SECONDS - t0))s"
}

run_client() {
  start_client "$@"
  finish_client "$1" "$2" "$3" "$LAST_PID"
}

KAFKA_SH="$INTEROP_DIR/kafka.sh"
if (( FAILOVER )); then
  [[ "$("$KAFKA_SH" env 2>/dev/null || true)" == *KWIRE_KAFKA_CLUSTER_BOOTSTRAP* ]] \
    || die "--failover needs the cluster of kafka.sh (kafka.sh start cluster)"
  [[ -n "$RATE" ]] || RATE=$(( RECORDS / 5 > 0 ? RECORDS / 5 : 1 ))
fi

# produce_with_failover PEER TOPIC ARGS...: kill partition 0's leader while PEER produces
produce_with_failover() {
  local p="$1" topic="$2" leader pid landed=0 back=0; shift 2
  if ! "$KAFKA_SH" create-topic "$topic" cluster --partitions 3 > "$OUT/$p.create.log" 2>&1; then
    log "$p: could not create $topic"; echo "leader=? landed=0 restarted=0" > "$OUT/$p.failover"
    run_client "$p.produce" "$p" produce "$@"; return
  fi
  leader="$("$KAFKA_SH" leader "$topic" 0 cluster)"
  start_client "$p.produce" "$p" produce "$@"
  pid=$LAST_PID
  sleep "$FAILOVER_DELAY"
  kill -0 "$pid" 2>/dev/null && landed=1
  "$KAFKA_SH" kill-broker "$leader" >> "$OUT/$p.failover.log" 2>&1 || true
  log "$p: killed broker $leader (leader of $topic/0) $( ((landed)) && echo while producing || echo AFTER the producer ended)"
  finish_client "$p.produce" "$p" produce "$pid"
  "$KAFKA_SH" start-broker "$leader" >> "$OUT/$p.failover.log" 2>&1 && back=1
  log "$p: broker $leader restarted: $( ((back)) && echo yes || echo NO)"
  echo "leader=$leader landed=$landed restarted=$back" > "$OUT/$p.failover"
}

RUN_ID="$(date +%s)-$RANDOM"
log "run-clients against $BOOTSTRAP: ${peers[*]}, $RECORDS records, acks=$ACKS idempotence=${IDEMPOTENCE:-default} compression=$COMPRESSION rate=${RATE:-max}$( ((FAILOVER)) && echo ", failover") (out: $OUT)"
for p in "${peers[@]}"; do
  topic="$PREFIX-$p-$RUN_ID"
  echo "$p	$topic" >> "$OUT/topics.tsv"
  produce_args=(--bootstrap "$BOOTSTRAP" --topic "$topic" --count "$RECORDS" --headers --acks "$ACKS"
    ${IDEMPOTENCE:+--idempotence "$IDEMPOTENCE"} --compression "$COMPRESSION" --value-size "$VALUE_SIZE"
    ${RATE:+--rate "$RATE"} --timeout-s "$TIMEOUT")
  if (( FAILOVER )); then produce_with_failover "$p" "$topic" "${produce_args[@]}"
  else run_client "$p.produce" "$p" produce "${produce_args[@]}"; fi
  run_client "$p.consume.$p" "$p" consume --bootstrap "$BOOTSTRAP" --topic "$topic" --expect "$RECORDS" \
    --timeout-s "$TIMEOUT"
done
if (( CROSS )); then
  while IFS=$'\t' read -r p topic; do
    for q in "${peers[@]}"; do
      [[ "$q" == "$p" ]] && continue
      run_client "$p.consume.$q" "$q" consume --bootstrap "$BOOTSTRAP" --topic "$topic" --expect "$RECORDS" \
        --timeout-s "$TIMEOUT"
    done
  done < "$OUT/topics.tsv"
fi

py="$BASE_PYTHON"; [[ -x "$VENV_DIR/bin/python" ]] && py="$VENV_DIR/bin/python"
rc=0
"$py" "$INTEROP_DIR/lib/judge.py" clients --out "$OUT" --records "$RECORDS" --peers "$PEERS" \
  --bootstrap "$BOOTSTRAP" | tee "$OUT/summary.txt" || rc=$?
exit "$rc"
