#!/usr/bin/env bash
# Broker ingest: kwire-mock (release) vs a real single-node Kafka, same client load, interleaved.
#
#   tests/interop/mock/throughput.sh [--load all|rdkafka,kwire,franz,blast] [--records 1000000]
#       [--blast-records 3*records] [--blast-batch 500] [--runs 3] [--pin auto|on|off]
#       [--kafka auto|skip] [--out DIR]
#
# Loads (every one: keyed 100-byte records, acks=all, idempotence, uncompressed, a fresh
# 3-partition topic per measurement; the broker verifies every batch's CRC-32C):
#   rdkafka  librdkafka from Python (confluent-kafka, rdkafka_load.py), --records records
#   kwire    kwire-produce --perf (release build of this workspace), --records records
#   franz    franz-go (the interop driver, tests/interop/clients/go), --records records
#   blast    kwire-blast (tests/src/bin/kwire-blast.rs, release build): Produce v7 on the wire,
#            one batch of --blast-batch records per partition per request, 5 requests in flight,
#            each batch with its own sequence and CRC-32C. It encodes the records once, so the
#            client costs next to nothing per record and the broker is what limits.
# The three real clients cost more CPU per record than either broker (see "client CPU s"): with
# them the client is the bottleneck and the brokers' wall-clock rates look alike. blast is the
# measure of ingest capacity.
#
# Brokers: kwire-mock with 3 brokers and replication 3 (the default), kwire-mock with 1 broker
# (a fresh process for every measurement, so memory from earlier runs does not count), and Kafka
# (--kafka auto: the single node kafka.sh runs, else one started here and stopped after; it
# keeps running across measurements). Runs are interleaved: run 1 of every load on every
# broker, then run 2, ..., the broker order rotating from run to run, so drift on a shared
# machine hits every broker alike.
#
# Method. For each measurement the script reads the broker process's CPU time (utime + stime
# from /proc) before and after the load and reports, as the median of --runs runs:
#   wall s           the client's own timing of the load (first record to last ack)
#   client rec/s     records / wall s: the ingest rate
#   broker CPU s     CPU the broker spent during the load; "CPU s per 1M" normalises it, and
#   rec per CPU-s    records per broker CPU-second is what a broker sustains per core when
#                    CPU-bound, whoever the bottleneck was
#   client CPU s     user + sys of the client process (whole process, warm-up included)
# --pin on (the default with 2+ CPUs): the client runs on CPU 0 (taskset -c 0) and the broker on
# CPU 1: kwire-mock is started under taskset -c 1, Kafka's threads are moved with taskset -a -p
# (a Kafka found running gets its old affinity back at the end). Each side then has exactly one
# core, the same for Kafka and the mock: a fair "same client load" comparison on a 2-core box,
# where an unpinned client and broker fight over both cores.
#
# Targets: mock CPU s per 1M records from librdkafka <= 0.15 (3 brokers, rf 3); mock
# ingest >= 3x Kafka's (judged on the blast load, wall clock, mock 3 brokers vs Kafka). Exits 1
# when the CPU target is missed; the ratios are reported per load.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
MOCK_DIR="$INTEROP_DIR/mock"
KAFKA_SH="$INTEROP_DIR/kafka.sh"
RECORDS=1000000 BLAST_RECORDS="" BLAST_BATCH=500 RUNS=3 KAFKA=auto OUT="" LOADS=all PIN=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --load) LOADS="$2"; shift 2 ;;
    --records) RECORDS="$2"; shift 2 ;;
    --blast-records) BLAST_RECORDS="$2"; shift 2 ;;
    --blast-batch) BLAST_BATCH="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --pin) PIN="$2"; shift 2 ;;
    --kafka) KAFKA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ "$LOADS" == all ]] && LOADS="rdkafka,kwire,franz,blast"
IFS=, read -r -a LOAD_LIST <<< "$LOADS"
for l in "${LOAD_LIST[@]}"; do
  [[ "$l" =~ ^(rdkafka|kwire|franz|blast)$ ]] || die "unknown load $l (rdkafka, kwire, franz, blast)"
