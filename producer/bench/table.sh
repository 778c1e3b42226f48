#!/usr/bin/env bash
# The producer's performance table: compare.sh's matrix on every broker, printed as Markdown.
#
#   producer/bench/table.sh [--quick] [--brokers LIST] [--records N] [--rounds R] [--out DIR]
#
# Brokers (LIST, comma separated; default all four):
#   mock        kwire-mock, 3 brokers, 3 partitions, RF 3, min.insync.replicas 2
#   mock-lag5   the same with followers 5 ms behind (--follower-lag-ms 5)
#   kafka       Kafka 4.3.1, one broker (tests/interop/run kafka with single)
#   cluster     Kafka 4.3.1, 3 brokers, RF 3, min.insync.replicas 2 (... with cluster)
# Clients (compare.sh variants), 100-byte records, linger.ms=5, acks=all, idempotence:
#   at each one's defaults, plain, with 100 keys (-keyed) and lz4 (-lz4):
#     kwire-16k (batch.size 16384 growing to batch.max.size), kcat-1m (librdkafka 1000000),
#     java-16k (16384), franz-1m (franz-go 1000012)
#   at equal batch sizes, plain: kwire-16k-fixed, kcat-16k, franz-16k (and java-16k) at 16384;
#     kwire-1m, java-1m (and kcat-1m, franz-1m) at 1000000
# Default N = 1,000,000 records per run and 3 interleaved rounds (medians); --quick: 200,000
# records, 1 round (about a tenth of the time; for checking the script, not for figures).
# Kafka runs with its full JIT (KWIRE_KAFKA_JIT=full) on ports shifted past any in use, and
# each Kafka broker gets one warm-up round of every client first, not counted (compare.sh
# WARMUP=1): the first round after Kafka starts is slow for every client while the JIT works.
# Prints the tables on stdout (progress on stderr); the JSON lines stay in DIR (default a
# fresh directory under ${TMPDIR:-/tmp}, named at the end). Each run is bounded (compare.sh's
# 600 s per client run, Kafka's start timeout) and every broker started is stopped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../../tests/interop/lib/common.sh
source "$root/tests/interop/lib/common.sh"

brokers="mock,mock-lag5,kafka,cluster"
n=1000000
rounds=3
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) n=200000; rounds=1; shift ;;
    --brokers) brokers="$2"; shift 2 ;;
    --records) n="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ -n "$out" ]] || out="$(mktemp -d "${TMPDIR:-/tmp}/kwire-table.XXXXXX")"
mkdir -p "$out"

defaults="kwire-16k,kcat-1m,java-16k,franz-1m"
variants="$defaults,kwire-16k-fixed,kcat-16k,franz-16k,kwire-1m,java-1m"
for s in keyed lz4; do
  variants+=",kwire-16k-$s,kcat-1m-$s,java-16k-$s,franz-1m-$s"
done

release_bins kwire-mock kwire-produce
MOCK_BIN="$RELEASE_DIR/kwire-mock"
trap 'mock_stop' EXIT

# A port offset whose Kafka ports are all free (KWIRE_KAFKA_PORT_OFFSET if given).
kafka_offset() {
  local off
  for off in ${KWIRE_KAFKA_PORT_OFFSET:-} 3100 3300 3500 3700 3900; do
    local p busy=0
    for p in 19092 19093 29090 29092 29093 29094 19892 19893 19894; do
      if tcp_open 127.0.0.1 $((p + off)); then busy=1; break; fi
    done
    (( busy )) || { echo "$off"; return 0; }
  done
  die "no free Kafka port offset"
}

show() { # label: compare.sh's summary lines, to stderr
  grep -E '^(load|defaults:|kwire-|variant|[a-z]+-1[6m])' "$out/$1.log" >&2 || true
}

IFS=, read -r -a list <<< "$brokers"
for b in "${list[@]}"; do
  case "$b" in
    mock | mock-lag5)
      log "$b: $n records x $rounds rounds"
      lag=0
      [[ "$b" == mock-lag5 ]] && lag=5
      mkdir -p "$out/$b.mock"
      mock_start "$out/$b.mock" -b 3 --partitions 3 --replication-factor 3 \
        --min-insync-replicas 2 --follower-lag-ms "$lag"
      BROKER_PIDS="$MOCK_PID" RESULTS="$out/$b.jsonl" VARIANTS="$variants" \
        "$here/compare.sh" "$MOCK_BOOTSTRAP" "$n" 100 "$rounds" > "$out/$b.log" 2>&1 \
        || log "$b: compare.sh exit $? (see $out/$b.log)"
      show "$b"
      mock_stop ;;
    kafka | cluster)
      mode=single
      [[ "$b" == cluster ]] && mode=cluster
      off="$(kafka_offset)"
      # compare.sh runs inside `with`, which starts and always stops the broker(s).
      WARMUP=1 KWIRE_KAFKA_JIT=full KWIRE_KAFKA_PORT_OFFSET="$off" \
        KWIRE_INTEROP_WORK="$out/kafka-work" "$INTEROP_DIR/run" kafka with "$mode" -- \
        bash -c 'if [[ "$0" == single ]]; then bs="$KWIRE_KAFKA_BOOTSTRAP"; else bs="$KWIRE_KAFKA_CLUSTER_BOOTSTRAP"; fi
                 # the JVMs of this instance (brokers and controller), by kafka.sh'"'"'s marker
                 BROKER_PIDS="$(pgrep -f -- "-Dkwire.interop.node=$KWIRE_INTEROP_WORK/" | tr "\n" " ")" \
                 RESULTS="$1/$2.jsonl" VARIANTS="$3" "$4/compare.sh" "$bs" "$5" 100 "$6"' \
        "$mode" "$out" "$b" "$variants" "$here" "$n" "$rounds" > "$out/$b.log" 2>&1 \
        || log "$b: exit $? (see $out/$b.log)"
      show "$b" ;;
    *) die "unknown broker $b (mock, mock-lag5, kafka, cluster)" ;;
  esac
done

log "JSON lines and logs in $out"
"$VENV_DIR/bin/python" "$here/table.py" "$out" "$n" "$rounds" "${list[@]}"
