#!/usr/bin/env bash
# The whole interop stage, as CI runs it: install, then real clients against real Kafka.
#
#   ci.sh [--records N] [--old-kafka V|none] [--no-cross] [--no-failover]
#
#   1. setup.sh                    (cached after the first run)
#   2. single node (pinned Kafka)  run-clients.sh --cross     every client reads every client
#   3. cluster (3 brokers)         run-clients.sh --failover  partition leader killed mid-produce
#   4. single node, older Kafka    run-clients.sh             (default 3.9.2; --old-kafka none skips)
#
# Every stage runs even if an earlier one failed; the exit status is non-zero if any failed.
# Brokers are always stopped (kafka.sh with ... traps EXIT). To stay clear of a broker a
# developer keeps running, ci.sh uses its own state directory (tests/interop/.work/ci, also
# where the results go) and shifts every port by KWIRE_KAFKA_PORT_OFFSET (default 500 here:
# single 127.0.0.1:19592, cluster 29592-29594).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RECORDS=10000 OLD_KAFKA=3.9.2 CROSS=--cross FAILOVER=--failover
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --old-kafka) OLD_KAFKA="$2"; shift 2 ;;
    --no-cross) CROSS=""; shift ;;
    --no-failover) FAILOVER=""; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

export KWIRE_INTEROP_WORK="$WORK_DIR/ci"
export KWIRE_KAFKA_PORT_OFFSET="${KWIRE_KAFKA_PORT_OFFSET:-500}"
K="$INTEROP_DIR/kafka.sh"
R="$INTEROP_DIR/run-clients.sh"
"$K" stop   # leftovers of an interrupted ci.sh (only processes of this state directory)
OUT="$KWIRE_INTEROP_WORK/results"
rm -rf "$OUT" && mkdir -p "$OUT"
trap '"$K" stop >/dev/null 2>&1 || true' EXIT

T0=$SECONDS
TIMES=()
FAILED=()
stage() { # name command...
  local name="$1" t0=$SECONDS rc=0; shift
  log "=== $name"
  "$@" || rc=$?
  TIMES+=("$(printf '%-34s %5ds  %s' "$name" $((SECONDS - t0)) "$( ((rc)) && echo FAILED || echo ok)")")
  (( rc == 0 )) || FAILED+=("$name")
}

setup_args=()
[[ "$OLD_KAFKA" != none ]] && setup_args+=(--kafka-version "$(default_kafka_version)" --kafka-version "$OLD_KAFKA")
stage "setup" "$INTEROP_DIR/setup.sh" "${setup_args[@]+"${setup_args[@]}"}"

# shellcheck disable=SC2016 # expanded by the inner shell, after kafka.sh exported it
stage "single $(default_kafka_version)" "$K" with single -- \
  bash -c '"$0" "$KWIRE_KAFKA_BOOTSTRAP" "$@"' "$R" --records "$RECORDS" ${CROSS:+"$CROSS"} --out "$OUT/single"
# shellcheck disable=SC2016
stage "cluster $(default_kafka_version)" "$K" with cluster -- \
  bash -c '"$0" "$KWIRE_KAFKA_CLUSTER_BOOTSTRAP" "$@"' "$R" --records "$RECORDS" ${FAILOVER:+"$FAILOVER"} --out "$OUT/cluster"
if [[ "$OLD_KAFKA" != none ]]; then
  # shellcheck disable=SC2016
  stage "single $OLD_KAFKA" "$K" with single --version "$OLD_KAFKA" -- \
    bash -c '"$0" "$KWIRE_KAFKA_BOOTSTRAP" "$@"' "$R" --records "$RECORDS" --out "$OUT/single-$OLD_KAFKA"
fi

passed=0 failed=0
for f in "$OUT"/*/summary.txt; do
  [[ -f "$f" ]] || continue
  line="$(grep -E '^run-clients: [0-9]+ passed, [0-9]+ failed$' "$f" | tail -n1)" || continue
  read -r _ p _ q _ <<< "$line"
  passed=$((passed + p)) failed=$((failed + q))
done
# a stage that failed without a failing check (setup, or no table at all) still counts
if (( ${#FAILED[@]} > 0 && failed == 0 )); then failed=${#FAILED[@]}; fi
echo
echo "interop stages (total $((SECONDS - T0))s):"
printf '  %s\n' "${TIMES[@]}"
for f in "$OUT"/*/summary.txt; do [[ -f "$f" ]] && { echo; echo "== ${f#"$OUT"/}"; cat "$f"; }; done
echo
echo "interop: $passed passed, $failed failed"
(( ${#FAILED[@]} == 0 ))
