#!/usr/bin/env python3
"""Judge what tests/interop/mock/run.sh left in its --out folder and print two tables.

  judge.py --out DIR --records N --fault-records M

clean/ (run-clients.sh output against kwire-mock), kafka-ref/<peer>.produce.json (the same
driver against real Kafka, for the key->partition digest) and faults/<scenario>.* are read.
Exit status 0 only when every check passed.
"""

import argparse
import json
import os
import sys

CLEAN_CHECKS = ["produce", "consume", "no-dups", "order", "headers", "keys-stable", "keys=kafka"]
FAULT_CHECKS = ["produce", "consume", "no-loss", "no-dups", "order", "mid-stream", "fault-hit"]


def load(path):
    try:
        with open(path) as f:
            lines = [x for x in f.read().splitlines() if x.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def produce_ok(j, n):
    return bool(j) and not j.get("fatal") and j.get("errors") == 0 and j.get("produced") == n \
        and j.get("acked") == n


def consume_ok(j, n):
    return bool(j) and not j.get("fatal") and not j.get("timed_out") and j.get("distinct") == n \
        and j.get("missing") == 0 and j.get("invalid", 0) == 0


def row(name, checks, results, width, extra=""):
    return "%-*s" % (width, name) + "".join(
        "%-12s" % ("-" if results.get(c) is None else "pass" if results[c] else "FAIL") for c in checks
    ) + extra


def clean_table(out, n, lines, reasons):
    d = os.path.join(out, "clean")
    peers = []
    try:
        with open(os.path.join(d, "topics.tsv")) as f:
            peers = [line.split("\t")[0] for line in f if line.strip()]
    except OSError:
        reasons.append("clean run: no topics.tsv (did run-clients.sh start?)")
    passed = failed = 0
    lines.append("real clients x checks against kwire-mock: %d keyed records each, acks=all, idempotence" % n)
    head = "%-14s" % "peer" + "".join("%-12s" % c for c in CLEAN_CHECKS) + "secs (prod/cons)  key digest mock / kafka"
    lines += [head, "-" * len(head)]
    for p in peers:
        pj = load(os.path.join(d, p + ".produce.json")) or {}
        cj = load(os.path.join(d, "%s.consume.%s.json" % (p, p))) or {}
        kj = load(os.path.join(out, "kafka-ref", p + ".produce.json"))
        pk, ck = pj.get("keys", {}), cj.get("keys", {})
        usable = bool(cj) and cj.get("consumed", 0) > 0
        h = cj.get("headers", {})
        r = {
            "produce": produce_ok(pj, n),
            "consume": consume_ok(cj, n),
            "no-dups": usable and cj.get("duplicates") == 0,
            "order": usable and cj.get("order_violations") == 0,
            "headers": usable and h.get("seq") == n and h.get("mismatch") == 0,
            "keys-stable": usable and bool(pk.get("digest")) and pk.get("conflicts") == 0
            and ck.get("digest") == pk.get("digest"),
        }
        kd = (kj or {}).get("keys", {}).get("digest")
        r["keys=kafka"] = None if kj is None else bool(kd) and kd == pk.get("digest")
        for c, ok in r.items():
            if ok is None:
                continue
            passed += ok
            failed += not ok
            if not ok:
                reasons.append("%s %s: producer %s / consumer %s" % (
                    p, c, {k: pj.get(k) for k in ("produced", "acked", "errors", "fatal") if k in pj},
                    {k: cj.get(k) for k in ("consumed", "distinct", "missing", "duplicates",
                                            "order_violations", "timed_out", "fatal") if k in cj}))
        lines.append(row(p, CLEAN_CHECKS, r, 14, "%s/%s  %s / %s" % (
            pj.get("seconds", "-"), cj.get("seconds", "-"), pk.get("digest", "-"), kd or "(no Kafka run)")))
    return passed, failed


def fault_table(out, m, lines, reasons):
    d = os.path.join(out, "faults")
    names = sorted({f.split(".")[0] for f in os.listdir(d)}) if os.path.isdir(d) else []
    passed = failed = 0
    lines.append("")
    lines.append("fault scenarios (one per class) with a real client: %d records each, acks=all, idempotence" % m)
    head = "%-30s" % "scenario (client)" + "".join("%-12s" % c for c in FAULT_CHECKS) + "what happened"
    lines += [head, "-" * len(head)]
    for name in names:
        meta = load(os.path.join(d, name + ".meta.json")) or {}
        pj = load(os.path.join(d, name + ".produce.json")) or {}
        cj = load(os.path.join(d, name + ".consume.json")) or {}
        w = load(os.path.join(d, name + ".watch.json")) or {}
        before = load(os.path.join(d, name + ".before.json")) or {}
        after = load(os.path.join(d, name + ".after.json")) or {}
        steps = load(os.path.join(d, name + ".scenario.json")) or {}
        scenario = meta.get("scenario", name)

        def delta(*path):
            a, b = after, before
            for k in path:
                a, b = (a or {}).get(k, 0), (b or {}).get(k, 0)
            return (a or 0) - (b or 0)

        elections = delta("stats", "elections")
        injected = delta("injected_errors")
        dropped = delta("server", "dropped_after_append")
        dups = delta("stats", "duplicates")
        truncated = delta("stats", "records_truncated")
        lost = None
        if scenario == "acks1-loss":
            # Expected to lose acknowledged records: count them instead of judging no-loss.
            lost = (pj.get("acked") or 0) - (cj.get("distinct") or 0)
        hit = {
            "acks1-loss": lost is not None and lost > 0 and truncated > 0,
            "acks-all-failover": elections >= 1 and truncated > 0,
            "leader-move": elections >= 6,
            "broker-down-up": elections >= 2 and w.get("min_isr", 3) <= 2,
            "injected-errors": injected >= 8,
            "drop-after-append": dropped >= 1,
            "latency-stall": steps.get("scheduled", 0) == 3,
            "follower-lag": w.get("min_isr", 3) <= 2,
        }.get(scenario, False)
        usable = bool(cj) and cj.get("consumed", 0) > 0
        r = {
            "produce": produce_ok(pj, m),
            "consume": consume_ok(cj, m),
            "no-loss": usable and cj.get("missing") == 0 and cj.get("distinct") == m,
            "no-dups": usable and cj.get("duplicates") == 0,
            "order": usable and cj.get("order_violations") == 0,
            "mid-stream": 0 < w.get("appended_at_mark", w.get("appended_at_end", 0)) < m,
            "fault-hit": hit,
        }
        if lost is not None:
            # acks=1 without idempotence: loss is the point; retries may duplicate or reorder.
            r["consume"] = bool(cj) and not cj.get("fatal") and not cj.get("timed_out")
            r["no-loss"] = r["no-dups"] = r["order"] = None
        for c, ok in r.items():
            if ok is None:
                continue
            passed += ok
            failed += not ok
            if not ok:
                reasons.append("%s %s: producer %s / consumer %s / watch %s" % (
                    name, c, {k: pj.get(k) for k in ("acked", "errors", "fatal", "error_sample") if k in pj},
                    {k: cj.get(k) for k in ("distinct", "missing", "duplicates", "order_violations",
                                            "timed_out", "fatal") if k in cj}, w))
        what = "elections %d, injected %d, dropped conns %d, dedup'd retries %d, truncated %d, min ISR %s, %.1fs" % (
            elections, injected, dropped, dups, truncated, w.get("min_isr"), pj.get("seconds", 0) or 0)
        if lost is not None:
            what = "acks=1: %d acknowledged records LOST (as Kafka), %d duplicates; " % (
                lost, cj.get("duplicates", 0)) + what
        lines.append(row("%s (%s)" % (scenario, meta.get("peer", "?")), FAULT_CHECKS, r, 30, what))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--fault-records", type=int, required=True)
    a = ap.parse_args()
    lines, reasons = [], []
    p1 = f1 = p2 = f2 = 0
    if os.path.isdir(os.path.join(a.out, "clean")):
        p1, f1 = clean_table(a.out, a.records, lines, reasons)
    if os.path.isdir(os.path.join(a.out, "faults")):
        p2, f2 = fault_table(a.out, a.fault_records, lines, reasons)
    lines.append("")
    if reasons:
        lines.append("failures:")
        lines += ["  " + x for x in reasons]
    lines.append("mock interop: %d passed, %d failed" % (p1 + p2, f1 + f2))
    print("\n".join(lines))
    return 0 if f1 + f2 == 0 and p1 + p2 > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
