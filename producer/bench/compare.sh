#!/usr/bin/env bash
# kwire-produce --perf next to librdkafka (confluent-kafka wheel from tests/interop/setup.sh),
# same broker, same settings (100-byte records, linger.ms=5, acks=all, idempotence), fresh
# topics, in one run; prints both JSON lines and the throughput and CPU-per-record ratios.
#
# Batch sizes differ by default: kwire follows Java (batch.size=16384), librdkafka batches up to
# 1000000 bytes. kwire runs twice per round: with its defaults, and with batch.size=1000000
# like librdkafka (the like-for-like comparison). CPU per record is per process: for
# librdkafka it includes the Python loop that feeds it.
#
#   producer/bench/compare.sh BOOTSTRAP [NUM_RECORDS] [RECORD_SIZE] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bootstrap="${1:?bootstrap servers}"
n="${2:-1000000}"
size="${3:-100}"
rounds="${4:-3}"
py="$root/.cache/venv/bin/python"
[[ -x "$py" ]] || { echo "no $py: run tests/interop/setup.sh --only python" >&2; exit 2; }
( cd "$root" && cargo build -q --release -p kwire-producer --bin kwire-produce )
bin="${CARGO_TARGET_DIR:-$root/target}/release/kwire-produce"
kw=() kb=() rd=()
for r in $(seq "$rounds"); do
  stamp="$(date +%s%N)"
  k="$("$bin" -b "$bootstrap" -t "bench-kwire-$stamp" --perf --json \
        --num-records "$n" --record-size "$size" -X linger.ms=5 -X acks=all)"
  b="$("$bin" -b "$bootstrap" -t "bench-kwire-big-$stamp" --perf --json \
        --num-records "$n" --record-size "$size" -X linger.ms=5 -X acks=all -X batch.size=1000000)"
  l="$("$py" "$here/rdkafka_perf.py" --bootstrap "$bootstrap" --topic "bench-rdkafka-$stamp" \
        --num-records "$n" --record-size "$size")"
  echo "round $r kwire:      $k"
  echo "round $r kwire 1MB:  $b"
  echo "round $r librdkafka: $l"
  kw+=("$k") kb+=("$b") rd+=("$l")
done
"$py" - "${#kw[@]}" "${kw[@]}" "${kb[@]}" "${rd[@]}" <<'PY'
import json, statistics, sys
k = int(sys.argv[1]); rows = [json.loads(x) for x in sys.argv[2:]]
kw, kb, rd = rows[:k], rows[k:2 * k], rows[2 * k:]
med = lambda xs, f: statistics.median(x[f] for x in xs)
rr, cr = med(rd, "records_per_sec"), med(rd, "cpu_us_per_record")
for name, xs in (("kwire (batch.size=16384)", kw), ("kwire (batch.size=1000000)", kb)):
    rk, ck = med(xs, "records_per_sec"), med(xs, "cpu_us_per_record")
    print(f"{name}: {rk:,.0f} records/s = {rk / rr:.2f}x librdkafka ({rr:,.0f}); "
          f"CPU {ck:.2f} us/record = {ck / cr:.2f}x librdkafka ({cr:.2f})")
PY
