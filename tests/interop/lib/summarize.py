#!/usr/bin/env python3
"""Judge the JSON lines a run-clients.sh run left in --out and print the peer x check table.

Exit status 0 only when every check passed. See run-clients.sh for what each check means.
"""

import argparse
import collections
import json
import os
import sys

CHECKS = ["produce", "consume", "no-dups", "order", "headers", "keys-stable", "keys-agree"]


def load(out, name):
    path = os.path.join(out, name + ".json")
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def log_tail(out, name, n=3):
    try:
        with open(os.path.join(out, name + ".log")) as f:
            lines = [x for x in f.read().splitlines() if x.strip()]
        return " | ".join(lines[-n:])
    except OSError:
        return ""


def consume_problems(c, n):
    """Reasons a consume result is not a clean, complete read of n records."""
    if c is None:
        return ["no JSON line"]
    why = []
    if c.get("fatal"):
        why.append("fatal: %s" % c["fatal"])
    if c.get("timed_out"):
        why.append("timed out")
    if c.get("missing", n) != 0:
        why.append("missing=%s" % c.get("missing"))
    if c.get("invalid", 0):
        why.append("invalid=%s" % c["invalid"])
    return why


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--peers", required=True)
    ap.add_argument("--bootstrap", default="")
    a = ap.parse_args()
    n = a.records
    peers = a.peers.split(",")
    manifest = {}
    with open(os.path.join(a.out, "manifest.tsv")) as f:
        for line in f:
            name, peer, op, rc, secs = line.rstrip("\n").split("\t")
            manifest[name] = (peer, op, int(rc), int(secs))

    prod = {p: load(a.out, p + ".produce") for p in peers}
    digests = [j["keys"]["digest"] for j in prod.values() if j and j.get("keys", {}).get("digest")]
    reference = None
    if digests:
        common = collections.Counter(digests).most_common()
        top = [d for d, c in common if c == common[0][1]]
        java = (prod.get("java") or {}).get("keys", {}).get("digest")
        reference = java if java in top else top[0]

    results = {}
    reasons = []

    def short(text, limit=300):
        text = str(text)
        return text if len(text) <= limit else text[:limit] + "..."

    for p in peers:
        r = {}
        pj = prod[p]
        cname = "%s.consume.%s" % (p, p)
        cj = load(a.out, cname)
        rc = manifest.get(p + ".produce", (0, 0, -1, 0))[2]
        ok = (pj is not None and rc == 0 and not pj.get("fatal") and pj.get("errors") == 0
              and pj.get("produced") == n and pj.get("acked") == n)
        r["produce"] = ok
        if not ok:
            if pj is None:
                reasons.append("%s produce: no JSON line (exit %d) %s" % (p, rc, short(log_tail(a.out, p + ".produce"))))
            else:
                reasons.append("%s produce: exit %d, produced=%s acked=%s errors=%s %s %s" % (
                    p, rc, pj.get("produced"), pj.get("acked"), pj.get("errors"), pj.get("fatal", ""),
                    short("; ".join(pj.get("error_sample", [])[:2]))))
        why = consume_problems(cj, n)
        r["consume"] = not why
        if why:
            reasons.append("%s consume: %s %s" % (p, short(", ".join(why)), short(log_tail(a.out, cname, 1))))
        # The remaining checks judge what was read: they fail when nothing usable was read.
        usable = cj is not None and not cj.get("fatal") and cj.get("consumed", 0) > 0
        cj = cj or {}
        pk = (pj or {}).get("keys", {})
        ck = cj.get("keys", {})
        h = cj.get("headers", {})
        r["no-dups"] = usable and cj.get("duplicates") == 0
        r["order"] = usable and cj.get("order_violations") == 0
        r["headers"] = usable and h.get("seq") == cj.get("consumed") == n and h.get("mismatch") == 0
        r["keys-stable"] = (usable and bool(pk.get("digest")) and pk.get("conflicts") == 0
                            and ck.get("conflicts") == 0 and ck.get("digest") == pk.get("digest"))
        r["keys-agree"] = bool(pk.get("digest")) and pk.get("digest") == reference
        if usable:
            if not r["no-dups"]:
                reasons.append("%s: duplicates=%s" % (p, cj.get("duplicates")))
            if not r["order"]:
                reasons.append("%s: order_violations=%s" % (p, cj.get("order_violations")))
            if not r["headers"]:
                reasons.append("%s: headers %s of %s records" % (p, h, cj.get("consumed")))
            if not r["keys-stable"]:
                reasons.append("%s: key map producer %s vs consumer %s" % (p, pk, ck))
        if pk.get("digest") and not r["keys-agree"]:
            reasons.append("%s: key digest %s, reference %s (sample %s)" % (
                p, pk.get("digest"), reference, pk.get("sample")))
        fo = os.path.join(a.out, p + ".failover")
        if os.path.exists(fo):
            with open(fo) as f:
                info = dict(kv.split("=", 1) for kv in f.read().split())
            r["failover"] = info.get("landed") == "1" and info.get("restarted") == "1"
            if not r["failover"]:
                reasons.append("%s failover: %s" % (p, info))
        r["_secs"] = "%s/%s" % ((pj or {}).get("seconds", "-"), cj.get("seconds", "-"))
        results[p] = r
    checks = CHECKS + (["failover"] if any("failover" in r for r in results.values()) else [])

    # cross matrix (producer row, consumer column), when run with --cross
    cross = {}
    for name, (peer, op, rc, _) in manifest.items():
        parts = name.split(".")
        if op == "consume" and len(parts) == 3 and parts[0] != parts[2]:
            cj = load(a.out, name)
            pk = ((prod.get(parts[0]) or {}).get("keys") or {}).get("digest")
            ok = (not consume_problems(cj, n) and cj.get("duplicates") == 0
                  and cj.get("order_violations") == 0 and (cj.get("keys") or {}).get("digest") == pk)
            cross[(parts[0], parts[2])] = ok
            if not ok:
                reasons.append("cross %s -> %s: %s" % (parts[0], parts[2], short(consume_problems(cj, n) or cj)))

    w = max(12, max(len(p) for p in peers) + 2)
    lines = []
    title = "interop run-clients: %d records per peer%s" % (n, " against " + a.bootstrap if a.bootstrap else "")
    lines.append(title)
    head = "%-*s" % (w, "peer") + "".join("%-13s" % c for c in checks) + "secs (prod/cons)"
    lines.append(head)
    lines.append("-" * len(head))
    passed = failed = 0
    for p in peers:
        row = "%-*s" % (w, p)
        for c in checks:
            ok = results[p].get(c, False)
            passed += ok
            failed += not ok
            row += "%-13s" % ("pass" if ok else "FAIL")
        lines.append(row + results[p]["_secs"])
    if cross:
        lines.append("")
        lines.append("cross-consume (row = producer, column = consumer):")
        lines.append("%-*s" % (w, "") + "".join("%-13s" % q for q in peers))
        for p in peers:
            row = "%-*s" % (w, p)
            for q in peers:
                if p == q:
                    cell = "(self)"
                elif (p, q) in cross:
                    ok = cross[(p, q)]
                    passed += ok
                    failed += not ok
                    cell = "pass" if ok else "FAIL"
                else:
                    cell = "-"
                row += "%-13s" % cell
            lines.append(row)
    lines.append("")
    lines.append("key->partition reference digest: %s" % reference)
    if reasons:
        lines.append("failures:")
        lines.extend("  " + x for x in reasons)
    lines.append("run-clients: %d passed, %d failed" % (passed, failed))
    print("\n".join(lines))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
