#!/usr/bin/env python3
"""Tiny Kafka wire probe (standard library only) used by kafka.sh.

Speaks just enough of the protocol to tell whether a broker is up and what the
cluster looks like, without any client installed:

  kprobe.py apiversions --bootstrap H:P            ApiVersions v0 -> {"api_keys": {...}}
  kprobe.py metadata --bootstrap H:P[,H:P] [--topic T]...
                                                   Metadata v4 (no auto-creation) -> JSON
  kprobe.py wait --bootstrap H:P[,..] --brokers N --timeout-s S
                                                   poll until every address answers Metadata
                                                   listing >= N brokers (exit 1 on timeout)
  kprobe.py create-topic --bootstrap H:P[,..] --topic T [--partitions 3]
                         [--replication-factor -1] [--config k=v]... [--timeout-s 60]
                                                   CreateTopics v2 (an existing topic is fine),
                                                   then wait until every partition has a leader

Requests use the non-flexible header v1 (api_key, api_version, correlation_id,
int16-length client_id); responses to these versions use header v0.
"""

import argparse
import json
import socket
import struct
import sys
import time

CLIENT_ID = b"kwire-probe"


class Reader:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.buf):
            raise ValueError("truncated response")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def string(self):
        n = self.i16()
        if n == -1:
            return None
        return self.take(n).decode("utf-8", "replace")

    def array(self, item):
        n = self.i32()
        if n < 0:
            return None
        if n > len(self.buf) - self.pos:
            raise ValueError("array count larger than the bytes left")
        return [item() for _ in range(n)]


def parse_addr(addr):
    host, _, port = addr.rpartition(":")
    return host or "127.0.0.1", int(port)


def roundtrip(addr, api_key, api_version, body, timeout=5.0):
    host, port = parse_addr(addr)
    corr = int(time.time() * 1000) & 0x7FFFFFFF
    header = struct.pack(">hhih", api_key, api_version, corr, len(CLIENT_ID)) + CLIENT_ID
    payload = header + body
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", recv_exact(s, 4))[0]
        if size < 4 or size > 64 * 1024 * 1024:
            raise ValueError("bad response size %d" % size)
        resp = recv_exact(s, size)
    r = Reader(resp)
    got = r.i32()
    if got != corr:
        raise ValueError("correlation id mismatch")
    return r


def recv_exact(s, n):
    chunks = []
    while n > 0:
        c = s.recv(n)
        if not c:
            raise ConnectionError("connection closed")
        chunks.append(c)
        n -= len(c)
    return b"".join(chunks)


def api_versions(addr):
    r = roundtrip(addr, 18, 0, b"")
    err = r.i16()
    keys = r.array(lambda: (r.i16(), r.i16(), r.i16()))
    return {"error_code": err, "api_keys": {str(k): [lo, hi] for k, lo, hi in keys or []}}


def metadata(addr, topics=None):
    if topics is None:
        body = struct.pack(">i", -1)  # null = all topics
    else:
        body = struct.pack(">i", len(topics))
        for t in topics:
            tb = t.encode()
            body += struct.pack(">h", len(tb)) + tb
    body += b"\x00"  # allow_auto_topic_creation = false
    r = roundtrip(addr, 3, 4, body)
    out = {"throttle_ms": r.i32()}
    out["brokers"] = r.array(lambda: {"node_id": r.i32(), "host": r.string(),
                                      "port": r.i32(), "rack": r.string()})
    out["cluster_id"] = r.string()
    out["controller_id"] = r.i32()

    def partition():
        return {"error_code": r.i16(), "partition": r.i32(), "leader": r.i32(),
                "replicas": r.array(r.i32), "isr": r.array(r.i32)}

    def topic():
        return {"error_code": r.i16(), "name": r.string(), "internal": bool(r.i8()),
                "partitions": r.array(partition)}

    out["topics"] = r.array(topic)
    return out


def s16(text):
    b = text.encode()
    return struct.pack(">h", len(b)) + b


