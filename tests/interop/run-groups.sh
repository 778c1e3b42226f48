#!/usr/bin/env bash
# Real clients consume in consumer groups against one Kafka-speaking endpoint.
#
#   run-groups.sh BOOTSTRAP [--records 60000] [--partitions 12]
#                 [--peers librdkafka,kafka-python,java,franz-go] [--group-protocol classic|consumer]
#                 [--jobs 8] [--idle-s 6] [--timeout-s 180] [--topic-prefix kwire-groups]
#                 [--broker-name NAME] [--run-id ID] [--run-ids PEER=ID,...] [--out DIR]
#
# --group-protocol consumer runs the members with group.protocol=consumer (KIP-848:
# ConsumerGroupHeartbeat, the broker assigns); kafka-python has no such protocol and is left
# out of such a run (named in the log). Peers run at once, --jobs at a time, each with its own
# topic and group, so the run takes about as long as its slowest peer, not the sum.
#
# For each peer (every driver's "group" op; see README.md), with N = --records:
#   1. a topic of --partitions partitions is created (CreateTopics, through kwire-probe) and
#      N/2 keyed records are produced (the peer's produce op);
#   2. member A joins and reads N/12 records, then processes nothing more (what it fetches
#      after is dropped, uncommitted) and holds its partitions; member B joins; member K joins
#      and will read N/24 records, committing only the first N/48 of them. Once A, B and K own
#      disjoint sets covering every partition, N/4 more records are produced;
#   3. once K has read its N/24, A leaves cleanly (LeaveGroup); B and K take over A's
#      partitions (from A's commits);
#   4. K is killed (SIGKILL: no LeaveGroup, its last N/48 records read but not committed): the
#      coordinator must expire it after its session timeout (classic: the client's
#      session.timeout.ms, 10 s in every driver; KIP-848: the broker's
#      group.consumer.session.timeout.ms, read from the broker), and B takes over every
#      partition, from K's and A's commits, and reads to the end;
#   5. B leaves when idle; the rest of the N records are produced; member C (K restarted)
#      joins and reads from the committed offsets until idle.
# Every member commits the offsets of what it processed after each poll (synchronously) and
# writes each event to its --progress-file (K's is all there is of it after the kill). The
# steps wait on ownership and progress, never on fixed times (lib/groupwait.py), so the same
# scenario holds for the classic protocol's synchronous rebalances and KIP-848's assignments
# over heartbeats. Checks (lib/judge.py groups) per peer:
#   produce    the three produce runs delivered every record
#   split      at one instant A, B and K owned non-empty, disjoint sets covering every partition
#   leave      after A left, B and K owned every partition (time: "leave" column)
#   expiry     after the kill, B owned every partition, within [session - heartbeat - 0.5 s,
#              session + 2 heartbeats + 10 s] (time: "kill" column)
#   no-skip    every one of the N records was read
#   dups       the only records read twice are ones K read at or after its last commit
#   resume     C read exactly the records of the last produce run, each once
#   committed  each partition's last commit (any member) is its end offset
# Exits non-zero on any failure. JSON lines, progress files and logs are kept in --out
# (default tests/interop/.work/run-groups/<time>); the table is also written there, and one
# <peer>.result.json per peer (judge.py matrix gathers them over runs).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,47p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[[ $# -ge 1 && "$1" != -* ]] || usage
BOOTSTRAP="$1"; shift
RECORDS=60000 PARTITIONS=12 PEERS="librdkafka,kafka-python,java,franz-go" IDLE=6 TIMEOUT=180
PREFIX=kwire-groups OUT="" PROTOCOL=classic JOBS=8 BROKER_NAME="$BOOTSTRAP" ONE_PEER=""
RUN_ID="${RUN_ID:-}" RUN_IDS=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records) RECORDS="$2"; shift 2 ;;
    --partitions) PARTITIONS="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --group-protocol) PROTOCOL="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --idle-s) IDLE="$2"; shift 2 ;;
    --timeout-s) TIMEOUT="$2"; shift 2 ;;
    --topic-prefix) PREFIX="$2"; shift 2 ;;
    --broker-name) BROKER_NAME="$2"; shift 2 ;;
    --run-id) RUN_ID="$2"; shift 2 ;; # topics and groups are PREFIX-PROTOCOL-PEER-ID
    --run-ids) RUN_IDS="$2"; shift 2 ;; # PEER=ID,...: a peer's own ID
    --out) OUT="$2"; shift 2 ;;
    --one-peer) ONE_PEER="$2"; shift 2 ;; # internal: run one peer's scenario, no judge
    -h|--help) usage 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ "$PROTOCOL" == classic || "$PROTOCOL" == consumer ]] || die "--group-protocol: classic or consumer"
