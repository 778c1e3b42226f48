#!/usr/bin/env bash
# The live view (GET / of kwire-mock's control endpoint) in a real browser: Debian's headless
# Chromium loads the page, runs its JS against a running kwire-mock and dumps the DOM.
#   1. produce, move the leader of t/0 to broker 2, stall follower 3 of t/0 and produce more:
#      the page must show leader 2 and the ISR without 3;
#   2. an acks=1 loss (followers stalled, the leader dies with records only it had, returns
#      and truncates them): the page must show the 2000 truncated records; a screenshot goes
#      to docs/view-acks1-loss.png.
# Usage: tests/interop/view/run.sh [--screenshot FILE]   (needs chromium; builds the binaries)
# Loopback only; every process it starts is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SHOT="$ROOT/docs/view-acks1-loss.png"
[[ "${1:-}" == --screenshot ]] && SHOT="$2"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

PROFILE="${PROFILE:-release}"  # PROFILE=debug uses a dev build
cargo build -q --profile "$([[ $PROFILE == debug ]] && echo dev || echo "$PROFILE")" -p kwire-mock -p kwire-producer
BIN="$ROOT/target/$PROFILE"

start_mock() { # extra kwire-mock flags...
  rm -f "$WORK/ready.json"
  "$BIN/kwire-mock" --port 0 --control 127.0.0.1:0 --ready-file "$WORK/ready.json" "$@" \
    > "$WORK/mock.out" 2> "$WORK/mock.log" &
  PIDS+=("$!")
  for _ in $(seq 100); do [[ -s "$WORK/ready.json" ]] && break; sleep 0.1; done
  BOOT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bootstrap"])' "$WORK/ready.json")
  C=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["control"])' "$WORK/ready.json")
}
stop_mock() { kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'; }
produce() { # records acks
  "$BIN/kwire-produce" -b "$BOOT" -t t -p 0 --perf --num-records "$1" --record-size 50 --no-warmup \
    -X acks="$2" -X enable.idempotence=false -q > "$WORK/produce.out" 2>&1
}
browser() { # extra chromium flags... (the page, after its JS ran for 3 s of virtual time)
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$WORK/chromium" --virtual-time-budget=3000 --window-size=1280,760 "$@" "$C/"
}
row() { # the partition row of t/0 in the dumped DOM: "leader=... isr=..."
  python3 - "$1" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
m = re.search(r'<tr id="partition-t/0"([^>]*)>', html)
if not m:
    sys.exit("no row for t/0 in the page")
a = dict(re.findall(r'data-(\w+)="([^"]*)"', m.group(1)))
print(f"leader={a.get('leader')} isr={a.get('isr')}")
PY
}

# 1. leader move and a stalled follower leaving the ISR.
start_mock --topic t:1:3 --replica-lag-time-max-ms 300
produce 2000 all
curl -sf -XPOST "$C/partitions/t/0/leader" -d '{"to": 2}' > /dev/null
curl -sf -XPOST "$C/faults/lag" -d '{"broker": 3, "topic": "t", "partition": 0, "stalled": true}' > /dev/null
produce 2000 1
sleep 0.6
produce 100 1
browser --dump-dom > "$WORK/fault.html" 2> "$WORK/chromium.log"
got=$(row "$WORK/fault.html")
echo "after leader move + stalled follower 3: page shows $got"
[[ "$got" == "leader=2 isr=2,1" || "$got" == "leader=2 isr=1,2" ]] || { echo "FAIL: expected leader 2 and ISR {1,2}"; exit 1; }
grep -q '3: [0-9]* (stalled)' "$WORK/fault.html" || { echo "FAIL: follower 3 not shown stalled"; exit 1; }
stop_mock

# 2. acks=1 loss: the followers of t/0 stall (still in the ISR: replica.lag.time.max.ms is long),
#    acks=1 records are acknowledged by the leader alone, the leader dies (a follower without
#    them is elected), the followers resume and the old leader returns and truncates them. Driven
#    by faults, not by timing, so it holds whatever the build's speed.
start_mock --topic t:1:3 --replica-lag-time-max-ms 60000
read -r leader followers < <(curl -sf "$C/state" | python3 -c 'import json,sys
p = json.load(sys.stdin)["topics"][0]["partitions"][0]
print(p["leader"], ",".join(str(r) for r in p["replicas"] if r != p["leader"]))')
for f in ${followers//,/ }; do
  curl -sf -XPOST "$C/faults/lag" -d "{\"broker\": $f, \"stalled\": true}" > /dev/null
done
produce 2000 1
curl -sf -XPOST "$C/brokers/$leader/down" > /dev/null
for f in ${followers//,/ }; do
  curl -sf -XPOST "$C/faults/lag" -d "{\"broker\": $f, \"clear\": true}" > /dev/null
done
curl -sf -XPOST "$C/brokers/$leader/up" > /dev/null
sleep 0.5
truncated=$(curl -sf "$C/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["topics"][0]["partitions"][0]["truncated_records"])')
echo "acks=1 loss: broker $leader went down and came back; $truncated acknowledged records truncated"
[[ "$truncated" -eq 2000 ]] || { echo "FAIL: expected the 2000 acks=1 records truncated"; exit 1; }
browser --dump-dom > "$WORK/loss.html" 2>> "$WORK/chromium.log"
grep -q "<td>$truncated</td>" "$WORK/loss.html" || { echo "FAIL: the page does not show $truncated truncated records"; exit 1; }
mkdir -p "$(dirname "$SHOT")"
browser --screenshot="$SHOT" 2>> "$WORK/chromium.log" > /dev/null
[[ -s "$SHOT" ]] || { echo "FAIL: no screenshot"; exit 1; }
echo "screenshot: $SHOT"
stop_mock
echo "view: pass"
