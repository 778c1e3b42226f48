//! Property tests of the replication model: random operations (appends with acks=1 and
//! acks=all, time passing, follower lags, brokers going down and up, leader moves) must never
//! break Kafka's guarantees under clean elections, with or without retention limits. proptest
//! prints the failing operations.

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::test_util::batch_at;

const MAX_LAG: u64 = 1_000;

#[derive(Debug, Clone)]
enum Op {
    Append {
        partition: i32,
        acks: i16,
        n: usize,
    },
    /// The idempotent producer's next batch on a partition.
    Idempotent {
        partition: i32,
        n: usize,
    },
    /// The idempotent producer re-sends one of its last batches (a retry).
    Retry {
        partition: i32,
        back: usize,
    },
    Tick {
        ms: u64,
    },
    Lag {
        broker: BrokerId,
        lag: Option<FollowerLag>,
    },
    Down {
        broker: BrokerId,
    },
    Up {
        broker: BrokerId,
    },
    Move {
        partition: i32,
        to: Option<BrokerId>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let lag = prop_oneof![
        Just(None),
        (0u64..400).prop_map(|ms| Some(FollowerLag::Millis(ms))),
        Just(Some(FollowerLag::Stalled)),
    ];
    prop_oneof![
        4 => (0i32..2, prop_oneof![Just(1i16), Just(-1i16)], 1usize..4)
            .prop_map(|(partition, acks, n)| Op::Append { partition, acks, n }),
        3 => (0i32..2, 1usize..4).prop_map(|(partition, n)| Op::Idempotent { partition, n }),
        2 => (0i32..2, 0usize..7).prop_map(|(partition, back)| Op::Retry { partition, back }),
        4 => (0u64..700).prop_map(|ms| Op::Tick { ms }),
        2 => (1i32..=3, lag).prop_map(|(broker, lag)| Op::Lag { broker, lag }),
        1 => (1i32..=3).prop_map(|broker| Op::Down { broker }),
        2 => (1i32..=3).prop_map(|broker| Op::Up { broker }),
        1 => (0i32..2, prop_oneof![Just(None), (1i32..=3).prop_map(Some)])
            .prop_map(|(partition, to)| Op::Move { partition, to }),
    ]
}

/// What the checks remember per partition.
#[derive(Default)]
struct Seen {
    /// Highest high watermark observed.
    hw: i64,
    /// Batches observed below the high watermark: (base offset, bytes) must stay until
    /// retention deletes them.
    committed: Vec<(i64, Bytes)>,
    /// Committed idempotent batches, (epoch, base sequence) → base offset: a retry must never
    /// be appended again, even after retention deleted the original.
    idempotent: std::collections::HashMap<(i16, i32), i64>,
}

fn check(c: &Cluster, seen: &mut [Seen; 2]) -> Result<(), TestCaseError> {
    for (i, s) in seen.iter_mut().enumerate() {
        let p = c.partition("t", i as i32).unwrap();
        prop_assert!(
            p.high_watermark >= s.hw,
            "HW regressed: {} < {}",
            p.high_watermark,
            s.hw
        );
        s.hw = p.high_watermark;
        let Some(l) = p.leader else { continue };
        let log = &p.logs[&l];
        prop_assert!(
            p.high_watermark <= log.end_offset(),
            "HW above the leader's LEO"
        );
        for r in &p.isr {
            if c.is_up(*r) {
                prop_assert!(
                    p.logs[r].end_offset() >= p.high_watermark,
                    "ISR member {r} below the HW"
                );
            }
        }
        prop_assert!(
            log.start_offset() <= p.high_watermark,
            "retention deleted at or above the HW"
        );
        for (r, l) in &p.logs {
            prop_assert!(
                l.start_offset() <= l.end_offset(),
                "replica {r}: start > end"
            );
        }
        // Every batch once committed is still in the leader's log, unchanged, unless retention
        // deleted it (it is then below the log start).
        for (base, bytes) in &s.committed {
            if *base < log.start_offset() {
                continue;
            }
            let found = log.batches().iter().find(|b| b.base_offset == *base);
            prop_assert!(
                found.is_some_and(|b| b.bytes[16..] == bytes[16..]),
                "committed batch at {base} lost or changed on partition {i}"
            );
        }
        // The idempotent producer's batches appear at most once in the leader's log.
        let mut seqs: Vec<(i16, i32)> = log
            .batches()
            .iter()
            .filter(|b| b.producer_id >= 0)
            .map(|b| (b.producer_epoch, b.base_sequence))
            .collect();
        let n = seqs.len();
        seqs.sort_unstable();
        seqs.dedup();
        prop_assert_eq!(
            seqs.len(),
            n,
            "a retried batch was appended twice on partition {}",
            i
        );
        for b in log.batches() {
            if b.last_offset < p.high_watermark
                && !s.committed.iter().any(|(o, _)| *o == b.base_offset)
            {
                s.committed.push((b.base_offset, b.bytes.clone()));
            }
            if b.last_offset < p.high_watermark && b.producer_id >= 0 {
                let first = *s
                    .idempotent
                    .entry((b.producer_epoch, b.base_sequence))
                    .or_insert(b.base_offset);
                // One exception, as in Kafka: a replica that fell behind the leader's log
                // start started over and forgot producer state; led by it, a retry of a batch
                // retention deleted is accepted as new.
                if first < log.start_offset() && first != b.base_offset {
                    continue;
                }
                prop_assert_eq!(
                    first,
                    b.base_offset,
                    "a retried batch was committed twice on partition {}",
                    i
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn clean_elections_never_lose_committed_records(
        ops in prop::collection::vec(op(), 1..80),
        min_isr in 1i32..=2,
        retention in prop_oneof![
            2 => Just((None, None)),
            1 => (0u64..600).prop_map(|b| (Some(b), None)),
            1 => (0u64..1_500).prop_map(|ms| (None, Some(ms))),
        ],
    ) {
        let config = ClusterConfig {
            topics: vec![TopicSpec { name: "t".into(), partitions: 2, replication_factor: 3 }],
            min_insync_replicas: min_isr,
            replica_lag_time_max_ms: MAX_LAG,
            log_retention_bytes: retention.0,
            log_retention_ms: retention.1,
            ..ClusterConfig::default()
        };
        let mut c = Cluster::new(config, 0).unwrap();
        let mut seen = [Seen::default(), Seen::default()];
        let mut now = 0u64;
        let mut ts = 0i64;
        // acks=all appends waiting: (partition, end offset, epoch, leader).
        let mut waiting: Vec<(i32, i64, i32, BrokerId)> = Vec::new();
        // The idempotent producer (id 77, epoch 0): next sequence and sent batches per partition.
        let mut next_seq = [0i32; 2];
        let mut sent: [Vec<Bytes>; 2] = [Vec::new(), Vec::new()];
        for op in ops {
            match op {
                Op::Idempotent { partition, n } => {
                    let Some(l) = c.partition("t", partition).unwrap().leader else { continue };
                    let pi = partition as usize;
                    ts += 10;
                    let b = batch_at(n, 77, 0, next_seq[pi], ts);
                    if c.append(l, "t", partition, &b, -1, now).is_ok() {
                        next_seq[pi] += n as i32;
                    }
                    sent[pi].push(b);
                }
                Op::Retry { partition, back } => {
                    let Some(l) = c.partition("t", partition).unwrap().leader else { continue };
                    let pi = partition as usize;
                    if let Some(b) = sent[pi].iter().rev().nth(back) {
                        let _ = c.append(l, "t", partition, b, -1, now);
                    }
                }
                Op::Append { partition, acks, n } => {
                    let Some(l) = c.partition("t", partition).unwrap().leader else { continue };
                    ts += 10;
                    if let Ok(a) = c.append(l, "t", partition, &batch_at(n, -1, 0, 0, ts), acks, now)
                        && acks == -1
                    {
                        let epoch = c.partition("t", partition).unwrap().leader_epoch;
                        waiting.push((partition, a.end_offset, epoch, l));
                    }
                }
                Op::Tick { ms } => {
                    now += ms;
                    c.tick(now);
                }
                Op::Lag { broker, lag } => {
                    c.set_broker_lag(broker, lag);
                }
                Op::Down { broker } => {
                    c.broker_down(broker);
                }
                Op::Up { broker } => {
                    c.broker_up(broker);
                }
                Op::Move { partition, to } => {
                    let _ = c.move_leader("t", partition, to);
                }
            }
            check(&c, &mut seen)?;
            // An acks=all success means the records are committed: check() then keeps them.
            waiting.retain(|(p, end, epoch, l)| {
                matches!(c.ack_state(*l, "t", *p, *end, *epoch), AckState::Waiting)
            });
        }
    }
}
