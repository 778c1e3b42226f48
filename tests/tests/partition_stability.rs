//! Partition stability: the partition of a keyed record is a pure function of (key bytes,
//! partition count), identical to Java's default partitioner; an explicit partition wins;
//! records without a key are spread over every partition by the sticky partitioner (sticky,
//! not stuck). Checked on the pure partitioner API (proptest) and end to end through
//! `kwire-producer` against `kwire-mock`, reading the partition logs back from the model.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kwire_mock::{Injection, MockCluster, Scope};
use kwire_producer::partitioner::{StickyPartitioner, murmur2, partition_for_key, to_positive};
use kwire_producer::{ErrorCode, Partitioner, Producer, ProducerConfig, ProducerRecord};
use kwire_protocol::ApiKey;
use kwire_protocol::records::Batches;
use proptest::prelude::*;

/// An independent transcription of Java's `Utils.murmur2` in Java's own arithmetic (signed
/// 32-bit ints, `>>>` as a logical shift), to cross-check the producer's implementation on
/// arbitrary keys, not only on the recorded vectors.
fn java_murmur2(data: &[u8]) -> i32 {
    let length = data.len() as i32;
    let seed: i32 = 0x9747_b28c_u32 as i32;
    let m: i32 = 0x5bd1_e995;
    let r = 24;
    let mut h: i32 = seed ^ length;
    let length4 = length / 4;
    let ushr = |x: i32, s: u32| ((x as u32) >> s) as i32;
    for i in 0..length4 as usize {
        let i4 = i * 4;
        let mut k: i32 = (data[i4] as i32 & 0xff)
            + ((data[i4 + 1] as i32 & 0xff) << 8)
            + ((data[i4 + 2] as i32 & 0xff) << 16)
            + ((data[i4 + 3] as i32 & 0xff) << 24);
        k = k.wrapping_mul(m);
        k ^= ushr(k, r);
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    let base = (length & !3) as usize;
    let rem = length % 4;
    if rem >= 3 {
        h ^= (data[base + 2] as i32 & 0xff) << 16;
    }
    if rem >= 2 {
        h ^= (data[base + 1] as i32 & 0xff) << 8;
    }
    if rem >= 1 {
        h ^= data[base] as i32 & 0xff;
        h = h.wrapping_mul(m);
    }
    h ^= ushr(h, 13);
    h = h.wrapping_mul(m);
    h ^= ushr(h, 15);
    h
}

/// Keys of every kind: empty, binary, non-ASCII text, long.
fn any_key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 1..8),
        proptest::collection::vec(any::<u8>(), 0..300),
        "\\PC{0,40}".prop_map(|s: String| s.into_bytes()),
        proptest::collection::vec(any::<u8>(), 1000..5000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Pure function of (key, count): same on every call, in range, and Java's formula
    /// `toPositive(murmur2(key)) % n` computed with an independent murmur2.
    #[test]
    fn keyed_partition_is_a_pure_function_equal_to_javas(
        key in any_key(),
        partitions in prop_oneof![1usize..=16, 1usize..=100_000],
    ) {
        let p = partition_for_key(&key, partitions);
        prop_assert_eq!(p, partition_for_key(&key.clone(), partitions));
        prop_assert!(p >= 0 && (p as usize) < partitions);
        prop_assert_eq!(murmur2(&key), java_murmur2(&key));
        let java = ((java_murmur2(&key) & 0x7fff_ffff) as usize % partitions) as i32;
        prop_assert_eq!(p, java);
    }

    /// Null keys, pure sticky partitioner: it stays on one partition for exactly a batch's worth
    /// of bytes (a run may continue when the random switch lands on the same partition) and
    /// over time visits every available partition, never one without a leader.
    #[test]
    fn null_keys_are_sticky_and_visit_every_available_partition(
        seed in any::<u64>(),
        partitions in 1usize..=32,
        unavailable in proptest::collection::btree_set(0i32..32, 0..4),
    ) {
        let topic: Arc<str> = Arc::from("t");
        let available: Vec<i32> = (0..partitions as i32)
            .filter(|p| !unavailable.contains(p) || unavailable.len() >= partitions)
            .collect();
        prop_assume!(!available.is_empty());
        // 10 records of 10 bytes fill a batch.
        let mut s = StickyPartitioner::new(100, false, seed);
        let switches = 40 * partitions;
        let mut seq = Vec::with_capacity(switches * 10);
        for _ in 0..switches * 10 {
            let p = s.sticky_partition(&topic, partitions, &available, |_| true);
            seq.push(p);
            s.on_appended(&topic, p, 10, true, partitions, &available);
        }
        let used: BTreeSet<i32> = seq.iter().copied().collect();
        prop_assert_eq!(used, available.iter().copied().collect::<BTreeSet<i32>>());
        // Maximal runs: each is a whole number of batches.
        let mut start = 0;
        for i in 1..=seq.len() {
            if i == seq.len() || seq[i] != seq[start] {
                prop_assert_eq!((i - start) % 10, 0, "run {}..{} on {}", start, i, seq[start]);
                start = i;
            }
        }
    }
}