(( RECORDS >= 48 )) || die "--records: at least 48"
ensure_probe
PY="$BASE_PYTHON"; [[ -x "$VENV_DIR/bin/python" ]] && PY="$VENV_DIR/bin/python"
WAIT="$INTEROP_DIR/lib/groupwait.py"

CHILDREN=()
cleanup() {
  local rc=$?
  stop_pids 10 "${CHILDREN[@]+"${CHILDREN[@]}"}" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- one peer's scenario (a child run of this script) ----------------------------------------
if [[ -n "$ONE_PEER" ]]; then
  p="$ONE_PEER"
  # client NAME OP ARGS...: a background client bounded by timeout, which leads its own process
  # group (so that a SIGKILL to the group reaches the client itself); its pid in LAST_PID
  client() {
    local name="$1" op="$2"; shift 2
    timeout --kill-after=10 "$((TIMEOUT + 60))" "$INTEROP_DIR/clients/run.sh" "${drv:-$p}" "$op" "$@" \
      > "$OUT/$p.$name.json" 2> "$OUT/$p.$name.log" < /dev/null &
    LAST_PID=$!
    CHILDREN+=("$LAST_PID")
  }
  finish() { # PID NAME: wait, log the exit status, never fail the script
    local rc=0 keep=() c
    wait "$1" || rc=$?
    for c in "${CHILDREN[@]}"; do [[ "$c" == "$1" ]] || keep+=("$c"); done
    CHILDREN=("${keep[@]+"${keep[@]}"}")
    log "$p.$2: exit $rc"
  }
  produce() { # NAME COUNT (kcat's records come from librdkafka's driver: kcat is librdkafka)
    local drv="$p"
    [[ "$p" == kcat ]] && drv=librdkafka
    client "$1" produce --bootstrap "$BOOTSTRAP" --topic "$topic" --count "$2" --timeout-s "$TIMEOUT"
    finish "$LAST_PID" "$1"
  }
  waiting() { # WHAT ARGS...: lib/groupwait.py, logged; never fails the script
    if "$PY" "$WAIT" "$1" --timeout-s "$TIMEOUT" --partitions "$PARTITIONS" "${@:2}"; then
      log "$p: $1 ${*:2}: reached"
    else
      log "$p: $1 ${*:2}: not reached in ${TIMEOUT}s (going on)"
    fi
  }
  topic="$PREFIX-$PROTOCOL-$p-$RUN_ID"
  echo "$topic" > "$OUT/$p.group"
  n1=$((RECORDS / 2)) n2=$((RECORDS / 4))
  n3=$((RECORDS - n1 - n2))
  group=(--bootstrap "$BOOTSTRAP" --topic "$topic" --group "$topic" --idle-s "$IDLE" --timeout-s "$TIMEOUT"
         --group-protocol "$PROTOCOL")
  pf() { echo "$OUT/$p.$1.progress"; }
  probe create-topic --bootstrap "$BOOTSTRAP" --topic "$topic" --partitions "$PARTITIONS" \
    --timeout-s 60 > "$OUT/$p.topic.json" 2>> "$OUT/$p.topic.log" || log "$p: topic not created"
  produce produce1 "$n1"
  if [[ "$p" == kcat ]]; then
    # kcat -G cannot hold partitions unread nor limit its commits: A and B split, A leaves
    # once idle, B takes over, C resumes; no killed member (see clients/python/kcat_group.py)
    touch "$OUT/$p.nokill"
    client a group "${group[@]}" --leave-on-file "$OUT/$p.a.go" --progress-file "$(pf a)"
    a=$LAST_PID
    waiting owns-all "$(pf a)"
    client b group "${group[@]}" --leave-on-file "$OUT/$p.b.go" --progress-file "$(pf b)"
    b=$LAST_PID
    waiting split "$(pf a)" "$(pf b)"
    produce produce2 "$n2"
    touch "$OUT/$p.a.go"
    finish "$a" a
    waiting owns-all "$(pf b)"
    touch "$OUT/$p.b.go"
    finish "$b" b
    produce produce3 "$n3"
    client c group "${group[@]}" --progress-file "$(pf c)"
    finish "$LAST_PID" c
    exit 0
  fi
  client a group "${group[@]}" --stop-after $((RECORDS / 12)) --leave-on-file "$OUT/$p.a.go" \
    --progress-file "$(pf a)"
  a=$LAST_PID
  waiting full "$(pf a)"
  client b group "${group[@]}" --leave-on-file "$OUT/$p.b.go" --progress-file "$(pf b)"
  b=$LAST_PID
  waiting owns-all "$(pf a)" "$(pf b)"
  # K never leaves by itself: its leave file is never made
  client k group "${group[@]}" --stop-after $((RECORDS / 24)) --commit-limit $((RECORDS / 48)) \
    --leave-on-file "$OUT/$p.k.never" --progress-file "$(pf k)"
  k=$LAST_PID
  waiting split "$(pf a)" "$(pf b)" "$(pf k)"
  produce produce2 "$n2"
  waiting full "$(pf k)"
  touch "$OUT/$p.a.go"
  finish "$a" a
  waiting owns-all "$(pf b)" "$(pf k)"
  # SIGKILL to K's process group (timeout's, with the client in it): no LeaveGroup, no close
  kill -KILL -- "-$k" 2>/dev/null || kill -KILL "$k" 2>/dev/null || true
  "$PY" -c 'import json,time; print(json.dumps({"at": round(time.time(), 3)}))' > "$OUT/$p.k.killed"
  log "$p: K killed"
  finish "$k" k
  waiting owns-all "$(pf b)"
  touch "$OUT/$p.b.go"
  finish "$b" b
  produce produce3 "$n3"
  client c group "${group[@]}" --progress-file "$(pf c)"
  finish "$LAST_PID" c
  exit 0
fi

# --- the run: every peer's scenario at once, --jobs at a time, then the judge -----------------
IFS=, read -r -a peers <<< "$PEERS"
if [[ "$PROTOCOL" == consumer ]]; then
  kept=()
  for p in "${peers[@]}"; do
    if [[ "$p" == kafka-python ]]; then log "kafka-python has no group.protocol=consumer: left out"
    else kept+=("$p"); fi
  done
  peers=("${kept[@]}")
  PEERS="$(IFS=,; echo "${peers[*]}")"
fi
[[ -n "$OUT" ]] || OUT="$WORK_DIR/run-groups/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
for p in "${peers[@]}"; do ensure_peer "$p"; done

# The session timeout the coordinator expires a killed member after, and the heartbeat interval:
# classic: what every driver asks for (session.timeout.ms 10 s, heartbeats every second);
# KIP-848: the broker's group.consumer.session.timeout.ms and group.consumer.heartbeat.interval.ms.
session_ms=10000 heartbeat_ms=1000
if [[ "$PROTOCOL" == consumer ]]; then
  configs="$(probe broker-configs --bootstrap "$BOOTSTRAP" 2>/dev/null || true)"
  read -r session_ms heartbeat_ms < <("$PY" -c '
import json, sys
try:
    c = {x["name"]: x["value"] for x in json.loads(sys.argv[1])["configs"]}
except (ValueError, KeyError):
    c = {}
print(c.get("group.consumer.session.timeout.ms", 45000), c.get("group.consumer.heartbeat.interval.ms", 5000))
' "$configs")
fi
"$PY" -c 'import json,sys; print(json.dumps({"protocol": sys.argv[1], "broker": sys.argv[2],
  "partitions": int(sys.argv[3]), "records": int(sys.argv[4]), "session_timeout_s": int(sys.argv[5]) / 1000,
  "heartbeat_interval_s": int(sys.argv[6]) / 1000}))' \
  "$PROTOCOL" "$BROKER_NAME" "$PARTITIONS" "$RECORDS" "$session_ms" "$heartbeat_ms" > "$OUT/settings.json"

