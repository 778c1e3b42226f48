"""Shared CLI, record scheme and bookkeeping of the Python interop drivers.

The record scheme (the same in every driver, Java and Go included; see ../README.md):
  record i (i = 0..count-1)
    value   = ASCII "<i>:" right-padded with '.' to --value-size bytes (never truncated)
    key     = ASCII "<key-prefix><i % 1000>" (default prefix "k"), or null with --no-keys
    headers = ("seq", "<i>"), ("client", "<driver>") with --headers
  --rate R  paces the producer to R records per second (0 = as fast as it goes)
The consumer parses <i> back from the value to count duplicates, missing records and
per-partition order violations (a partition must see increasing <i>).

Key -> partition mapping ("keys" in the JSON): distinct keys, keys seen in more than one
partition ("conflicts"), a digest = first 16 hex digits of SHA-256 over the lines
"<key>\t<partition>\n" sorted by key bytes, and a sample of the first 5 keys in that order.
"""

import argparse
import hashlib
import json
import os
import sys
import time

KEY_SPACE = 1000
COMPRESSIONS = ("none", "gzip", "snappy", "lz4", "zstd")


def parse_args(client):
    ap = argparse.ArgumentParser(prog=client, description="kwire interop driver (%s)" % client)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--key-prefix", default="k")
    p.add_argument("--no-keys", action="store_true")
    p.add_argument("--headers", action="store_true")
    p.add_argument("--acks", choices=("0", "1", "all", "-1"), default="all")
    # default: on with acks=all, off otherwise (every client refuses idempotence without acks=all)
    p.add_argument("--idempotence", choices=("true", "false"), default=None)
    p.add_argument("--compression", choices=COMPRESSIONS, default="none")
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--rate", type=float, default=0, help="records per second, 0 = unlimited")
    p.add_argument("--timeout-s", type=float, default=60)
    c = sub.add_parser("consume")
    c.add_argument("--bootstrap", required=True)
    c.add_argument("--topic", required=True)
    c.add_argument("--expect", type=int, required=True)
    c.add_argument("--timeout-s", type=float, default=60)
    g = sub.add_parser("group")
    g.add_argument("--bootstrap", required=True)
    g.add_argument("--topic", required=True)
    g.add_argument("--group", required=True)
    g.add_argument("--stop-after", type=int, default=0,
                   help="leave the group after this many records (0: only when idle)")
    g.add_argument("--idle-s", type=float, default=8,
                   help="leave once no record came for this long since the last record or assignment")
    g.add_argument("--group-protocol", choices=["classic", "consumer"], default="classic",
                   help="classic (JoinGroup/SyncGroup) or consumer (KIP-848)")
    g.add_argument("--assigned-file", default="",
                   help="create this file once the member owns partitions")
    g.add_argument("--leave-on-file", default="",
                   help="leave only once this file exists (after --stop-after records, processing "
                        "nothing more; or idle for --idle-s since the file appeared)")
    g.add_argument("--commit-limit", type=int, default=0,
                   help="commit only the first this many records processed (0: all); those "
                        "processed after stay uncommitted, as a member killed before its commit")
    g.add_argument("--progress-file", default="",
                   help="append a JSON line per event (assigned, processed, committed, full, "
                        "left) as it happens, flushed: what a killed member did")
    g.add_argument("--timeout-s", type=float, default=60)
    a = sub.add_parser("admin")
    a.add_argument("--bootstrap", required=True)
    a.add_argument("--topic", required=True)
    a.add_argument("--replication-factor", type=int, default=1)
    a.add_argument("--timeout-s", type=float, default=30)
    args = ap.parse_args()
    if args.cmd == "produce":
        if args.acks == "-1":
            args.acks = "all"
        if args.idempotence is None:
            args.idempotence = "true" if args.acks == "all" else "false"
    return args


class Pacer:
    """Holds a producer to --rate records per second (0 = unlimited)."""

    def __init__(self, rate):
        self.rate = rate
        self.t0 = time.monotonic()

    def wait(self, seq):
        if self.rate > 0:
            ahead = self.t0 + seq / self.rate - time.monotonic()
            if ahead < -0.1:
                # Fell behind (a stall): move the schedule instead of bursting to catch up.
                self.t0 -= ahead + 0.1
            if ahead > 0.001:
                time.sleep(ahead)


def make_value(seq, size):
    head = b"%d:" % seq
    return head + b"." * (size - len(head)) if size > len(head) else head


