#!/usr/bin/env bash
# Bounce runs: an idempotent kwire-producer writes N keyed records (acks=all) while the
# cluster is bounced; every partition is then read back with Fetch and checked: every
# acknowledged record present exactly once at its acknowledged offset, per-partition order =
# send order, no duplicates, every record resolved (a failure only as a typed error).
#
#   tests/chaos/bounce.sh [--mock | --kafka] [--records N] [options] [-- kwire-bounce args...]
#
# --mock (default): kwire-bounce --mock: an embedded kwire-mock, 3 brokers, 12 partitions, RF 3,
#     min.insync.replicas 2; a leader moves at least every 2 s and at least 24 times over the run
#     (round-robin over the partitions), and NOT_LEADER_OR_FOLLOWER / REQUEST_TIMED_OUT /
#     NOT_ENOUGH_REPLICAS_AFTER_APPEND are injected into 1% of the produce partition responses.
#     Default N: 1000000.
# --kafka: real Kafka from tests/interop/kafka.sh (3 brokers, RF 3, min.insync.replicas 2): a
#     12-partition topic; the producer is paced (--rate, default N / --duration-s) and, while it
#     runs, the broker leading partition 0 is SIGKILLed, left down --down-s seconds, restarted,
#     and the next kill waits until every partition has its full ISR again, --kills times (5),
#     spread over the run (the last one about 20 s before its planned end).
#     Then the same check, plus a second opinion from a real consumer (librdkafka through
#     tests/interop/clients/run.sh, when installed). Kafka is always stopped on exit.
#     Default N: 300000.
#
# Options:
#   --records N        records to send
#   --kills K          --kafka: kill/restart cycles (default 5)
#   --down-s S         --kafka: seconds a killed broker stays down (default 3)
#   --warmup-s S       --kafka: seconds of producing before the first kill (default 4)
#   --duration-s D     --kafka: pace the producer to about D seconds (default 100)
#   --rate R           --kafka: records per second (overrides --duration-s)
#   --consumer C       --kafka: second-opinion consumer: librdkafka, java, ... or none
#                      (default librdkafka when installed)
#   --out DIR          keep outputs there (default <work>/bounce/<time>)
#   --no-build         use the kwire-bounce binary already in target/release
#
# Environment: KWIRE_KAFKA_PORT_OFFSET (default 200 here: brokers on 127.0.0.1:29292-29294),
# KWIRE_INTEROP_WORK (default tests/interop/.work/bounce), KWIRE_KAFKA_VERSION, and what
# tests/interop/kafka.sh reads. Exit status: 0 when the run is clean, 1 on a violation (or when
# the kills did not all land while the producer ran), 2 when the run could not be made.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
INTEROP="$REPO/tests/interop"
export KWIRE_KAFKA_PORT_OFFSET="${KWIRE_KAFKA_PORT_OFFSET:-200}"
export KWIRE_INTEROP_WORK="${KWIRE_INTEROP_WORK:-$INTEROP/.work/bounce}"
KAFKA_SH="$INTEROP/kafka.sh"
BIN="$REPO/target/release/kwire-bounce"
TOPIC="kwire-bounce-$(date +%s)"
PARTITIONS=12

log() { printf '[%s] bounce: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }
usage() { sed -n '2,37p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

mode=mock records="" kills=5 down_s=3 warmup_s=4 duration_s=100 rate="" consumer=auto out="" build=1
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mock) mode=mock; shift ;;
    --kafka) mode=kafka; shift ;;
    --records) records="$2"; shift 2 ;;
    --kills) kills="$2"; shift 2 ;;
    --down-s) down_s="$2"; shift 2 ;;
    --warmup-s) warmup_s="$2"; shift 2 ;;
    --duration-s) duration_s="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --consumer) consumer="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage 0 ;;
    --) shift; extra=("$@"); break ;;
    *) log "unknown option $1"; usage ;;
  esac
done
for v in kills down_s warmup_s duration_s; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "--${v//_/-} must be a whole number"
done
if [[ -z "$records" ]]; then
  if [[ "$mode" == mock ]]; then records=1000000; else records=300000; fi
fi
[[ "$records" =~ ^[1-9][0-9]*$ ]] || die "--records must be a positive number"
[[ -z "$rate" || "$rate" =~ ^[0-9]+$ ]] || die "--rate must be a whole number"
out="${out:-$KWIRE_INTEROP_WORK/bounce-results/$(date +%Y%m%d-%H%M%S)-$mode}"
mkdir -p "$out"

if (( build )); then
  log "building kwire-bounce (release)"
  # every package with a release binary selected: the features (and so the compiled
  # dependencies) of tests/interop/lib/common.sh's release_bins
  (cd "$REPO" && timeout 1200 cargo build --release -q -p kwire-mock -p kwire-producer -p kwire-tests --bin kwire-bounce) \
    || die "cargo build failed"
