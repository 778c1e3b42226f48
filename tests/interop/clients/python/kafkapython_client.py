#!/usr/bin/env python3
"""Interop driver for kafka-python (pure Python client).

  kafkapython_client.py produce --bootstrap B --topic T --count N [options]
  kafkapython_client.py consume --bootstrap B --topic T --expect N [--timeout-s 60]
  kafkapython_client.py group --bootstrap B --topic T --group G [--stop-after N] [--idle-s 8]
  kafkapython_client.py admin --bootstrap B --topic T [--replication-factor 1]

Prints exactly one JSON line on stdout (admin: one per operation). kafka-python's default partitioner hashes keys
with murmur2 like the Java client. Consumption uses assign() without a group.
"""

import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

CLIENT = "kafka-python"

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.errors import KafkaError
except ImportError as e:  # pragma: no cover
    ic.die_json(CLIENT, "import", e)


def produce(args):
    stats = ic.ProduceStats(CLIENT, args)
    acks = {"0": 0, "1": 1, "all": "all"}[args.acks]
    try:
        p = KafkaProducer(
            bootstrap_servers=args.bootstrap.split(","),
            client_id="kwire-interop-kafka-python",
            acks=acks,
            enable_idempotence=args.idempotence == "true",
            compression_type=None if args.compression == "none" else args.compression,
            linger_ms=5,
            max_block_ms=int(args.timeout_s * 1000),
            delivery_timeout_ms=int(args.timeout_s * 1000),
            request_timeout_ms=min(30000, int(args.timeout_s * 1000)),
            bootstrap_timeout_ms=int(args.timeout_s * 1000),
            reconnect_backoff_max_ms=1000,
        )
    except (KafkaError, ValueError, AssertionError) as e:
        return stats.emit(fatal="%s: %s" % (type(e).__name__, e))

    def ok_cb(key):
        return lambda md: stats.ok(key, md.partition)

    deadline = time.monotonic() + args.timeout_s
    pacer = ic.Pacer(args.rate)
    try:
        for seq in range(args.count):
            pacer.wait(seq)
            key = ic.make_key(seq, args.key_prefix, args.no_keys)
            value = ic.make_value(seq, args.value_size)
            headers = [("seq", str(seq).encode()), ("client", CLIENT.encode())] if args.headers else None
            fut = p.send(args.topic, value=value, key=key, headers=headers)
            stats.produced += 1
            fut.add_callback(ok_cb(key))
            fut.add_errback(stats.fail)
            if time.monotonic() > deadline:
                return stats.emit(fatal="timeout while sending")
        p.flush(timeout=max(0.0, deadline - time.monotonic()))
    except KafkaError as e:
        return stats.emit(fatal="%s: %s" % (type(e).__name__, e))
    finally:
        p.close(timeout=5)
    undelivered = stats.produced - stats.acked - stats.errors
    return stats.emit(fatal="%d records undelivered at the timeout" % undelivered if undelivered else None)


