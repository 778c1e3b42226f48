#!/usr/bin/env python3
"""A lean librdkafka load generator for throughput.sh (confluent-kafka from the interop venv).

  rdkafka_load.py --bootstrap B --topic T --count N [--value-size 100] [--timeout-s 300]

Produces N keyed records (keys k0..k999, values of --value-size bytes) with acks=all and
idempotence, delivery reports only for errors, and prints one JSON line:
{"records": N, "errors": E, "seconds": S, "rate": N/S}. Exit 0 only if all were delivered.
"""

import argparse
import json
import sys
import time

from confluent_kafka import Producer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--timeout-s", type=float, default=300)
    a = ap.parse_args()
    errors = []

    def on_error(err, msg):
        if err is not None:
            errors.append(str(err))

    p = Producer({
        "bootstrap.servers": a.bootstrap,
        "client.id": "kwire-throughput",
        "acks": "all",
        "enable.idempotence": True,
        "partitioner": "murmur2_random",
        "linger.ms": 5,
        "batch.size": 1000000,
        "queue.buffering.max.messages": 500000,
        "delivery.report.only.error": True,
        "on_delivery": on_error,
        "message.timeout.ms": int(a.timeout_s * 1000),
        "log_level": 3,
    })
    # Warm up: metadata, producer id, connections.
    p.produce(a.topic, value=b"warm-up", key=b"k0")
    if p.flush(30) != 0:
        print(json.dumps({"records": 0, "errors": 1, "fatal": "warm-up not delivered"}))
        return 1
    keys = [("k%d" % i).encode() for i in range(1000)]
    value = b"x" * a.value_size
    deadline = time.monotonic() + a.timeout_s
    t0 = time.monotonic()
    produce, poll = p.produce, p.poll
    for i in range(a.count):
        while True:
            try:
                produce(a.topic, value, keys[i % 1000])
                break
            except BufferError:
                poll(0.005)
                if time.monotonic() > deadline:
                    print(json.dumps({"records": i, "errors": len(errors), "fatal": "queue full"}))
                    return 1
        if i % 10000 == 0:
            poll(0)
    left = p.flush(max(0.0, deadline - time.monotonic()))
    secs = time.monotonic() - t0
    out = {"records": a.count, "errors": len(errors) + left, "seconds": round(secs, 3),
           "rate": round(a.count / secs) if secs > 0 else 0}
    if errors:
        out["error_sample"] = errors[:3]
    print(json.dumps(out))
    return 0 if not errors and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
