#!/usr/bin/env bash
# Real tools against real Kafka and against kwire-mock, the same operations on both:
#   - the admin script of every client driver (Java AdminClient, kafka-python's KafkaAdminClient,
#     franz-go's kadm, librdkafka's AdminClient): create a topic (3 partitions,
#     retention.ms=3600000), create it again, describe it and its configs, alter retention.ms,
#     delete it, delete it again, list every ACL, create and delete a user's SCRAM credential
#     (clients/run.sh CLIENT admin);
#   - kafka-configs.sh: a user's SCRAM credential and producer quota added, described, deleted;
#   - kafka-topics.sh (create, create again, list, describe, alter partitions, delete, delete
#     again), kafka-consumer-groups.sh (list, describe, state, reset to earliest, describe
#     offsets, delete, delete again), kafka-get-offsets.sh (latest, earliest),
#     kafka-delete-records.sh and kafka-cluster.sh cluster-id around 1,000 records a group
#     consumed;
#   - kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh (20,000 records),
#     kafka-console-producer.sh and kafka-console-consumer.sh (5 lines, a group) and
#     kafka-log-dirs.sh (the topic's partitions);
#   - kcat -L (metadata of the whole cluster);
#   - kcat -P -z lz4 of the same 20,000 records of 1 KB: the bytes kwire-mock received (its
#     bytes-in counter) within 10% of what Kafka stores (its log segments).
#
#   tools.sh [--strict]   (Kafka: $KWIRE_KAFKA_BOOTSTRAP, e.g. under `kafka.sh with single`)
#
# Prints tool x operation -> pass/fail per broker, and whether both gave the same result.
# Exits 1 when an operation fails against Kafka (a driver is broken); --strict also when one
# fails against kwire-mock. Without kcat (producer/bench/kcat-setup.sh cannot get it) its rows
# are skipped.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=mock.sh
source "$INTEROP_DIR/differential/mock.sh"

strict=0
[[ "${1:-}" == --strict ]] && strict=1
[[ -n "${KWIRE_KAFKA_BOOTSTRAP:-}" ]] || die "KWIRE_KAFKA_BOOTSTRAP is not set (tests/interop/kafka.sh with single -- $0)"
KCAT="$CACHE_DIR/kcat/kcat"
[[ -x "$KCAT" ]] || KCAT="$REPO_ROOT/.cache/kcat/kcat"
[[ -x "$KCAT" ]] || KCAT="$("$REPO_ROOT/producer/bench/kcat-setup.sh" 2>/dev/null)" || KCAT=""
[[ -n "$KCAT" ]] || log "kcat not available (producer/bench/kcat-setup.sh failed): its rows are skipped"
PY="$VENV_DIR/bin/python"

RUN="$(date +%s)-$$"
OUT="$(mktemp -d)"
start_mock --brokers 1 --replication-factor 1
trap 'stop_mock; rm -rf "$OUT"' EXIT
declare -A BOOT=([kafka]="$KWIRE_KAFKA_BOOTSTRAP" [mock]="$MOCK_BOOTSTRAP")

# result lines: tool<TAB>op<TAB>broker<TAB>pass|FAIL<TAB>result
results="$OUT/results.tsv"
: > "$results"
add() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"; }

for broker in kafka mock; do
  for tool in java kafka-python franz-go librdkafka; do
    log "$tool admin against $broker"
    timeout 120 "$INTEROP_DIR/clients/run.sh" "$tool" admin --bootstrap "${BOOT[$broker]}" \
      --topic "kwire-tools-$tool-$RUN" --timeout-s 15 >"$OUT/$tool-$broker.json" 2>"$OUT/$tool-$broker.log" || true
    "$PY" - "$tool" "$broker" "$OUT/$tool-$broker.json" >> "$results" <<'PY'
import json, sys
tool, broker, path = sys.argv[1:4]
seen = False
for line in open(path):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if "result" in j:
        seen = True
        r = str(j["result"]).replace("\t", " ").replace("\n", " ")[:80]
        print("\t".join([tool, j["op"].replace("admin.", ""), broker, "pass" if j["ok"] else "FAIL", r]))
    elif "fatal" in j:
        seen = True
        print("\t".join([tool, "admin", broker, "FAIL", str(j["fatal"])[:80]]))
if not seen:
    print("\t".join([tool, "admin", broker, "FAIL", "no output"]))
