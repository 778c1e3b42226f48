//! The broker's idempotence rules, step by step, against `kwire-mock` and — when
//! `KWIRE_KAFKA_BOOTSTRAP` points at one — a real Kafka broker, which must give the very same
//! answers:
//!
//! * a retry of any of the last 5 batches of a producer is a duplicate: no append, the original
//!   offset comes back;
//! * a retry of a batch *older* than those 5 gets OUT_OF_ORDER_SEQUENCE_NUMBER (the broker no
//!   longer knows whether it wrote it), as does a gap in the sequence;
//! * a new epoch must start at sequence 0, after which the old epoch is rejected with
//!   INVALID_PRODUCER_EPOCH;
//! * a producer id the partition has no state for may start at *any* sequence (why
//!   kwire-producer sends the first batch of a partition alone).
//!
//! The script talks Produce directly with `kwire-protocol` (no producer in between), so each
//! answer is the broker's own.

use std::time::{Duration, Instant};

use bytes::Bytes;
use kwire_mock::MockCluster;
use kwire_protocol::api::init_producer_id::InitProducerIdRequest;
use kwire_protocol::api::produce::ProduceRequest;
use kwire_protocol::testing::BatchBuilder;
use kwire_protocol::{ErrorCode, Uuid};
use kwire_tests::{Conn, kafka_bootstrap, produce_at};

/// One step of the script: what is sent and what the broker must answer.
struct Step {
    what: &'static str,
    epoch_delta: i16,
    sequence: i32,
    expect: ErrorCode,
    /// The expected base offset, relative to the first batch's (None: not checked).
    offset: Option<i64>,
}

const fn step(
    what: &'static str,
    epoch_delta: i16,
    sequence: i32,
    expect: ErrorCode,
    offset: Option<i64>,
) -> Step {
    Step {
        what,
        epoch_delta,
        sequence,
        expect,
        offset,
    }
}

/// After seven one-record batches (sequences 0..=6, offsets 0..=6): retries and epochs.
const SCRIPT: &[Step] = &[
    step(
        "retry of the newest batch (seq 6)",
        0,
        6,
        ErrorCode::None,
        Some(6),
    ),
    step(
        "retry of the oldest cached batch (seq 2)",
        0,
        2,
        ErrorCode::None,
        Some(2),
    ),
    step(
        "retry older than the 5 cached batches (seq 1)",
        0,
        1,
        ErrorCode::OutOfOrderSequenceNumber,
        None,
    ),
    step(
        "retry older than the 5 cached batches (seq 0)",
        0,
        0,
        ErrorCode::OutOfOrderSequenceNumber,
        None,
    ),
    step(
        "gap: seq 8 after 6",
        0,
        8,
        ErrorCode::OutOfOrderSequenceNumber,
        None,
    ),
    step("next in order (seq 7)", 0, 7, ErrorCode::None, Some(7)),
    step(
        "new epoch not starting at 0",
        1,
        3,
        ErrorCode::OutOfOrderSequenceNumber,
        None,
    ),
    step("new epoch at seq 0", 1, 0, ErrorCode::None, Some(8)),
    step(
        "old epoch after the bump",
        0,
        8,
        ErrorCode::InvalidProducerEpoch,
        None,
    ),
    step(
        "new epoch continues (seq 1)",
        1,
        1,
        ErrorCode::None,
        Some(9),
    ),
];