[[ -n "$RUN_ID" ]] || RUN_ID="$(date +%s)-$RANDOM"
export RUN_ID
log "run-groups ($PROTOCOL protocol, session timeout ${session_ms} ms) against $BOOTSTRAP: ${peers[*]}, $RECORDS records over $PARTITIONS partitions each, $JOBS at a time (out: $OUT)"
running=0
for p in "${peers[@]}"; do
  if (( running >= JOBS )); then wait -n || true; running=$((running - 1)); fi
  id="$RUN_ID"
  for x in ${RUN_IDS//,/ }; do [[ "${x%%=*}" == "$p" ]] && id="${x#*=}"; done
  "${BASH_SOURCE[0]}" "$BOOTSTRAP" --one-peer "$p" --run-id "$id" --records "$RECORDS" --partitions "$PARTITIONS" \
    --group-protocol "$PROTOCOL" --idle-s "$IDLE" --timeout-s "$TIMEOUT" --topic-prefix "$PREFIX" \
    --out "$OUT" 2> "$OUT/$p.scenario.log" &
  CHILDREN+=("$!")
  running=$((running + 1))
done
for c in "${CHILDREN[@]}"; do wait "$c" || true; done
CHILDREN=()
for p in "${peers[@]}"; do cat "$OUT/$p.scenario.log" >&2; done

rc=0
"$PY" "$INTEROP_DIR/lib/judge.py" groups --out "$OUT" --records "$RECORDS" --peers "$PEERS" \
  --bootstrap "$BOOTSTRAP" --group-protocol "$PROTOCOL" | tee "$OUT/summary.txt" || rc=$?
exit "$rc"