def make_key(seq, prefix, no_keys):
    if no_keys:
        return None
    return ("%s%d" % (prefix, seq % KEY_SPACE)).encode()


def parse_seq(value):
    if value is None:
        return None
    head, sep, _ = bytes(value).partition(b":")
    if not sep or not head.isdigit():
        return None
    return int(head)


class KeyMap:
    def __init__(self):
        self.parts = {}

    def add(self, key, partition):
        if key is None:
            return
        self.parts.setdefault(bytes(key), set()).add(partition)

    def summary(self):
        lines = []
        sample = {}
        conflicts = 0
        for key in sorted(self.parts):
            ps = self.parts[key]
            if len(ps) > 1:
                conflicts += 1
            p = min(ps)
            lines.append(key + b"\t" + str(p).encode() + b"\n")
            if len(sample) < 5:
                sample[key.decode("utf-8", "replace")] = p
        digest = hashlib.sha256(b"".join(lines)).hexdigest()[:16] if lines else ""
        return {"distinct": len(self.parts), "conflicts": conflicts, "digest": digest, "sample": sample}


def sorted_counts(counts):
    return {str(p): counts[p] for p in sorted(counts)}


class ProduceStats:
    def __init__(self, client, args):
        self.client = client
        self.args = args
        self.produced = 0
        self.acked = 0
        self.errors = 0
        self.error_sample = []
        self.partitions = {}
        self.keys = KeyMap()
        self.t0 = time.monotonic()

    def ok(self, key, partition):
        self.acked += 1
        self.partitions[partition] = self.partitions.get(partition, 0) + 1
        self.keys.add(key, partition)

    def fail(self, err):
        self.errors += 1
        if len(self.error_sample) < 5:
            self.error_sample.append(str(err))

    def emit(self, fatal=None):
        out = {
            "client": self.client, "op": "produce", "topic": self.args.topic,
            "produced": self.produced, "acked": self.acked, "errors": self.errors,
            "partitions": sorted_counts(self.partitions), "keys": self.keys.summary(),
            "seconds": round(time.monotonic() - self.t0, 3),
            "config": {"acks": self.args.acks, "idempotence": self.args.idempotence,
                       "compression": self.args.compression, "value_size": self.args.value_size,
                       "keys": not self.args.no_keys, "headers": self.args.headers,
                       "rate": self.args.rate},
        }
        if self.error_sample:
            out["error_sample"] = self.error_sample
        if fatal:
            out["fatal"] = str(fatal)
        print(json.dumps(out), flush=True)
        return 0 if not fatal and self.errors == 0 and self.acked == self.produced == self.args.count else 1


class ConsumeStats:
    def __init__(self, client, args):
        self.client = client
        self.args = args
        self.consumed = 0
        self.seen = set()
        self.duplicates = 0
        self.order_violations = 0
        self.invalid = 0
        self.header_seq = 0
        self.header_mismatch = 0
        self.partitions = {}
        self.last_seq = {}
        self.keys = KeyMap()
        self.t0 = time.monotonic()

    def record(self, partition, key, value, headers):
        self.consumed += 1
        self.partitions[partition] = self.partitions.get(partition, 0) + 1
        self.keys.add(key, partition)
        seq = parse_seq(value)
        if seq is None:
            self.invalid += 1
            return
        if seq in self.seen:
            self.duplicates += 1
        else:
            self.seen.add(seq)
        last = self.last_seq.get(partition)
        if last is not None and seq <= last:
            self.order_violations += 1
        self.last_seq[partition] = seq
        for hk, hv in headers or ():
            if hk == "seq":
                self.header_seq += 1
                if hv is None or bytes(hv) != str(seq).encode():
                    self.header_mismatch += 1

    def distinct(self):
        return len(self.seen)

    def emit(self, timed_out=False, fatal=None):
        expect = self.args.expect
        missing = sum(1 for s in range(expect) if s not in self.seen) if expect <= 10_000_000 else -1
        out = {
            "client": self.client, "op": "consume", "topic": self.args.topic,
            "consumed": self.consumed, "distinct": len(self.seen), "expected": expect,
            "missing": missing, "duplicates": self.duplicates,
            "order_violations": self.order_violations, "invalid": self.invalid,
            "headers": {"seq": self.header_seq, "mismatch": self.header_mismatch},
            "partitions": sorted_counts(self.partitions), "keys": self.keys.summary(),
            "timed_out": timed_out, "seconds": round(time.monotonic() - self.t0, 3),
        }
        if fatal:
            out["fatal"] = str(fatal)
        print(json.dumps(out), flush=True)
        return 0 if not fatal and not timed_out else 1