/// Every key and every partition count in Java's reference vectors.
#[test]
fn java_reference_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/tests/vectors/murmur2.json"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("murmur2.json")).unwrap();
    let counts: Vec<usize> = json["partitionCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect();
    let cases = json["cases"].as_array().unwrap();
    assert!(cases.len() > 10, "too few vectors");
    let mut checked = 0;
    for case in cases {
        let hex = case["keyHex"].as_str().unwrap();
        let key: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let label = case["label"].as_str().unwrap_or("");
        assert_eq!(
            i64::from(murmur2(&key)),
            case["murmur2"].as_i64().unwrap(),
            "{label} {hex}"
        );
        assert_eq!(
            i64::from(to_positive(murmur2(&key))),
            case["toPositive"].as_i64().unwrap(),
            "{label} {hex}"
        );
        let expected = case["partitions"].as_array().unwrap();
        assert_eq!(expected.len(), counts.len());
        for (n, want) in counts.iter().zip(expected) {
            assert_eq!(
                i64::from(partition_for_key(&key, *n)),
                want.as_i64().unwrap(),
                "{label} {hex} with {n} partitions"
            );
            checked += 1;
        }
    }
    assert!(checked >= 100, "{checked}");
}

/// Adding partitions changes where keys go, exactly as in Kafka: the mapping is `hash % n`,
/// so growing a topic from 3 to 4 partitions moves about three keys in four. Kafka gives no
/// key stability across a partition-count change; neither do we. (A key keeps its partition
/// only when `hash % 3 == hash % 4`, i.e. `hash % 12 < 3`.)
#[test]
fn adding_partitions_moves_keys_as_in_kafka() {
    let keys: Vec<String> = (0..10_000).map(|i| format!("customer-{i}")).collect();
    let moved = keys
        .iter()
        .filter(|k| partition_for_key(k.as_bytes(), 3) != partition_for_key(k.as_bytes(), 4))
        .count();
    // Expected 75%; murmur2 is close to uniform.
    assert!((7_200..7_800).contains(&moved), "{moved} of 10000 moved");
    for k in &keys {
        let h = to_positive(murmur2(k.as_bytes())) as usize;
        let stays = partition_for_key(k.as_bytes(), 3) == partition_for_key(k.as_bytes(), 4);
        assert_eq!(stays, h % 12 < 3, "{k}");
    }
    // A concrete key from Java's vectors: the single byte 0x00 goes to 2 of 3 and 3 of 5.
    assert_eq!(partition_for_key(&[0x00], 3), 2);
    assert_eq!(partition_for_key(&[0x00], 5), 3);
}

// ---- end to end through kwire-mock ----

async fn mock(topics: &[(&str, i32)]) -> MockCluster {
    let mut b = MockCluster::builder()
        .brokers(3)
        .min_insync_replicas(2)
        .follower_lag(Duration::from_millis(1));
    for (t, n) in topics {
        b = b.topic(t, *n, 3);
    }
    b.start().await.expect("mock cluster")
}

