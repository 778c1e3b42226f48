#!/usr/bin/env python3
"""Judge what an interop run left in its --out folder and print pass/fail tables.

  judge.py clients --out DIR --records N --peers P1,P2,.. [--bootstrap B]
      a run-clients.sh run: peer x check table (+ failover column, + cross-consume matrix)
  judge.py mock --out DIR --records N --fault-records M
      a mock/run.sh run: DIR/clean (a run-clients.sh run against kwire-mock, judged as above,
      plus keys=kafka against DIR/kafka-ref/<peer>.produce.json, the same driver against real
      Kafka) and DIR/faults/<scenario>@<peer>.* (scenario x check table), and DIR/groups (as below)
  judge.py groups --out DIR --records N --peers P1,P2,.. [--bootstrap B]
      a run-groups.sh run: peer x check table of members consuming in a group
  judge.py matrix DIR...
      client x protocol x broker -> pass/fail and rebalance seconds over run-groups.sh runs

Every check is judged from the drivers' JSON lines (see ../README.md for their fields); a
check that cannot be judged because a file is missing fails. The last line reads
"<run-clients|mock interop>: N passed, M failed"; the exit status is 0 only when nothing
failed and something passed.
"""

import argparse
import collections
import json
import os
import sys

CLIENT_CHECKS = ["produce", "consume", "no-dups", "order", "headers", "keys-stable", "keys-agree"]
FAULT_CHECKS = ["produce", "consume", "no-loss", "no-dups", "order", "mid-stream", "fault-hit"]