PY
  done

  [[ -n "$KCAT" ]] || continue
  log "kcat -L against $broker"
  if json="$(timeout 30 "$KCAT" -L -J -b "${BOOT[$broker]}" -m 10 2>"$OUT/kcat-L-$broker.log")"; then
    brokers="$("$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["brokers"]))' <<<"$json")"
    add kcat "-L" "$broker" pass "brokers=$brokers"
  else
    add kcat "-L" "$broker" FAIL "$(tail -n1 "$OUT/kcat-L-$broker.log" | cut -c1-80)"
  fi
done

# kafka-configs.sh (Kafka's ConfigCommand, from the broker's jars): a user's SCRAM credential
# and quota set, described (until both show: Kafka's brokers learn them from the metadata log)
# and deleted again
configs() { # broker args... -> its output, the user's name written USER
  kafka_tool "${KWIRE_KAFKA_SINGLE_VERSION:?}" kafka.admin.ConfigCommand \
    --bootstrap-server "${BOOT[$1]}" "${@:2}" | sed "s/$USER_NAME/USER/g"
}
USER_NAME="kwire-tools-user-$RUN"
for broker in kafka mock; do
  log "kafka-configs.sh against $broker"
  users=(--entity-type users --entity-name "$USER_NAME")
  for step in "scram=--add-config SCRAM-SHA-256=[iterations=8192,password=kwire-secret]" \
              "quota=--add-config producer_byte_rate=1048576"; do
    # shellcheck disable=SC2086 # the step's arguments split on purpose
    out="$(configs "$broker" --alter "${users[@]}" ${step#*=} | tail -n1)"
    v=FAIL; [[ "$out" == "Completed updating config for user USER." ]] && v=pass
    add kafka-configs "alter ${step%%=*}" "$broker" "$v" "$out"
  done
  until=$(( $(date +%s) + 10 ))
  while :; do
    out="$(configs "$broker" --describe "${users[@]}" | paste -sd'/' -)"
    [[ "$out" == *"producer_byte_rate=1048576.0"* && "$out" == *"SCRAM-SHA-256=iterations=8192"* ]] && break
    (( $(date +%s) < until )) || break
    sleep 0.5
  done
  v=FAIL
  [[ "$out" == *"producer_byte_rate=1048576.0"* && "$out" == *"SCRAM-SHA-256=iterations=8192"* ]] && v=pass
  add kafka-configs describe "$broker" "$v" "$out"
  out="$(configs "$broker" --alter "${users[@]}" --delete-config producer_byte_rate | tail -n1)"
  out2="$(configs "$broker" --alter "${users[@]}" --delete-config SCRAM-SHA-256 | tail -n1)"
  v=FAIL; [[ "$out" == "$out2" && "$out" == "Completed updating config for user USER." ]] && v=pass
  add kafka-configs "delete both" "$broker" "$v" "$out"
done

