#!/usr/bin/env bash
# Drive every real client against one Kafka-speaking endpoint and check what comes back.
#
#   run-clients.sh BOOTSTRAP [--records N] [--peers librdkafka,kafka-python,java,franz-go]
#                  [--acks all] [--idempotence true|false] [--compression none] [--value-size 100]
#                  [--cross] [--timeout-s 90] [--topic-prefix kwire-interop] [--out DIR]
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
# Exits non-zero on any failure. JSON lines and client logs are kept in --out
# (default tests/interop/.work/run-clients/<time>); the table is also written there.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[[ $# -ge 1 && "$1" != -* ]] || usage
BOOTSTRAP="$1"; shift
RECORDS=10000 PEERS="librdkafka,kafka-python,java,franz-go" ACKS=all IDEMPOTENCE=""
COMPRESSION=none VALUE_SIZE=100 CROSS=0 TIMEOUT=90 PREFIX=kwire-interop OUT=""
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
    -h|--help) usage 0 ;;
    *) die "unknown option $1" ;;
  esac
done
IFS=, read -r -a peers <<< "$PEERS"
[[ -n "$OUT" ]] || OUT="$WORK_DIR/run-clients/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
: > "$OUT/manifest.tsv"

# Install (or confirm cached) the drivers these peers need.
for p in "${peers[@]}"; do
  case "$p" in
    librdkafka|kafka-python) ensure_venv ;;
    java) ensure_java_client ;;
    franz-go) ensure_go_client ;;
    *) die "unknown peer '$p'" ;;
  esac
done

CHILD=""
cleanup() {
  local rc=$?
  if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_client NAME PEER OP ARGS... -> appends a manifest line; never fails the script
run_client() {
  local name="$1" peer="$2" op="$3" rc=0 t0=$SECONDS; shift 3
  timeout --kill-after=10 "$((TIMEOUT + 60))" "$INTEROP_DIR/clients/run.sh" "$peer" "$op" "$@" \
    > "$OUT/$name.json" 2> "$OUT/$name.log" < /dev/null &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$peer" "$op" "$rc" "$((SECONDS - t0))" >> "$OUT/manifest.tsv"
  log "$name: exit $rc in $((SECONDS - t0))s"
}

RUN_ID="$(date +%s)-$RANDOM"
log "run-clients against $BOOTSTRAP: ${peers[*]}, $RECORDS records, acks=$ACKS idempotence=${IDEMPOTENCE:-default} compression=$COMPRESSION (out: $OUT)"
for p in "${peers[@]}"; do
  topic="$PREFIX-$p-$RUN_ID"
  echo "$p	$topic" >> "$OUT/topics.tsv"
  run_client "$p.produce" "$p" produce --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$RECORDS" \
    --headers --acks "$ACKS" ${IDEMPOTENCE:+--idempotence "$IDEMPOTENCE"} --compression "$COMPRESSION" \
    --value-size "$VALUE_SIZE" --timeout-s "$TIMEOUT"
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
"$py" "$INTEROP_DIR/lib/summarize.py" --out "$OUT" --records "$RECORDS" --peers "$PEERS" \
  --bootstrap "$BOOTSTRAP" | tee "$OUT/summary.txt" || rc=$?
exit "$rc"