done
[[ "$RECORDS" =~ ^[1-9][0-9]*$ && "$RUNS" =~ ^[1-9][0-9]*$ && "$BLAST_BATCH" =~ ^[1-9][0-9]*$ ]] \
  || die "--records, --runs and --blast-batch must be positive numbers"
[[ -n "$BLAST_RECORDS" ]] || BLAST_RECORDS=$((3 * RECORDS))
[[ "$BLAST_RECORDS" =~ ^[1-9][0-9]*$ ]] || die "--blast-records must be a positive number"
case "$PIN" in
  auto) if (( $(nproc) >= 2 )) && command -v taskset >/dev/null; then PIN=on; else PIN=off; fi ;;
  on) if (( $(nproc) < 2 )) || ! command -v taskset >/dev/null; then die "--pin on needs taskset and 2 CPUs"; fi ;;
  off) ;;
  *) die "--pin must be auto, on or off" ;;
esac
CLIENT_PIN=() BROKER_PIN=()
if [[ "$PIN" == on ]]; then CLIENT_PIN=(taskset -c 0) BROKER_PIN=(taskset -c 1); fi
[[ -n "$OUT" ]] || OUT="$WORK_DIR/throughput/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT/bin"
: > "$OUT/results.tsv"

MOCK_PID="" STARTED_KAFKA=0 KAFKA_PID="" KAFKA_OLD_MASK=""
cleanup() {
  local rc=$?
  mock_stop
  if [[ -n "$KAFKA_OLD_MASK" && -n "$KAFKA_PID" ]]; then
    taskset -a -p "$KAFKA_OLD_MASK" "$KAFKA_PID" >/dev/null 2>&1 || true
  fi
  if (( STARTED_KAFKA )); then "$KAFKA_SH" stop single >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Binaries are copied into $OUT/bin: a concurrent rebuild cannot change them mid-measurement.
log "building kwire-mock, kwire-produce and kwire-blast (release)"
release_bins kwire-mock kwire-produce kwire-blast
cp "$RELEASE_DIR/kwire-mock" "$RELEASE_DIR/kwire-produce" "$RELEASE_DIR/kwire-blast" "$OUT/bin/"
MOCK_BIN="$OUT/bin/kwire-mock" PRODUCE_BIN="$OUT/bin/kwire-produce"
MOCK_WRAP=("${BROKER_PIN[@]+"${BROKER_PIN[@]}"}")
have_load() { [[ ",$LOADS," == *",$1,"* ]]; }
if have_load rdkafka; then ensure_venv; fi
PY="$VENV_DIR/bin/python"
if have_load franz; then ensure_go_client; cp "$BIN_DIR/kwire-franz" "$OUT/bin/"; fi
TICK="$(getconf CLK_TCK)"

cpu_ticks() { [[ "$1" =~ ^[0-9]+$ ]] || die "no pid"; awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# load_cmd LOAD BOOTSTRAP TOPIC: the client command line, into the array CMD
load_cmd() {
  local load="$1" b="$2" t="$3"
  case "$load" in
    rdkafka) CMD=("$PY" "$MOCK_DIR/rdkafka_load.py" --bootstrap "$b" --topic "$t" --count "$RECORDS" --timeout-s 300) ;;
    kwire) CMD=("$PRODUCE_BIN" -b "$b" -t "$t" --perf --num-records "$RECORDS" --record-size 100
                --key-count 1000 --json -X acks=all -X enable.idempotence=true) ;;
    franz) CMD=("$OUT/bin/kwire-franz" produce --bootstrap "$b" --topic "$t" --count "$RECORDS"
                --acks all --idempotence true --value-size 100 --timeout-s 300) ;;
    blast) CMD=("$OUT/bin/kwire-blast" --bootstrap "$b" --topic "$t" --count "$BLAST_RECORDS"
                --batch-records "$BLAST_BATCH" --acks all --idempotence=true --timeout-s 300) ;;
  esac
}

# Before each measurement: write back dirty pages (Kafka's log from the last load; kernel
# flushers would otherwise compete with the next load), then wait (at most 10 s) until Kafka
# is idle (under 2 % of a CPU over 0.3 s).
settle() {
  sync
  [[ -n "$KAFKA_PID" ]] || return 0
  local i a b
  for i in $(seq 1 30); do
    a="$(cpu_ticks "$KAFKA_PID")"; sleep 0.3; b="$(cpu_ticks "$KAFKA_PID")"
    (( (b - a) * 100 <= 2 * TICK * 3 / 10 )) && break
  done
}

