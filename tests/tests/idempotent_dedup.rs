//! Idempotent delivery under seeded fault schedules: an idempotent `kwire-producer` (acks=all,
//! ≤ 5 requests in flight, small batches, short linger) sends keyed records to a 3-broker
//! `kwire-mock` (RF 3, min.insync.replicas 2) while a schedule drops connections after the
//! append, injects retriable errors (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT,
//! NOT_ENOUGH_REPLICAS_AFTER_APPEND), adds latency, reorders responses across brokers (a
//! different delay on each), moves leaders and stops/restarts brokers.
//!
//! The checker reads each partition's leader log up to the high watermark and asserts: every
//! acknowledged record is present exactly once, at the acknowledged partition and offset;
//! per-partition order equals send order; no record is written twice; every record has an
//! outcome, and each one not acknowledged was reported as an error (none silently lost).
//!
//! * `KWIRE_DEDUP_SCHEDULES=N` runs N schedules (default 200; the nightly setting, run by
//!   `.ci/run`'s `chaos` stage: 10000, about 6 minutes on 2 cores).
//! * `KWIRE_DEDUP_SEED=0x…` replays one schedule: the seed is printed on failure. The
//!   schedule (faults, their timing in records sent, record keys, sizes and producer settings)
//!   is a function of the seed; thread timing is not, so a replay reproduces the same faults.
//!
//! The checker is tested too: against a mock with dedup switched off it must find duplicates,
//! with acks=1 and a leader killed before its followers copied it must find loss, and on
//! synthetic logs it must find reordering and misplaced records.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kwire_mock::{ConnectionFaults, FollowerLag, Injection, MockCluster, Scope};
use kwire_producer::partitioner::partition_for_key;
use kwire_producer::{
    DeliveryFuture, ErrorCode, ProduceError, Producer, ProducerConfig, ProducerRecord,
    RecordMetadata,
};
use kwire_protocol::ApiKey;
use kwire_protocol::records::Batches;
use kwire_protocol::testing::Rng;
use kwire_tests::delivery::{self, ErrorKinds, Logged, Outcome, Report};

const TOPIC: &str = "dedup";
const BROKERS: i32 = 3;

/// Uniform draws for the schedule generator (kwire-protocol's seeded SplitMix64: replayable).
trait Draw {
    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64;
    fn chance(&mut self, percent: u64) -> bool;
}

