"""Markdown tables from table.sh's JSON lines: table.py DIR N ROUNDS BROKER...

DIR/<broker>.jsonl holds compare.sh's lines (variant, round, load, records_per_sec,
cpu_us_per_record, records, failed). Every figure is the median over the rounds; a cell whose
runs did not all deliver N records is marked "(incomplete)"; a run that is missing is "–".
"""

import collections
import json
import os
import statistics
import sys

NAMES = {
    "mock": "kwire-mock, 3 brokers RF 3, min.insync 2",
    "mock-lag5": "kwire-mock, 3 brokers RF 3, min.insync 2, followers 5 ms behind",
    "kafka": "Kafka 4.3.1, 1 broker",
    "cluster": "Kafka 4.3.1, 3 brokers RF 3, min.insync 2",
}
PEERS = [("kcat", "librdkafka (kcat)"), ("java", "Java"), ("franz", "franz-go")]
DEFAULT_BS = {"kwire": "16k", "kcat": "1m", "java": "16k", "franz": "1m"}


def load(path, n):
    by = collections.defaultdict(list)
    if os.path.exists(path):
        for line in open(path):
            r = json.loads(line)
            if "records_per_sec" in r:
                by[r["variant"]].append(r)
    med = {}
    for v, xs in by.items():
        med[v] = {
            "rps": statistics.median(x["records_per_sec"] for x in xs),
            "cpu": statistics.median(x["cpu_us_per_record"] for x in xs),
            "load": [x["load"] for x in xs],
            "ok": all(x.get("records") == n and not x.get("failed") for x in xs),
        }
    return med


def cell(m):
    if m is None:
        return "–"
    s = f"{m['rps']:,.0f} · {m['cpu']:.2f} µs"
    return s if m["ok"] else s + " (incomplete)"


def ratio(k, o):
    if k is None or o is None:
        return "–"
    return f"**{k['rps'] / o['rps']:.2f}×** · {k['cpu'] / o['cpu']:.2f}× CPU"


def loads(ms):
    xs = [x for m in ms if m for x in m["load"]]
    return f"{min(xs):.1f}–{max(xs):.1f}" if xs else "–"


def print_table(data, brokers, second, variants):
    """One Markdown table: a row per broker and variant (label, kwire's run, peer's run name)."""
    head = f"| broker | {second} | kwire | " + " | ".join(p for _, p in PEERS)
    head += " | " + " | ".join(f"kwire ÷ {p}" for _, p in PEERS) + " | load |"
    print(head)
    print("|" + "---|" * (4 + 2 * len(PEERS)))
    for b in brokers:
        med = data[b]
        for i, (label, kv, peer_run) in enumerate(variants):
            k = med.get(kv)
            ps = [med.get(peer_run(c)) for c, _ in PEERS]
            row = [NAMES.get(b, b) if i == 0 else "", label, cell(k)] + [cell(p) for p in ps]
            row += [ratio(k, p) for p in ps] + [loads([k] + ps)]
            print("| " + " | ".join(row) + " |")


def main():
    d, n, rounds, brokers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    data = {b: load(os.path.join(d, b + ".jsonl"), n) for b in brokers}
    print(f"{n:,} records of 100 bytes per run, medians of {rounds} interleaved round(s); "
          "records/s · CPU µs per record (client process); ratio = kwire ÷ peer, records/s · "
          "CPU per record. Load: 1-minute load average at the start of each run. On Kafka, "
          "one warm-up round of every client ran first and is not counted (the JIT).\n")
    print("**Each client at its own defaults** (batch.size: kwire 16384 growing to "
          "batch.max.size 1048576 while a connection is busy, librdkafka 1000000, Java 16384, "
          "franz-go 1000012)\n")
    print_table(data, brokers, "records", [
        (what, "kwire-16k" + suffix, lambda c, suffix=suffix: f"{c}-{DEFAULT_BS[c]}{suffix}")
        for suffix, what in (("", "plain"), ("-keyed", "100 keys"), ("-lz4", "lz4"))])
    print()
    print("**Equal batch sizes** (plain records; kwire's batches fixed at batch.size: "
          "batch.max.size = batch.size)\n")
    print_table(data, brokers, "batch.size", [
        (size, kv, lambda c, bs=bs: f"{c}-{bs}")
        for bs, size, kv in (("16k", "16384", "kwire-16k-fixed"), ("1m", "1000000", "kwire-1m"))])

if __name__ == "__main__":
    main()
