#!/usr/bin/env bash
# Broker-side cost of ingest: kwire-mock (release) vs a real single-node Kafka, same client load.
#
#   tests/interop/mock/throughput.sh [--records 1000000] [--runs 3] [--kafka auto|skip] [--out DIR]
#
# The load: librdkafka (confluent-kafka, rdkafka_load.py) producing --records keyed 100-byte records
# with acks=all and idempotence to a fresh 3-partition topic; every batch's CRC-32C is verified by
# the broker. For each broker the script reads the broker process's CPU time (utime + stime from
# /proc) before and after each run and prints, as the median of --runs runs:
#   wall s, client rate (records/s), broker CPU s, CPU s per 1,000,000 records, and the ingest rate
#   per broker CPU-second (what the broker sustains per core when CPU-bound).
# Brokers: kwire-mock with 3 brokers and replication 3 (the default), kwire-mock with 1 broker,
# and Kafka (--kafka auto: the single node kafka.sh runs, else one started here and stopped after).
# Targets: mock CPU s per 1M <= 0.15; mock ingest >= 3x Kafka's. Exits 1 when the CPU target is
# missed (the ratio is reported; it depends on what else shares the machine).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
MOCK_DIR="$INTEROP_DIR/mock"
KAFKA_SH="$INTEROP_DIR/kafka.sh"
RECORDS=1000000 RUNS=3 KAFKA=auto OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --kafka) KAFKA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ -n "$OUT" ]] || OUT="$WORK_DIR/throughput/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
: > "$OUT/results.tsv"