impl Draw for Rng {
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

/// What the producer said about one record: acknowledged, failed, or never resolved (`None`).
type Delivery = Option<Result<RecordMetadata, ProduceError>>;

/// [`delivery::check`] over one run: record `i` was the `i`-th sent and belongs on
/// `partitions[i]`.
fn check(partitions: &[i32], results: &[Delivery], logs: &BTreeMap<i32, Vec<Logged>>) -> Report {
    let mut kinds = ErrorKinds::default();
    let outcomes: Vec<Outcome> = results
        .iter()
        .map(|r| Outcome::of(r.as_ref(), &mut kinds))
        .collect();
    delivery::check(partitions, &outcomes, logs, &kinds)
}

/// Every record of every partition, from the current leader's log up to the high watermark.
fn read_logs(mock: &MockCluster, partitions: i32) -> Result<BTreeMap<i32, Vec<Logged>>, String> {
    let mut out = BTreeMap::new();
    for p in 0..partitions {
        let bytes = mock
            .committed(TOPIC, p)
            .map_err(|e| format!("read {p}: {}", e.name()))?;
        let mut log = Vec::new();
        for b in Batches::new(bytes) {
            let b = b.map_err(|e| format!("partition {p}: {e}"))?;
            for rec in b.records() {
                let rec = rec.map_err(|e| format!("partition {p}: {e}"))?;
                let v = rec.value.unwrap_or_default();
                let id = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.split('/').next()?.parse().ok())
                    .ok_or_else(|| format!("partition {p}: bad value {v:?}"))?;
                log.push(Logged {
                    offset: rec.offset,
                    id: Some(id),
                });
            }
        }
        out.insert(p, log);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Fault schedules
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Fault {
    /// Connection faults on one broker (0 = all): drop after append, latency.
    Connection(i32, ConnectionFaults),
    /// Inject an error for the next `count` Produce requests (cluster or one partition).
    Inject(Option<i32>, ErrorCode, u32),
    /// Clean leader election to the next eligible replica.
    MoveLeader(i32),
    BrokerDown(i32),
    BrokerUp(i32),
    /// A different latency on each broker (ms, brokers 1..=3): responses come back in another
    /// order than the requests went out across brokers (within one connection Kafka, and the
    /// mock, always answer in order).
    Reorder([u64; BROKERS as usize]),
    /// Let the producer run for a while before sending more.
    Pause(u64),
}

#[derive(Debug, Clone)]
struct Schedule {
    seed: u64,
    records: u64,
    partitions: i32,
    batch_size: u32,
    linger_ms: u32,
    follower_lag_ms: u64,
    value_pad: usize,
    /// (before record #k is sent, fault), k ascending.
    faults: Vec<(u64, Fault)>,
}

impl Schedule {
    fn generate(seed: u64) -> Schedule {
        let mut rng = Rng::new(seed);
        let records = rng.range(50, 201);
        let partitions = rng.range(2, 5) as i32;
        let batch_size = [128, 256, 512, 1024][rng.range(0, 4) as usize];
        let linger_ms = rng.range(0, 4) as u32;
        let follower_lag_ms = rng.range(0, 3);
        let value_pad = rng.range(0, 40) as usize;
        let n_faults = rng.range(1, 7);
        let mut at: Vec<u64> = (0..n_faults).map(|_| rng.range(0, records)).collect();
        at.sort_unstable();
        let mut down: Option<i32> = None;
        let mut faults = Vec::new();
        for k in at {
            let f = match rng.range(0, 10) {
                0 | 1 => Fault::Connection(
                    rng.range(0, BROKERS as u64 + 1) as i32,
                    ConnectionFaults {
                        latency_ms: if rng.chance(40) { rng.range(1, 6) } else { 0 },
                        drop_after_append: rng.range(1, 4) as u32,
                        stall: false,
                    },
                ),
                2 => Fault::Connection(
                    rng.range(0, BROKERS as u64 + 1) as i32,
                    ConnectionFaults {
                        latency_ms: rng.range(1, 10),
                        ..ConnectionFaults::default()
                    },
                ),
                3..=5 => {
                    let error = [
                        ErrorCode::NotLeaderOrFollower,
                        ErrorCode::RequestTimedOut,
                        ErrorCode::NotEnoughReplicasAfterAppend,
                    ][rng.range(0, 3) as usize];
                    let scope = rng
                        .chance(50)
                        .then(|| rng.range(0, partitions as u64) as i32);
                    Fault::Inject(scope, error, rng.range(1, 4) as u32)
                }
                6 => Fault::MoveLeader(rng.range(0, partitions as u64) as i32),
                7 => match down.take() {
                    Some(b) => Fault::BrokerUp(b),
                    None => {
                        let b = rng.range(1, BROKERS as u64 + 1) as i32;
                        down = Some(b);
                        Fault::BrokerDown(b)
                    }
                },
                8 => Fault::Reorder([rng.range(0, 12), rng.range(0, 12), rng.range(0, 12)]),
                _ => Fault::Pause(rng.range(1, 10)),
            };
            faults.push((k, f));
        }
        if let Some(b) = down {
            faults.push((records, Fault::BrokerUp(b)));
        }
        Schedule {
            seed,
            records,
            partitions,
            batch_size,
            linger_ms,
            follower_lag_ms,
            value_pad,
            faults,
        }
    }
}

/// Applies one fault to the mock.
async fn apply(mock: &MockCluster, f: &Fault) {
    match f {
        Fault::Connection(b, cf) => mock.set_connection_faults(*b, cf.clone()),
        Fault::Inject(p, e, n) => {
            let scope = match p {
                Some(p) => Scope::Partition {
                    topic: TOPIC.into(),
                    partition: *p,
                },
                None => Scope::Cluster,
            };
            mock.inject(Injection::new(ApiKey::PRODUCE, scope, *e, *n));
        }
        Fault::MoveLeader(p) => {
            // May be refused (no eligible replica): that is fine.
            let _ = mock.move_leader(TOPIC, *p, None);
        }
        Fault::BrokerDown(b) => {
            mock.broker_down(*b);
        }
        Fault::BrokerUp(b) => {
            mock.broker_up(*b);
        }
        Fault::Reorder(latency) => {
            for (b, ms) in (1..).zip(latency) {
                mock.set_connection_faults(
                    b,
                    ConnectionFaults {
                        latency_ms: *ms,
                        ..ConnectionFaults::default()
                    },
                );
            }
        }
        Fault::Pause(ms) => tokio::time::sleep(Duration::from_millis(*ms)).await,
    }
}

fn heal(mock: &MockCluster) {
    for b in 0..=BROKERS {
        mock.set_connection_faults(b, ConnectionFaults::default());
        if b > 0 {
            mock.broker_up(b);
        }
    }
    mock.clear_injections();
}

fn key_of(rng: &mut Rng, i: u64) -> Bytes {
    match rng.range(0, 4) {
        0 => Bytes::from(format!("k{}", i % 13)),
        1 => Bytes::from(rng.next_u64().to_le_bytes().to_vec()),
        2 => Bytes::from(format!("ключ-{}", rng.range(0, 50))),
        _ => Bytes::from(format!("user-{}", rng.range(0, 1000))),
    }
}

struct Options {
    acks: &'static str,
    idempotence: bool,
    dedup: bool,
}

const IDEMPOTENT: Options = Options {
    acks: "all",
    idempotence: true,
    dedup: true,
};

fn producer_config(bootstrap: String, s: &Schedule, o: &Options) -> ProducerConfig {
    ProducerConfig::builder()
        .bootstrap_servers(bootstrap)
        .set("acks", o.acks)
        .set("enable.idempotence", o.idempotence.to_string())
        .set("max.in.flight.requests.per.connection", "5")
        .set("batch.size", s.batch_size.to_string())
        .set("linger.ms", s.linger_ms.to_string())
        .set("retry.backoff.ms", "2")
        .set("retry.backoff.max.ms", "20")
        .set("reconnect.backoff.ms", "2")
        .set("reconnect.backoff.max.ms", "20")
        .set("request.timeout.ms", "2000")
        .set("delivery.timeout.ms", "8000")
        .set("max.block.ms", "5000")
        .set("metadata.max.age.ms", "200")
        .build()
        .expect("producer config")
}

/// Runs one schedule and returns the checker's report (or why the run itself broke).
async fn run_schedule(s: &Schedule, o: &Options) -> Result<Report, String> {
    let mock = MockCluster::builder()
        .brokers(BROKERS)
        .topic(TOPIC, s.partitions, 3)
        .min_insync_replicas(2)
        .follower_lag(Duration::from_millis(s.follower_lag_ms))
        .dedup(o.dedup)
        .start()
        .await
        .map_err(|e| format!("mock: {e}"))?;
    let producer = Producer::new(producer_config(mock.bootstrap(), s, o))
        .map_err(|e| format!("producer: {e}"))?;
    let mut rng = Rng::new(s.seed ^ 0x5eed_0f4e_75f0);
    let mut sent = Vec::new();
    let mut pending: Vec<Result<DeliveryFuture, ProduceError>> = Vec::new();
    let mut faults = s.faults.iter().peekable();
    let pad = "x".repeat(s.value_pad);
    for i in 0..s.records {
        while let Some((_, f)) = faults.next_if(|(k, _)| *k <= i) {
            apply(&mock, f).await;
        }
        let key = key_of(&mut rng, i);
        let partition = partition_for_key(&key, s.partitions as usize);
        let rec = ProducerRecord::new(TOPIC, format!("{i}/{pad}")).with_key(key);
        sent.push(partition);
        pending.push(producer.enqueue(rec).await);
        if i % 16 == 15 {
            tokio::task::yield_now().await;
        }
    }
    for (_, f) in faults {
        apply(&mock, f).await;
    }
    heal(&mock);
    let mut outcomes: Vec<Delivery> = Vec::with_capacity(pending.len());
    for p in pending {
        outcomes.push(match p {
            Err(e) => Some(Err(e)),
            Ok(d) => tokio::time::timeout(Duration::from_secs(20), d).await.ok(),
        });
    }
    tokio::time::timeout(
        Duration::from_secs(10),
        producer.close(Duration::from_secs(5)),
    )
    .await
    .map_err(|_| "producer close did not return in 10 s".to_string())?
    .ok();
    // Let the followers catch up so that the high watermark covers every acknowledged write
    // (acks=all already guarantees it; with acks=1 the loss test relies on reading the HW).
    tokio::time::sleep(Duration::from_millis(s.follower_lag_ms + 2)).await;
    let logs = read_logs(&mock, s.partitions)?;
    tokio::time::timeout(Duration::from_secs(10), mock.shutdown())
        .await
        .map_err(|_| "mock shutdown did not finish in 10 s".to_string())?;
    Ok(check(&sent, &outcomes, &logs))
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v}: not a number")))
}

/// The seed of schedule `i` of the default run.
fn seed_of(i: u64) -> u64 {
    Rng::new(0x6b77_6972_6564_6570 ^ i).next_u64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_records_are_written_once_in_order_under_seeded_faults() {
    let seeds: Vec<u64> = match env_u64("KWIRE_DEDUP_SEED") {
        Some(seed) => vec![seed],
        None => (0..env_u64("KWIRE_DEDUP_SCHEDULES").unwrap_or(200))
            .map(seed_of)
            .collect(),
    };
    let started = Instant::now();
    let mut total = Report::default();
    let mut fault_counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for &seed in &seeds {
        let s = Schedule::generate(seed);
        for (_, f) in &s.faults {
            let name = match f {
                Fault::Connection(_, c) if c.drop_after_append > 0 => "drop after append",
                Fault::Connection(..) => "latency",
                Fault::Inject(_, ErrorCode::NotLeaderOrFollower, _) => "NOT_LEADER_OR_FOLLOWER",
                Fault::Inject(_, ErrorCode::RequestTimedOut, _) => "REQUEST_TIMED_OUT",
                Fault::Inject(..) => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
                Fault::MoveLeader(_) => "leader move",
                Fault::BrokerDown(_) => "broker down",
                Fault::BrokerUp(_) => "broker up",
                Fault::Reorder(_) => "reorder across brokers",
                Fault::Pause(_) => "pause",
            };
            *fault_counts.entry(name).or_default() += 1;
        }
        let t = Instant::now();
        let report = run_schedule(&s, &IDEMPOTENT).await;
        let report = match report {
            Ok(r) => r,
            Err(e) => panic!(
                "schedule seed {seed:#x} broke: {e}\nschedule: {s:?}\nreplay: KWIRE_DEDUP_SEED={seed:#x}"
            ),
        };
        assert!(
            report.clean(),
            "schedule seed {seed:#x} failed ({:?}): {report}\nschedule: {s:?}\n\
             replay: KWIRE_DEDUP_SEED={seed:#x} cargo test -p kwire-tests --test idempotent_dedup",
            t.elapsed()
        );
        if report.failed > 0 {
            println!("schedule seed {seed:#x}: {report}\n  schedule: {s:?}");
        }
        total.add(&report);
    }
    println!(
        "{} schedules in {:?}: {total}\nfaults injected: {fault_counts:?}",
        seeds.len(),
        started.elapsed()
    );
    // The faults are retriable and healed before the end: nearly everything must be delivered
    // (a run where everything failed "cleanly" would prove nothing).
    assert!(
        total.acked * 100 >= total.sent * 95,
        "too few acknowledged: {total}"
    );
}

// ---------------------------------------------------------------------------------------------
// The checker, tested
// ---------------------------------------------------------------------------------------------

/// With dedup switched off in the mock, a dropped connection after the append makes the retry
/// append a second copy: the checker must say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checker_reports_duplicates_when_the_broker_does_not_dedup() {
    let mut s = Schedule::generate(1);
    s.records = 100;
    s.partitions = 3;
    s.follower_lag_ms = 0;
    s.faults = vec![
        (
            10,
            Fault::Connection(
                0,
                ConnectionFaults {
                    drop_after_append: 3,
                    ..ConnectionFaults::default()
                },
            ),
        ),
        (11, Fault::Pause(20)),
    ];
    let report = run_schedule(
        &s,
        &Options {
            dedup: false,
            ..IDEMPOTENT
        },
    )
    .await
    .unwrap();
    println!("dedup off: {report}");
    assert!(report.duplicated > 0, "{report}");
    assert!(!report.clean());
    // The same schedule with dedup on is clean.
    let report = run_schedule(&s, &IDEMPOTENT).await.unwrap();
    assert!(report.clean(), "{report}");
}

/// acks=1 and stalled followers: the leader acknowledges, then dies before anyone copied the
/// records; the new leader (still in the ISR) truncates them. The checker must report loss.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checker_reports_loss_with_acks_1_and_a_dead_leader() {
    let mock = MockCluster::builder()
        .brokers(BROKERS)
        .topic(TOPIC, 1, 3)
        .start()
        .await
        .unwrap();
    let s = Schedule {
        seed: 2,
        records: 50,
        partitions: 1,
        batch_size: 256,
        linger_ms: 0,
        follower_lag_ms: 0,
        value_pad: 0,
        faults: Vec::new(),
    };
    let producer = Producer::new(producer_config(
        mock.bootstrap(),
        &s,
        &Options {
            acks: "1",
            idempotence: false,
            dedup: true,
        },
    ))
    .unwrap();
    // Followers stop copying; they stay in the ISR (replica.lag.time.max.ms is 30 s).
    mock.set_lag(None, None, Some(FollowerLag::Stalled))
        .unwrap();
    let mut sent = Vec::new();
    let mut outcomes = Vec::new();
    for i in 0..s.records {
        let rec = ProducerRecord::new(TOPIC, format!("{i}/")).with_key(format!("k{i}"));
        sent.push(0);
        outcomes.push(Some(producer.send(rec).await));
    }
    assert!(outcomes.iter().all(|o| matches!(o, Some(Ok(_)))));
    let leader = mock
        .with_cluster(|c| c.partition(TOPIC, 0).and_then(|p| p.leader))
        .unwrap();
    assert!(mock.broker_down(leader));
    mock.set_lag(None, None, Some(FollowerLag::Millis(0)))
        .unwrap();
    producer.close(Duration::from_secs(5)).await.unwrap();
    let logs = read_logs(&mock, 1).unwrap();
    let report = check(&sent, &outcomes, &logs);
    println!("acks=1, leader killed: {report}");
    assert_eq!(report.lost, 50, "{report}");
    assert!(!report.clean());
    mock.shutdown().await;
}

