#!/usr/bin/env bash
# kafka-leader-election.sh (Kafka's LeaderElectionCommand, from the broker's jars) against the
# 3-broker Kafka cluster and a 3-broker kwire-mock, the same steps on both:
#   1. a topic of 6 partitions, RF 3; the preferred leader of partition 0 (broker V) stops
#      (Kafka: SIGKILL; mock: POST /brokers/V/down) until its partitions have other leaders,
#      then comes back and rejoins every ISR: its partitions keep their new leaders;
#   2. --election-type preferred --all-topic-partitions: the tool must report exactly the
#      topic's partitions whose leader was not their preferred replica, and afterwards every
#      partition is led by its preferred replica;
#   3. preferred and unclean elections for partition 0, now led by its preferred replica: both
#      "Valid replica already elected" (ELECTION_NOT_NEEDED), the same lines from both.
#
#   leader-election.sh   (Kafka: $KWIRE_KAFKA_CLUSTER_BOOTSTRAP, under `kafka.sh with cluster`)
#
# Prints each step's result per broker; exits 1 if a step fails on either.
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=mock.sh
source "$INTEROP_DIR/differential/mock.sh"
set -euo pipefail

[[ -n "${KWIRE_KAFKA_CLUSTER_BOOTSTRAP:-}" ]] \
  || die "KWIRE_KAFKA_CLUSTER_BOOTSTRAP is not set (tests/interop/kafka.sh with cluster -- $0)"
: "${KWIRE_KAFKA_CLUSTER_VERSION:?}"
start_mock --brokers 3 --replication-factor 3
declare -A BOOT=([kafka]="$KWIRE_KAFKA_CLUSTER_BOOTSTRAP" [mock]="$MOCK_BOOTSTRAP")
TOPIC="kwire-leader-election-$(date +%s)-$$"
rc=0

tool() { # broker class args... -> output, the topic written TOPIC
  kafka_tool "$KWIRE_KAFKA_CLUSTER_VERSION" "$2" --bootstrap-server "${BOOT[$1]}" "${@:3}" \
    | sed "s/$TOPIC/TOPIC/g"
}
# "partition leader first-replica isr" per line, from kafka-topics.sh --describe
placement() {
  tool "$1" org.apache.kafka.tools.TopicCommand --describe --topic "$TOPIC" \
    | awk '/Partition:/ { for (i = 1; i <= NF; i++) { if ($i == "Partition:") p = $(i+1);
             if ($i == "Leader:") l = $(i+1); if ($i == "Replicas:") r = $(i+1); if ($i == "Isr:") s = $(i+1) }
             split(r, rs, ","); print p, l, rs[1], s }'
}
# waits up to 60 s until `placement` satisfies the awk condition on every line
wait_placement() { # broker awk-condition what
  local until=$(( $(date +%s) + 60 )) out
  while :; do
    out="$(placement "$1")"
    if [[ "$(wc -l <<<"$out")" -eq 6 ]] && awk "!($2) { bad = 1 } END { exit bad }" <<<"$out"; then return 0; fi
    (( $(date +%s) < until )) || { log "$1: $3 not reached in 60 s: $(paste -sd'|' <<<"$out")"; return 1; }
    sleep 0.5
  done
}
check() { # broker step ok|FAIL detail
  printf '%-6s %-34s %-4s %s\n' "$1" "$2" "$3" "$4"
  [[ "$3" == ok ]] || rc=1
}
stop_broker() {
  if [[ "$1" == kafka ]]; then "$INTEROP_DIR/kafka.sh" kill-broker "$2" >/dev/null
  else curl -sf -XPOST "$MOCK_CONTROL/brokers/$2/down" >/dev/null; fi
}
start_broker() {
  if [[ "$1" == kafka ]]; then "$INTEROP_DIR/kafka.sh" start-broker "$2" >/dev/null
  else curl -sf -XPOST "$MOCK_CONTROL/brokers/$2/up" >/dev/null; fi
}

for broker in kafka mock; do
  log "kafka-leader-election.sh against $broker"
  tool "$broker" org.apache.kafka.tools.TopicCommand --create --topic "$TOPIC" --partitions 6 \
    --replication-factor 3 > /dev/null
  wait_placement "$broker" '$2 == $3 && split($4, x, ",") == 3' "every preferred leader, full ISRs" \
    || { check "$broker" "topic ready" FAIL ""; continue; }
  v="$(placement "$broker" | awk '$1 == 0 { print $3 }')"
  stop_broker "$broker" "$v"
  wait_placement "$broker" "\$2 != $v" "no partition led by broker $v" \
    || { check "$broker" "broker $v stopped" FAIL ""; start_broker "$broker" "$v"; continue; }
  start_broker "$broker" "$v"
  wait_placement "$broker" "split(\$4, x, \",\") == 3" "broker $v back in every ISR" \
    || { check "$broker" "broker $v back" FAIL ""; continue; }
  before="$(placement "$broker")"
  want="$(awk '$2 != $3 { print "TOPIC-" $1 }' <<<"$before" | sort | paste -sd, -)"
  [[ -n "$want" ]] || { check "$broker" "leaders moved" FAIL "$(paste -sd'|' <<<"$before")"; continue; }
  out="$(tool "$broker" org.apache.kafka.tools.LeaderElectionCommand --election-type preferred \
    --all-topic-partitions)"
  got="$(grep -o 'TOPIC-[0-9]*' <<<"$out" | sort | paste -sd, - || true)"
  v_ok=FAIL; [[ "$out" == *"Successfully completed leader election (PREFERRED)"* && "$got" == "$want" ]] && v_ok=ok
  check "$broker" "preferred, all partitions" "$v_ok" "elected $got (led elsewhere: $want)"
  after_ok=ok
  wait_placement "$broker" '$2 == $3' "every preferred leader again" || after_ok=FAIL
  check "$broker" "every preferred leader leads" "$after_ok" ""
  for type in preferred unclean; do
    out="$(tool "$broker" org.apache.kafka.tools.LeaderElectionCommand --election-type "$type" \
      --topic "$TOPIC" --partition 0 | paste -sd' ' -)"
    v_ok=FAIL; [[ "$out" == "Valid replica already elected for partitions TOPIC-0" ]] && v_ok=ok
    check "$broker" "$type, partition 0" "$v_ok" "$out"
  done
  tool "$broker" org.apache.kafka.tools.TopicCommand --delete --topic "$TOPIC" > /dev/null || true
done
exit "$rc"