# measure LOAD LABEL PID BOOTSTRAP RUN: one load, one line in results.tsv
measure() {
  local load="$1" label="$2" pid="$3" bootstrap="$4" run="$5" c0 c1 line topic cpu
  topic="kwire-throughput-$load-$label-$run-$RANDOM"
  if [[ "$load" != rdkafka ]]; then # rdkafka_load.py warms up itself
    # Create the topic and learn its leaders before the clock starts.
    timeout 120 "$PRODUCE_BIN" -b "$bootstrap" -t "$topic" --perf --num-records 1 --json \
      -X acks=all > "$OUT/warm-up.log" 2>&1 < /dev/null \
      || { log "$load on $label run $run: warm-up failed: $(tail -n2 "$OUT/warm-up.log")"; return 0; }
  fi
  load_cmd "$load" "$bootstrap" "$topic"
  settle
  c0="$(cpu_ticks "$pid")"
  line="$(timeout 600 /usr/bin/time -f '%U %S' -o "$OUT/client-time" "${CLIENT_PIN[@]}" "${CMD[@]}" \
    2> "$OUT/$load.$label.$run.log" < /dev/null | tail -n1)" \
    || { log "$load on $label run $run failed: ${line:0:300}"; return 0; }
  c1="$(cpu_ticks "$pid")"
  cpu="$(awk 'END { print $1 + $2 }' "$OUT/client-time")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$load" "$label" "$run" "$((c1 - c0))" "$cpu" "$line" >> "$OUT/results.tsv"
  log "$load on $label run $run: $(cut -c1-160 <<< "$line"), broker CPU $(awk "BEGIN { print ($c1 - $c0) / $TICK }") s, client CPU $cpu s"
}

# Kafka: found or started once, pinned for the whole script.
KAFKA_BOOTSTRAP=""
if [[ "$KAFKA" != skip ]]; then
  status="$("$KAFKA_SH" status 2>/dev/null || true)"
  KAFKA_PID="$(sed -n 's/.*node1: running (pid \([0-9]*\)).*/\1/p' <<< "$status")"
  if [[ -z "$KAFKA_PID" ]]; then
    log "starting a single-node Kafka"
    if "$KAFKA_SH" start single > "$OUT/kafka-start.log" 2>&1; then
      STARTED_KAFKA=1
      KAFKA_PID="$("$KAFKA_SH" status 2>/dev/null | sed -n 's/.*node1: running (pid \([0-9]*\)).*/\1/p' || true)"
    else
      log "Kafka did not start (see $OUT/kafka-start.log)"
    fi
  else
    log "using the running single-node Kafka (pid $KAFKA_PID)"
  fi
  KAFKA_BOOTSTRAP="$("$KAFKA_SH" env 2>/dev/null | sed -n 's/^export KWIRE_KAFKA_BOOTSTRAP=//p' | tr -d "'\"" || true)"
  if [[ -n "$KAFKA_PID" && "$PIN" == on ]]; then
    (( STARTED_KAFKA )) || KAFKA_OLD_MASK="$(taskset -p "$KAFKA_PID" | awk '{ print $NF }')"
    taskset -a -p 2 "$KAFKA_PID" > /dev/null || die "cannot pin Kafka to CPU 1"
  fi
  [[ -n "$KAFKA_PID" && -n "$KAFKA_BOOTSTRAP" ]] || { KAFKA_PID=""; log "no Kafka: ratios not measured"; }
fi

BROKERS=(kwire-mock-3-brokers-rf3 kwire-mock-1-broker)
[[ -n "$KAFKA_PID" ]] && BROKERS+=(kafka-single-node)
log "loads: ${LOAD_LIST[*]}; brokers: ${BROKERS[*]}; runs: $RUNS; pinning: $PIN"
for run in $(seq 1 "$RUNS"); do
  for load in "${LOAD_LIST[@]}"; do
    n=${#BROKERS[@]}
    for i in $(seq 0 $((n - 1))); do
      label="${BROKERS[$(((i + run - 1) % n))]}"
      case "$label" in
        kwire-mock-3-brokers-rf3) mock_start "$OUT"; measure "$load" "$label" "$MOCK_PID" "$MOCK_BOOTSTRAP" "$run"; mock_stop ;;
        kwire-mock-1-broker) mock_start "$OUT" --brokers 1; measure "$load" "$label" "$MOCK_PID" "$MOCK_BOOTSTRAP" "$run"; mock_stop ;;
        kafka-single-node) measure "$load" "$label" "$KAFKA_PID" "$KAFKA_BOOTSTRAP" "$run" ;;
      esac
    done
  done