class GroupStats:
    """One member of a consumer group (the "group" op): what it read, each assignment it got,
    what it committed. It commits the offsets of the records it processed after each poll and
    leaves the group cleanly (close) after --stop-after records (processing nothing more) or
    --idle-s without any, in both cases only once --leave-on-file exists (if given)."""

    def __init__(self, client, args):
        self.client = client
        self.args = args
        self.records = ConsumeStats(client, argparse.Namespace(topic=args.topic, expect=0))
        self.owned = set()
        self.assignments = []
        self.assigned_at = []
        self.commits = 0
        self.commit_errors = []
        self.poll_errors = []
        self.committed = {}
        self.t0 = time.monotonic()
        self.last_activity = self.t0
        self.file_seen = False
        self.was_full = False
        self.batch = []
        self.progress = open(args.progress_file, "a", buffering=1) if args.progress_file else None

    def event(self, ev, **fields):
        """One line of --progress-file (see ../../README.md), written through at once."""
        if self.progress:
            fields.update(ev=ev, at=round(time.time(), 3))
            self.progress.write(json.dumps(fields) + "\n")
            self.progress.flush()

    def assigned(self, partitions):
        """Partitions added to what the member owns (all of them under an eager protocol, the
        increment under a cooperative one: KIP-848 or cooperative-sticky)."""
        self._change(partitions, self.owned.update)

    def revoked(self, partitions):
        """Partitions the member gave up (revoked or lost)."""
        self._change(partitions, self.owned.difference_update)

    def _change(self, partitions, how):
        if not partitions:
            return
        how(partitions)
        if self.owned and self.args.assigned_file and not os.path.exists(self.args.assigned_file):
            open(self.args.assigned_file, "w").close()
        self.assignments.append(sorted(self.owned))
        self.assigned_at.append(round(time.time(), 3))
        self.last_activity = time.monotonic()
        self.event("assigned", owned=sorted(self.owned))

    def record(self, partition, key, value, headers, offset=-1):
        """One record processed; True when its offset is to be committed (--commit-limit)."""
        self.records.record(partition, key, value, headers)
        self.last_activity = time.monotonic()
        seq = parse_seq(value)
        self.batch.append([partition, offset, -1 if seq is None else seq])
        return not self.args.commit_limit or self.records.consumed <= self.args.commit_limit

    def processed(self):
        """After a poll's records were processed, before their commit: logs them."""
        if self.batch:
            self.event("processed", recs=self.batch)
            self.batch = []

    def full(self):
        """True once --stop-after records were read: the member processes no more."""
        full = bool(self.args.stop_after) and self.records.consumed >= self.args.stop_after
        if full and not self.was_full:
            self.was_full = True
            self.event("full", consumed=self.records.consumed)
        return full

    def done(self):
        """True once the member should leave: --leave-on-file exists (if given), and then
        --stop-after records read, or idle (counted from the file's appearance at the earliest)."""
        if self.args.leave_on_file and not self.file_seen:
            if not os.path.exists(self.args.leave_on_file):
                return False
            self.file_seen = True
            self.last_activity = time.monotonic()
        if self.full():
            return True
        return bool(self.assignments) and time.monotonic() - self.last_activity >= self.args.idle_s

    def timed_out(self):
        return time.monotonic() - self.t0 >= self.args.timeout_s

    def commit_ok(self, offsets):
        self.commits += 1
        self.committed.update(offsets)
        self.event("committed", offsets={str(p): o for p, o in sorted(offsets.items())})

    def poll_failed(self, err):
        """A retriable error a poll raised (polled again)."""
        if len(self.poll_errors) < 5:
            self.poll_errors.append(str(err))
        self.event("poll_failed", error=str(err))

    def commit_failed(self, err):
        if len(self.commit_errors) < 5:
            self.commit_errors.append(str(err))
        self.event("commit_failed", error=str(err))

    def emit(self, timed_out=False, fatal=None):
        r = self.records
        out = {
            "client": self.client, "op": "group", "topic": self.args.topic,
            "group": self.args.group, "consumed": r.consumed, "distinct": len(r.seen),
            "duplicates": r.duplicates, "order_violations": r.order_violations,
            "invalid": r.invalid, "seqs": sorted(r.seen), "partitions": sorted_counts(r.partitions),
            "assignments": self.assignments, "assigned_at": self.assigned_at,
            "ended_at": round(time.time(), 3), "commits": self.commits,
            "committed": {str(p): o for p, o in sorted(self.committed.items())},
            "commit_errors": self.commit_errors, "poll_errors": self.poll_errors, "timed_out": timed_out,
            "seconds": round(time.monotonic() - self.t0, 3),
        }
        if fatal:
            out["fatal"] = str(fatal)
        self.event("left", timed_out=timed_out)
        print(json.dumps(out), flush=True)
        return 0 if not fatal and not timed_out else 1