fi
[[ -x "$BIN" ]] || die "$BIN missing (build it, or drop --no-build)"

# ---------------------------------------------------------------------------------------------
if [[ "$mode" == mock ]]; then
  log "mock: $records records -> $out"
  rc=0
  timeout 900 "$BIN" --mock --records "$records" --json-out "$out/bounce.json" \
    "${extra[@]+"${extra[@]}"}" > "$out/bounce.stdout" 2> >(tee "$out/bounce.stderr" >&2) || rc=$?
  cat "$out/bounce.stdout"
  if [[ $rc -eq 0 ]]; then log "PASS (mock, $records records)"; else log "FAIL (mock, exit $rc)"; fi
  exit "$rc"
fi

# ---------------------------------------------------------------------------------------------
# kafka mode
command -v python3 >/dev/null || die "python3 is required"
if [[ -z "$rate" ]]; then rate=$(( (records + duration_s - 1) / duration_s )); fi
if [[ "$consumer" == auto ]]; then
  consumer=none
  if "$INTEROP/clients/run.sh" --list >/dev/null 2>&1 && [[ -x "$REPO/.cache/venv/bin/python" ]]; then
    consumer=librdkafka
  fi
fi

STARTED=0
PRODUCER_PID=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local rc=$?
  if [[ -n "$PRODUCER_PID" ]] && kill -0 "$PRODUCER_PID" 2>/dev/null; then
    log "stopping the producer (pid $PRODUCER_PID)"
    kill -TERM "$PRODUCER_PID" 2>/dev/null || true
    wait "$PRODUCER_PID" 2>/dev/null || true
  fi
  if (( STARTED )); then
    log "stopping Kafka"
    timeout 120 "$KAFKA_SH" stop cluster || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
log "kafka: $records records at $rate/s, $kills kills (down ${down_s}s each) -> $out"
timeout 300 "$KAFKA_SH" start cluster || die "Kafka did not start"
STARTED=1
eval "$("$KAFKA_SH" env)"
BS="$KWIRE_KAFKA_CLUSTER_BOOTSTRAP"
log "cluster up at $BS in $((SECONDS - t0))s"
timeout 120 "$KAFKA_SH" create-topic "$TOPIC" cluster --partitions "$PARTITIONS" \
  --replication-factor 3 --config min.insync.replicas=2 > "$out/create-topic.json" \
  || die "create-topic failed: $(cat "$out/create-topic.json")"

# Every partition led and with all 3 replicas in its ISR?
isr_full() {
  timeout 20 "$KAFKA_SH" metadata cluster "$TOPIC" 2>/dev/null | python3 -c '
import json, sys
try:
    md = json.load(sys.stdin)
except ValueError:
    sys.exit(1)  # no broker answered (one is down): not full
ps = [p for t in md["topics"] for p in (t["partitions"] or [])]
ok = ps and all(p["leader"] >= 0 and len(p["isr"]) == len(p["replicas"]) == 3 for p in ps)
sys.exit(0 if ok else 1)'
}
wait_isr_full() { # timeout-s
  local deadline=$((SECONDS + $1))
  until isr_full; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}
progress() { cat "$out/progress" 2>/dev/null || echo "0 0 0 $records"; }

wait_isr_full 60 || die "the topic never had a full ISR"
t_prod=$SECONDS
run_s=$(( (records + rate - 1) / rate ))
# A watchdog over the producer's own limits (hang 180 s, read-back 120 s, ISR waits 2 x 90 s).
timeout --kill-after=10 $((run_s + 600)) "$BIN" --bootstrap "$BS" --topic "$TOPIC" --records "$records" --rate "$rate" \
  --progress-file "$out/progress" --json-out "$out/bounce.json" "${extra[@]+"${extra[@]}"}" \
  > "$out/bounce.stdout" 2> "$out/bounce.stderr" &
PRODUCER_PID=$!
log "producer started (pid $PRODUCER_PID)"

