//! `kwire-oosn-repro`: a minimal reproduction, found by the bounce runs, of an idempotent
//! producer reporting a record as rejected (`ProduceError::Broker` with
//! OUT_OF_ORDER_SEQUENCE_NUMBER, `maybe_written() == false`) although the broker wrote it.
//!
//! One broker, one partition, one record per batch, five requests in flight, a record every
//! 2 ms (deterministic: it reproduces on every run here):
//!
//! 1. batch B is appended but answered REQUEST_TIMED_OUT (an error Kafka raises after the
//!    append); B+1..B+4, pipelined behind it, are appended and acknowledged;
//! 2. B's retry is answered NOT_LEADER_OR_FOLLOWER (not appended), while new batches pipelined
//!    behind the retry (20 ms response latency gives the producer time to send them) are
//!    appended — in sequence, since B is in the log: the broker's last-5-batches cache no
//!    longer holds B;
//! 3. B's next retry gets OUT_OF_ORDER_SEQUENCE_NUMBER (as Kafka answers a retry older than the
//!    cached batches), and the producer fails B as "rejected" — yet B is in the log, at the
//!    offset its first attempt got.
//!
//! Exit status 1 when the misreport happened (printed with the evidence), 0 when not.

use std::time::Duration;

use kwire_mock::{ConnectionFaults, Injection, MockCluster, Scope};
use kwire_producer::{ErrorCode, Producer, ProducerConfig, ProducerRecord};
use kwire_protocol::ApiKey;
use kwire_protocol::records::Batches;

const TOPIC: &str = "oosn";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Ok(filter) = std::env::var("KWIRE_BOUNCE_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
    }
    let mock = MockCluster::builder()
        .brokers(1)
        .topic(TOPIC, 1, 1)
        .start()
        .await
        .expect("mock");
    let config = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("batch.size", "100") // one 100-byte record per batch
        .set("linger.ms", "0")
        .set("max.in.flight.requests.per.connection", "5")
        .set("retry.backoff.ms", "300")
        .set("retry.backoff.max.ms", "300")
        .build()
        .expect("config");
    let producer = Producer::new(config).expect("producer");
    let value = |i: usize| {
        let mut v = format!("{i}:").into_bytes();
        v.resize(100, b'.');
        v
    };
    // A producer id and a first sequence on the partition.
    producer
        .send(ProducerRecord::new(TOPIC, value(0)).with_partition(0))
        .await
        .expect("first record");
    // The next produce response (batch B = record 1): appended, then REQUEST_TIMED_OUT.
    let scope = Scope::Partition {
        topic: TOPIC.into(),
        partition: 0,
    };
    mock.inject(Injection::new(
        ApiKey::PRODUCE,
        scope.clone(),
        ErrorCode::RequestTimedOut,
        1,
    ));
    let mut pending = Vec::new();
    for i in 1..=5 {
        let rec = ProducerRecord::new(TOPIC, value(i)).with_partition(0);
        pending.push((i, producer.enqueue(rec).await.expect("enqueue")));
    }
    // B backs off for 300 ms; records 2..5 are written meanwhile. B's retry will be answered
    // NOT_LEADER_OR_FOLLOWER (nothing appended), 20 ms late, so the producer pipelines new
    // batches behind the retry before it hears of the failure (on a loaded cluster, ordinary
    // latency does this).
    tokio::time::sleep(Duration::from_millis(100)).await;
    mock.inject(Injection::new(
        ApiKey::PRODUCE,
        scope,
        ErrorCode::NotLeaderOrFollower,
        1,
    ));
    mock.set_connection_faults(
        0,
        ConnectionFaults {
            latency_ms: 20,
            ..ConnectionFaults::default()
        },
    );
    // New records keep coming, one every 2 ms (each wakes the sender, which then drains the
    // batches queued behind B's retry).
    for i in 6..=200 {
        let rec = ProducerRecord::new(TOPIC, value(i)).with_partition(0);
        pending.push((i, producer.enqueue(rec).await.expect("enqueue")));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut outcomes = Vec::new();
    for (i, d) in pending {
        let r = tokio::time::timeout(Duration::from_secs(30), d)
            .await
            .expect("an outcome within 30 s");
        outcomes.push((i, r));
    }
    producer.close(Duration::from_secs(5)).await.ok();
    // What the partition holds.
    let bytes = mock.with_cluster(|c| {
        c.read(1, TOPIC, 0, 0, usize::MAX, true)
            .expect("read")
            .records
    });
    let mut log = Vec::new();
    for b in Batches::new(bytes) {
        let b = b.expect("batch");
        let h = *b.header();
        for r in b.records() {
            let r = r.expect("record");
            let v = r.value.unwrap_or_default();
            let id: usize = std::str::from_utf8(&v)
                .ok()
                .and_then(|s| s.split(':').next()?.parse().ok())
                .expect("id");
            log.push((id, r.offset, h.base_sequence));
        }
    }
    let mut misreported = 0;
    for (i, r) in &outcomes {
        let at = log.iter().find(|(id, _, _)| id == i);
        match (r, at) {
            (Ok(md), _) if *i <= 15 => {
                println!("record {i:>3}: acknowledged at offset {}", md.offset)
            }
            (Ok(_), _) => {}
            (Err(e), Some((_, off, seq))) => {
                println!(
                    "record {i:>2}: FAILED ({e}; maybe_written = {}) but IS in the log at offset \
                     {off} (batch sequence {seq})",
                    e.maybe_written()
                );
                if !e.maybe_written() {
                    misreported += 1;
                }
            }
            (Err(e), None) => println!("record {i:>2}: failed ({e}), not in the log"),
        }
    }
    println!(
        "log (offset, record) up to offset 15: {:?}",
        log.iter()
            .filter(|(_, off, _)| *off <= 15)
            .map(|(id, off, _)| (*off, *id))
            .collect::<Vec<_>>()
    );
    let stats = mock.with_cluster(|c| c.stats());
    println!(
        "mock: {} records appended, {} duplicates answered from the cache; producer batch \
         retries {}",
        stats.records_appended,
        stats.duplicates,
        producer.metrics().batch_retries
    );
    mock.shutdown().await;
    if misreported > 0 {
        println!("REPRODUCED: {misreported} record(s) reported rejected but written");
        std::process::exit(1);
    }
    println!("not reproduced this time");
}
