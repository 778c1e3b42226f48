#!/usr/bin/env bash
# Coordinator failover with real consumers in groups, against kwire-mock (3 brokers) or a
# 3-broker Kafka cluster.
#
#   tests/interop/mock/group-failover.sh [--fault move|down|kill] [--peers librdkafka,java]
#        [--protocols classic,consumer] [--records 12000] [--delay-s 1] [--down-s 10]
#        [--timeout-s 180] [--out DIR]
#
# For each protocol, run-groups.sh (three members, a clean leave, a SIGKILLed member expired,
# takeover, resume; see ../run-groups.sh) runs while the groups' coordinator fails:
#   move  kwire-mock: at most --delay-s after each group of the run has members, its coordinator
#         moves to another broker (POST /groups/{group}/coordinator: the leadership of the
#         group's __consumer_offsets partition moves), once per group;
#   down  kwire-mock: every group of the run has its coordinator on one broker; once every
#         group's first member owns partitions, that broker goes down (POST /brokers/{id}/down:
#         its leaderships, __consumer_offsets' included, move to the others), and comes back up
#         --down-s later;
#   kill  the 3-broker Kafka cluster of kafka.sh (already running): the same with the broker
#         SIGKILLed (kafka.sh kill-broker; fenced about 6 s later) and restarted --down-s later.
# For down and kill the run ids are chosen so that every peer's group lands in the same
# __consumer_offsets partition (Kafka's abs(groupId.hashCode()) % 3; kwire-mock runs with 3 such
# partitions too, mock/groups.json), so one broker failure moves every group's coordinator.
# The members must rediscover the coordinator and carry on: every run-groups check must pass
# (nothing skipped, only the killed member's uncommitted records read twice, commits made
# before the failure count after it), and the coordinator must have failed for every group (the
# broker that fails coordinated it, as FindCoordinator answers just before the fault).
# One fault per group: a member that leaves before it heard of a move sends its leave to the old
# coordinator, which answers NOT_COORDINATOR; Kafka's Java client then gives up on the leave
# (the member stays until its session times out), so faults at random instants would time
# the session timeout, not the failover.
# Exits non-zero on any failure; tables and logs in --out.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
MOCK_DIR="$INTEROP_DIR/mock"
KAFKA_SH="$INTEROP_DIR/kafka.sh"

FAULT=move PEERS="librdkafka,java" PROTOCOLS="classic,consumer" RECORDS=12000 DELAY=1 DOWN_S=10
TIMEOUT=180 OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fault) FAULT="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --protocols) PROTOCOLS="$2"; shift 2 ;;
    --records) RECORDS="$2"; shift 2 ;;
    --delay-s) DELAY="$2"; shift 2 ;;
    --down-s) DOWN_S="$2"; shift 2 ;;
    --timeout-s) TIMEOUT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ "$FAULT" == move || "$FAULT" == down || "$FAULT" == kill ]] || die "--fault: move, down or kill"
[[ -n "$OUT" ]] || OUT="$WORK_DIR/group-failover/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
PY="$BASE_PYTHON"
export KWIRE_CTL="$MOCK_DIR/ctl.py"
ensure_probe

MOCK_PID="" RUN_PID="" DOWN_BROKER=""
cleanup() {
  local rc=$?
  [[ -n "$RUN_PID" ]] && { stop_pids 10 "$RUN_PID" || true; }
  if [[ -n "$DOWN_BROKER" && "$FAULT" == kill ]]; then "$KAFKA_SH" start-broker "$DOWN_BROKER" >/dev/null 2>&1 || true; fi
  mock_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "$FAULT" == kill ]]; then
  BOOTSTRAP="$("$KAFKA_SH" env 2>/dev/null | sed -n 's/^export KWIRE_KAFKA_CLUSTER_BOOTSTRAP=//p' | tr -d "'\"")" || true
  [[ -n "$BOOTSTRAP" ]] || die "--fault kill needs the 3-broker Kafka cluster running (kafka.sh start cluster)"
  BROKER_NAME="kafka-cluster"
  log "Kafka cluster at $BOOTSTRAP"
else
  if [[ -z "${MOCK_BIN:-}" ]]; then
    release_bins kwire-mock
    MOCK_BIN="$RELEASE_DIR/kwire-mock"
  fi
  mock_start "$OUT" --brokers 3 --control 127.0.0.1:0 --config "$MOCK_DIR/groups.json"
  BOOTSTRAP="$MOCK_BOOTSTRAP" BROKER_NAME="kwire-mock"
  log "kwire-mock pid $MOCK_PID: bootstrap $BOOTSTRAP, control $MOCK_CONTROL"