# The admin script every driver runs (see ../README.md): operation -> the result Kafka gives.
ADMIN_PARTITIONS = 3
ADMIN_EXPECT = {
    "create": "created",
    "create_again": "TOPIC_ALREADY_EXISTS",
    "describe": "partitions=%d" % ADMIN_PARTITIONS,
    "describe_configs": "retention.ms=3600000",
    "alter_configs": "retention.ms=7200000",
    "delete": "deleted",
    "delete_again": "UNKNOWN_TOPIC_OR_PARTITION",
    "list_acls": "SECURITY_DISABLED",
    "scram_upsert": "SCRAM-SHA-256=iterations=8192",
    "scram_delete": "RESOURCE_NOT_FOUND",
}


def admin_script(client, create, partitions, retention, alter, delete, list_acls, scram,
                 error_name, expect=None):
    """Runs the admin script with one client's primitives, one JSON line per operation:
    create (3 partitions, retention.ms=3600000), create again, describe the topic (partition
    count) and its retention.ms, alter retention.ms to 7200000, delete, delete again, list every
    ACL (list_acls() returns how many; a broker without an authorizer refuses with
    SECURITY_DISABLED), then create a SCRAM-SHA-256 credential (8192 iterations) for a user and
    delete it, each described until the change shows: scram is (upsert(), delete(),
    describe()), describe() giving "MECHANISM=iterations=N,..." or raising the broker's error.
    error_name(exc) is Kafka's name for a broker error, or None. expect overrides ADMIN_EXPECT
    where this client reports Kafka's answer its own way. Returns 0 if every result is the one
    Kafka gives, else 1."""
    expected = dict(ADMIN_EXPECT, **(expect or {}))
    scram_upsert, scram_delete, scram_describe = scram

    def described_until(want):
        # a broker learns a credential change from the metadata log: allow 10 s
        until = time.monotonic() + 10
        while True:
            try:
                r = scram_describe()
            except Exception as e:  # noqa: BLE001 - the error is the result
                r = error_name(e) or "%s: %s" % (type(e).__name__, e)
            if r == want or time.monotonic() > until:
                return r
            time.sleep(0.1)

    def altered():
        alter("7200000")
        # a broker applies a config change when its metadata catches up: allow 5 s
        until = time.monotonic() + 5
        r = retention()
        while r != ADMIN_EXPECT["alter_configs"] and time.monotonic() < until:
            time.sleep(0.1)
            r = retention()
        return r

    ops = [
        ("create", lambda: create(ADMIN_PARTITIONS, {"retention.ms": "3600000"}) or "created"),
        ("create_again", lambda: create(ADMIN_PARTITIONS, {"retention.ms": "3600000"}) or "created"),
        ("describe", lambda: "partitions=%d" % partitions()),
        ("describe_configs", retention),
        ("alter_configs", altered),
        ("delete", lambda: delete() or "deleted"),
        ("delete_again", lambda: delete() or "deleted"),
        ("list_acls", lambda: "acls=%d" % list_acls()),
        ("scram_upsert",
         lambda: scram_upsert() or described_until(expected["scram_upsert"])),
        ("scram_delete",
         lambda: scram_delete() or described_until(expected["scram_delete"])),
    ]
    rc = 0
    for op, fn in ops:
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - the error is the result
            result = error_name(e) or "%s: %s" % (type(e).__name__, e)
        ok = result == expected[op]
        rc |= 0 if ok else 1
        print(json.dumps({"client": client, "op": "admin." + op, "result": result, "ok": ok}),
              flush=True)
    return rc


def die_json(client, op, err):
    print(json.dumps({"client": client, "op": op, "fatal": str(err)}), flush=True)
    sys.exit(2)
