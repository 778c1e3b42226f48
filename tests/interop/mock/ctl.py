#!/usr/bin/env python3
"""Tiny client of kwire-mock's HTTP/JSON control endpoint (standard library only).

  ctl.py URL get PATH                       print the JSON answer
  ctl.py URL post PATH [JSON]               POST (JSON body, default none); exit 1 on HTTP >= 400
  ctl.py URL delete PATH
  ctl.py URL wait-appended TOPIC MIN TIMEOUT_S
                                            wait until TOPIC's leaders hold >= MIN records; exit 1 on timeout
  ctl.py URL topic-summary TOPIC            one JSON line: per partition leader/epoch/ISR/HW/LEO, and totals
  ctl.py URL stats                          one JSON line: model stats, injected errors, server stats
  ctl.py URL watch TOPIC SECONDS [MARK_S]   sample TOPIC every 100 ms for SECONDS; one JSON line:
                                            smallest ISR seen, leader changes seen, records appended
                                            at MARK_S (default: the end) and at the end
Every request has a 10 s timeout.
"""

import json
import sys
import time
import urllib.error
import urllib.request


def request(url, method, path, body=None):
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url.rstrip("/") + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def state(url):
    code, text = request(url, "GET", "/state")
    if code != 200:
        raise SystemExit("GET /state: HTTP %d %s" % (code, text))
    return json.loads(text)


def topic_of(st, topic):
    for t in st["topics"]:
        if t["name"] == topic:
            return t
    return None


def appended(st, topic):
    t = topic_of(st, topic)
    if t is None:
        return 0
    return sum(p["log_end_offset"] for p in t["partitions"])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    url, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if cmd in ("get", "post", "delete"):
        body = args[1] if len(args) > 1 else None
        code, text = request(url, cmd.upper(), args[0], body)
        print(text.strip())
        sys.exit(0 if code < 400 else 1)
    if cmd == "wait-appended":
        topic, want, timeout = args[0], int(args[1]), float(args[2])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if appended(state(url), topic) >= want:
                    sys.exit(0)
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        sys.exit(1)
    if cmd == "topic-summary":
        st = state(url)
        t = topic_of(st, args[0]) or {"partitions": []}
        parts = [{k: p[k] for k in ("partition", "leader", "leader_epoch", "isr", "high_watermark",
                                    "log_end_offset", "truncated_records")} for p in t["partitions"]]
        print(json.dumps({"appended": sum(p["log_end_offset"] for p in parts),
                          "committed": sum(p["high_watermark"] for p in parts), "partitions": parts}))
        return
    if cmd == "stats":
        st = state(url)
        print(json.dumps({"stats": st["stats"], "injected_errors": st["injected_errors"],
                          "pending_injections": len(st["pending_injections"]), "server": st["server"]}))
        return
    if cmd == "watch":
        topic, seconds = args[0], float(args[1])
        mark = float(args[2]) if len(args) > 2 else seconds
        t0 = time.monotonic()
        deadline = t0 + seconds
        min_isr, samples, epochs, end, at_mark = None, 0, {}, 0, None
        while True:
            try:
                t = topic_of(state(url), topic)
            except (OSError, ValueError):
                t = None
            elapsed = time.monotonic() - t0
            if t is not None:
                samples += 1
                for p in t["partitions"]:
                    n = len(p["isr"]) if p["leader"] is not None else 0
                    min_isr = n if min_isr is None else min(min_isr, n)
                    epochs.setdefault(p["partition"], set()).add(p["leader_epoch"])
                end = sum(p["log_end_offset"] for p in t["partitions"])
                if at_mark is None and elapsed >= mark:
                    at_mark = end
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        print(json.dumps({"samples": samples, "min_isr": min_isr, "appended_at_end": end,
                          "appended_at_mark": at_mark if at_mark is not None else end,
                          "mark_s": mark, "elapsed_s": round(time.monotonic() - t0, 3),
                          "leader_epochs_seen": sum(len(e) for e in epochs.values())}))
        return
    sys.exit("unknown command %r" % cmd)


if __name__ == "__main__":
    main()
