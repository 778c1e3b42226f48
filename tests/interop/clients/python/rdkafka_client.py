#!/usr/bin/env python3
"""Interop driver for librdkafka (through the confluent-kafka wheel).

  rdkafka_client.py produce --bootstrap B --topic T --count N [options]
  rdkafka_client.py consume --bootstrap B --topic T --expect N [--timeout-s 60]
  rdkafka_client.py group --bootstrap B --topic T --group G [--stop-after N] [--idle-s 8]
                          [--group-protocol classic|consumer]
  rdkafka_client.py admin --bootstrap B --topic T [--replication-factor 1]

Prints exactly one JSON line on stdout (admin: one per operation); librdkafka's own logs go to stderr.
The producer uses partitioner=murmur2_random so keyed records land where the Java
client would put them (librdkafka's default, consistent_random, hashes with CRC32).
"""

import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

CLIENT = "librdkafka"

try:
    import confluent_kafka
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
except ImportError as e:  # pragma: no cover
    ic.die_json(CLIENT, "import", e)


def produce(args):
    stats = ic.ProduceStats(CLIENT, args)
    conf = {
        "bootstrap.servers": args.bootstrap,
        "client.id": "kwire-interop-librdkafka",
        "acks": args.acks,
        "enable.idempotence": args.idempotence == "true",
        "compression.type": args.compression,
        "partitioner": "murmur2_random",
        "linger.ms": 5,
        "message.timeout.ms": int(args.timeout_s * 1000),
        "queue.buffering.max.messages": 100000,
        "reconnect.backoff.max.ms": 1000,
        "log_level": 4,
    }
    try:
        p = Producer(conf)
    except KafkaException as e:
        return stats.emit(fatal=e)

    def on_delivery(err, msg):
        if err is not None:
            stats.fail(err)
        else:
            stats.ok(msg.key(), msg.partition())

    deadline = time.monotonic() + args.timeout_s
    pacer = ic.Pacer(args.rate)
    for seq in range(args.count):
        pacer.wait(seq)
        key = ic.make_key(seq, args.key_prefix, args.no_keys)
        value = ic.make_value(seq, args.value_size)
        headers = [("seq", str(seq).encode()), ("client", CLIENT.encode())] if args.headers else None
        while True:
            try:
                p.produce(args.topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
                stats.produced += 1
                break
            except BufferError:
                p.poll(0.05)
                if time.monotonic() > deadline:
                    return stats.emit(fatal="local queue full until the timeout")
            except KafkaException as e:
                return stats.emit(fatal=e)
        p.poll(0)
    remaining = p.flush(max(0.0, deadline - time.monotonic()))
    fatal = "%d records still undelivered at the timeout" % remaining if remaining else None
    return stats.emit(fatal=fatal)


def wait_partitions(c, topic, deadline):
    while time.monotonic() < deadline:
        try:
            md = c.list_topics(topic, timeout=max(0.5, min(5.0, deadline - time.monotonic())))
        except KafkaException:  # no broker reachable yet: retry until the deadline
            time.sleep(0.2)
            continue
        t = md.topics.get(topic)
        if t is not None and t.error is None and t.partitions:
            return sorted(t.partitions)
        time.sleep(0.2)
    return None


def consume(args):
    stats = ic.ConsumeStats(CLIENT, args)
    deadline = time.monotonic() + args.timeout_s
    # group.id is required by the binding; no subscribe and no commits are made with it.
    c = Consumer({
        "bootstrap.servers": args.bootstrap,
        "client.id": "kwire-interop-librdkafka",
        "group.id": "kwire-interop-%s" % uuid.uuid4().hex[:12],
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "reconnect.backoff.max.ms": 1000,
        "log_level": 4,
    })
    try:
        parts = wait_partitions(c, args.topic, deadline)
        if parts is None:
            return stats.emit(timed_out=True, fatal="topic has no partitions")
        tps = [TopicPartition(args.topic, p, confluent_kafka.OFFSET_BEGINNING) for p in parts]
        c.assign(tps)
        ends = None
        while time.monotonic() < deadline:
            for msg in c.consume(num_messages=1000, timeout=0.2):
                if msg.error():  # EOF or a transient error that librdkafka retries itself
                    continue
                stats.record(msg.partition(), msg.key(), msg.value(), msg.headers())
            if stats.distinct() >= args.expect:
                if ends is None:  # drain to the end offsets seen now, to catch duplicates
                    ends = {p: c.get_watermark_offsets(TopicPartition(args.topic, p), timeout=5)[1]
                            for p in parts}
                pos = {tp.partition: tp.offset for tp in c.position(
                    [TopicPartition(args.topic, p) for p in parts])}
                if all(pos.get(p, -1) >= ends[p] or ends[p] <= 0 and pos.get(p, -1) < 0 for p in parts):
                    return stats.emit()
        return stats.emit(timed_out=True)
    finally:
        c.close()


def group(args):
    st = ic.GroupStats(CLIENT, args)
    conf = {
        "bootstrap.servers": args.bootstrap,
        "client.id": "kwire-interop-librdkafka",
        "group.id": args.group,
        "group.protocol": args.group_protocol,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "reconnect.backoff.max.ms": 1000,
        "log_level": 4,
    }
    if args.group_protocol == "classic":
        # The broker owns these under KIP-848 (librdkafka refuses them there).
        conf.update({"session.timeout.ms": 10000, "heartbeat.interval.ms": 1000})
    c = Consumer(conf)
    # Under KIP-848 (and cooperative-sticky) the callbacks carry increments: the stats keep the
    # owned set.
    c.subscribe([args.topic],
                on_assign=lambda _c, ps: st.assigned([p.partition for p in ps]),
                on_revoke=lambda _c, ps: st.revoked([p.partition for p in ps]),
                on_lost=lambda _c, ps: st.revoked([p.partition for p in ps]))
    try:
        while not st.timed_out():
            offsets = {}
            for msg in c.consume(num_messages=100, timeout=0.5):
                if st.full():
                    break  # dropped unprocessed and uncommitted: the next owner reads them
                if msg.error():
                    continue
                if st.record(msg.partition(), msg.key(), msg.value(), msg.headers(), msg.offset()):
                    offsets[msg.partition()] = msg.offset() + 1
            st.processed()
            if offsets:
                try:
                    c.commit(offsets=[TopicPartition(args.topic, p, o) for p, o in offsets.items()],
                             asynchronous=False)
                    st.commit_ok(offsets)
                except KafkaException as e:
                    st.commit_failed(e)
            if st.done():
                return st.emit()
        return st.emit(timed_out=True)
    finally:
        c.close()


def admin(args):
    from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType,
                                       AdminClient, AlterConfigOpType, ConfigEntry,
                                       ConfigResource, NewTopic, ResourcePatternType,
                                       ResourceType, ScramCredentialInfo, ScramMechanism,
                                       UserScramCredentialDeletion,
                                       UserScramCredentialUpsertion)

    # describing must not create: librdkafka's metadata requests auto-create unless told not to
    a = AdminClient({"bootstrap.servers": args.bootstrap,
                     "client.id": "kwire-interop-librdkafka",
                     "allow.auto.create.topics": False})
    t, timeout = args.topic, args.timeout_s
    res = lambda: ConfigResource("topic", t)  # noqa: E731

    def one(futures):
        for f in futures.values():
            f.result(timeout=timeout)

    def alter(v):
        r = ConfigResource("topic", t, incremental_configs=[
            ConfigEntry("retention.ms", v, incremental_operation=AlterConfigOpType.SET)])
        one(a.incremental_alter_configs([r]))

    def retention():
        (f,) = a.describe_configs([res()], request_timeout=timeout).values()
        return "retention.ms=%s" % f.result(timeout=timeout)["retention.ms"].value

    def partitions():
        md = a.list_topics(topic=t, timeout=timeout).topics[t]
        if md.error is not None:
            raise KafkaException(md.error)
        return len(md.partitions)

    def list_acls():
        every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                 AclOperation.ANY, AclPermissionType.ANY)
        return len(a.describe_acls(every, request_timeout=timeout).result(timeout=timeout))

    user = t + "-user"

    def scram_upsert():
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192)
        one(a.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(user, info, b"kwire-secret")], request_timeout=timeout))

    def scram_delete():
        one(a.alter_user_scram_credentials(
            [UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_256)],
            request_timeout=timeout))

    def scram_describe():
        d = a.describe_user_scram_credentials([user], request_timeout=timeout)[user]
        return ",".join("%s=iterations=%d" % (i.mechanism.name.replace("_", "-"), i.iterations)
                        for i in d.result(timeout=timeout).scram_credential_infos)

    def error_name(e):
        err = e.args[0] if isinstance(e, KafkaException) and e.args else None
        name = err.name() if hasattr(err, "name") else None
        # librdkafka shortens a few of Kafka's names
        return {"UNKNOWN_TOPIC_OR_PART": "UNKNOWN_TOPIC_OR_PARTITION"}.get(name, name)

    return ic.admin_script(
        CLIENT,
        create=lambda n, configs: one(a.create_topics(
            [NewTopic(t, n, args.replication_factor, config=configs)],
            request_timeout=timeout)),
        partitions=partitions,
        retention=retention,
        alter=alter,
        delete=lambda: one(a.delete_topics([t], request_timeout=timeout)),
        list_acls=list_acls,
        scram=(scram_upsert, scram_delete, scram_describe),
        error_name=error_name,
        # librdkafka (2.16) does not report the error of a DescribeAcls response: a broker
        # without an authorizer gives it an empty list, not SECURITY_DISABLED
        expect={"list_acls": "acls=0"},
    )


def main():
    args = ic.parse_args(CLIENT)
    try:
        rc = {"produce": produce, "consume": consume, "group": group, "admin": admin}[args.cmd](args)
    except Exception as e:  # noqa: BLE001 - one JSON line, whatever happens
        ic.die_json(CLIENT, args.cmd, "%s: %s" % (type(e).__name__, e))
    sys.exit(rc)


if __name__ == "__main__":
    main()