# Kafka's command-line tools (from the broker's jars: kafka-tools): kafka-topics.sh,
# kafka-consumer-groups.sh and kafka-get-offsets.sh on a topic of their own, with 1,000 records
# produced and consumed by a group (the Java driver) in between. Each result is the tool's
# output with the topic, group and what names a broker (topic ids, coordinator address) taken
# out; "Elr:" columns are dropped (the mock answers DescribeTopics through Metadata, which has no
# eligible leader replicas, KIP-966: it prints N/A where Kafka 4.3 prints empty lists). Error
# messages are compared by the exception the tool names: their wording is each broker's own.
cli() { # broker class args... -> output (stdout and stderr), names normalised
  kafka_tool "${KWIRE_KAFKA_SINGLE_VERSION:?}" "$2" --bootstrap-server "${BOOT[$1]}" "${@:3}" \
    | sed -e "s/$CLI_TOPIC/TOPIC/g" -e "s/$CLI_GROUP/GROUP/g" -e 's/TopicId: [^[:space:]]*//' \
          -e 's/[[:space:]]*Elr:.*//' -e 's/^[0-9T:.-]*Z main ERROR //'
}
topics() { cli "$1" org.apache.kafka.tools.TopicCommand "${@:2}"; }
groups() { cli "$1" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "${@:2}"; }
offsets() { cli "$1" org.apache.kafka.tools.GetOffsetShell "${@:2}"; }
# the rows of a table after its header, sorted, columns from the 2nd on, on one line
table() { awk 'f && NF { $1=""; sub(/^ /, ""); print } /^GROUP/ { f=1 }' | sort | paste -sd'/' -; }
# the exception a failing tool names, else its last line
failure() {
  local text named
  text="$(cat)"
  named="$(grep -o '[A-Za-z]*Exception\|does not exist as expected' <<<"$text" | head -n1 || true)"
  if [[ -n "$named" ]]; then echo "$named"; else tail -n1 <<<"$text"; fi
}
cli_check() { # tool op broker want got
  local v=FAIL
  [[ "$5" == $4 ]] && v=pass # want is a glob
  add "$1" "$2" "$3" "$v" "$5"
}
for broker in kafka mock; do
  CLI_TOPIC="kwire-tools-cli-$broker-$RUN" CLI_GROUP="kwire-tools-cli-group-$broker-$RUN"
  log "kafka-topics.sh, kafka-consumer-groups.sh and kafka-get-offsets.sh against $broker"
  create=(--create --topic "$CLI_TOPIC" --partitions 3 --replication-factor 1 --config retention.ms=3600000)
  cli_check kafka-topics create "$broker" "Created topic TOPIC." "$(topics "$broker" "${create[@]}" | tail -n1)"
  cli_check kafka-topics "create again" "$broker" TopicExistsException "$(topics "$broker" "${create[@]}" | failure)"
  cli_check kafka-topics list "$broker" "TOPIC" "$(topics "$broker" --list | grep -x TOPIC || true)"
  cli_check kafka-topics describe "$broker" "*PartitionCount: 3*retention.ms=3600000*" \
    "$(topics "$broker" --describe --topic "$CLI_TOPIC" | tr -s ' \t' ' ' | paste -sd'/' -)"
  topics "$broker" --alter --topic "$CLI_TOPIC" --partitions 4 > "$OUT/cli-alter-$broker.log"
  cli_check kafka-topics "alter partitions" "$broker" "*PartitionCount: 4*" \
    "$(cat "$OUT/cli-alter-$broker.log"; topics "$broker" --describe --topic "$CLI_TOPIC" | head -n1 | tr -s ' \t' ' ')"
  timeout 120 "$INTEROP_DIR/clients/run.sh" java produce --bootstrap "${BOOT[$broker]}" --topic "$CLI_TOPIC" \
    --count 1000 --timeout-s 60 > "$OUT/cli-produce-$broker.json" 2>&1 || true
  timeout 120 "$INTEROP_DIR/clients/run.sh" java group --bootstrap "${BOOT[$broker]}" --topic "$CLI_TOPIC" \
    --group "$CLI_GROUP" --stop-after 1000 --idle-s 3 --timeout-s 60 > "$OUT/cli-group-$broker.json" 2>&1 || true
  cli_check kafka-consumer-groups list "$broker" "GROUP" "$(groups "$broker" --list | grep -x GROUP || true)"
  # 1,000 records over 4 partitions, all committed: lag 0 everywhere
  cli_check kafka-consumer-groups describe "$broker" "TOPIC 0 * * 0 - - -/TOPIC 1 * * 0 - - -/TOPIC 2 * * 0 - - -/TOPIC 3 * * 0 - - -" \
    "$(groups "$broker" --describe --group "$CLI_GROUP" | table)"
  cli_check kafka-consumer-groups "describe state" "$broker" "- Empty 0" \
    "$(groups "$broker" --describe --group "$CLI_GROUP" --state | table | awk '{print $(NF-2), $(NF-1), $NF}')"
  cli_check kafka-consumer-groups "reset earliest" "$broker" "TOPIC ? 0/TOPIC ? 0/TOPIC ? 0/TOPIC ? 0" \
    "$(groups "$broker" --reset-offsets --group "$CLI_GROUP" --topic "$CLI_TOPIC" --to-earliest --execute | table)"
  cli_check kafka-consumer-groups "describe offsets" "$broker" "TOPIC 0 0 * * - - -/TOPIC 1 0 * * - - -/TOPIC 2 0 * * - - -/TOPIC 3 0 * * - - -" \
    "$(groups "$broker" --describe --group "$CLI_GROUP" --offsets | table)"
  latest="$(offsets "$broker" --topic "$CLI_TOPIC" | paste -sd' ' -)"
  v=FAIL
  [[ "$(tr ' ' '\n' <<<"$latest" | awk -F: '{ n++; s += $3 } END { print n, s }')" == "4 1000" ]] && v=pass
  add kafka-get-offsets latest "$broker" "$v" "$latest"
  cli_check kafka-get-offsets earliest "$broker" "TOPIC:0:0 TOPIC:1:0 TOPIC:2:0 TOPIC:3:0" \
    "$(offsets "$broker" --topic "$CLI_TOPIC" --time -2 | paste -sd' ' -)"
  printf '{"partitions":[{"topic":"%s","partition":0,"offset":5}],"version":1}' "$CLI_TOPIC" > "$OUT/delete-$broker.json"
  cli_check kafka-delete-records "partition 0 to 5" "$broker" "partition: TOPIC-0 low_watermark: 5" \
    "$(cli "$broker" org.apache.kafka.tools.DeleteRecordsCommand --offset-json-file "$OUT/delete-$broker.json" \
       | grep '^partition:' | tr -s ' \t' ' ')"
  cli_check kafka-get-offsets "earliest after" "$broker" "TOPIC:0:5 TOPIC:1:0 TOPIC:2:0 TOPIC:3:0" \
    "$(offsets "$broker" --topic "$CLI_TOPIC" --time -2 | paste -sd' ' -)"
  # (the bootstrap option follows the subcommand here; ids differ by cluster)
  cli_check kafka-cluster cluster-id "$broker" "Cluster ID: (an id)" \
    "$(kafka_tool "$KWIRE_KAFKA_SINGLE_VERSION" org.apache.kafka.tools.ClusterTool cluster-id \
       --bootstrap-server "${BOOT[$broker]}" | sed -n 's/^Cluster ID: .\{1,\}/Cluster ID: (an id)/p')"
  cli_check kafka-consumer-groups delete "$broker" "*successful*" "$(groups "$broker" --delete --group "$CLI_GROUP" | grep . || true)"
  cli_check kafka-consumer-groups "delete again" "$broker" GroupIdNotFoundException \
    "$(groups "$broker" --delete --group "$CLI_GROUP" | failure)"
  out="$(topics "$broker" --delete --topic "$CLI_TOPIC")"
  cli_check kafka-topics delete "$broker" "deleted" "$([[ -z "$out" ]] && echo deleted || echo "$out" | tail -n1)"
  cli_check kafka-topics "delete again" "$broker" "does not exist as expected" \
    "$(topics "$broker" --delete --topic "$CLI_TOPIC" | failure)"