fi

# move_new PREFIX SEEN_FILE: moves the coordinator of every group with members whose id starts
# with PREFIX and is not yet in SEEN_FILE (then added); prints how many moved.
move_new() {
  "$PY" - "$MOCK_CONTROL" "$1" "$2" <<'EOF'
import importlib.util, os, sys, urllib.parse
url, prefix, seen_file = sys.argv[1], sys.argv[2], sys.argv[3]
seen = set(open(seen_file).read().split()) if os.path.exists(seen_file) else set()
spec = importlib.util.spec_from_file_location("ctl", os.environ["KWIRE_CTL"])
ctl = importlib.util.module_from_spec(spec); spec.loader.exec_module(ctl)
moved = 0
for g in ctl.state(url).get("groups", []):
    gid = g["group_id"]
    if gid.startswith(prefix) and gid not in seen and g.get("state") not in ("Empty", "Dead"):
        code, text = ctl.request(url, "POST", "/groups/%s/coordinator" % urllib.parse.quote(gid, safe=""), "{}")
        print("%s: HTTP %d %s" % (gid, code, text), file=sys.stderr)
        if code < 400:
            moved += 1
            with open(seen_file, "a") as f:
                f.write(gid + "\n")
print(moved)
EOF
}

# same_partition_run_ids PREFIX PEER...: for each peer a run id under which its group
# (PREFIX-PEER-ID) falls in the same of the 3 __consumer_offsets partitions as the others';
# prints "PARTITION PEER=ID,PEER=ID,...". (One id for all peers would not do: how the names'
# Java hashes differ is fixed by the peers' names, and for some name sets no common id puts
# them in one partition.)
same_partition_run_ids() {
  "$PY" - "$@" <<'EOF'
import random, sys, time
prefix, peers = sys.argv[1], sys.argv[2:]
def partition(group):  # Kafka's Utils.abs(String.hashCode()) % offsets.topic.num.partitions
    h = 0
    for ch in group:  # the names are ASCII: one UTF-16 unit each
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    if h >= 1 << 31:  # Java's int: Utils.abs is Math.abs, with MIN_VALUE mapped to 0
        h = 0 if h == 1 << 31 else (1 << 32) - h
    return h % 3
target, ids, base = random.randrange(3), [], int(time.time())
for p in peers:
    n = 0
    while partition("%s-%s-%d-%d" % (prefix, p, base, n)) != target:
        n += 1
    ids.append("%s=%d-%d" % (p, base, n))
print(target, ",".join(ids))
EOF
}

# coordinator_of PARTITION: the broker leading that __consumer_offsets partition
coordinator_of() {
  if [[ "$FAULT" == kill ]]; then
    "$KAFKA_SH" leader __consumer_offsets "$1" cluster 2>/dev/null
  else
    "$PY" - "$MOCK_CONTROL" "$1" <<'EOF'
import importlib.util, os, sys
url, part = sys.argv[1], int(sys.argv[2])
spec = importlib.util.spec_from_file_location("ctl", os.environ["KWIRE_CTL"])
ctl = importlib.util.module_from_spec(spec); spec.loader.exec_module(ctl)
for t in ctl.state(url).get("topics", []):
    if t.get("name") == "__consumer_offsets":
        for p in t["partitions"]:
            if p["partition"] == part:
                print(p["leader"])
EOF
  fi
}

# all_assigned DIR PEER...: every peer's member A owns partitions (its progress file says so)
all_assigned() {
  local d="$1" p; shift
  for p in "$@"; do grep -q '"assigned"' "$d/$p.a.progress" 2>/dev/null || return 1; done
}