fn producer(mock: &MockCluster, extra: &[(&str, &str)]) -> Producer {
    let mut b = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("linger.ms", "2")
        .set("retry.backoff.ms", "5")
        .set("retry.backoff.max.ms", "50")
        .set("reconnect.backoff.ms", "5")
        .set("request.timeout.ms", "5000")
        .set("delivery.timeout.ms", "20000")
        .set("max.block.ms", "10000");
    for (k, v) in extra {
        b = b.set(*k, *v);
    }
    Producer::new(b.build().expect("config")).expect("producer")
}

/// Every record (offset, key, value) in a partition's leader log, up to the high watermark.
fn partition_log(
    mock: &MockCluster,
    topic: &str,
    partition: i32,
) -> Vec<(i64, Option<Bytes>, Bytes)> {
    let bytes = mock.committed(topic, partition).expect("read");
    let mut out = Vec::new();
    for b in Batches::new(bytes) {
        for r in b.expect("batch").records() {
            let r = r.expect("record");
            out.push((r.offset, r.key, r.value.unwrap_or_default()));
        }
    }
    out
}

/// The keys of the end-to-end runs: empty, binary, non-ASCII, long, plain.
fn e2e_keys(n: usize) -> Vec<Bytes> {
    (0..n)
        .map(|i| match i % 5 {
            0 if i == 0 => Bytes::new(),
            0 => Bytes::from(vec![(i % 256) as u8, 0xff, 0x00, (i / 256) as u8]),
            1 => Bytes::from(format!("ключ-{i}-キー")),
            2 => Bytes::from(vec![b'x'; 300 + i]),
            _ => Bytes::from(format!("key-{i}")),
        })
        .collect()
}

/// Two producer instances, a retry storm and a leader move in between: every keyed record
/// lands on `partition_for_key(key, n)`, both by the acknowledgement and in the broker's log;
/// explicit partitions win over the key and over a custom partitioner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_records_land_on_the_predicted_partition_end_to_end() {
    let mock = mock(&[("keys", 7)]).await;
    let keys = e2e_keys(150);
    let mut expected: BTreeMap<i32, Vec<Bytes>> = BTreeMap::new();
    for round in 0..2 {
        // A fresh producer instance each round.
        let producer = producer(&mock, &[("batch.size", "1024")]);
        if round == 1 {
            mock.inject(Injection::new(
                ApiKey::PRODUCE,
                Scope::Cluster,
                ErrorCode::RequestTimedOut,
                3,
            ));
            mock.move_leader("keys", 2, None).unwrap();
        }
        let mut pending = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let value = Bytes::from(format!("{round}-{i}"));
            let rec = ProducerRecord::new("keys", value.clone()).with_key(key.clone());
            pending.push((key, value, producer.enqueue(rec).await.unwrap()));
        }
        for (key, value, d) in pending {
            let md = d
                .await
                .unwrap_or_else(|e| panic!("round {round}, key {key:?}: {e:?}"));
            let want = partition_for_key(key, 7);
            assert_eq!(md.partition, want, "key {key:?}");
            expected.entry(want).or_default().push(value);
        }
        producer.close(Duration::from_secs(10)).await.unwrap();
    }
    let mut total = 0;
    for p in 0..7 {
        let log = partition_log(&mock, "keys", p);
        for (_, key, _) in &log {
            assert_eq!(partition_for_key(key.as_ref().unwrap(), 7), p);
        }
        let values: Vec<Bytes> = log.into_iter().map(|r| r.2).collect();
        assert_eq!(
            values,
            expected.remove(&p).unwrap_or_default(),
            "partition {p}"
        );
        total += values.len();
    }
    assert_eq!(total, 300);

    // Explicit partitions win over the key and over a custom partitioner.
    #[derive(Debug)]
    struct AlwaysZero;
    impl Partitioner for AlwaysZero {
        fn partition(&self, _: &str, _: Option<&[u8]>, _: Option<&[u8]>, _: usize) -> Option<i32> {
            Some(0)
        }
    }
    let cfg = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("linger.ms", "1")
        .build()
        .unwrap();
    let custom = Producer::with_partitioner(cfg, Arc::new(AlwaysZero)).unwrap();
    let plain = producer(&mock, &[]);
    let before: Vec<usize> = (0..7)
        .map(|p| partition_log(&mock, "keys", p).len())
        .collect();
    let mut pending = Vec::new();
    for i in 0..70 {
        let target = i % 7;
        let key = format!("explicit-{i}");
        let rec = ProducerRecord::new("keys", format!("x{i}"))
            .with_key(key)
            .with_partition(target);
        let p = if i % 2 == 0 { &plain } else { &custom };
        pending.push((target, p.enqueue(rec).await.unwrap()));
    }
    // The custom partitioner does decide for records without an explicit partition.
    let md = custom
        .send(ProducerRecord::new("keys", "c").with_key("key-that-is-not-on-0"))
        .await
        .unwrap();
    assert_eq!(md.partition, 0);
    for (target, d) in pending {
        assert_eq!(d.await.unwrap().partition, target);
    }
    for p in 0..7 {
        let log = partition_log(&mock, "keys", p);
        let added: Vec<&Bytes> = log[before[p as usize]..]
            .iter()
            .map(|r| &r.2)
            .filter(|v| v.starts_with(b"x"))
            .collect();
        assert_eq!(added.len(), 10, "partition {p}");
        for v in added {
            let i: usize = std::str::from_utf8(&v[1..]).unwrap().parse().unwrap();
            assert_eq!(i % 7, p as usize);
        }
    }
    custom.close(Duration::from_secs(10)).await.unwrap();
    plain.close(Duration::from_secs(10)).await.unwrap();
    mock.shutdown().await;
}

