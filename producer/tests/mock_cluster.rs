//! The whole producer (engine, driver, connections) against `kwire-mock`, an in-process mock
//! cluster with replication, idempotent deduplication and fault injection: no Kafka needed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kwire_mock::{Injection, MockCluster, Scope};
use kwire_producer::partitioner::partition_for_key;
use kwire_producer::{ErrorCode, ProduceError, Producer, ProducerConfig, ProducerRecord};
use kwire_protocol::ApiKey;
use kwire_protocol::records::Batches;

async fn cluster(partitions: i32) -> MockCluster {
    MockCluster::builder()
        .brokers(3)
        .topic("t", partitions, 3)
        .min_insync_replicas(2)
        .follower_lag(Duration::from_millis(1))
        .start()
        .await
        .expect("mock cluster")
}

/// The values (record numbers) committed in a partition, in log order.
fn log_of(mock: &MockCluster, topic: &str, partition: i32) -> Vec<u64> {
    let ctrl = mock.controller();
    let bytes = ctrl.with_cluster(|c| {
        let leader = c
            .partition(topic, partition)
            .and_then(|p| p.leader)
            .expect("leader");
        c.read(leader, topic, partition, 0, usize::MAX, true)
            .expect("read")
            .records
    });
    let mut out = Vec::new();
    for b in Batches::new(bytes) {
        for r in b.expect("batch").records() {
            let r = r.expect("record");
            let v = std::str::from_utf8(r.value.as_deref().unwrap()).unwrap();
            out.push(v.parse().unwrap());
        }
    }
    out
}

fn record(topic: &Arc<str>, i: u64) -> ProducerRecord {
    ProducerRecord {
        topic: topic.clone(),
        partition: None,
        key: Some(Bytes::from(format!("k{}", i % 100))),
        value: Some(Bytes::from(i.to_string())),
        headers: Vec::new(),
        timestamp: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_records_land_once_in_order_through_faults() {
    let mock = cluster(6).await;
    let ctrl = mock.controller();
    let cfg = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("retry.backoff.ms", "10")
        .set("retry.backoff.max.ms", "100")
        .set("reconnect.backoff.ms", "10")
        .set("metadata.max.age.ms", "500")
        .build()
        .unwrap();
    let producer = Producer::new(cfg).unwrap();
    let topic: Arc<str> = Arc::from("t");
    producer
        .send(record(&topic, 0))
        .await
        .expect("first record");

    // Errors before the append (retried), errors after the append (the retry must be
    // deduplicated), a broker going down and coming back, a leader moving.
    ctrl.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Partition {
            topic: "t".into(),
            partition: 1,
        },
        ErrorCode::NotLeaderOrFollower,
        3,
    ));
    ctrl.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Cluster,
        ErrorCode::RequestTimedOut,
        4,
    ));
    let n = 30_000u64;
    let mut pending = Vec::new();
    for i in 1..n {
        if i == n / 3 {
            let leader = ctrl
                .with_cluster(|c| c.partition("t", 2).and_then(|p| p.leader))
                .unwrap();
            assert!(ctrl.broker_down(leader));
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(ctrl.broker_up(leader));
        }
        if i == n / 2 {
            ctrl.move_leader("t", 3, None).unwrap();
        }
        pending.push((i, producer.enqueue(record(&topic, i)).await.unwrap()));
    }
    for (i, d) in pending {
        let md = d.await.unwrap_or_else(|e| panic!("record {i}: {e}"));
        let key = format!("k{}", i % 100);
        assert_eq!(md.partition, partition_for_key(key.as_bytes(), 6));
    }
    let m = producer.metrics();
    producer.close(Duration::from_secs(10)).await.unwrap();
    assert!(m.batch_retries > 0, "{m:?}");
    assert_eq!(m.records_delivered, n);

    let mut seen = HashSet::new();
    for p in 0..6 {
        let log = log_of(&mock, "t", p);
        for w in log.windows(2) {
            assert!(w[0] < w[1], "partition {p} out of order: {w:?}");
        }
        for v in log {
            assert!(seen.insert(v), "record {v} written twice");
            assert_eq!(partition_for_key(format!("k{}", v % 100).as_bytes(), 6), p);
        }
    }
    assert_eq!(seen.len() as u64, n, "records missing");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_backpressure_and_close() {
    let mock = cluster(3).await;
    let cfg = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("linger.ms", "1000")
        .set("buffer.memory", "20000")
        .set("batch.size", "4000")
        .set("max.block.ms", "5000")
        .build()
        .unwrap();
    let producer = Producer::new(cfg).unwrap();
    let topic: Arc<str> = Arc::from("t");
    // linger.ms=1000, but flush sends now.
    let d = producer.enqueue(record(&topic, 0)).await.unwrap();
    let t0 = std::time::Instant::now();
    producer.flush().await;
    assert!(
        t0.elapsed() < Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
    d.await.unwrap();
    // 20 KB of buffer for 2000 records of ~60 bytes: send waits for memory, never fails.
    let mut pending = Vec::new();
    for i in 1..2000 {
        pending.push(producer.enqueue(record(&topic, i)).await.unwrap());
        assert!(producer.metrics().buffer_used <= 20_000);
    }
    for d in pending {
        d.await.unwrap();
    }
    producer.close(Duration::from_secs(5)).await.unwrap();
    let e = producer.send(record(&topic, 1)).await.unwrap_err();
    assert_eq!(e, ProduceError::Closed);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_deadline_fails_what_cannot_be_delivered() {
    let mock = cluster(1).await;
    let ctrl = mock.controller();
    let producer = Producer::new(
        ProducerConfig::builder()
            .bootstrap_servers(mock.bootstrap())
            .set("reconnect.backoff.ms", "10")
            .build()
            .unwrap(),
    )
    .unwrap();
    let topic: Arc<str> = Arc::from("t");
    producer.send(record(&topic, 0)).await.unwrap();
    for b in 1..=3 {
        ctrl.broker_down(b);
    }
    let mut pending = Vec::new();
    for i in 1..100 {
        pending.push(producer.enqueue(record(&topic, i)).await.unwrap());
    }
    let r = producer.close(Duration::from_millis(300)).await;
    eprintln!("{:?} {:?}", r, producer.metrics());
    assert_eq!(r, Err(ProduceError::Closed));
    for d in pending {
        assert_eq!(d.await.unwrap_err(), ProduceError::Closed);
    }
    let m = producer.metrics();
    assert_eq!(m.records_enqueued, 100);
    assert_eq!(m.records_delivered + m.records_failed, 100);
    mock.shutdown().await;
}
