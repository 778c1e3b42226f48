#!/usr/bin/env bash
# Regenerates kafka-broker-configs.jsonl, the table kwire-mock describes broker configs from
# (`cluster/broker_config.rs`): every config a real Kafka broker lists for DescribeConfigs(BROKER)
# with its type, read-only and sensitive flags and its default, one JSON object a line, by name.
#
#   mock-broker/data/generate-broker-configs.sh            start Kafka (tests/interop/run) and ask it
#   mock-broker/data/generate-broker-configs.sh --check    fail if the committed table differs
#
# The default of a config is the value of its DEFAULT_CONFIG synonym (what the broker's ConfigDef
# gives it), or null when it has none (no default, or a sensitive one): so the values
# tests/interop/kafka.sh sets (listeners, log.dirs, ports, thread counts, ...) never reach the
# table, and nothing in it depends on the host, the ports or the directories of the run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/kafka-broker-configs.jsonl"
check=0
[[ "${1:-}" == --check ]] && check=1

if [[ -z "${KWIRE_KAFKA_BOOTSTRAP:-}" ]]; then
  exec "$root/tests/interop/run" kafka with single -- "$0" "$@"
fi
probe="${KWIRE_PROBE:-$root/target/release/kwire-probe}"
[[ -x "$probe" ]] || (cd "$root" && cargo build --release -q -p kwire-tests --bin kwire-probe)
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
"$probe" broker-configs --bootstrap "$KWIRE_KAFKA_BOOTSTRAP" | jq -c '
  if .error_code != 0 then error("DescribeConfigs error \(.error_code)") else . end
  | .configs | sort_by(.name)[]
  | {name, type: (["UNKNOWN","BOOLEAN","STRING","INT","SHORT","LONG","DOUBLE","LIST","CLASS","PASSWORD"][.type]),
     read_only, sensitive,
     default: ([.synonyms[] | select(.[2] == 5)][0][1] // null)}' > "$tmp"
n="$(wc -l < "$tmp")"
(( n > 100 )) || { echo "only $n configs: is this a Kafka broker?" >&2; exit 1; }
if (( check )); then
  diff -u "$out" "$tmp" && echo "broker configs: $n, equal to the committed table"
else
  cp "$tmp" "$out"
  echo "wrote $n broker configs to $out"
fi