def load(path):
    """The last JSON object line of a file, or None."""
    try:
        with open(path) as f:
            lines = [x for x in f.read().splitlines() if x.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def log_tail(path, n=3):
    try:
        with open(path) as f:
            lines = [x for x in f.read().splitlines() if x.strip()]
        return " | ".join(lines[-n:])
    except OSError:
        return ""


def short(text, limit=300):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."


def produce_problems(j, n, rc=0):
    """Reasons a produce result is not n records produced and acknowledged without error."""
    if j is None:
        return ["no JSON line"]
    why = []
    if rc:
        why.append("exit %d" % rc)
    if j.get("fatal"):
        why.append("fatal: %s" % j["fatal"])
    if j.get("errors") != 0 or j.get("produced") != n or j.get("acked") != n:
        why.append("produced=%s acked=%s errors=%s" % (j.get("produced"), j.get("acked"), j.get("errors")))
    if j.get("error_sample"):
        why.append(short("; ".join(j["error_sample"][:2])))
    return why


def consume_problems(j, n):
    """Reasons a consume result is not a clean, complete read of n distinct records."""
    if j is None:
        return ["no JSON line"]
    why = []
    if j.get("fatal"):
        why.append("fatal: %s" % j["fatal"])
    if j.get("timed_out"):
        why.append("timed out")
    if j.get("missing", n) != 0:
        why.append("missing=%s" % j.get("missing"))
    if j.get("distinct", n) != n:
        why.append("distinct=%s" % j.get("distinct"))
    if j.get("invalid", 0):
        why.append("invalid=%s" % j["invalid"])
    return why


def usable(j):
    """A consume result with records to judge: the checks on what was read need one."""
    return bool(j) and not j.get("fatal") and j.get("consumed", 0) > 0


def cell(ok):
    return "-" if ok is None else "pass" if ok else "FAIL"


class Tally:
    def __init__(self):
        self.passed = self.failed = 0
        self.reasons = []

    def count(self, results):
        for ok in results.values():
            if ok is not None:
                self.passed += ok
                self.failed += not ok


def key_reference(prod):
    """The key->partition digest most producers agree on (Java's when there is a tie)."""
    digests = [j["keys"]["digest"] for j in prod.values() if j and j.get("keys", {}).get("digest")]
    if not digests:
        return None
    common = collections.Counter(digests).most_common()
    top = [d for d, c in common if c == common[0][1]]
    java = (prod.get("java") or {}).get("keys", {}).get("digest")
    return java if java in top else top[0]


def clients_table(out, n, peers, lines, tally, kafka_ref=None, title=None):
    """The peer x check table of a run-clients.sh run in `out`. With kafka_ref (a folder of
    <peer>.produce.json against real Kafka), adds keys=kafka: the same driver's digest."""
    manifest = {}
    try:
        with open(os.path.join(out, "manifest.tsv")) as f:
            for line in f:
                name, peer, op, rc, secs = line.rstrip("\n").split("\t")
                manifest[name] = (peer, op, int(rc), int(secs))
    except OSError:
        tally.reasons.append("%s: no manifest.tsv (did run-clients.sh start?)" % out)
    prod = {p: load(os.path.join(out, p + ".produce.json")) for p in peers}
    reference = key_reference(prod)
    checks = CLIENT_CHECKS + (["keys=kafka"] if kafka_ref else [])
    results = {}
    for p in peers:
        pj = prod[p]
        cname = "%s.consume.%s" % (p, p)
        cj = load(os.path.join(out, cname + ".json"))
        rc = manifest.get(p + ".produce", (0, 0, -1, 0))[2]
        r = {}
        why = produce_problems(pj, n, rc)
        r["produce"] = not why
        if why:
            tally.reasons.append("%s produce: %s %s" % (
                p, short(", ".join(why)), short(log_tail(os.path.join(out, p + ".produce.log")))))
        why = consume_problems(cj, n)
        r["consume"] = not why
        if why:
            tally.reasons.append("%s consume: %s %s" % (
                p, short(", ".join(why)), short(log_tail(os.path.join(out, cname + ".log"), 1))))
        ok = usable(cj)
        cj = cj or {}
        pk, ck, h = (pj or {}).get("keys", {}), cj.get("keys", {}), cj.get("headers", {})
        r["no-dups"] = ok and cj.get("duplicates") == 0
        r["order"] = ok and cj.get("order_violations") == 0
        r["headers"] = ok and h.get("seq") == cj.get("consumed") == n and h.get("mismatch") == 0
        r["keys-stable"] = (ok and bool(pk.get("digest")) and pk.get("conflicts") == 0
                            and ck.get("conflicts") == 0 and ck.get("digest") == pk.get("digest"))
        r["keys-agree"] = bool(pk.get("digest")) and pk.get("digest") == reference
        if ok:
            if not r["no-dups"]:
                tally.reasons.append("%s: duplicates=%s" % (p, cj.get("duplicates")))
            if not r["order"]:
                tally.reasons.append("%s: order_violations=%s" % (p, cj.get("order_violations")))
            if not r["headers"]:
                tally.reasons.append("%s: headers %s of %s records" % (p, h, cj.get("consumed")))
            if not r["keys-stable"]:
                tally.reasons.append("%s: key map producer %s vs consumer %s" % (p, pk, ck))
        if pk.get("digest") and not r["keys-agree"]:
            tally.reasons.append("%s: key digest %s, reference %s (sample %s)" % (
                p, pk.get("digest"), reference, pk.get("sample")))
        kd = None
        if kafka_ref:
            kj = load(os.path.join(kafka_ref, p + ".produce.json"))
            kd = (kj or {}).get("keys", {}).get("digest")
            # No Kafka run for this peer (Kafka did not start): not judged.
            r["keys=kafka"] = None if kj is None else bool(kd) and kd == pk.get("digest")
            if r["keys=kafka"] is False:
                tally.reasons.append("%s: key digest %s against kwire-mock, %s against Kafka" % (
                    p, pk.get("digest"), kd))
        fo = os.path.join(out, p + ".failover")
        if os.path.exists(fo):
            with open(fo) as f:
                info = dict(kv.split("=", 1) for kv in f.read().split())
            r["failover"] = info.get("landed") == "1" and info.get("restarted") == "1"
            if not r["failover"]:
                tally.reasons.append("%s failover: %s" % (p, info))
        extra = "%s/%s" % ((pj or {}).get("seconds", "-"), cj.get("seconds", "-"))
        if kafka_ref:
            extra += "  %s / %s" % (pk.get("digest", "-"), kd or "(no Kafka run)")
        results[p] = (r, extra)
    if any("failover" in r for r, _ in results.values()):
        checks.append("failover")

    # cross matrix (producer row, consumer column), when run with --cross
    cross = {}
    for name, (peer, op, rc, _) in manifest.items():
        parts = name.split(".")
        if op == "consume" and len(parts) == 3 and parts[0] != parts[2]:
            cj = load(os.path.join(out, name + ".json"))
            pk = ((prod.get(parts[0]) or {}).get("keys") or {}).get("digest")
            ok = (not consume_problems(cj, n) and cj.get("duplicates") == 0
                  and cj.get("order_violations") == 0 and (cj.get("keys") or {}).get("digest") == pk)
            cross[(parts[0], parts[2])] = ok
            if not ok:
                tally.reasons.append("cross %s -> %s: %s" % (parts[0], parts[2], short(consume_problems(cj, n) or cj)))

    w = max(14, max((len(p) for p in peers), default=0) + 2)
    lines.append(title or "real clients x checks: %d records per peer" % n)
    head = "%-*s" % (w, "peer") + "".join("%-13s" % c for c in checks) + "secs (prod/cons)"
    if kafka_ref:
        head += "  key digest mock / kafka"
    lines += [head, "-" * len(head)]
    for p in peers:
        r, extra = results[p]
        r = {c: r.get(c, False) for c in checks}
        tally.count(r)
        lines.append("%-*s" % (w, p) + "".join("%-13s" % cell(r[c]) for c in checks) + extra)
    if cross:
        lines += ["", "cross-consume (row = producer, column = consumer):"]
        lines.append("%-*s" % (w, "") + "".join("%-13s" % q for q in peers))
        for p in peers:
            row = "%-*s" % (w, p)
            for q in peers:
                ok = cross.get((p, q))
                row += "%-13s" % ("(self)" if p == q else cell(ok))
            tally.count({q: cross[(p, q)] for q in peers if (p, q) in cross})
            lines.append(row)
    lines += ["", "key->partition reference digest: %s" % reference]


def fault_table(out, m, lines, tally):
    """One row per fault scenario run of mock/run.sh, from out/faults/<name>.*."""
    d = os.path.join(out, "faults")
    names = sorted({f.split(".")[0] for f in os.listdir(d)}) if os.path.isdir(d) else []
    lines.append("")
    lines.append("fault scenarios (one per class) with a real client: %d records each, acks=all, idempotence" % m)
    head = "%-30s" % "scenario (client)" + "".join("%-12s" % c for c in FAULT_CHECKS) + "what happened"
    lines += [head, "-" * len(head)]
    for name in names:
        def part(kind):
            return load(os.path.join(d, "%s.%s.json" % (name, kind))) or {}

        meta, pj, cj, w = part("meta"), part("produce"), part("consume"), part("watch")
        before, after, steps = part("before"), part("after"), part("scenario")
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
            # acks=1 with followers behind loses acknowledged records, as Kafka does: the check
            # is that some were lost, counted, rather than none.
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
        ok = usable(cj)
        r = {
            "produce": not produce_problems(pj or None, m),
            "consume": not consume_problems(cj or None, m),
            "no-loss": ok and cj.get("missing") == 0 and cj.get("distinct") == m,
            "no-dups": ok and cj.get("duplicates") == 0,
            "order": ok and cj.get("order_violations") == 0,
            "mid-stream": 0 < w.get("appended_at_mark", w.get("appended_at_end", 0)) < m,
            "fault-hit": hit,
        }
        if lost is not None:
            # acks=1 without idempotence: loss is the point; retries may duplicate or reorder.
            r["consume"] = bool(cj) and not cj.get("fatal") and not cj.get("timed_out")
            r["no-loss"] = r["no-dups"] = r["order"] = None
        tally.count(r)
        for c, good in r.items():
            if good is False:
                tally.reasons.append("%s %s: producer %s / consumer %s / watch %s" % (
                    name, c, {k: pj.get(k) for k in ("acked", "errors", "fatal", "error_sample") if k in pj},
                    {k: cj.get(k) for k in ("distinct", "missing", "duplicates", "order_violations",
                                            "timed_out", "fatal") if k in cj}, w))
        what = "elections %d, injected %d, dropped conns %d, dedup'd retries %d, truncated %d, min ISR %s, %.1fs" % (
            elections, injected, dropped, dups, truncated, w.get("min_isr"), pj.get("seconds", 0) or 0)
        if lost is not None:
            what = "acks=1: %d acknowledged records LOST (as Kafka), %d duplicates; " % (
                lost, cj.get("duplicates", 0)) + what
        lines.append("%-30s" % ("%s (%s)" % (scenario, meta.get("peer", "?")))
                     + "".join("%-12s" % cell(r[c]) for c in FAULT_CHECKS) + what)


GROUP_CHECKS = ["produce", "split", "leave", "expiry", "no-skip", "dups", "resume", "committed"]


def read_progress(path):
    """The events of a member's --progress-file (JSON lines; a line cut short by a kill is
    dropped), in the order written."""
    events = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    events.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return events


def owned_timeline(progress):
    """[(unix time, member, owned partitions)] of every member's assignment changes, in time order."""
    changes = [(e["at"], m, frozenset(e["owned"])) for m, evs in progress.items() for e in evs
               if e.get("ev") == "assigned"]
    return sorted(changes, key=lambda x: x[0])


def first_time(timeline, since, holds):
    """The first instant at or after `since` when holds(owned by member) is true, or None."""
    owned = collections.defaultdict(frozenset)
    for at, m, ps in timeline:
        if at > since:
            break
        owned[m] = ps
    if holds(owned):
        return since
    for at, m, ps in timeline:
        if at > since:
            owned[m] = ps
            if holds(owned):
                return at
    return None


def groups_table(out, n, peers, lines, tally, title):
    """run-groups.sh: per peer, three members (A, B, K) share a 12-partition topic; A leaves,
    K is killed and expired, B takes over every partition, C resumes from the commits. n is
    the total record count (produced in three runs: n//2, n//4, the rest)."""
    try:
        with open(os.path.join(out, "settings.json")) as f:
            settings = json.load(f)
    except (OSError, ValueError):
        settings = {}
    session = settings.get("session_timeout_s")
    heartbeat = settings.get("heartbeat_interval_s")
    nparts = settings.get("partitions")
    counts = (n // 2, n // 4, n - n // 2 - n // 4)
    lines.append(title)
    lines.append("%-14s" % "peer" + "".join("%-11s" % c for c in GROUP_CHECKS)
                 + "%-8s%-8s%-8s" % ("leave", "kill", "re-read") + "members (records; commit errors)")
    for p in peers:
        path = lambda k: os.path.join(out, "%s.%s" % (p, k))  # noqa: E731
        prod = [load(path("produce%d.json" % (i + 1))) for i in range(3)]
        j = {k: load(path("%s.json" % k)) for k in ("a", "b", "c")}
        prog = {k: read_progress(path("%s.progress" % k)) for k in ("a", "b", "k", "c")}
        r, why = {}, []
        probs = [x for i in range(3) for x in produce_problems(prod[i], counts[i])]
        r["produce"] = not probs
        why += ["produce: " + x for x in probs]
        members_ok = all(m and not m.get("fatal") and not m.get("timed_out") for m in j.values())
        for k, m in j.items():
            if not m:
                why.append("%s: no JSON line (%s)" % (k, short(log_tail(path("%s.log" % k)))))
            elif m.get("fatal") or m.get("timed_out"):
                why.append("%s: %s" % (k, m.get("fatal") or "timed out"))
        nokill = os.path.exists(path("nokill"))  # kcat: A, B and C only (run-groups.sh)
        if not prog["k"] and not nokill:
            members_ok = False
            why.append("k: no progress (%s)" % short(log_tail(path("k.log"))))
        parts = frozenset(range(nparts)) if nparts else frozenset()
        ends = collections.Counter()
        for x in prod:
            ends.update({int(q): v for q, v in (x or {}).get("partitions", {}).items()})
        tl = owned_timeline(prog)
        # split: at one instant A, B and K held non-empty, disjoint sets covering every partition
        split_members = "ab" if nokill else "abk"
        split_at = first_time(tl, 0, lambda o: all(o[m] for m in split_members) and sum(
            len(o[m]) for m in split_members) == len(parts) and o["a"] | o["b"] | o["k"] == parts)
        r["split"] = members_ok and bool(parts) and split_at is not None
        # leave: after A left, B and K between them own every partition
        left = [e["at"] for e in prog["a"] if e.get("ev") == "left"]
        took_leave = None
        if left:
            at = first_time(tl, left[0], lambda o: o["b"] | o["k"] == parts)
            took_leave = None if at is None else at - left[0]
        r["leave"] = members_ok and took_leave is not None
        if members_ok and not r["leave"]:
            why.append("B and K never owned every partition after A left")
        # expiry: after the kill, B alone owns every partition, no sooner than the coordinator
        # can have expired K (its session timeout after its last heartbeat) and not much later
        killed = load(path("k.killed")) or {}
        took_kill = None
        if killed.get("at"):
            at = first_time(tl, killed["at"], lambda o: o["b"] == parts)
            took_kill = None if at is None else at - killed["at"]
        low = high = None
        if session is not None and heartbeat is not None:
            low, high = session - heartbeat - 0.5, session + 2 * heartbeat + 10
        r["expiry"] = None if nokill else (members_ok and took_kill is not None and low is not None
                                           and low <= took_kill <= high)
        if members_ok and r["expiry"] is False:
            why.append("kill -> B owning every partition: %s s (expected %s..%s s after a %s s session timeout)" % (
                None if took_kill is None else round(took_kill, 1), low, high, session))
        # what each member processed: (partition, offset, seq), in order. A record is its
        # (partition, offset): the three produce runs reuse sequence numbers. Each run is one
        # idempotent producer, so a partition's offsets are the runs' counts, back to back.
        recs = {m: [tuple(x) for e in evs if e.get("ev") == "processed" for x in e["recs"]]
                for m, evs in prog.items()}
        reads = collections.Counter((q, off) for rs in recs.values() for q, off, _ in rs)
        before_c = collections.Counter()
        for x in prod[:2]:
            before_c.update({int(q): v for q, v in (x or {}).get("partitions", {}).items()})
        produced = {(q, off) for q, end in ends.items() for off in range(end)}
        missing = sorted(produced - set(reads))
        stray = sorted(set(reads) - produced)
        r["no-skip"] = members_ok and bool(produced) and not missing and not stray
        if members_ok and not r["no-skip"]:
            why.append("%d records (partition, offset) never read (first: %s), %d read beyond the end offsets" % (
                len(missing), missing[:5], len(stray)))
        # dups: a record read more than once must be one K processed at or after its last commit
        # on that partition (K died before committing it); nothing else may be read twice
        k_commit = {}
        for e in prog["k"]:
            if e.get("ev") == "committed":
                k_commit.update({int(q): o for q, o in e["offsets"].items()})
        k_uncommitted = {(q, off) for q, off, _ in recs["k"] if off >= k_commit.get(q, -1)}
        again = {x for x, c in reads.items() if c > 1}
        bad = sorted(again - k_uncommitted)
        r["dups"] = members_ok and not bad
        if members_ok and bad:
            who = {"%d@%d" % x: [m for m, rs in recs.items() for y in rs if y[:2] == x] for x in bad[:3]}
            why.append("%d records read twice that K had not left uncommitted (e.g. %s)" % (len(bad), who))
        # resume: C, a member started after everything was taken over, read the records of the
        # last produce run, each once: it started from the committed offsets
        c_reads = [(q, off) for q, off, _ in recs["c"]]
        last_run = {(q, off) for q, end in ends.items() for off in range(before_c[q], end)}
        c_seqs = {sq for _, _, sq in recs["c"]}
        r["resume"] = (members_ok and len(c_reads) == counts[2] and set(c_reads) == last_run
                       and c_seqs == set(range(counts[2])))
        if members_ok and not r["resume"]:
            why.append("C read %d records (%d distinct, %d of the last run), expected the %d new ones" % (
                len(c_reads), len(set(c_reads)), len(set(c_reads) & last_run), counts[2]))
        # committed: the last commit of each partition (any member, by time) is its end offset
        last = {}
        for m, evs in prog.items():
            for e in evs:
                if e.get("ev") == "committed":
                    for q, o in e["offsets"].items():
                        if int(q) not in last or e["at"] >= last[int(q)][0]:
                            last[int(q)] = (e["at"], o)
        final = {q: o for q, (_, o) in last.items()}
        r["committed"] = members_ok and bool(ends) and final == dict(ends)
        if members_ok and not r["committed"]:
            why.append("last commits %s, end offsets %s" % (dict(sorted(final.items())), dict(sorted(ends.items()))))
        tally.count(r)
        if why:
            tally.reasons.append("%s: %s" % (p, "; ".join(why)))
        fails = {m: sum(1 for e in evs if e.get("ev") == "commit_failed") for m, evs in prog.items()}
        members = " ".join("%s=%d;%d" % (m.upper(), len(recs[m]), fails[m]) for m in "abkc")
        fmt = lambda t: "%.1fs" % t if t is not None else "-"  # noqa: E731
        lines.append("%-14s" % p + "".join("%-11s" % cell(r[c]) for c in GROUP_CHECKS)
                     + "%-8s%-8s%-8s" % (fmt(took_leave), fmt(took_kill), len(again)) + members)
        with open(os.path.join(out, "%s.result.json" % p), "w") as f:
            json.dump({"peer": p, "protocol": settings.get("protocol"), "broker": settings.get("broker"),
                       "records": n, "pass": all(x is not False for x in r.values()), "checks": r, "leave_s": took_leave,
                       "kill_s": took_kill, "re_read": len(again), "session_timeout_s": session}, f)
            f.write("\n")
    lines.append("(leave: A leaving -> B and K owning every partition; kill: K's SIGKILL -> B owning every "
                 "partition; session timeout %s s, heartbeat %s s; re-read: records K processed but had "
                 "not committed, read again)" % (session, heartbeat))
    lines.append("")


def matrix(dirs, lines):
    """client x protocol x broker -> pass/fail and rebalance seconds, from the <peer>.result.json
    files of run-groups.sh runs."""
    lines.append("%-14s%-10s%-22s%-7s%-9s%-9s%-8s%s" % ("client", "protocol", "broker", "result", "leave",
                                                      "kill", "records", "re-read"))
    for d in dirs:
        for name in sorted(os.listdir(d)):
            if name.endswith(".result.json"):
                x = load(os.path.join(d, name)) or {}
                fmt = lambda t: "%.1fs" % t if t is not None else "-"  # noqa: E731
                lines.append("%-14s%-10s%-22s%-7s%-9s%-9s%-8s%s" % (
                    x.get("peer"), x.get("protocol"), x.get("broker"), "pass" if x.get("pass") else "FAIL",
                    fmt(x.get("leave_s")), fmt(x.get("kill_s")), x.get("records"), x.get("re_read")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="run", required=True)
    c = sub.add_parser("clients")
    c.add_argument("--out", required=True)
    c.add_argument("--records", type=int, required=True)
    c.add_argument("--peers", required=True)
    c.add_argument("--bootstrap", default="")
    m = sub.add_parser("mock")
    m.add_argument("--out", required=True)
    m.add_argument("--records", type=int, required=True)
    m.add_argument("--fault-records", type=int, required=True)
    m.add_argument("--group-records", type=int, default=2000)
    g = sub.add_parser("groups")
    g.add_argument("--out", required=True)
    g.add_argument("--records", type=int, required=True)
    g.add_argument("--peers", required=True)
    g.add_argument("--bootstrap", default="")
    g.add_argument("--group-protocol", default="classic")
    x = sub.add_parser("matrix")
    x.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    lines, tally = [], Tally()
    if a.run == "matrix":
        matrix(a.dirs, lines)
        print("\n".join(lines))
        return 0
    if a.run == "groups":
        label = "run-groups"
        groups_table(a.out, a.records, a.peers.split(","), lines, tally, title=(
            "interop run-groups (group.protocol=%s): three members share %d records, one leaves, one is killed "
            "and expired, one takes over, one resumes%s" % (
                a.group_protocol, a.records, " against " + a.bootstrap if a.bootstrap else "")))
    elif a.run == "clients":
        label = "run-clients"
        clients_table(a.out, a.records, a.peers.split(","), lines, tally, title=(
            "interop run-clients: %d records per peer%s" % (a.records, " against " + a.bootstrap if a.bootstrap else "")))
    else:
        label = "mock interop"
        clean = os.path.join(a.out, "clean")
        if os.path.isdir(clean):
            try:
                with open(os.path.join(clean, "topics.tsv")) as f:
                    peers = [line.split("\t")[0] for line in f if line.strip()]
            except OSError:
                peers = []
                tally.reasons.append("clean run: no topics.tsv (did run-clients.sh start?)")
            clients_table(clean, a.records, peers, lines, tally, kafka_ref=os.path.join(a.out, "kafka-ref"), title=(
                "real clients x checks against kwire-mock: %d keyed records each, acks=all, idempotence" % a.records))
        for sub_dir, protocol in (("groups", "classic"), ("groups-consumer", "consumer")):
            groups = os.path.join(a.out, sub_dir)
            if not os.path.isdir(groups):
                continue
            try:
                with open(os.path.join(groups, "peers.txt")) as f:
                    group_peers = f.read().split()
            except OSError:
                group_peers = []
                tally.reasons.append("%s run: no peers.txt" % sub_dir)
            groups_table(groups, a.group_records, group_peers, lines, tally, title=(
                "real clients consuming in groups (group.protocol=%s) against kwire-mock: %d records"
                % (protocol, a.group_records)))
        if os.path.isdir(os.path.join(a.out, "faults")):
            fault_table(a.out, a.fault_records, lines, tally)
        lines.append("")
    if tally.reasons:
        lines.append("failures:")
        lines += ["  " + x for x in tally.reasons]
    lines.append("%s: %d passed, %d failed" % (label, tally.passed, tally.failed))
    print("\n".join(lines))
    return 0 if tally.failed == 0 and tally.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