def create_topic(addr, topic, partitions, rf, configs, timeout_ms):
    body = struct.pack(">i", 1) + s16(topic) + struct.pack(">ih", partitions, rf)
    body += struct.pack(">i", 0)  # no manual assignments
    body += struct.pack(">i", len(configs))
    for k, v in configs:
        body += s16(k) + s16(v)
    body += struct.pack(">i?", timeout_ms, False)
    r = roundtrip(addr, 19, 2, body, timeout=timeout_ms / 1000 + 5)
    r.i32()  # throttle
    results = r.array(lambda: (r.string(), r.i16(), r.string()))
    return results[0] if results else (topic, -1, "empty response")


def cmd_create_topic(args):
    configs = [c.split("=", 1) for c in args.config or []]
    deadline = time.monotonic() + args.timeout_s
    name, err, msg = first_answer(args.bootstrap, lambda a: create_topic(
        a, args.topic, args.partitions, args.replication_factor, configs, int(args.timeout_s * 1000)))
    if err not in (0, 36):  # 36 = TOPIC_ALREADY_EXISTS
        print(json.dumps({"topic": name, "error_code": err, "error_message": msg}))
        return 1
    last = None
    while time.monotonic() < deadline:
        try:
            md = first_answer(args.bootstrap, lambda a: metadata(a, [args.topic]))
            t = (md["topics"] or [{}])[0]
            parts = t.get("partitions") or []
            if t.get("error_code") == 0 and parts and all(p["leader"] >= 0 for p in parts):
                print(json.dumps({"topic": args.topic, "created": err == 0,
                                  "partitions": {str(p["partition"]): p["leader"] for p in parts}}))
                return 0
            last = t
        except SystemExit as e:
            last = str(e)
        time.sleep(0.2)
    print(json.dumps({"topic": args.topic, "error": "no leaders before the timeout", "last": last}))
    return 1


def first_answer(bootstrap, fn):
    last = None
    for addr in bootstrap.split(","):
        try:
            return fn(addr.strip())
        except (OSError, ValueError) as e:
            last = "%s: %s" % (addr, e)
    raise SystemExit("no broker answered (%s)" % last)


def cmd_wait(args):
    deadline = time.monotonic() + args.timeout_s
    addrs = [a.strip() for a in args.bootstrap.split(",") if a.strip()]
    pending = set(addrs)
    last = ""
    while True:
        for addr in sorted(pending):
            try:
                md = metadata(addr, [])
                n = len(md["brokers"] or [])
                if n >= args.brokers:
                    pending.discard(addr)
                else:
                    last = "%s lists %d/%d brokers" % (addr, n, args.brokers)
            except (OSError, ValueError) as e:
                last = "%s: %s" % (addr, e)
        if not pending:
            print(json.dumps({"ready": addrs}))
            return 0
        if time.monotonic() >= deadline:
            print(json.dumps({"ready": False, "last": last}))
            return 1
        time.sleep(0.25)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("apiversions")
    a.add_argument("--bootstrap", required=True)
    m = sub.add_parser("metadata")
    m.add_argument("--bootstrap", required=True)
    m.add_argument("--topic", action="append")
    w = sub.add_parser("wait")
    w.add_argument("--bootstrap", required=True)
    w.add_argument("--brokers", type=int, default=1)
    w.add_argument("--timeout-s", type=float, default=120)
    c = sub.add_parser("create-topic")
    c.add_argument("--bootstrap", required=True)
    c.add_argument("--topic", required=True)
    c.add_argument("--partitions", type=int, default=3)
    c.add_argument("--replication-factor", type=int, default=-1, help="-1 = broker default")
    c.add_argument("--config", action="append", help="k=v topic config")
    c.add_argument("--timeout-s", type=float, default=60)
    args = ap.parse_args()
    if args.cmd == "apiversions":
        print(json.dumps(first_answer(args.bootstrap, api_versions)))
    elif args.cmd == "metadata":
        print(json.dumps(first_answer(args.bootstrap, lambda a: metadata(a, args.topic))))
    elif args.cmd == "create-topic":
        return cmd_create_topic(args)
    else:
        return cmd_wait(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
