#!/usr/bin/env bash
# kwire-produce --perf next to librdkafka on the same broker, same settings (100-byte records,
# linger.ms=5, acks=all, idempotence), fresh topics, interleaved in one run; prints every JSON
# line, then per variant the medians and the kwire/librdkafka ratios at equal batch sizes.
#
#   producer/bench/compare.sh BOOTSTRAP [NUM_RECORDS] [RECORD_SIZE] [ROUNDS]
#
# Variants (VARIANTS, comma separated; default: all that can run):
#   kwire-16k   kwire-produce at its defaults: batch.size=16384 (Java's), batches growing up
#               to batch.max.size=1048576 while their leader's connection is busy
#   kwire-1m    kwire-produce, batch.size=batch.max.size=1000000 (librdkafka's default)
#   kwire-16k-fixed  kwire-produce, batch.size=batch.max.size=16384 (no growth: equal to kcat-16k)
#   kcat-16k    kcat on librdkafka, batch.size=16384
#   kcat-1m     kcat on librdkafka, its defaults (batch.size=1000000)
#   py-16k      librdkafka through the confluent-kafka wheel, batch.size=16384
#   py-1m       librdkafka through the confluent-kafka wheel, its defaults
#   java-16k    the Java client (kafka-clients 4.x, tests/interop/clients/java JavaPerf, like
#               Kafka's ProducerPerformance) at its defaults: batch.size=16384
#   java-1m     the Java client, batch.size=1000000
#   franz-16k   franz-go (kwire-franz perf, tests/interop/clients/go/perf.go), batch.size=16384
#   franz-1m    franz-go at its defaults: ProducerBatchMaxBytes 1000012
#   ...-keyed   any of the above with keys from KEYS distinct ones (default 100): kwire
#               partitions by murmur2 like Java, librdkafka by its default (consistent_random)
#   ...-lz4     any of the above with compression.type=lz4
# The default list is the unkeyed variants plus kwire-16k-keyed and kcat-16k-keyed. Ratios:
# each kwire variant against the peers' variant of the same batch size (`-fixed` against the
# peers' plain one), and kwire at its defaults (kwire-16k) against each peer at its defaults
# (kcat-1m, py-1m, java-16k, franz-1m).
# EXTRA_X: comma-separated k=v given to every client alike (after the variant's settings).
# Every client gets linger.ms=5, acks=all, enable.idempotence=true; franz-go's driver also
# sets compression none unless compression.type says otherwise (kgo's default is snappy) and
# refuses a -X it cannot map. The Java and Go drivers are built by tests/interop/setup.sh
# (--only java, --only go; run here when those variants are asked for, skipped if it fails).
# THROUGHPUT=R offers R records/s to every client (--throughput of kwire-produce, JavaPerf,
# kwire-franz perf and the Python driver, like kafka-producer-perf-test's) for the latency at
# a fixed load: p50/p99 columns (each client's own per-record latency, send to acknowledgement;
# kwire-produce then times every record). kcat-* are skipped then (kcat reports no latency).
#
# CPU per record is per process. For py-* it includes the Python loop feeding librdkafka (which
# costs more than librdkafka itself), so kcat-* is the fair native comparison; kcat is Debian's
# package run on the wheel's librdkafka (producer/bench/kcat-setup.sh; skipped if unavailable).
# Every client leaves its start-up (metadata, producer id) out of the time (a warm-up record;
# kcat: input written once it has its producer id). Load: `uptime` is printed before and
# after, and each line carries loadavg.
#
# TLS (or any security settings): SECURITY_PROPS, comma-separated k=v given to every client
# alike, e.g. SECURITY_PROPS=security.protocol=SSL,ssl.ca.location=/path/ca.pem to a broker's
# SSL listener (kwire-mock --security-protocol SSL writes its CA's path in the ready file).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bootstrap="${1:?bootstrap servers}"
n="${2:-1000000}"
size="${3:-100}"
rounds="${4:-3}"
keys="${KEYS:-100}"
cache="${KWIRE_CACHE_DIR:-$root/.cache}"
py="$cache/venv/bin/python"
[[ -x "$py" ]] || { echo "no $py: run tests/interop/setup.sh --only python" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/kwire-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The same package selection as tests/interop/lib/common.sh release_bins: one feature set.
( cd "$root" && cargo build -q --release -p kwire-mock -p kwire-producer -p kwire-tests --bin kwire-produce )
# A copy: a concurrent rebuild cannot change the binary mid-run.
cp "${CARGO_TARGET_DIR:-$root/target}/release/kwire-produce" "$work/kwire-produce"
kcat=""
if kcat="$("$here/kcat-setup.sh" 2>"$work/kcat-setup.err")"; then :; else
  echo "kcat unavailable, kcat-* variants skipped: $(cat "$work/kcat-setup.err")" >&2
  kcat=""
fi
java_libs="$cache/java-client/libs"
franz="$cache/bin/kwire-franz"
default="kwire-16k,kwire-16k-fixed,kwire-1m,kcat-16k,kcat-1m,py-16k,py-1m,java-16k,java-1m,franz-16k,franz-1m,kwire-16k-keyed,kcat-16k-keyed"
sec=()
for list in "${SECURITY_PROPS:-}" "${EXTRA_X:-}"; do
  [[ -n "$list" ]] || continue
  IFS=, read -r -a props <<< "$list"
  for p in "${props[@]}"; do sec+=(-X "$p"); done
  echo "settings for every client: $list"
done
IFS=, read -r -a variants <<< "${VARIANTS:-$default}"
peers_ok=0
if [[ " ${variants[*]}" == *" java-"* || " ${variants[*]}" == *" franz-"* ]]; then
  if "$root/tests/interop/setup.sh" --only java --only go 2>"$work/setup.err"; then peers_ok=1; else
    echo "Java/franz-go drivers unavailable, java-*/franz-* skipped: $(tail -3 "$work/setup.err")" >&2
  fi
fi
pace=() kwpace=()
if [[ -n "${THROUGHPUT:-}" ]]; then
  pace=(--throughput "$THROUGHPUT")
  kwpace=("${pace[@]}" --latency-sample 1)
  echo "offered load: $THROUGHPUT records/s per client (kcat-* skipped: no per-record latency)"
fi

run_variant() { # name stamp -> one JSON line
  local v="$1" stamp="$2" client bs keyed=0 kw=() rd=() common=()
  client="${v%%-*}"
  bs="${v#*-}"; bs="${bs%%-*}"
  [[ "$v" == *-keyed* ]] && keyed=1
  [[ "$v" == *-lz4* ]] && common+=(-X compression.type=lz4)
  case "$bs" in 16k) bs=16384 ;; 1m) bs=1000000 ;; *) echo "bad variant $v" >&2; return 2 ;; esac
  local topic="bench-$v-$stamp"
  case "$client" in
    kwire)
      (( keyed )) && kw=(--key-count "$keys")
      # Equal batch sizes: no growth past batch.size (1m) or asked for (-fixed).
      [[ "$bs" == 1000000 || "$v" == *-fixed* ]] && kw+=(-X batch.max.size="$bs")
      timeout 600 "$work/kwire-produce" -b "$bootstrap" -t "$topic" --perf --json \
        --num-records "$n" --record-size "$size" ${kw[@]+"${kw[@]}"} ${kwpace[@]+"${kwpace[@]}"} \
        -X linger.ms=5 -X acks=all -X enable.idempotence=true -X batch.size="$bs" \
        ${common[@]+"${common[@]}"} ${sec[@]+"${sec[@]}"} ;;
    kcat | py)
      (( keyed )) && rd=(--key-count "$keys")
      [[ "$client" == kcat ]] && rd+=(--driver kcat --kcat "$kcat" --data-dir "$work")
      # librdkafka's default batch.size is 1000000: set only for 16k.
      [[ "$bs" == 16384 ]] && rd+=(-X batch.size=16384)
      rd+=(${common[@]+"${common[@]}"} ${sec[@]+"${sec[@]}"} ${pace[@]+"${pace[@]}"})
      timeout 600 "$py" "$here/rdkafka_perf.py" --bootstrap "$bootstrap" --topic "$topic" \
        --num-records "$n" --record-size "$size" "${rd[@]}" ;;
    java)
      (( keyed )) && rd=(--key-count "$keys")
      [[ "$bs" == 1000000 ]] && rd+=(-X batch.size=1000000)
      # -Xmx512m as kafka-producer-perf-test.sh; the JVM's default JIT and GC.
      timeout 600 java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        -Dorg.slf4j.simpleLogger.logFile=System.err -cp "$java_libs/*" kwire.interop.JavaPerf \
        --bootstrap "$bootstrap" --topic "$topic" --num-records "$n" --record-size "$size" \
        ${rd[@]+"${rd[@]}"} ${pace[@]+"${pace[@]}"} -X linger.ms=5 -X acks=all \
        -X enable.idempotence=true ${common[@]+"${common[@]}"} ${sec[@]+"${sec[@]}"} ;;
    franz)
      (( keyed )) && rd=(--key-count "$keys")
      [[ "$bs" == 16384 ]] && rd+=(-X batch.size=16384)
      timeout 600 "$franz" perf --bootstrap "$bootstrap" --topic "$topic" --num-records "$n" \
        --record-size "$size" ${rd[@]+"${rd[@]}"} ${pace[@]+"${pace[@]}"} -X linger.ms=5 \
        -X acks=all -X enable.idempotence=true ${common[@]+"${common[@]}"} ${sec[@]+"${sec[@]}"} ;;
    *) echo "bad variant $v" >&2; return 2 ;;
  esac
}