/// Runs the script against the broker at `bootstrap` on a fresh topic; returns one line per
/// step with what the broker answered.
fn run_script(bootstrap: &str, topic: &str) -> Vec<String> {
    let first = bootstrap.split(',').next().unwrap();
    let mut conn = Conn::connect(first).expect("connect");
    let (topic_id, leader) = leader_of(&mut conn, topic);
    let mut conn = Conn::connect(&leader).expect("connect to the leader");

    let v = *conn.common_versions::<InitProducerIdRequest>().end();
    let deadline = Instant::now() + Duration::from_secs(60);
    let init = loop {
        let r = conn
            .send(
                &InitProducerIdRequest {
                    transaction_timeout_ms: 60_000,
                    ..Default::default()
                },
                v,
            )
            .expect("InitProducerId");
        if !r.error_code.is_retriable() || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(init.error_code.is_ok(), "InitProducerId: {init:?}");
    let (pid, epoch) = (init.producer_id, init.producer_epoch);
    let stranger = conn
        .send(
            &InitProducerIdRequest {
                transaction_timeout_ms: 60_000,
                ..Default::default()
            },
            v,
        )
        .expect("InitProducerId");
    assert!(stranger.error_code.is_ok(), "InitProducerId: {stranger:?}");

    let v = *conn.common_versions::<ProduceRequest>().end();
    let mut lines = Vec::new();
    {
        // A producer id without state on the partition: sequence 5 first is accepted.
        let records = batch(stranger.producer_id, stranger.producer_epoch, 5);
        let r = conn
            .send(&produce_at(v, topic, topic_id, 0, records).build(), v)
            .expect("produce");
        let code = r.responses[0].partition_responses[0].error_code;
        let line = format!(
            "{:<48} epoch+0 seq 5: {}",
            "unknown producer id starting at seq 5",
            code.name()
        );
        assert_eq!(code, ErrorCode::None, "{line}");
        lines.push(line);
    }
    let mut send = |epoch_delta: i16, sequence: i32| {
        let records = batch(pid, epoch + epoch_delta, sequence);
        let req = produce_at(v, topic, topic_id, 0, records).build();
        let r = conn.send(&req, v).expect("produce");
        let p = &r.responses[0].partition_responses[0];
        (p.error_code, p.base_offset)
    };
    let mut base = -1;
    for seq in 0..7 {
        let (code, offset) = send(0, seq);
        assert_eq!(code, ErrorCode::None, "batch seq {seq}");
        if seq == 0 {
            base = offset;
        }
        assert_eq!(offset, base + i64::from(seq), "batch seq {seq}");
    }
    for s in SCRIPT {
        let (code, offset) = send(s.epoch_delta, s.sequence);
        let line = format!(
            "{:<48} epoch+{} seq {}: {}{}",
            s.what,
            s.epoch_delta,
            s.sequence,
            code.name(),
            if code.is_ok() {
                format!(" at offset {}", offset - base)
            } else {
                String::new()
            }
        );
        assert_eq!(code, s.expect, "{line}");
        if let Some(o) = s.offset {
            assert_eq!(offset - base, o, "{line}");
        }
        lines.push(line);
    }
    lines
}

fn leader_of(conn: &mut Conn, topic: &str) -> (Uuid, String) {
    let md = conn.topic_metadata(topic);
    let t = &md.topics[0];
    let p = t
        .partitions
        .iter()
        .find(|p| p.partition_index == 0)
        .unwrap();
    let b = md
        .brokers
        .iter()
        .find(|b| b.node_id == p.leader_id)
        .unwrap();
    (t.topic_id, format!("{}:{}", b.host, b.port))
}

fn batch(producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Bytes {
    let value = format!("epoch {producer_epoch} seq {base_sequence}");
    BatchBuilder::new()
        .producer(producer_id, producer_epoch, base_sequence)
        .record(None, Some(value.as_bytes()))
        .build()
}

#[test]
fn mock_keeps_the_last_five_batches_like_kafka() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt
        .block_on(MockCluster::builder().brokers(3).start())
        .unwrap();
    let lines = run_script(&mock.bootstrap(), "sequence-window");
    println!("kwire-mock:\n  {}", lines.join("\n  "));
    rt.block_on(mock.shutdown());
}

#[test]
fn real_kafka_keeps_the_last_five_batches() {
    let Some(bootstrap) = kafka_bootstrap("real_kafka_keeps_the_last_five_batches") else {
        return;
    };
    let topic = format!("kwire-seq-window-{}", std::process::id());
    let lines = run_script(&bootstrap, &topic);
    println!("real Kafka:\n  {}", lines.join("\n  "));
}
