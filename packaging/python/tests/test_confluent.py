"""confluent-kafka (librdkafka) against kwire-mock through the pytest plugin: produce, consume,
a leader move, an acks=1 loss, asserted on the cluster's state."""

import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, Producer

from kwire_mock import ControlError


def produce(mock, topic, n, acks="all", partition=None, prefix="r"):
    """Sends n keyed records; returns the delivery reports' (partition, offset) and errors."""
    delivered, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            delivered.append((msg.partition(), msg.offset()))

    p = Producer(mock.client_config(**{"acks": acks, "linger.ms": 5, "enable.idempotence": acks == "all"}))
    for i in range(n):
        kw = {} if partition is None else {"partition": partition}
        p.produce(topic, key=b"%s-%d" % (prefix.encode(), i), value=b"v%d" % i, on_delivery=on_delivery, **kw)
        p.poll(0)
    assert p.flush(15) == 0, "records still queued"
    return delivered, errors


def consume(mock, topic, n, timeout_s=20.0):
    """Reads n records from the start of topic in a fresh group; returns their keys."""
    c = Consumer(
        mock.client_config(**{
            "group.id": "g-" + uuid.uuid4().hex[:8],
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
        })
    )
    c.subscribe([topic])
    keys = []
    import time

    deadline = time.monotonic() + timeout_s
    try:
        while len(keys) < n and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise AssertionError(m.error())
            keys.append(m.key())
    finally:
        c.close()
    return keys


@pytest.mark.kwire_mock(brokers=3, topics=["orders:3:3"])
def test_produce_and_consume(kwire_mock):
    delivered, errors = produce(kwire_mock, "orders", 300)
    assert errors == [] and len(delivered) == 300
    st = kwire_mock.controller.state()
    assert st.high_watermarks("orders") == 300
    assert st.stats["records_appended"] == 300
    for p in st.topic("orders").partitions:
        # acks=all: every replica has every acknowledged record
        assert set(p.replica_log_end_offsets.values()) == {p.high_watermark}
    keys = consume(kwire_mock, "orders", 300)
    assert sorted(keys) == sorted(b"r-%d" % i for i in range(300))
    groups = kwire_mock.controller.state().groups
    assert len(groups) == 1 and groups[0].raw["offsets"], "the consumer group committed offsets"


@pytest.mark.kwire_mock(brokers=3, topics=["orders:1:3"])
def test_leader_move_is_transparent(kwire_mock):
    ctl = kwire_mock.controller
    before = ctl.state().partition("orders", 0)
    produce(kwire_mock, "orders", 50, partition=0, prefix="a")
    new_leader = ctl.move_leader("orders", 0)
    after = ctl.state().partition("orders", 0)
    assert new_leader != before.leader and after.leader == new_leader
    assert after.leader_epoch == before.leader_epoch + 1
    delivered, errors = produce(kwire_mock, "orders", 50, partition=0, prefix="b")
    assert errors == [] and max(o for _, o in delivered) == 99
    st = ctl.state()
    assert st.partition("orders", 0).high_watermark == 100
    assert st.stats["elections"] >= 1
    assert len(consume(kwire_mock, "orders", 100)) == 100


@pytest.mark.kwire_mock(brokers=3, topics=["events:1:3"])
def test_acks_1_loses_records_when_the_leader_dies(kwire_mock):
    ctl = kwire_mock.controller
    leader = ctl.state().partition("events", 0).leader
    for b in (1, 2, 3):
        if b != leader:
            ctl.set_lag(broker=b, stalled=True)  # followers stop copying
    delivered, errors = produce(kwire_mock, "events", 20, acks="1", partition=0)
    assert errors == [] and len(delivered) == 20  # acknowledged by the leader alone
    ctl.broker_down(leader)
    st = ctl.state()
    p = st.partition("events", 0)
    assert p.leader != leader and p.leader is not None
    assert p.high_watermark == 0 and st.stats["records_truncated"] == 0
    ctl.broker_up(leader)
    p = ctl.wait_for(lambda s: leader in s.partition("events", 0).isr).partition("events", 0)
    # the old leader truncated what the new leader never had: 20 acknowledged records gone
    assert p.truncated_records == 20 and p.high_watermark == 0


@pytest.mark.parametrize("kwire_mock", [{"brokers": 1, "auto_create": False}], indirect=True)
def test_indirect_options_and_control_errors(kwire_mock):
    ctl = kwire_mock.controller
    assert [b.id for b in ctl.state().brokers] == [1]
    with pytest.raises(ControlError) as e:
        ctl.move_leader("missing", 0)
    assert e.value.status == 409 and e.value.kafka_error == "UNKNOWN_TOPIC_OR_PARTITION"
    ctl.create_topic("made", partitions=4, replication_factor=1)
    assert len(ctl.state().topic("made").partitions) == 4
    delivered, errors = produce(kwire_mock, "made", 10)
    assert errors == [] and len(delivered) == 10


def test_injected_errors_are_retried(kwire_mock):
    ctl = kwire_mock.controller
    ctl.create_topic("retry", partitions=1, replication_factor=3)
    ctl.inject("produce", "NOT_LEADER_OR_FOLLOWER", count=3)
    delivered, errors = produce(kwire_mock, "retry", 5, partition=0)
    st = ctl.state()
    assert errors == [] and len(delivered) == 5
    assert st.raw["injected_errors"] == 3 and st.raw["pending_injections"] == []
    assert st.partition("retry", 0).high_watermark == 5