echo "load before: $(uptime)"
# RESULTS=FILE keeps the JSON lines (each with variant, round, load) in FILE, appended.
out="${RESULTS:-$work/results.jsonl}"

# BROKER_PIDS="PID..." (the broker processes on this machine): each line also gets the
# brokers' CPU time per record of the run (broker_cpu_us_per_record) and the machine's idle
# share during it (idle_pct), to tell a client-bound run from a broker-bound one.
ticks() { # -> "broker-ticks idle-ticks total-ticks" (1/100 s)
  local b=0 p f
  for p in ${BROKER_PIDS:-}; do
    read -r -a f < "/proc/$p/stat" 2>/dev/null || continue
    b=$((b + f[13] + f[14]))
  done
  read -r -a f < /proc/stat
  echo "$b $((f[4] + f[5])) $((f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7] + f[8]))"
}
# WARMUP=K runs K rounds first whose figures are printed but kept out of the results: a JVM
# broker's first runs are slow for every client while its JIT compiles the hot paths.
for r in $(seq $((1 - ${WARMUP:-0})) "$rounds"); do
  for v in "${variants[@]}"; do
    if [[ "$v" == kcat-* && ( -z "$kcat" || -n "${THROUGHPUT:-}" ) ]]; then continue; fi
    if [[ "$v" == java-* || "$v" == franz-* ]] && (( ! peers_ok )); then continue; fi
    load="$(cut -d' ' -f1 /proc/loadavg)"
    t0="$(ticks)"
    line="$(run_variant "$v" "$(date +%s%N)")" || echo "round $r $v: exit $?" >&2
    t1="$(ticks)"
    [[ -n "$line" ]] || continue
    if (( r < 1 )); then echo "warm-up $v (load $load, not kept): $line"; continue; fi
    echo "round $r $v (load $load): $line"
    "$py" - "$line" "$v" "$r" "$load" "$t0" "$t1" "${BROKER_PIDS:-}" >> "$out" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
