//! Records through the whole producer (engine, timer task, connection tasks) into an in-process
//! `kwire-mock` broker: `cargo bench -p kwire-producer`. 100-byte records, acks=all,
//! idempotence on, linger.ms=5, at `batch.size` 16384 (Java's default; growing while the
//! connection is busy, and fixed) and 1000000 (librdkafka's). Prints the cost per Produce
//! request. The side-by-side comparison with librdkafka on real brokers is
//! `producer/bench/compare.sh`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kwire_mock::MockCluster;
use kwire_producer::{Producer, ProducerConfig, ProducerRecord};

/// Records per measured round.
const RECORDS: u64 = 100_000;

fn send(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mock = rt
        .block_on(
            MockCluster::builder()
                .brokers(1)
                .topic("bench", 3, 1)
                // Rounds add up: keep the mock's memory bounded.
                .log_retention_bytes(64 << 20)
                .start(),
        )
        .expect("mock");
    let topic: Arc<str> = Arc::from("bench");
    let record = ProducerRecord {
        topic: topic.clone(),
        partition: None,
        key: None,
        value: Some(Bytes::from(vec![b'x'; 100])),
        headers: Vec::new(),
        timestamp: None,
    };
    let mut group = c.benchmark_group("send_100_byte_records");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    // (name, batch.size, batch.max.size): 16 KB batches that may grow while their
    // connection is busy (the default), that may not (one request per 16 KB per partition:
    // the cost per request shows), and librdkafka's 1,000,000.
    for (name, batch_size, max_size) in [
        ("16384", "16384", None),
        ("16384-fixed", "16384", Some("16384")),
        ("1000000", "1000000", None),
    ] {
        let mut builder = ProducerConfig::builder()
            .bootstrap_servers(mock.bootstrap())
            .set("batch.size", batch_size)
            .set("linger.ms", "5");
        if let Some(max) = max_size {
            builder = builder.set("batch.max.size", max);
        }
        let config = builder.build().expect("config");
        let producer = rt.block_on(async {
            let p = Producer::new(config).expect("producer");
            // Metadata, producer id and connections before the clock starts.
            p.send(record.clone()).await.expect("warm-up record");
            p
        });
        // Every measured round, for the cost per request printed after the group.
        let (mut spent, mut records, mut requests) = (Duration::ZERO, 0u64, 0u64);
        group.bench_function(BenchmarkId::new("batch.size", name), |b| {
            b.iter_custom(|rounds| {
                let sent_before = producer.metrics().produce_requests;
                let took = rt.block_on(async {
                    let t0 = Instant::now();
                    for _ in 0..rounds {
                        let mut outcomes = Vec::with_capacity(RECORDS as usize);
                        for _ in 0..RECORDS {
                            outcomes.push(producer.enqueue(record.clone()).await.expect("enqueue"));
                        }
                        for o in outcomes {
                            o.await.expect("delivered");
                        }
                    }
                    t0.elapsed()
                });
                spent += took;
                records += rounds * RECORDS;
                requests += producer.metrics().produce_requests - sent_before;
                took
            })
        });
        if requests > 0 {
            println!(
                "batch.size {name}: {:.1} records per Produce request, {:.1} µs per request \
                 ({:.0} ns per record) over {records} records",
                records as f64 / requests as f64,
                spent.as_secs_f64() * 1e6 / requests as f64,
                spent.as_secs_f64() * 1e9 / records as f64,
            );
        }
        rt.block_on(producer.close(Duration::from_secs(10)))
            .expect("close");
    }
    group.finish();
    rt.block_on(mock.shutdown());
}

criterion_group!(benches, send);
criterion_main!(benches);
