#!/usr/bin/env bash
# Real clients consume in consumer groups against one Kafka-speaking endpoint.
#
#   run-groups.sh BOOTSTRAP [--records 2000] [--peers librdkafka,kafka-python,java,franz-go]
#                 [--group-protocol classic|consumer] [--idle-s 6] [--timeout-s 90]
#                 [--topic-prefix kwire-groups] [--out DIR]
#
# --group-protocol consumer runs the members with group.protocol=consumer (KIP-848:
# ConsumerGroupHeartbeat, the broker assigns); kafka-python has no such protocol and is left
# out of such a run (named in the table).
#
# For each peer, with its own topic and group id (every driver's "group" op; see ../README.md):
#   1. produce N keyed records (the peer's produce op; the topic is auto-created);
#   2. member A joins; once it owns partitions, member B joins the same group. A processes N/4
#      records, then nothing more (what it fetches after is dropped, uncommitted) until B owns
#      partitions too, and leaves cleanly (LeaveGroup); B takes over A's partitions from A's
#      commits and leaves once idle for --idle-s after A left (under KIP-848 B learns of the
#      new assignment on its next heartbeat: --idle-s must exceed the group's heartbeat
#      interval, 5 s by default in Kafka). (Waiting on ownership, not on time, holds for
#      both protocols: classic assigns at the end of a synchronous rebalance, KIP-848 over the
#      following heartbeats, a partition moving only once its owner released it.)
#   3. N/2 more records are produced; member C joins the same group and reads from the
#      committed offsets until idle.
# Each member commits the offsets of what it processed after every poll. Checks per peer:
#   produce      both produce runs delivered every record
#   split        A and B held disjoint, non-empty assignments covering every partition at once
#   rebalance    after A left, B was assigned every partition
#   exactly-once A and B together read each of the first N records exactly once
#   resume       C read exactly the N/2 new records: it started from the committed offsets
#   committed    C's last commits equal the end offsets of every partition
# The table also gives the rebalance time: from A's decision to leave to B holding every
# partition (the drivers stamp each assignment change with Unix time).
# Exits non-zero on any failure. JSON lines and logs are kept in --out
# (default tests/interop/.work/run-groups/<time>); the table is also written there.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,34p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[[ $# -ge 1 && "$1" != -* ]] || usage
BOOTSTRAP="$1"; shift
RECORDS=2000 PEERS="librdkafka,kafka-python,java,franz-go" IDLE=6 TIMEOUT=90 PREFIX=kwire-groups OUT=""
PROTOCOL=classic
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --group-protocol) PROTOCOL="$2"; shift 2 ;;
    --idle-s) IDLE="$2"; shift 2 ;;
    --timeout-s) TIMEOUT="$2"; shift 2 ;;
    --topic-prefix) PREFIX="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ "$PROTOCOL" == classic || "$PROTOCOL" == consumer ]] || die "--group-protocol: classic or consumer"
IFS=, read -r -a peers <<< "$PEERS"
if [[ "$PROTOCOL" == consumer ]]; then
  kept=()
  for p in "${peers[@]}"; do
    if [[ "$p" == kafka-python ]]; then log "kafka-python has no group.protocol=consumer: left out"
    else kept+=("$p"); fi
  done
  peers=("${kept[@]}")
  PEERS="$(IFS=,; echo "${peers[*]}")"
fi
[[ -n "$OUT" ]] || OUT="$WORK_DIR/run-groups/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
for p in "${peers[@]}"; do ensure_peer "$p"; done

CHILDREN=()
cleanup() {
  local rc=$?
  stop_pids 10 "${CHILDREN[@]+"${CHILDREN[@]}"}" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# client NAME PEER OP ARGS... -> a background client bounded by timeout; its pid in LAST_PID
client() {
  local name="$1" peer="$2" op="$3"; shift 3
  timeout --kill-after=10 "$((TIMEOUT + 60))" "$INTEROP_DIR/clients/run.sh" "$peer" "$op" "$@" \
    > "$OUT/$name.json" 2> "$OUT/$name.log" < /dev/null &
  LAST_PID=$!
  CHILDREN+=("$LAST_PID")
}

finish() { # PID NAME: wait, log the exit status, never fail the script
  local rc=0
  wait "$1" || rc=$?
  local keep=() c
  for c in "${CHILDREN[@]}"; do [[ "$c" == "$1" ]] || keep+=("$c"); done
  CHILDREN=("${keep[@]+"${keep[@]}"}")
  log "$2: exit $rc"
}

wait_assigned() { # FILE PID NAME: until FILE exists (the member owns partitions) or PID ended
  local deadline=$((SECONDS + TIMEOUT))
  while [[ ! -e "$1" ]] && kill -0 "$2" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  [[ -e "$1" ]] && log "$3: owns partitions" || log "$3: owns no partitions (going on)"
}

RUN_ID="$(date +%s)-$RANDOM"
HALF=$((RECORDS / 2)) QUARTER=$((RECORDS / 4))
log "run-groups ($PROTOCOL protocol) against $BOOTSTRAP: ${peers[*]}, $RECORDS + $HALF records (out: $OUT)"
for p in "${peers[@]}"; do
  topic="$PREFIX-$PROTOCOL-$p-$RUN_ID"
  group=(--bootstrap "$BOOTSTRAP" --topic "$topic" --group "$topic" --idle-s "$IDLE" --timeout-s "$TIMEOUT"
         --group-protocol "$PROTOCOL")
  client "$p.produce1" "$p" produce --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$RECORDS" --timeout-s "$TIMEOUT"
  finish "$LAST_PID" "$p.produce1"
  client "$p.a" "$p" group "${group[@]}" --stop-after "$QUARTER" --assigned-file "$OUT/$p.a.assigned" \
    --leave-on-file "$OUT/$p.b.assigned"
  a=$LAST_PID
  wait_assigned "$OUT/$p.a.assigned" "$a" "$p.a"
  client "$p.b" "$p" group "${group[@]}" --assigned-file "$OUT/$p.b.assigned" --leave-on-file "$OUT/$p.a.left"
  b=$LAST_PID
  finish "$a" "$p.a"
  touch "$OUT/$p.a.left"
  finish "$b" "$p.b"
  client "$p.produce2" "$p" produce --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$HALF" --timeout-s "$TIMEOUT"
  finish "$LAST_PID" "$p.produce2"
  client "$p.c" "$p" group "${group[@]}"
  finish "$LAST_PID" "$p.c"
done

py="$BASE_PYTHON"; [[ -x "$VENV_DIR/bin/python" ]] && py="$VENV_DIR/bin/python"
rc=0
"$py" "$INTEROP_DIR/lib/judge.py" groups --out "$OUT" --records "$RECORDS" --peers "$PEERS" \
  --bootstrap "$BOOTSTRAP" --group-protocol "$PROTOCOL" | tee "$OUT/summary.txt" || rc=$?
exit "$rc"
