"""Real clients over SASL and TLS: produce N keyed records to a topic and read them back, or
check that a login is refused. Prints one JSON line. Used by tests/interop/security/run.sh.

    clients.py librdkafka|kafka-python roundtrip BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CA TOPIC N
    clients.py librdkafka|kafka-python refused   BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CA
    clients.py librdkafka count BOOTSTRAP TOPIC=N...
        (plaintext read-back of what another client wrote: each topic, from its partitions'
        beginning to their end, must hold N records k<i>/v<i>, each value once, each key
        matching its value)
    clients.py librdkafka expire BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CA TOPIC N CONTROL
        (half the records, then kwire-mock's expire_sessions through its control endpoint, then
        the rest: the client must carry on as when Kafka closes an expired session)
    clients.py kafka-python lapse BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CA TOPIC N CONTROL
        (a client that does not re-authenticate (KIP-368): kafka-python with its re-authentication
        turned off produces half the records, sits idle past the session lifetime kwire-mock
        gives (connections.max.reauth.ms, read from CONTROL's /state), then produces the rest:
        the mock closes each expired connection at its next request, the client logs in on new
        ones, and every record is read back once)
    clients.py librdkafka mtls BOOTSTRAP CA CERT KEY TOPIC N
        (SSL with a client certificate: N records produced and read back once; with CERT and KEY
        "-", no certificate: the connection must be refused, nothing delivered)
"""
import base64
import json
import sys
import time


def rdkafka_conf(bootstrap, protocol, mechanism, user, password, ca):
    conf = {"bootstrap.servers": bootstrap, "security.protocol": protocol}
    if protocol.startswith("SASL"):
        conf["sasl.mechanism"] = mechanism
        if mechanism == "OAUTHBEARER":
            conf["enable.sasl.oauthbearer.unsecure.jwt"] = True
            conf["sasl.oauthbearer.config"] = "principal=" + user
        else:
            conf["sasl.username"] = user
            conf["sasl.password"] = password
    if protocol.endswith("SSL") and ca:
        conf["ssl.ca.location"] = ca
    return conf