/// The checker on synthetic logs: each kind of violation is counted, a good log is clean.
#[test]
fn checker_counts_each_violation() {
    let sent: Vec<i32> = (0..6).map(|i| i % 2).collect();
    let md = |p: i32, o: i64| {
        Some(Ok(RecordMetadata {
            topic: TOPIC.into(),
            partition: p,
            offset: o,
            timestamp: 0,
        }))
    };
    let outcomes: Vec<Delivery> = vec![md(0, 0), md(1, 0), md(0, 1), md(1, 1), md(0, 2), md(1, 2)];
    let log = |ids: &[u64]| -> Vec<Logged> {
        ids.iter()
            .enumerate()
            .map(|(o, &id)| Logged {
                offset: o as i64,
                id: Some(id),
            })
            .collect()
    };
    let good = BTreeMap::from([(0, log(&[0, 2, 4])), (1, log(&[1, 3, 5]))]);
    let r = check(&sent, &outcomes, &good);
    assert!(r.clean(), "{r}");
    assert_eq!(r.acked, 6);

    let reordered = BTreeMap::from([(0, log(&[2, 0, 4])), (1, log(&[1, 3, 5]))]);
    let r = check(&sent, &outcomes, &reordered);
    assert_eq!(r.reordered, 1, "{r}");
    assert!(r.misplaced > 0, "offsets moved too: {r}");

    let lost = BTreeMap::from([(0, log(&[0, 4])), (1, log(&[1, 3, 5]))]);
    let r = check(&sent, &outcomes, &lost);
    assert_eq!(r.lost, 1, "{r}");

    let dup = BTreeMap::from([(0, log(&[0, 2, 4])), (1, log(&[1, 3, 3, 5]))]);
    let r = check(&sent, &outcomes, &dup);
    assert_eq!(r.duplicated, 1, "{r}");
    // An adjacent copy is a duplicate, not a record out of send order.
    assert_eq!(r.reordered, 0, "{r}");

    let wrong_partition = BTreeMap::from([(0, log(&[0, 2, 4, 5])), (1, log(&[1, 3]))]);
    let r = check(&sent, &outcomes, &wrong_partition);
    assert!(r.misplaced >= 1 && r.duplicated == 0 && r.lost == 0, "{r}");

    let mut with_error = outcomes.clone();
    with_error[4] = Some(Err(ProduceError::Closed));
    with_error[5] = None;
    let r = check(
        &sent,
        &with_error,
        &BTreeMap::from([(0, log(&[0, 2, 4])), (1, log(&[1, 3]))]),
    );
    assert_eq!(
        (r.failed, r.written_despite_error, r.lost),
        (1, 1, 0),
        "{r}"
    );
    assert_eq!(r.unresolved, 1, "{r}");
    assert!(!r.clean());
}