/// The same key on a 3- and a 4-partition topic: the producer follows `hash % n`, so a key can
/// land elsewhere once a topic has more partitions, as with Kafka.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_count_is_part_of_the_mapping_end_to_end() {
    let mock = mock(&[("three", 3), ("four", 4)]).await;
    let producer = producer(&mock, &[]);
    let mut moved = 0;
    for i in 0..40 {
        let key = format!("customer-{i}");
        let a = producer
            .send(ProducerRecord::new("three", "v").with_key(key.clone()))
            .await
            .unwrap();
        let b = producer
            .send(ProducerRecord::new("four", "v").with_key(key.clone()))
            .await
            .unwrap();
        assert_eq!(a.partition, partition_for_key(key.as_bytes(), 3));
        assert_eq!(b.partition, partition_for_key(key.as_bytes(), 4));
        moved += usize::from(a.partition != b.partition);
    }
    assert!(moved > 10, "{moved} of 40 keys moved");
    producer.close(Duration::from_secs(10)).await.unwrap();
    mock.shutdown().await;
}

/// Records without a key, end to end: a few hundred records reach every partition (not stuck)
/// in runs (sticky: far fewer partition changes than records), each where its acknowledgement
/// says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_keys_spread_over_all_partitions_end_to_end() {
    let mock = mock(&[("nokeys", 3)]).await;
    let producer = producer(&mock, &[("batch.size", "200"), ("linger.ms", "1")]);
    let n = 500;
    let mut pending = Vec::new();
    for i in 0..n {
        let rec = ProducerRecord::new("nokeys", format!("v{i:05}"));
        pending.push(producer.enqueue(rec).await.unwrap());
    }
    let mut seq = Vec::new();
    let mut acked: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for d in pending {
        let md = d.await.expect("delivered");
        seq.push(md.partition);
        acked.entry(md.partition).or_default().push(md.offset);
    }
    producer.close(Duration::from_secs(10)).await.unwrap();
    let used: BTreeSet<i32> = seq.iter().copied().collect();
    assert_eq!(used, BTreeSet::from([0, 1, 2]), "stuck: {seq:?}");
    let changes = seq.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(changes < n / 4, "not sticky: {changes} changes in {n}");
    let mut total = 0;
    for p in 0..3 {
        let log = partition_log(&mock, "nokeys", p);
        let offsets: Vec<i64> = log.iter().map(|r| r.0).collect();
        assert_eq!(
            offsets,
            acked.remove(&p).unwrap_or_default(),
            "partition {p}"
        );
        let values: Vec<&Bytes> = log.iter().map(|r| &r.2).collect();
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "partition {p} order"
        );
        total += log.len();
    }
    assert_eq!(total, n);
    mock.shutdown().await;
}
