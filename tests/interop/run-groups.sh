#!/usr/bin/env bash
# Real clients consume in consumer groups against one Kafka-speaking endpoint.
#
#   run-groups.sh BOOTSTRAP [--records 2000] [--peers librdkafka,kafka-python,java,franz-go]
#                 [--idle-s 6] [--timeout-s 90] [--topic-prefix kwire-groups] [--out DIR]
#
# For each peer, with its own topic and group id (every driver's "group" op; see ../README.md):
#   1. produce N keyed records (the peer's produce op; the topic is auto-created);
#   2. members A and B of one group start together; A leaves cleanly (LeaveGroup) after N/4
#      records, B takes over A's partitions and leaves once idle for --idle-s;
#   3. N/2 more records are produced; member C joins the same group and reads from the
#      committed offsets until idle.
# Each member commits the offsets of what it processed after every poll. Checks per peer:
#   produce      both produce runs delivered every record
#   split        A and B held disjoint, non-empty assignments covering every partition at once
#   rebalance    after A left, B was assigned every partition
#   exactly-once A and B together read each of the first N records exactly once
#   resume       C read exactly the N/2 new records: it started from the committed offsets
#   committed    C's last commits equal the end offsets of every partition
# Exits non-zero on any failure. JSON lines and logs are kept in --out
# (default tests/interop/.work/run-groups/<time>); the table is also written there.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[[ $# -ge 1 && "$1" != -* ]] || usage
BOOTSTRAP="$1"; shift
RECORDS=2000 PEERS="librdkafka,kafka-python,java,franz-go" IDLE=6 TIMEOUT=90 PREFIX=kwire-groups OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --idle-s) IDLE="$2"; shift 2 ;;
    --timeout-s) TIMEOUT="$2"; shift 2 ;;
    --topic-prefix) PREFIX="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown option $1" ;;
  esac
done
IFS=, read -r -a peers <<< "$PEERS"
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

RUN_ID="$(date +%s)-$RANDOM"
HALF=$((RECORDS / 2)) QUARTER=$((RECORDS / 4))
log "run-groups against $BOOTSTRAP: ${peers[*]}, $RECORDS + $HALF records (out: $OUT)"
for p in "${peers[@]}"; do
  topic="$PREFIX-$p-$RUN_ID"
  group=(--bootstrap "$BOOTSTRAP" --topic "$topic" --group "$topic" --idle-s "$IDLE" --timeout-s "$TIMEOUT")
  client "$p.produce1" "$p" produce --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$RECORDS" --timeout-s "$TIMEOUT"
  finish "$LAST_PID" "$p.produce1"
  client "$p.a" "$p" group "${group[@]}" --stop-after "$QUARTER"
  a=$LAST_PID
  client "$p.b" "$p" group "${group[@]}"
  b=$LAST_PID
  finish "$a" "$p.a"
  finish "$b" "$p.b"
  client "$p.produce2" "$p" produce --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$HALF" --timeout-s "$TIMEOUT"
  finish "$LAST_PID" "$p.produce2"
  client "$p.c" "$p" group "${group[@]}"
  finish "$LAST_PID" "$p.c"
done

py="$BASE_PYTHON"; [[ -x "$VENV_DIR/bin/python" ]] && py="$VENV_DIR/bin/python"
rc=0
"$py" "$INTEROP_DIR/lib/judge.py" groups --out "$OUT" --records "$RECORDS" --peers "$PEERS" \
  --bootstrap "$BOOTSTRAP" | tee "$OUT/summary.txt" || rc=$?
exit "$rc"
