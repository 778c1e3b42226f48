#!/usr/bin/env bash
# Coordinator failover with real consumers against kwire-mock (3 brokers).
#
#   tests/interop/mock/group-failover.sh [--peers librdkafka,java] [--protocols classic,consumer]
#        [--records 1000] [--delay-s 1] [--timeout-s 90] [--out DIR]
#
# For each protocol, run-groups.sh (split, leave, takeover, resume from commits; see
# ../run-groups.sh) runs against kwire-mock; at most --delay-s after each group of the run has
# members, its coordinator moves to another broker (POST /groups/{group}/coordinator: the leadership of
# the group's __consumer_offsets partition moves, as when Kafka's coordinator broker fails
# over) while member A consumes. The members must rediscover the coordinator (NOT_COORDINATOR)
# and carry on: every run-groups check must pass (nothing skipped, nothing read twice, commits
# made before the move still count after it), and every peer's group must have moved.
# One move per group: a member that leaves before it heard of a move sends its leave to the old
# coordinator, which answers NOT_COORDINATOR; Kafka's Java client then gives up on the leave
# (the member stays until its session times out, 45 s under KIP-848), so moves at random
# instants would time the session timeout, not the failover.
# Exits non-zero on any failure; tables and logs in --out.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
MOCK_DIR="$INTEROP_DIR/mock"

PEERS="librdkafka,java" PROTOCOLS="classic,consumer" RECORDS=1000 DELAY=1 TIMEOUT=90 OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --peers) PEERS="$2"; shift 2 ;;
    --protocols) PROTOCOLS="$2"; shift 2 ;;
    --records) RECORDS="$2"; shift 2 ;;
    --delay-s) DELAY="$2"; shift 2 ;;
    --timeout-s) TIMEOUT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[[ -n "$OUT" ]] || OUT="$WORK_DIR/group-failover/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$OUT"
PY="$BASE_PYTHON"

MOCK_PID="" RUN_PID=""
cleanup() {
  local rc=$?
  [[ -n "$RUN_PID" ]] && { stop_pids 10 "$RUN_PID" || true; }
  mock_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "${MOCK_BIN:-}" ]]; then
  release_bins kwire-mock
  MOCK_BIN="$RELEASE_DIR/kwire-mock"
fi
mock_start "$OUT" --brokers 3 --control 127.0.0.1:0
log "kwire-mock pid $MOCK_PID: bootstrap $MOCK_BOOTSTRAP, control $MOCK_CONTROL"

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
export KWIRE_CTL="$MOCK_DIR/ctl.py"

rc=0
IFS=, read -r -a protocols <<< "$PROTOCOLS"
for proto in "${protocols[@]}"; do
  prefix="kwire-failover-$proto-$$"
  "$INTEROP_DIR/run-groups.sh" "$MOCK_BOOTSTRAP" --records "$RECORDS" --peers "$PEERS" \
    --group-protocol "$proto" --timeout-s "$TIMEOUT" --topic-prefix "$prefix" --out "$OUT/$proto" \
    > "$OUT/$proto.txt" 2> "$OUT/$proto.log" &
  RUN_PID=$!
  moves=0
  while kill -0 "$RUN_PID" 2>/dev/null; do
    sleep "$DELAY"
    n="$(move_new "$prefix" "$OUT/$proto.moved" 2>> "$OUT/$proto.moves.log" || echo 0)"
    moves=$((moves + ${n:-0}))
  done
  run_rc=0
  wait "$RUN_PID" || run_rc=$?
  RUN_PID=""
  cat "$OUT/$proto.txt"
  echo "coordinator moves during the $proto run: $moves"
  n_peers=$(tr ',' '\n' <<< "$PEERS" | grep -vc '^kafka-python$' || true)
  [[ "$proto" == classic ]] && n_peers=$(tr ',' '\n' <<< "$PEERS" | grep -c .)
  if (( run_rc != 0 )); then rc=1; fi
  if (( moves < n_peers )); then echo "FAIL: fewer coordinator moves ($moves) than peers ($n_peers)"; rc=1; fi
done
exit "$rc"