/// A fresh idempotent producer's first request to a partition is answered
/// NOT_LEADER_OR_FOLLOWER (nothing appended): a broker with no state for the producer would
/// accept any sequence behind it (as Kafka does), so the first batch of a partition under a
/// producer epoch travels alone and its retry still starts the sequence. Every record is
/// delivered, once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_producer_recovers_from_not_leader_on_its_first_batch() {
    let mock = MockCluster::builder()
        .brokers(BROKERS)
        .topic(TOPIC, 1, 3)
        .start()
        .await
        .unwrap();
    let s = Schedule {
        seed: 3,
        records: 60,
        partitions: 1,
        batch_size: 128,
        linger_ms: 0,
        follower_lag_ms: 0,
        value_pad: 40,
        faults: Vec::new(),
    };
    mock.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Cluster,
        ErrorCode::NotLeaderOrFollower,
        1,
    ));
    let producer = Producer::new(producer_config(mock.bootstrap(), &s, &IDEMPOTENT)).unwrap();
    let mut pending = Vec::new();
    for i in 0..s.records {
        let rec = ProducerRecord::new(TOPIC, format!("{i}/{}", "x".repeat(40)));
        pending.push(producer.enqueue(rec).await.unwrap());
    }
    for (i, d) in pending.into_iter().enumerate() {
        let r = tokio::time::timeout(Duration::from_secs(10), d).await;
        assert!(matches!(r, Ok(Ok(_))), "record {i}: {r:?}");
    }
    producer.close(Duration::from_secs(5)).await.unwrap();
    mock.shutdown().await;
}