kills_done=0 kills_mid_run=0
: > "$out/kills.jsonl"
# Kill k is due warmup + (k-1) * spacing seconds into the run: the kills spread over the run,
# leaving about 20 s at its end (a cycle takes about 10 s: down, restart, ISR back).
spacing=$(( (run_s - warmup_s - 20) / kills ))
(( spacing > 0 )) || spacing=0
for k in $(seq "$kills"); do
  due=$(( t_prod + warmup_s + (k - 1) * spacing ))
  while (( SECONDS < due )) && kill -0 "$PRODUCER_PID" 2>/dev/null; do sleep 0.5; done
  if ! kill -0 "$PRODUCER_PID" 2>/dev/null; then
    log "the producer finished before kill $k"
    break
  fi
  leader="$(timeout 30 "$KAFKA_SH" leader "$TOPIC" 0 cluster)" || { log "no leader for partition 0"; break; }
  read -r sent_before acked_before _ _ < <(progress)
  t_kill=$((SECONDS - t_prod))
  timeout 30 "$KAFKA_SH" kill-broker "$leader" || die "kill-broker $leader failed"
  kills_done=$((kills_done + 1))
  sleep "$down_s"
  read -r _ acked_down _ _ < <(progress)
  running=0; kill -0 "$PRODUCER_PID" 2>/dev/null && running=1
  timeout 180 "$KAFKA_SH" start-broker "$leader" || die "start-broker $leader failed"
  t_up=$((SECONDS - t_prod))
  isr=1; wait_isr_full 90 || isr=0
  t_isr=$((SECONDS - t_prod))
  read -r _ acked_after _ _ < <(progress)
  still=0; kill -0 "$PRODUCER_PID" 2>/dev/null && still=1
  if (( running && sent_before < records )); then kills_mid_run=$((kills_mid_run + 1)); fi
  printf '{"kill":%d,"broker":%s,"killed_at_s":%d,"up_at_s":%d,"isr_full_at_s":%d,"isr_full":%s,"sent_at_kill":%d,"acked_at_kill":%d,"acked_while_down":%d,"acked_at_isr_full":%d,"producer_running":%s}\n' \
    "$k" "$leader" "$t_kill" "$t_up" "$t_isr" "$([[ $isr == 1 ]] && echo true || echo false)" \
    "$sent_before" "$acked_before" "$((acked_down - acked_before))" "$acked_after" \
    "$([[ $still == 1 ]] && echo true || echo false)" | tee -a "$out/kills.jsonl" >&2
  (( isr )) || log "partition ISRs not full 90 s after broker $leader came back"
done

log "waiting for the producer and the check"
rc=0
wait "$PRODUCER_PID" || rc=$?
PRODUCER_PID=""
cat "$out/bounce.stdout"
grep -v '^kwire-bounce: .*sent' "$out/bounce.stderr" >&2 || true

# Second opinion: a real consumer reads the topic from the beginning.
second="skipped"
if [[ "$consumer" != none && -s "$out/bounce.json" ]]; then
  log "second opinion: $consumer consumer"
  crc=0
  timeout 200 "$INTEROP/clients/run.sh" "$consumer" consume --bootstrap "$BS" --topic "$TOPIC" \
    --expect "$records" --timeout-s 150 > "$out/consumer.json" 2> "$out/consumer.stderr" || crc=$?
  second="$(python3 - "$out/bounce.json" "$out/consumer.json" "$crc" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
try:
    c = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
except Exception as e:  # noqa: BLE001
    print("FAIL (no consumer output: %s, exit %s)" % (e, sys.argv[3])); sys.exit()
expect_missing = b["records"] - b["distinct_in_log"]
bad = []
if c.get("distinct") != b["distinct_in_log"]: bad.append("distinct %s != %s" % (c.get("distinct"), b["distinct_in_log"]))
if c.get("missing") != expect_missing: bad.append("missing %s != %s" % (c.get("missing"), expect_missing))
for k in ("duplicates", "order_violations", "invalid"):
    if c.get(k): bad.append("%s %s" % (k, c[k]))
summary = "consumed %s distinct %s missing %s duplicates %s order_violations %s invalid %s" % tuple(
    c.get(k) for k in ("consumed", "distinct", "missing", "duplicates", "order_violations", "invalid"))
print(("FAIL: " + ", ".join(bad) + " (" + summary + ")") if bad else "PASS (" + summary + ")")
EOF
)"
  log "second opinion ($consumer): $second"
fi

verdict=PASS
if [[ $rc -ne 0 ]]; then verdict=FAIL; fi
if (( kills_mid_run < kills )); then
  log "only $kills_mid_run of $kills kills landed while the producer ran (raise --records or lower --rate)"
  verdict=FAIL; [[ $rc -eq 0 ]] && rc=1
fi
if [[ "$second" == FAIL* ]]; then verdict=FAIL; [[ $rc -eq 0 ]] && rc=1; fi
printf '{"bounce_script":"kafka","verdict":"%s","records":%d,"rate":%d,"kills":%d,"kills_mid_run":%d,"down_s":%d,"second_opinion":"%s","seconds":%d,"out":"%s"}\n' \
  "$verdict" "$records" "$rate" "$kills_done" "$kills_mid_run" "$down_s" "${second//\"/\'}" "$((SECONDS - t0))" "$out"
log "$verdict (kafka, $records records, $kills_mid_run kills mid-run, $((SECONDS - t0)) s)"
exit "$rc"