def consume(args):
    stats = ic.ConsumeStats(CLIENT, args)
    deadline = time.monotonic() + args.timeout_s
    c = KafkaConsumer(
        bootstrap_servers=args.bootstrap.split(","),
        client_id="kwire-interop-kafka-python",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        bootstrap_timeout_ms=int(args.timeout_s * 1000),
        reconnect_backoff_max_ms=1000,
    )
    try:
        parts = None
        while time.monotonic() < deadline:
            parts = c.partitions_for_topic(args.topic)
            if parts:
                break
            time.sleep(0.2)
        if not parts:
            return stats.emit(timed_out=True, fatal="topic has no partitions")
        tps = [TopicPartition(args.topic, p) for p in sorted(parts)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        ends = None
        while time.monotonic() < deadline:
            batches = c.poll(timeout_ms=200, max_records=2000)
            for tp, records in batches.items():
                for r in records:
                    stats.record(tp.partition, r.key, r.value, r.headers)
            if stats.distinct() >= args.expect:
                if ends is None:  # drain to the end offsets seen now, to catch duplicates
                    ends = c.end_offsets(tps)
                if all(c.position(tp) >= ends[tp] for tp in tps):
                    return stats.emit()
        return stats.emit(timed_out=True)
    finally:
        c.close()


def group(args):
    from kafka import ConsumerRebalanceListener, OffsetAndMetadata

    st = ic.GroupStats(CLIENT, args)

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            st.revoked([tp.partition for tp in revoked])

        def on_partitions_assigned(self, assigned):
            st.assigned([tp.partition for tp in assigned])

    c = KafkaConsumer(
        bootstrap_servers=args.bootstrap.split(","),
        client_id="kwire-interop-kafka-python",
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
        reconnect_backoff_max_ms=1000,
        # How long the broker waits for members to rejoin a rebalance (and kafka-python for a
        # JoinGroup answer, plus 5 s): 30 s instead of 300 s bounds how long a member that
        # stopped polling holds up the others; members here poll every 0.5 s.
        max_poll_interval_ms=30000,
    )
    # The group's joins and assignments, to stderr (the member's .log).
    logging.getLogger("kafka.coordinator").setLevel(logging.INFO)
    # The topic's partitions are known before the first JoinGroup. Otherwise a leader assigns
    # nothing, learns the partitions from the next metadata and rejoins for that alone; and
    # kafka-python 3.0.12 loses such a rebalance when its JoinGroup and SyncGroup outlast the
    # poll() that started them (likely against 3 brokers, where SyncGroup waits for the
    # replicated write): taking the new metadata snapshot for its assignment turns
    # need_rejoin() false, so no later poll() awaits the pending join again, and the member
    # stays rebalancing with heartbeats off until the broker expires it, assigned nothing.
    # The metadata request meets a broker's failure as poll() below would (a connection loss
    # raised, retriable: a member may start while the coordinator's broker is killed), and is
    # asked again.
    known_by = time.monotonic() + 30
    while time.monotonic() < known_by:
        try:
            if c.partitions_for_topic(args.topic):
                break
        except KafkaError as e:
            if not getattr(e, "retriable", False):
                raise
        time.sleep(0.2)
    c.subscribe([args.topic], listener=Listener())
    try:
        while not st.timed_out():
            offsets = {}
            stop = False
            try:
                polled = c.poll(timeout_ms=500, max_records=100)
            except KafkaError as e:
                # kafka-python raises a broker's connection loss from poll (KafkaConnectionError,
                # retriable: seen when the coordinator's broker was killed); an application
                # polls again
                if not getattr(e, "retriable", False):
                    raise
                st.poll_failed(e)
                continue
            for tp, records in polled.items():
                for r in records:
                    if st.full():
                        stop = True  # the rest is dropped unprocessed and uncommitted
                        break
                    if st.record(tp.partition, r.key, r.value, r.headers, r.offset):
                        offsets[tp.partition] = r.offset + 1
                if stop:
                    break
            st.processed()
            if offsets:
                try:
                    c.commit({TopicPartition(args.topic, p): OffsetAndMetadata(o, "", -1)
                              for p, o in offsets.items()})
                    st.commit_ok(offsets)
                except Exception as e:  # noqa: BLE001 - a failed commit is counted, not fatal
                    st.commit_failed(e)
            if st.done():
                return st.emit()
        dump_group_state(c)
        return st.emit(timed_out=True)
    finally:
        c.close()


def dump_group_state(c):
    """Logs the consumer's group and coordinator-connection state (kafka-python internals, read
    only): why a member that timed out was still waiting, if it was."""
    log = logging.getLogger("kwire.interop")
    try:
        co = c._coordinator
        task = co._join_task
        log.error("timed out: group state %s, generation %s, rejoin_needed %s, rejoining %s, "
                  "coordinator %s, join task %s", co.state, co._generation, co.rejoin_needed,
                  co.rejoining, co.coordinator_id,
                  None if task is None else ("done" if task.is_done else "pending"))
        for node, conn in list(c._manager._conns.items()):
            log.error("timed out: connection %s: %s; paused %s; buffered %d; in flight %s", node,
                      conn, sorted(conn.paused), len(conn._request_buffer),
                      [(r[0], round(r[3] - time.monotonic(), 1)) for r in conn.in_flight_requests])
    except Exception as e:  # noqa: BLE001 - a diagnostic only; the internals may change
        log.error("timed out: no group state (%s: %s)", type(e).__name__, e)


def admin(args):
    import kafka.errors
    from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic,
                             ResourcePatternFilter, ResourceType, UserScramCredentialDeletion,
                             UserScramCredentialUpsertion)

    a = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","),
                         client_id="kwire-interop-kafka-python",
                         request_timeout_ms=int(args.timeout_s * 1000))
    t = args.topic
    res = lambda configs=None: ConfigResource(ConfigResourceType.TOPIC, t, configs=configs)  # noqa: E731

    def partitions():
        d = a.describe_topics([t])[0]
        if d["error_code"]:
            raise kafka.errors.for_code(d["error_code"])()
        return len(d["partitions"])

    user = t + "-user"

    def scram_upsert():
        errors = a.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(user, "SCRAM-SHA-256", "kwire-secret", iterations=8192)])
        if errors.get(user):
            raise RuntimeError(errors[user])

    def scram_delete():
        errors = a.alter_user_scram_credentials(
            [UserScramCredentialDeletion(user, "SCRAM-SHA-256")])
        if errors.get(user):
            raise RuntimeError(errors[user])

    def scram_describe():
        # kafka-python reports a user's error by its message only
        d = a.describe_user_scram_credentials([user])[user]
        if d["error"]:
            return d["error"]
        return ",".join("%s=iterations=%d" % (i["mechanism"].name.replace("_", "-"), i["iterations"])
                        for i in d["credential_infos"])

    def list_acls():
        every = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                          ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        acls, _ = a.describe_acls(every)
        return len(acls)

    try:
        return ic.admin_script(
            CLIENT,
            create=lambda n, configs: a.create_topics(
                [NewTopic(t, n, args.replication_factor, topic_configs=configs)]) and None,
            partitions=partitions,
            retention=lambda: "retention.ms=%s"
            % a.describe_configs([res()])["topic"][t]["retention.ms"]["value"],
            alter=lambda v: a.alter_configs([res({"retention.ms": v})]) and None,
            delete=lambda: a.delete_topics([t]) and None,
            list_acls=list_acls,
            scram=(scram_upsert, scram_delete, scram_describe),
            expect={"scram_delete": "Attempt to describe a user credential that does not exist: "
                    + user},
            error_name=lambda e: getattr(e, "message", None) if isinstance(e, KafkaError) else None,
        )
    finally:
        a.close()


def main():
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    args = ic.parse_args(CLIENT)
    try:
        rc = {"produce": produce, "consume": consume, "group": group, "admin": admin}[args.cmd](args)
    except Exception as e:  # noqa: BLE001 - one JSON line, whatever happens
        ic.die_json(CLIENT, args.cmd, "%s: %s" % (type(e).__name__, e))
    sys.exit(rc)


if __name__ == "__main__":
    main()
