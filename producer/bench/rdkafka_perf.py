"""librdkafka (confluent-kafka wheel) side of producer/bench/compare.sh.

Sends N records of S bytes as fast as the producer takes them (like kafka-producer-perf-test),
waits for every delivery report, and prints one JSON line: records/s, MB/s and CPU time per
record of this process (librdkafka threads plus the Python loop that feeds it).
"""

import argparse
import json
import resource
import sys
import time

from confluent_kafka import Producer


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--num-records", type=int, default=1_000_000)
    ap.add_argument("--record-size", type=int, default=100)
    ap.add_argument("--key-count", type=int, default=0)
    ap.add_argument("-X", action="append", default=[])
    a = ap.parse_args()
    conf = {
        "bootstrap.servers": a.bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 5,
        "queue.buffering.max.messages": 1_000_000,
    }
    for kv in a.X:
        k, v = kv.split("=", 1)
        conf[k] = v
    p = Producer(conf)
    payload = bytes((65 + (i * 7919) % 26) for i in range(a.record_size))
    keys = [b"k%d" % i for i in range(a.key_count)] if a.key_count else None
    state = {"ok": 0, "err": 0, "first_err": None}

    def on_delivery(err, msg):
        if err is None:
            state["ok"] += 1
        else:
            state["err"] += 1
            if state["first_err"] is None:
                state["first_err"] = str(err)

    # Warm up: metadata, producer id, connections.
    p.produce(a.topic, value=payload, on_delivery=on_delivery)
    p.flush(30)
    state["ok"] = 0
    c0, t0 = cpu(), time.monotonic()
    n = a.num_records
    produce = p.produce
    for i in range(n):
        while True:
            try:
                if keys:
                    produce(a.topic, value=payload, key=keys[i % len(keys)], on_delivery=on_delivery)
                else:
                    produce(a.topic, value=payload, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.001)
        if i % 1000 == 0:
            p.poll(0)
    p.flush(300)
    secs = time.monotonic() - t0
    c = cpu() - c0
    out = {
        "client": "librdkafka", "version": __import__("confluent_kafka").libversion()[0],
        "records": state["ok"], "failed": state["err"], "seconds": round(secs, 3),
        "records_per_sec": round(state["ok"] / secs, 1),
        "mb_per_sec": round(state["ok"] * a.record_size / secs / 1048576, 2),
        "cpu_seconds": round(c, 3), "cpu_us_per_record": round(c * 1e6 / max(state["ok"], 1), 3),
    }
    if state["first_err"]:
        out["first_error"] = state["first_err"]
    print(json.dumps(out), flush=True)
    return 0 if state["err"] == 0 and state["ok"] == n else 1


if __name__ == "__main__":
    sys.exit(main())
