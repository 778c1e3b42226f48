"""librdkafka side of producer/bench/compare.sh, driven two ways.

--driver python (default): the confluent-kafka wheel in this process. Sends N records of S
bytes as fast as the producer takes them (like kafka-producer-perf-test), waits for every
delivery report, and prints one JSON line: records/s, MB/s and CPU time per record of this
process (librdkafka threads plus the Python loop that feeds it). Start-up (metadata, producer
id) is left out of the timing by a warm-up record. With --throughput R the records are offered
at R per second (delivery reports are served while it waits), and p50/p99/p99.9 of librdkafka's
own per-record latency (`Message.latency()`, produce() to delivery report) are printed too.

--driver kcat --kcat PATH: kcat (a C program on librdkafka) reading N lines of S bytes from
stdin (`kcat -P`), so no Python runs per record. The lines (a pre-generated file) are written
to kcat once it has its producer id; the time runs from then to kcat's exit. CPU time (user +
system, from wait4) is the whole kcat process's. Delivered records are counted afterwards from
the topic's high watermarks (the topic is fresh).
"""

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition


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
    ap.add_argument("--throughput", type=float, default=0,
                    help="records/s offered (python driver only; 0: as fast as it takes them)")
    ap.add_argument("--driver", choices=["python", "kcat"], default="python")
    ap.add_argument("--kcat", help="the kcat binary (--driver kcat)")
    ap.add_argument("--data-dir", default="/tmp", help="where kcat's input files are kept")
    a = ap.parse_args()
    if a.driver == "kcat":
        if a.throughput:
            print("--throughput is not supported with --driver kcat", file=sys.stderr)
            return 2
        return run_kcat(a)
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
    payload = payload_of(a.record_size)
    keys = [b"k%d" % i for i in range(a.key_count)] if a.key_count else None
    state = {"ok": 0, "err": 0, "first_err": None}
    lat = []  # librdkafka's own latency of each record (produce() to its delivery report), s

    def on_delivery(err, msg):
        if err is None:
            state["ok"] += 1
            lat.append(msg.latency())
        else:
            state["err"] += 1
            if state["first_err"] is None:
                state["first_err"] = str(err)

    # Warm up: metadata, producer id, connections.
    p.produce(a.topic, value=payload, on_delivery=on_delivery)
    p.flush(30)
    state["ok"] = 0
    lat.clear()
    c0, t0 = cpu(), time.monotonic()
    n = a.num_records
    produce = p.produce
    interval = 1 / a.throughput if a.throughput > 0 else 0
    for i in range(n):
        if interval:
            # Paced: serve delivery reports while waiting for the record's turn.
            p.poll(0)
            while (wait := t0 + i * interval - time.monotonic()) > 0:
                # poll() takes whole milliseconds: below one it would return at once and spin.
                if wait >= 0.001:
                    p.poll(wait)
                else:
                    time.sleep(wait)
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
    lat = sorted(x for x in lat if x is not None)
    for name, q in (("p50_ms", 0.5), ("p99_ms", 0.99), ("p999_ms", 0.999)):
        if lat:
            rank = min(len(lat), max(1, math.ceil(len(lat) * q)))
            out[name] = round(lat[rank - 1] * 1000, 2)
    if state["first_err"]:
        out["first_error"] = state["first_err"]
    print(json.dumps(out), flush=True)
    return 0 if state["err"] == 0 and state["ok"] == n else 1


def payload_of(size):
    return bytes((65 + (i * 7919) % 26) for i in range(size))


def kcat_input(a):
    """A file of N lines (`key:value` with --key-count), written once and reused."""
    path = os.path.join(a.data_dir, f"kwire-bench-{a.num_records}x{a.record_size}k{a.key_count}.txt")
    if os.path.exists(path):
        return path
    payload = payload_of(a.record_size)
    tmp = path + f".{os.getpid()}"
    with open(tmp, "wb") as f:
        for i in range(a.num_records):
            if a.key_count:
                f.write(b"k%d:" % (i % a.key_count))
            f.write(payload)
            f.write(b"\n")
    os.replace(tmp, path)
    return path


def high_watermarks(bootstrap, topic, xs=()):
    """Records in `topic`; the connection settings among `xs` (-X k=v: security.*, ssl.*,
    sasl.*) are the producer's."""
    conf = {"bootstrap.servers": bootstrap, "group.id": "kwire-bench", "enable.auto.commit": False}
    for kv in xs:
        k, v = kv.split("=", 1)
        if k.split(".")[0] in ("security", "ssl", "sasl"):
            conf[k] = v
    c = Consumer(conf)
    try:
        md = c.list_topics(topic, timeout=30)
        parts = md.topics[topic].partitions
        return sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in parts)
    finally:
        c.close()


def run_kcat(a):
    if not a.kcat:
        print("--driver kcat needs --kcat PATH", file=sys.stderr)
        return 2
    data = kcat_input(a)
    conf = {
        "acks": "all",
        "enable.idempotence": "true",
        "linger.ms": "5",
        "queue.buffering.max.messages": "1000000",
    }
    for kv in a.X:
        k, v = kv.split("=", 1)
        conf[k] = v
    # Records come on stdin, written only once the producer has its producer id (seen in the
    # eos debug log): like the warm-up of the Python driver, start-up is left out of the time.
    cmd = [a.kcat, "-P", "-b", a.bootstrap, "-t", a.topic, "-d", "eos"]
    if a.key_count:
        cmd += ["-K", ":"]
    for k, v in conf.items():
        cmd += ["-X", f"{k}={v}"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    tail = []
    ready = threading.Event()

    def read_stderr():
        for line in p.stderr:
            line = line.decode(errors="replace").rstrip()
            if "Acquired PID" in line:
                ready.set()
            elif "|" not in line[:3]:
                tail.append(line)
        ready.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    if not ready.wait(60):
        p.kill()
        print("kcat did not get a producer id in 60 s", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    try:
        with open(data, "rb") as f:
            shutil.copyfileobj(f, p.stdin, 1 << 20)
        p.stdin.close()
    except BrokenPipeError:
        pass
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    reader.join(5)
    c = ru.ru_utime + ru.ru_stime
    ok = high_watermarks(a.bootstrap, a.topic, a.X)
    out = {
        "client": "kcat", "records": ok, "failed": a.num_records - ok, "seconds": round(secs, 3),
        "records_per_sec": round(ok / secs, 1),
        "mb_per_sec": round(ok * a.record_size / secs / 1048576, 2),
        "cpu_seconds": round(c, 3), "cpu_us_per_record": round(c * 1e6 / max(ok, 1), 3),
        "exit": p.returncode,
    }
    if tail:
        out["stderr"] = " | ".join(tail)[-300:]
    print(json.dumps(out), flush=True)
    return 0 if ok == a.num_records and p.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