d.update(variant=sys.argv[2], round=int(sys.argv[3]), load=float(sys.argv[4]))
(b0, i0, a0), (b1, i1, a1) = (map(int, t.split()) for t in sys.argv[5:7])
if a1 > a0:
    d["idle_pct"] = round(100 * (i1 - i0) / (a1 - a0), 1)
if sys.argv[7] and d.get("records"):
    d["broker_cpu_us_per_record"] = round((b1 - b0) * 1e4 / d["records"], 3)
print(json.dumps(d))
PY
  done
done
echo "load after: $(uptime)"
"$py" - "$out" "$n" <<'PY'
import collections, json, statistics, sys
rows = [r for r in map(json.loads, open(sys.argv[1])) if "records_per_sec" in r]
n = int(sys.argv[2])
by = collections.defaultdict(list)
for r in rows:
    by[r["variant"]].append(r)
med = {}
print(f"{'variant':<18} {'runs':>4} {'records/s':>11} {'CPU us/rec':>10} {'p50 ms':>7} {'p99 ms':>7} "
      f"{'brokerCPU':>9} {'idle%':>5} {'load':>5}  incomplete")
for v, xs in by.items():
    rps = statistics.median(x["records_per_sec"] for x in xs)
    cpu = statistics.median(x["cpu_us_per_record"] for x in xs)
    bad = sum(1 for x in xs if x.get("records") != n or x.get("failed"))
    med[v] = (rps, cpu)
    opt = {}
    for p, w in (("p50_ms", 7), ("p99_ms", 7), ("broker_cpu_us_per_record", 9), ("idle_pct", 5)):
        got = [x[p] for x in xs if x.get(p) is not None]
        opt[p] = f"{statistics.median(got):>{w}.2f}" if got else f"{'-':>{w}}"
    print(f"{v:<18} {len(xs):>4} {rps:>11,.0f} {cpu:>10.2f} {opt['p50_ms']} {opt['p99_ms']} "
          f"{opt['broker_cpu_us_per_record']} {opt['idle_pct']} "
          f"{statistics.median(x['load'] for x in xs):>5.2f}  {bad or ''}")
print()
peers = ("kcat-", "py-", "java-", "franz-")
for v in by:
    if not v.startswith("kwire-"):
        continue
    rest = v[len("kwire-"):].replace("-fixed", "")
    for other in peers:
        o = other + rest
        if o in med:
            (rk, ck), (ro, co) = med[v], med[o]
            print(f"{v} vs {o}: {rk / ro:.2f}x records/s, {ck / co:.2f}x CPU per record")
# kwire at its defaults against each peer at its defaults (batch.size: librdkafka 1000000,
# Java 16384, franz-go 1000012)
for suffix in ("", "-keyed", "-lz4", "-keyed-lz4"):
    for other in ("kcat-1m", "py-1m", "java-16k", "franz-1m"):
        k, o = "kwire-16k" + suffix, other + suffix
        if k in med and o in med:
            (rk, ck), (ro, co) = med[k], med[o]
            print(f"defaults: {k} vs {o}: {rk / ro:.2f}x records/s, {ck / co:.2f}x CPU per record")
PY