done

# Kafka's load and console tools on a topic of their own: kafka-producer-perf-test.sh (20,000
# records of 100 bytes), kafka-consumer-perf-test.sh (reads them in a group),
# kafka-console-producer.sh and kafka-console-consumer.sh (5 lines through a group) and
# kafka-log-dirs.sh (the topic's partitions in the broker's log dir).
for broker in kafka mock; do
  CLI_TOPIC="kwire-tools-perf-$broker-$RUN" CLI_GROUP="kwire-tools-perf-group-$broker-$RUN"
  log "perf, console and log-dirs tools against $broker"
  topics "$broker" --create --topic "$CLI_TOPIC" --partitions 3 --replication-factor 1 > /dev/null
  out="$(cli "$broker" org.apache.kafka.tools.ProducerPerformance --topic "$CLI_TOPIC" --num-records 20000 \
    --throughput -1 --record-size 100 | tail -n1)"
  cli_check kafka-producer-perf-test "20000 records" "$broker" "20000 records sent" "$(grep -o '^20000 records sent' <<<"$out" || echo "$out")"
  out="$(cli "$broker" org.apache.kafka.tools.ConsumerPerformance --topic "$CLI_TOPIC" --messages 20000 \
    --group "$CLI_GROUP" --timeout 30000 | tail -n1 | awk -F', ' '{ print $5 }')"
  cli_check kafka-consumer-perf-test "20000 records" "$broker" "20000" "$out"
  seq 1 5 | cli "$broker" org.apache.kafka.tools.ConsoleProducer --topic "$CLI_TOPIC-console" > "$OUT/console-$broker.log"
  out="$(cli "$broker" org.apache.kafka.tools.consumer.ConsoleConsumer --topic "$CLI_TOPIC-console" \
    --from-beginning --max-messages 5 --group "$CLI_GROUP" --timeout-ms 30000 \
    | grep -v 'rebalance protocol' | sort | paste -sd' ' -)"
  cli_check kafka-console-consumer "5 lines" "$broker" "1 2 3 4 5 Processed a total of 5 messages" "$out"
  out="$(cli "$broker" org.apache.kafka.tools.LogDirsCommand --describe --topic-list "$CLI_TOPIC" \
    | grep -o '"partition":"[^"]*"' | sort | paste -sd' ' -)"
  cli_check kafka-log-dirs describe "$broker" '"partition":"TOPIC-0" "partition":"TOPIC-1" "partition":"TOPIC-2"' "$out"
done

# kcat -P -z lz4: 20,000 records of 1 KB (compressible, as real payloads are)
"$PY" - > "$OUT/records.txt" <<'PY'
for i in range(20000):
    head = "%d:" % i
    print(head + "abcdefghij" * ((1024 - len(head)) // 10))
PY
stored_kafka() { # topic -> bytes of its log segments
  du -cb "$KWIRE_INTEROP_WORK"/single/node1/data/"$1"-*/*.log 2>/dev/null | tail -n1 | cut -f1
}
bytes_in_mock() {
  "$PY" -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/state"))["server"]["bytes_in"])' "$MOCK_CONTROL"
}
lz4_bytes=(0 0)
for broker in $([[ -n "$KCAT" ]] && echo kafka mock); do
  topic="kwire-tools-lz4-$RUN"
  before=0
  [[ "$broker" == mock ]] && before="$(bytes_in_mock)"
  log "kcat -P -z lz4 against $broker"
  if timeout 120 "$KCAT" -P -b "${BOOT[$broker]}" -t "$topic" -z lz4 -X linger.ms=50 < "$OUT/records.txt" 2>"$OUT/kcat-P-$broker.log"; then
    if [[ "$broker" == kafka ]]; then
      sleep 1 # segments are flushed to the page cache as they are written; size is final here
      bytes="$(stored_kafka "$topic")"
    else
      bytes=$(( $(bytes_in_mock) - before ))
    fi
    if [[ "$broker" == kafka ]]; then lz4_bytes[0]="$bytes"; else lz4_bytes[1]="$bytes"; fi
  else
    add kcat "-P -z lz4" "$broker" FAIL "$(tail -n1 "$OUT/kcat-P-$broker.log" | cut -c1-80)"
  fi
done
k="${lz4_bytes[0]}" m="${lz4_bytes[1]}"
if [[ "$k" -gt 0 && "$m" -gt 0 ]]; then
  verdict="$("$PY" -c 'import sys; k,m=map(int,sys.argv[1:]); print("pass" if abs(m-k) <= 0.1*k else "FAIL", "%.2f" % (m/k))' "$k" "$m")"
  add kcat "-P -z lz4" kafka pass "stored $k bytes"
  add kcat "-P -z lz4" mock "${verdict%% *}" "received $m bytes (${verdict##* }x Kafka's)"
fi

printf '\n%-24s %-17s %-6s %-6s %s\n' tool operation Kafka mock "same result? (Kafka | mock)"
"$PY" - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    tool, op, broker, verdict, result = line.rstrip("\n").split("\t")
    rows.setdefault((tool, op), {})[broker] = (verdict, result)
for (tool, op), b in rows.items():
    k = b.get("kafka", ("-", ""))
    m = b.get("mock", ("-", ""))
    same = "same" if k[1] == m[1] else "differs: %s | %s" % (k[1], m[1])
    if op == "-P -z lz4":
        same = "%s | %s" % (k[1], m[1])
    print("%-24s %-17s %-6s %-6s %s" % (tool, op, k[0], m[0], same))
PY
pass_k=$(awk -F'\t' '$3=="kafka" && $4=="pass"' "$results" | wc -l)
pass_m=$(awk -F'\t' '$3=="mock" && $4=="pass"' "$results" | wc -l)
total_k=$(awk -F'\t' '$3=="kafka"' "$results" | wc -l)
total_m=$(awk -F'\t' '$3=="mock"' "$results" | wc -l)
echo "tools: Kafka $pass_k/$total_k pass, kwire-mock $pass_m/$total_m pass"
[[ "$pass_k" == "$total_k" && ( "$strict" == 0 || "$pass_m" == "$total_m" ) ]]