MOCK_PID="" STARTED_KAFKA=0
cleanup() {
  local rc=$?
  stop_mock
  if (( STARTED_KAFKA )); then "$KAFKA_SH" stop single >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building kwire-mock (release)"
( cd "$REPO_ROOT" && timeout 1200 cargo build --release -q -p kwire-mock ) || die "cargo build failed"
MOCK_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/kwire-mock"
ensure_venv
PY="$VENV_DIR/bin/python"
TICK="$(getconf CLK_TCK)"

cpu_ticks() { [[ "$1" =~ ^[0-9]+$ ]] || die "no pid"; awk '{ print $14 + $15 }' "/proc/$1/stat"; }

stop_mock() {
  [[ -n "$MOCK_PID" ]] || return 0
  kill -TERM "$MOCK_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$MOCK_PID" 2>/dev/null || true
  wait "$MOCK_PID" 2>/dev/null || true
  MOCK_PID=""
}

# measure LABEL PID BOOTSTRAP: RUNS loads, one line each in results.tsv
measure() {
  local label="$1" pid="$2" bootstrap="$3" run c0 c1 line
  for run in $(seq 1 "$RUNS"); do
    c0="$(cpu_ticks "$pid")"
    line="$(timeout 600 "$PY" "$MOCK_DIR/rdkafka_load.py" --bootstrap "$bootstrap" \
      --topic "kwire-throughput-$label-$run-$RANDOM" --count "$RECORDS" --timeout-s 300 \
      2> "$OUT/$label.$run.log" < /dev/null)" || { log "$label run $run failed: $line"; continue; }
    c1="$(cpu_ticks "$pid")"
    printf '%s\t%s\t%s\t%s\n' "$label" "$run" "$((c1 - c0))" "$line" >> "$OUT/results.tsv"
    log "$label run $run: $line, broker CPU $(awk "BEGIN { print ($c1 - $c0) / $TICK }") s"
  done
}

start_mock() { # args; sets MOCK_PID and MOCK_BOOTSTRAP (not in a subshell: the EXIT trap stops it)
  rm -f "$OUT/mock.stdout"
  "$MOCK_BIN" --port 0 "$@" > "$OUT/mock.stdout" 2> "$OUT/mock.log" < /dev/null &
  MOCK_PID=$!
  local i
  for i in $(seq 1 200); do [[ -s "$OUT/mock.stdout" ]] && break; sleep 0.05; done
  [[ -s "$OUT/mock.stdout" ]] || die "kwire-mock did not start: $(tail -n3 "$OUT/mock.log")"
  MOCK_BOOTSTRAP="$(head -n1 "$OUT/mock.stdout")"
}

start_mock
measure "kwire-mock-3-brokers-rf3" "$MOCK_PID" "$MOCK_BOOTSTRAP"
stop_mock
start_mock --brokers 1
measure "kwire-mock-1-broker" "$MOCK_PID" "$MOCK_BOOTSTRAP"
stop_mock

if [[ "$KAFKA" != skip ]]; then
  status="$("$KAFKA_SH" status 2>/dev/null || true)"
  kpid="$(sed -n 's/.*node1: running (pid \([0-9]*\)).*/\1/p' <<< "$status")"
  if [[ -z "$kpid" ]]; then
    log "starting a single-node Kafka"
    if "$KAFKA_SH" start single > "$OUT/kafka-start.log" 2>&1; then
      STARTED_KAFKA=1
      kpid="$("$KAFKA_SH" status 2>/dev/null | sed -n 's/.*node1: running (pid \([0-9]*\)).*/\1/p' || true)"
    else
      log "Kafka did not start (see $OUT/kafka-start.log)"
    fi
  else
    log "using the running single-node Kafka (pid $kpid)"
  fi
  kb="$("$KAFKA_SH" env 2>/dev/null | sed -n 's/^export KWIRE_KAFKA_BOOTSTRAP=//p' | tr -d "'\"" || true)"
  if [[ -n "$kpid" && -n "$kb" ]]; then
    measure "kafka-single-node" "$kpid" "$kb"
  fi
  if (( STARTED_KAFKA )); then "$KAFKA_SH" stop single >/dev/null 2>&1 || true; STARTED_KAFKA=0; fi
fi

"$BASE_PYTHON" - "$OUT/results.tsv" "$TICK" "$RECORDS" <<'EOF' | tee "$OUT/summary.txt"
import json, statistics, sys
path, tick, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
for line in open(path):
    label, run, ticks, js = line.rstrip("\n").split("\t", 3)
    j = json.loads(js)
    if j.get("errors") or j.get("fatal"):
        continue
    rows.setdefault(label, []).append((j["seconds"], int(ticks) / tick))
print("librdkafka, %d x 100-byte keyed records, acks=all, idempotence; median of runs" % n)
print("%-26s %5s %8s %14s %10s %14s %18s" % ("broker", "runs", "wall s", "client rec/s", "CPU s", "CPU s per 1M", "rec per CPU-second"))
med = {}
for label, rs in rows.items():
    wall = statistics.median(r[0] for r in rs)
    cpu = statistics.median(r[1] for r in rs)
    per_m = cpu * 1e6 / n
    med[label] = (wall, cpu)
    print("%-26s %5d %8.2f %14.0f %10.2f %14.3f %18s" % (label, len(rs), wall, n / wall, cpu, per_m,
          "%.0f" % (n / cpu) if cpu > 0 else "inf"))
ok = True
mock = med.get("kwire-mock-3-brokers-rf3")
if mock:
    per_m = mock[1] * 1e6 / n
    print("kwire-mock CPU s per 1M records: %.3f (target <= 0.15): %s" % (per_m, "pass" if per_m <= 0.15 else "FAIL"))
    ok = per_m <= 0.15
kafka = med.get("kafka-single-node")
if mock and kafka:
    wall_ratio = kafka[0] / mock[0]
    cpu_ratio = (kafka[1] / mock[1]) if mock[1] > 0 else float("inf")
    print("ingest rate vs Kafka, wall clock, same client: %.2fx (the client shares the 2 cores)" % wall_ratio)
    print("ingest rate vs Kafka per broker CPU-second:   %.1fx (target >= 3x): %s" % (
        cpu_ratio, "pass" if cpu_ratio >= 3 else "FAIL"))
else:
    print("no Kafka run: ratio not measured")
sys.exit(0 if ok else 1)
EOF