def unsecured_jwt(principal, lifetime_s=3600):
    """An unsecured JWT (alg "none", no signature) for `principal`, as Kafka's unsecured
    OAUTHBEARER validator and kwire-mock take: sub, iat and exp in seconds."""
    def part(claims):
        raw = json.dumps(claims, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    now = int(time.time())
    return part({"alg": "none"}) + "." + part({"sub": principal, "iat": now, "exp": now + lifetime_s}) + "."


def python_token_provider(principal):
    """kafka-python's OAUTHBEARER takes its token from a provider object."""
    try:
        from kafka.net.sasl.oauth import AbstractTokenProvider
    except ImportError:  # kafka-python before 3.0
        from kafka.sasl.oauth import AbstractTokenProvider

    class Unsecured(AbstractTokenProvider):
        def token(self):
            return unsecured_jwt(principal)

    return Unsecured()


def python_conf(bootstrap, protocol, mechanism, user, password, ca):
    conf = {"bootstrap_servers": bootstrap, "security_protocol": protocol}
    if protocol.startswith("SASL") and mechanism == "OAUTHBEARER":
        conf.update(sasl_mechanism=mechanism, sasl_oauth_token_provider=python_token_provider(user))
    elif protocol.startswith("SASL"):
        conf.update(sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password)
    if protocol.endswith("SSL") and ca:
        conf.update(ssl_cafile=ca, ssl_check_hostname=True)
    return conf


def produce_rdkafka(p, topic, lo, hi, errors):
    """Produces k<i>/v<i> for i in [lo, hi) with `p`, appending delivery errors to `errors`;
    returns how many records flush left undelivered."""
    for i in range(lo, hi):
        p.produce(topic, key=b"k%d" % i, value=b"v%d" % i,
                  on_delivery=lambda e, m: e and errors.append(str(e)))
        p.poll(0)
    return p.flush(30)


def consume_rdkafka(conf, topic, n, timeout_s=30):
    from confluent_kafka import Consumer
    c = Consumer(dict(conf, **{"group.id": "kwire-sec-" + topic, "auto.offset.reset": "earliest",
                               "enable.auto.commit": False}))
    c.subscribe([topic])
    seen, deadline = set(), time.time() + timeout_s
    total = 0
    while len(seen) < n and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        total += 1
        seen.add(m.value())
    c.close()
    return total, len(seen)


def roundtrip(client, bootstrap, protocol, mechanism, user, password, ca, topic, n):
    n = int(n)
    started = time.time()
    if client == "librdkafka":
        from confluent_kafka import Producer
        conf = rdkafka_conf(bootstrap, protocol, mechanism, user, password, ca)
        p = Producer(dict(conf, **{"enable.idempotence": True}))
        errors = []
        left = produce_rdkafka(p, topic, 0, n, errors)
        total, distinct = consume_rdkafka(conf, topic, n)
        ok = not errors and left == 0 and distinct == n and total == n
    else:
        from kafka import KafkaConsumer, KafkaProducer
        conf = python_conf(bootstrap, protocol, mechanism, user, password, ca)
        p = KafkaProducer(acks="all", **conf)
        for i in range(n):
            p.send(topic, key=b"k%d" % i, value=b"v%d" % i)
        p.flush(30)
        p.close()
        c = KafkaConsumer(topic, group_id="kwire-sec-py-" + topic, auto_offset_reset="earliest",
                          consumer_timeout_ms=15000, **conf)
        values = []
        for m in c:  # until n records, or 15 s without one
            values.append(m.value)
            if len(values) >= n:
                break
        # anything past n (a duplicate) shows up within a short wait
        for records in c.poll(timeout_ms=1000).values():
            values.extend(r.value for r in records)
        c.close()
        total, distinct = len(values), len(set(values))
        errors, ok = [], distinct == n and total == n
    print(json.dumps({"client": client, "op": "roundtrip", "protocol": protocol, "mechanism": mechanism,
                      "produced": n, "consumed": total, "distinct": distinct, "errors": errors[:3],
                      "ok": ok, "seconds": round(time.time() - started, 2)}))
    return ok


def refused(client, bootstrap, protocol, mechanism, user, password, ca):
    """The login is refused as an authentication failure (not a timeout or a transport error)."""
    started = time.time()
    error = None
    if client == "librdkafka":
        from confluent_kafka import KafkaError, Producer
        seen = []
        conf = rdkafka_conf(bootstrap, protocol, mechanism, user, password, ca)
        conf.update({"error_cb": seen.append, "log_level": 0})
        p = Producer(conf)
        deadline = time.time() + 10
        while not seen and time.time() < deadline:
            p.poll(0.2)
        auth = [e for e in seen if e.code() == KafkaError._AUTHENTICATION]
        error = str(auth[0] if auth else (seen[0] if seen else "no error"))
        ok = bool(auth)
    else:
        import logging
        from kafka import KafkaAdminClient
        messages = []

        class Collect(logging.Handler):
            def emit(self, record):
                messages.append(record.getMessage())

        logging.getLogger("kafka").addHandler(Collect())
        logging.getLogger("kafka").setLevel(logging.INFO)
        logging.getLogger("kafka").propagate = False
        outcome = []

        def connect():
            try:
                KafkaAdminClient(request_timeout_ms=8000,
                                 **python_conf(bootstrap, protocol, mechanism, user, password, ca))
                outcome.append("connected")
            except Exception as e:  # noqa: BLE001 - what the client reports is checked below
                outcome.append(type(e).__name__ + ": " + str(e))

        import threading
        threading.Thread(target=connect, daemon=True).start()
        deadline = time.time() + 10
        while time.time() < deadline and not outcome and not any("uthentication failed" in m for m in messages):
            time.sleep(0.1)
        auth = [m for m in messages if "uthentication failed" in m]
        # kafka-python retries a refused bootstrap until its timeout and does not always log the
        # broker's answer: never connecting is the refusal (run.sh checks the broker's side).
        ok = bool(auth) or not outcome or outcome[0] != "connected"
        error = auth[0] if auth else (outcome[0] if outcome else "not connected after 10 s")
    print(json.dumps({"client": client, "op": "refused", "protocol": protocol, "mechanism": mechanism,
                      "error": (error or "")[:200], "ok": ok, "seconds": round(time.time() - started, 2)}))
    return ok


def expire(client, bootstrap, protocol, mechanism, user, password, ca, topic, n, control):
    import urllib.request
    assert client == "librdkafka"
    from confluent_kafka import Producer
    n, started = int(n), time.time()
    conf = rdkafka_conf(bootstrap, protocol, mechanism, user, password, ca)
    p = Producer(dict(conf, **{"enable.idempotence": True}))
    errors = []
    def send(lo, hi):
        return produce_rdkafka(p, topic, lo, hi, errors)
    left = send(0, n // 2)
    req = urllib.request.Request(control.rstrip("/") + "/actions", method="POST",
                                 data=b'{"action": "expire_sessions"}',
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()
    left += send(n // 2, n)
    total, distinct = consume_rdkafka(conf, topic, n)
    ok = not errors and left == 0 and distinct == n and total == n
    print(json.dumps({"client": client, "op": "expire", "mechanism": mechanism, "produced": n,
                      "consumed": total, "distinct": distinct, "errors": errors[:3], "ok": ok,
                      "seconds": round(time.time() - started, 2)}))
    return ok


def control_state(control):
    import urllib.request
    with urllib.request.urlopen(control.rstrip("/") + "/state", timeout=10) as r:
        return json.load(r)["security"]


def lapse(client, bootstrap, protocol, mechanism, user, password, ca, topic, n, control):
    assert client == "kafka-python"
    from kafka import KafkaProducer
    from kafka.net import connection
    # A client without KIP-368: it never renews its sessions, whatever lifetime the broker sends.
    connection.SaslReauthenticator.schedule = lambda self: None
    n, started = int(n), time.time()
    before = control_state(control)
    lifetime_s = before["connections_max_reauth_ms"] / 1000.0
    assert lifetime_s > 0, "the mock gives sessions no lifetime"
    p = KafkaProducer(acks="all", enable_idempotence=True,
                      **python_conf(bootstrap, protocol, mechanism, user, password, ca))
    errors = []

    def send(lo, hi):
        futures = [p.send(topic, key=b"k%d" % i, value=b"v%d" % i) for i in range(lo, hi)]
        p.flush(60)
        for f in futures:
            try:
                f.get(timeout=0)
            except Exception as e:  # noqa: BLE001 - a failed record is what is counted
                errors.append(type(e).__name__ + ": " + str(e))

    send(0, n // 2)
    time.sleep(lifetime_s + 1.5)  # every session of the producer has expired meanwhile
    send(n // 2, n)
    p.close(10)
    after = control_state(control)
    closed = after["counters"]["expired_sessions_closed"] - before["counters"]["expired_sessions_closed"]
    logins = after["counters"]["authentications"] - before["counters"]["authentications"]
    reauths = after["counters"]["reauthentications"] - before["counters"]["reauthentications"]
    total, distinct = consume_rdkafka(rdkafka_conf(bootstrap, protocol, mechanism, user, password, ca),
                                      topic, n)
    ok = not errors and closed > 0 and distinct == n and total == n
    print(json.dumps({"client": client, "op": "lapse", "mechanism": mechanism, "produced": n,
                      "consumed": total, "distinct": distinct, "errors": errors[:3],
                      "session_ms": int(lifetime_s * 1000), "expired_connections_closed": closed,
                      "logins": logins, "reauthentications": reauths, "ok": ok,
                      "seconds": round(time.time() - started, 2)}))
    return ok


def mtls(client, bootstrap, ca, cert, key, topic, n):
    assert client == "librdkafka"
    from confluent_kafka import Producer
    n, started = int(n), time.time()
    conf = {"bootstrap.servers": bootstrap, "security.protocol": "SSL", "ssl.ca.location": ca}
    if cert != "-":
        conf.update({"ssl.certificate.location": cert, "ssl.key.location": key})
        p = Producer(dict(conf, **{"enable.idempotence": True}))
        errors = []
        left = produce_rdkafka(p, topic, 0, n, errors)
        total, distinct = consume_rdkafka(conf, topic, n)
        ok = not errors and left == 0 and distinct == n and total == n
        result = {"produced": n, "consumed": total, "distinct": distinct, "errors": errors[:3]}
    else:
        seen, delivered = [], []
        p = Producer(dict(conf, **{"error_cb": seen.append, "log_level": 0,
                                   "message.timeout.ms": 8000}))
        p.produce(topic, value=b"v", on_delivery=lambda e, m: e is None and delivered.append(m))
        deadline = time.time() + 10
        while not seen and time.time() < deadline:
            p.poll(0.2)
        p.flush(10)
        ok = bool(seen) and not delivered
        result = {"error": str(seen[0]) if seen else "no error", "delivered": len(delivered)}
    print(json.dumps(dict({"client": client, "op": "mtls", "certificate": cert != "-", "ok": ok,
                           "seconds": round(time.time() - started, 2)}, **result)))
    return ok


def count(bootstrap, *wanted):
    """One consumer assigned every partition of the topics (no group to join), read to their
    end: per topic, how many records, how many distinct values, and keys that do not match
    their value (k<i> for v<i>)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
    started = time.time()
    want = dict((t, int(n)) for t, n in (w.rsplit("=", 1) for w in wanted))
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "kwire-sec-count",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    md = c.list_topics(timeout=15)
    parts = [TopicPartition(t, p, OFFSET_BEGINNING)
             for t in want if t in md.topics for p in md.topics[t].partitions]
    c.assign(parts)
    values = {t: set() for t in want}
    total = dict.fromkeys(want, 0)
    mismatched = dict.fromkeys(want, 0)
    ends, deadline = set(), time.time() + 60
    while parts and len(ends) < len(parts) and time.time() < deadline:
        for m in c.consume(10000, 0.5):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    ends.add((m.topic(), m.partition()))
                continue
            t, v = m.topic(), m.value()
            total[t] += 1
            values[t].add(v)
            if m.key() != b"k" + v[1:]:
                mismatched[t] += 1
    c.close()
    ok = True
    for t, n in want.items():
        good = total[t] == n and len(values[t]) == n and mismatched[t] == 0
        ok = ok and good
        print(json.dumps({"client": "librdkafka", "op": "count", "topic": t, "expected": n,
                          "consumed": total[t], "distinct": len(values[t]),
                          "lost": n - len(values[t]), "duplicated": total[t] - len(values[t]),
                          "key_mismatch": mismatched[t], "ok": good}))
    print(json.dumps({"client": "librdkafka", "op": "count", "topics": len(want),
                      "records": sum(total.values()), "ok": ok,
                      "seconds": round(time.time() - started, 2)}))
    return ok


def main(argv):
    client, op, rest = argv[1], argv[2], argv[3:]
    if op == "roundtrip":
        return roundtrip(client, *rest)
    if op == "refused":
        return refused(client, *rest)
    if op == "count":
        return count(*rest)
    if op == "expire":
        return expire(client, *rest)
    if op == "mtls":
        return mtls(client, *rest)
    if op == "lapse":
        return lapse(client, *rest)
    raise SystemExit("unknown op " + op)


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv) else 1)