rc=0
IFS=, read -r -a protocols <<< "$PROTOCOLS"
for proto in "${protocols[@]}"; do
  prefix="kwire-failover-$$" run_ids="" part=""
  IFS=, read -r -a peers <<< "$PEERS"
  if [[ "$proto" == consumer ]]; then
    kept=(); for p in "${peers[@]}"; do [[ "$p" == kafka-python ]] || kept+=("$p"); done; peers=("${kept[@]}")
  fi
  if [[ "$FAULT" != move ]]; then
    found="$(same_partition_run_ids "$prefix-$proto" "${peers[@]}")"
    part="${found%% *}" run_ids="${found#* }"
    [[ -n "$part" && -n "$run_ids" ]] || die "no run ids found (got '$found')"
    log "$proto: run ids $run_ids: every group in __consumer_offsets partition $part"
  fi
  "$INTEROP_DIR/run-groups.sh" "$BOOTSTRAP" --records "$RECORDS" --peers "$PEERS" \
    --group-protocol "$proto" --timeout-s "$TIMEOUT" --topic-prefix "$prefix" --out "$OUT/$proto" --jobs 8 \
    --broker-name "$BROKER_NAME+$FAULT" ${run_ids:+--run-ids "$run_ids"} > "$OUT/$proto.txt" 2> "$OUT/$proto.log" &
  RUN_PID=$!
  faults=0 down_at=0 failed=0 expected=${#peers[@]}
  while kill -0 "$RUN_PID" 2>/dev/null; do
    sleep "$DELAY"
    if [[ "$FAULT" == move ]]; then
      n="$(move_new "$prefix" "$OUT/$proto.moved" 2>> "$OUT/$proto.faults.log" || echo 0)"
      faults=$((faults + ${n:-0}))
    elif (( ! failed )) && all_assigned "$OUT/$proto" "${peers[@]}"; then
      DOWN_BROKER="$(coordinator_of "$part")"
      [[ -n "$DOWN_BROKER" ]] || { log "$proto: no leader for __consumer_offsets $part"; continue; }
      # a group counts only if its run is still before member C (the coordinator fails mid-run)
      # and the broker going down coordinates it, as FindCoordinator says just before
      faults=0
      for p in "${peers[@]}"; do
        [[ -e "$OUT/$proto/$p.c.progress" ]] && continue
        g="$(cat "$OUT/$proto/$p.group")" # run-groups.sh names each peer's group there
        c="$(probe coordinator --bootstrap "$BOOTSTRAP" --group "$g" 2>> "$OUT/$proto.faults.log" || true)"
        if [[ "$c" == "$DOWN_BROKER" ]]; then faults=$((faults + 1))
        else log "$proto: group $g is coordinated by ${c:-no broker}, not broker $DOWN_BROKER"; fi
      done
      log "$proto: coordinator broker $DOWN_BROKER (every group) goes down"
      failed=1
      if [[ "$FAULT" == kill ]]; then "$KAFKA_SH" kill-broker "$DOWN_BROKER" >> "$OUT/$proto.faults.log" 2>&1
      else "$PY" "$KWIRE_CTL" "$MOCK_CONTROL" post "/brokers/$DOWN_BROKER/down" >> "$OUT/$proto.faults.log" 2>&1; fi
      down_at=$SECONDS
    elif [[ -n "$DOWN_BROKER" ]] && (( SECONDS - down_at >= DOWN_S )); then
      now="$(coordinator_of "$part" || true)"
      echo "__consumer_offsets $part leader while broker $DOWN_BROKER was down: ${now:-none}" | tee -a "$OUT/$proto.faults.log"
      [[ -n "$now" && "$now" != "$DOWN_BROKER" ]] || { log "$proto: the coordinator did not move"; faults=0; }
      log "$proto: broker $DOWN_BROKER comes back"
      if [[ "$FAULT" == kill ]]; then "$KAFKA_SH" start-broker "$DOWN_BROKER" >> "$OUT/$proto.faults.log" 2>&1
      else "$PY" "$KWIRE_CTL" "$MOCK_CONTROL" post "/brokers/$DOWN_BROKER/up" >> "$OUT/$proto.faults.log" 2>&1; fi
      DOWN_BROKER=""
    fi
  done
  run_rc=0
  wait "$RUN_PID" || run_rc=$?
  RUN_PID=""
  if [[ -n "$DOWN_BROKER" ]]; then # the run ended first: the broker comes back for the next one
    log "$proto: the run ended with broker $DOWN_BROKER down"
    if [[ "$FAULT" == kill ]]; then "$KAFKA_SH" start-broker "$DOWN_BROKER" >> "$OUT/$proto.faults.log" 2>&1 || true
    else "$PY" "$KWIRE_CTL" "$MOCK_CONTROL" post "/brokers/$DOWN_BROKER/up" >> "$OUT/$proto.faults.log" 2>&1 || true; fi
    DOWN_BROKER=""
  fi
  cat "$OUT/$proto.txt"
  echo "groups whose coordinator failed ($FAULT) during the $proto run: $faults of $expected"
  if (( run_rc != 0 )); then rc=1; fi
  if (( faults < expected )); then echo "FAIL: the coordinator failed for $faults of $expected groups"; rc=1; fi
done
exit "$rc"