done

"$BASE_PYTHON" - "$OUT/results.tsv" "$TICK" "$PIN" "$RECORDS" "$BLAST_RECORDS" "$BLAST_BATCH" <<'EOF' | tee "$OUT/summary.txt"
import json, statistics, sys
path, tick, pin = sys.argv[1], int(sys.argv[2]), sys.argv[3]
records, blast_records, blast_batch = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rows, order = {}, []
for line in open(path):
    load, label, run, ticks, ccpu, js = line.rstrip("\n").split("\t", 5)
    try:
        j = json.loads(js)
    except ValueError:
        continue
    n = j.get("acked", j.get("records", 0))  # franz-go says "acked"
    errs = j.get("errors", 0) + j.get("failed", 0)
    if errs or j.get("fatal") or not n:
        continue
    if load not in order:
        order.append(load)
    rows.setdefault((load, label), []).append((n, j["seconds"], int(ticks) / tick, float(ccpu)))
print("keyed 100-byte records, acks=all, idempotence, uncompressed; median of runs; "
      "pinning: %s" % ("client on CPU 0, broker on CPU 1" if pin == "on" else "none (both share every CPU)"))
print("loads: rdkafka/kwire/franz %d records; blast %d records, %d per batch" % (records, blast_records, blast_batch))
print("%-8s %-26s %4s %8s %12s %9s %9s %13s %10s" % (
    "load", "broker", "runs", "wall s", "rec/s", "CPU s", "s per 1M", "rec per CPU-s", "client CPU"))
med = {}
for (load, label), rs in sorted(rows.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
    n = statistics.median(r[0] for r in rs)
    wall = statistics.median(r[1] for r in rs)
    cpu = statistics.median(r[2] for r in rs)
    ccpu = statistics.median(r[3] for r in rs)
    per_m = cpu * 1e6 / n
    med[(load, label)] = (n / wall, n / cpu if cpu > 0 else float("inf"), per_m)
    print("%-8s %-26s %4d %8.3f %12.0f %9.2f %9.3f %13s %10.2f" % (
        load, label, len(rs), wall, n / wall, cpu, per_m, "%.0f" % (n / cpu) if cpu > 0 else "inf", ccpu))
ok = True
m = med.get(("rdkafka", "kwire-mock-3-brokers-rf3"))
if m:
    print("kwire-mock CPU s per 1M records from librdkafka: %.3f (target <= 0.15): %s" % (
        m[2], "pass" if m[2] <= 0.15 else "FAIL"))
    ok = m[2] <= 0.15
print("mock / Kafka, same load:  wall-clock rate (3 brokers rf3, 1 broker)   per broker CPU-s (3, 1)")
for load in order:
    k = med.get((load, "kafka-single-node"))
    m3, m1 = med.get((load, "kwire-mock-3-brokers-rf3")), med.get((load, "kwire-mock-1-broker"))
    if not k:
        continue
    f = lambda m, i: "%6.2fx" % (m[i] / k[i]) if m else "     -"
    print("  %-8s %18s %s %s %25s %s %s" % (load, "", f(m3, 0), f(m1, 0), "", f(m3, 1), f(m1, 1)))
k, m3 = med.get(("blast", "kafka-single-node")), med.get(("blast", "kwire-mock-3-brokers-rf3"))
if k and m3:
    r = m3[0] / k[0]
    print("ingest capacity, blast load, wall clock, mock 3 brokers vs Kafka: %.2fx (target >= 3x): %s" % (
        r, "pass" if r >= 3 else "FAIL"))
elif not any(l == "kafka-single-node" for _, l in med):
    print("no Kafka run: ratios not measured")
sys.exit(0 if ok else 1)
EOF