/// The same fault on the first batches of a fresh producer, with leader moves (a recorded
/// schedule): no delivery timeout, no acknowledged record written twice or out of order, in
/// any of several attempts (the outcome depends on timing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_producer_faults_on_first_batches_keep_exactly_once() {
    let s = Schedule::generate(0x7066_0efc_8442_dbac);
    for attempt in 0..5 {
        let r = run_schedule(&s, &IDEMPOTENT).await.unwrap();
        assert!(
            r.clean() && r.failed == 0,
            "attempt {attempt}: {r}\nschedule: {s:?}"
        );
    }
}

/// Batch B is appended but answered REQUEST_TIMED_OUT (Kafka raises it after the append) while
/// the batches behind it are acknowledged; B's retry is answered NOT_LEADER_OR_FOLLOWER (nothing
/// appended). Nothing new may be sent behind a retry: appended in sequence, new batches would
/// push B out of the broker's window of 5 batches and B's next retry would be refused as out of
/// order although B is in the log. So B's retry is recognised as a duplicate and every record is
/// acknowledged once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_written_batch_stays_in_the_brokers_window() {
    let mock = MockCluster::builder()
        .brokers(1)
        .topic(TOPIC, 1, 1)
        .start()
        .await
        .unwrap();
    let config = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("batch.size", "100") // one record per batch
        .set("linger.ms", "0")
        .set("max.in.flight.requests.per.connection", "5")
        .set("retry.backoff.ms", "300")
        .set("retry.backoff.max.ms", "300")
        .build()
        .unwrap();
    let producer = Producer::new(config).unwrap();
    let value = |i: u64| format!("{i}/{}", "x".repeat(90));
    let mut sent = vec![0];
    let mut outcomes: Vec<Delivery> = vec![Some(
        producer.send(ProducerRecord::new(TOPIC, value(0))).await,
    )];
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
        pending.push(producer.enqueue(ProducerRecord::new(TOPIC, value(i))).await);
    }
    // While B backs off, the next answer becomes NOT_LEADER_OR_FOLLOWER, 20 ms late, and new
    // records keep coming.
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
    for i in 6..=200 {
        pending.push(producer.enqueue(ProducerRecord::new(TOPIC, value(i))).await);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for p in pending {
        sent.push(0);
        outcomes.push(match p {
            Err(e) => Some(Err(e)),
            Ok(d) => tokio::time::timeout(Duration::from_secs(30), d).await.ok(),
        });
    }
    producer.close(Duration::from_secs(5)).await.unwrap();
    let report = check(&sent, &outcomes, &read_logs(&mock, 1).unwrap());
    let dedup_hits = mock.with_cluster(|c| c.stats().duplicates);
    mock.shutdown().await;
    assert!(report.clean() && report.failed == 0, "{report}");
    assert_eq!(report.acked, 201, "{report}");
    assert!(dedup_hits >= 1, "B's retry must be answered from the cache");
}
