//! The engine driven by hand and against kwire-mock's cluster model over a simulated network
//! ([`sim`]), with explicit time: no sockets.

mod sim;

use std::time::{Duration, Instant};

use bytes::Bytes;
use kwire_mock::{ClusterConfig, Injection, Scope};
use kwire_protocol::records::BatchView;
use kwire_protocol::{ApiKey, ErrorCode};

use self::sim::{Sim, TOPIC, cluster_config, config};
use crate::delivery::DeliveryFuture;
use crate::engine::{Action, Blocked, Event};
use crate::error::ProduceError;
use crate::partitioner::partition_for_key;
use crate::record::{ProducerRecord, RecordMetadata};

type Rx = DeliveryFuture;

fn outcome(rx: &mut Rx) -> Option<Result<RecordMetadata, ProduceError>> {
    rx.try_outcome()
}

/// `count` times `error` for every Produce request's partitions, from the next one on.
fn inject_produce_error(s: &mut Sim, error: ErrorCode, count: u32) {
    s.cluster.faults.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Cluster,
        error,
        count,
    ));
}

#[test]
fn happy_path_bootstrap_metadata_init_produce() {
    let mut s = Sim::new(config(&[]), 3, 1);
    // Unknown topic: the record waits for metadata.
    let r = ProducerRecord::new(TOPIC, "v").with_key("k");
    let Ok(Err(Blocked::NeedMetadata(_))) = s.e.try_append(r, s.t, 1) else {
        panic!("expected NeedMetadata");
    };
    s.run_until(|s| s.e.partition_count(TOPIC).is_some(), 20);
    let mut rxs: Vec<Rx> = (0..10).map(|i| s.append(i, true).unwrap()).collect();
    s.run_until(|s| s.e.metrics().records_delivered == 10, 50);
    // The producer id the broker handed out, at epoch 0, is the one the broker knows the
    // partitions' batches by.
    let p = s.e.producer_id().expect("a producer id");
    assert_eq!(p.epoch, 0);
    let mut logged = 0;
    for (i, rx) in rxs.iter_mut().enumerate() {
        let md = outcome(rx).unwrap().unwrap();
        let key = format!("k{}", i % 17);
        assert_eq!(md.partition, partition_for_key(key.as_bytes(), 3));
        assert_eq!(md.timestamp, 1_000_000 + i as i64);
        assert!(md.offset >= 0);
        assert_eq!(s.log(md.partition)[md.offset as usize], i as u64);
        assert_eq!(s.producer_state(md.partition, p.id).map(|st| st.0), Some(0));
        logged += 1;
    }
    assert_eq!(logged, (0..3).map(|p| s.log(p).len()).sum::<usize>());
    let m = s.e.metrics();
    assert_eq!((m.records_failed, m.batch_retries), (0, 0));
    assert_eq!(m.buffer_used, 0);
    assert!(s.e.is_idle());
}

#[test]
fn linger_holds_a_batch_until_it_expires() {
    let mut s = Sim::new(config(&[("linger.ms", "50")]), 1, 2);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 100);
    let t0 = s.t;
    let mut rx = s.append(1, false).unwrap();
    s.run_until(|s| s.e.metrics().records_delivered == 2, 100);
    let waited = s.t - t0;
    assert!(waited >= Duration::from_millis(40), "{waited:?}");
    assert!(outcome(&mut rx).unwrap().is_ok());
    // The engine asks to be woken at the linger deadline, not polled in a loop.
    s.append(2, false);
    s.e.poll(s.t);
    let w = s.e.next_wakeup().unwrap();
    assert!(
        w > s.t && w <= s.t + Duration::from_millis(50),
        "{:?}",
        w - s.t
    );
}

#[test]
fn retriable_errors_retry_with_backoff_keeping_sequence() {
    let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 3);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    s.p_error = 1000; // every batch gets NOT_LEADER_OR_FOLLOWER
    let mut rx = s.append(1, false).unwrap();
    for _ in 0..10 {
        s.step(Duration::from_millis(20));
    }
    assert!(s.e.metrics().batch_retries >= 2);
    assert!(outcome(&mut rx).is_none(), "still retrying");
    s.p_error = 0;
    s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
    let md = outcome(&mut rx).unwrap().unwrap();
    assert_eq!(md.offset, 1);
    assert_eq!(s.log(0), vec![0, 1], "written once");
    assert_eq!(
        s.e.producer_id().unwrap().epoch,
        0,
        "no epoch bump for NOT_LEADER"
    );
}

#[test]
fn lost_responses_are_deduplicated_by_the_broker() {
    let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 4);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    s.p_lost = 1000;
    let mut rx = s.append(1, false).unwrap();
    s.step(Duration::from_millis(1));
    s.step(Duration::from_millis(1));
    s.p_lost = 0;
    s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
    assert_eq!(
        outcome(&mut rx).unwrap().unwrap().offset,
        1,
        "the original offset"
    );
    assert_eq!(s.log(0), vec![0, 1]);
    assert!(s.cluster.stats.duplicates >= 1, "{:?}", s.cluster.stats);
}

#[test]
fn gap_bumps_epoch_and_restarts_at_sequence_zero() {
    let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 5);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    let id = s.e.producer_id().unwrap().id;
    // The broker sees a gap (say it lost the producer's state) before the next batch.
    inject_produce_error(&mut s, ErrorCode::OutOfOrderSequenceNumber, 1);
    let mut rx = s.append(1, false).unwrap();
    s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
    assert!(outcome(&mut rx).unwrap().is_ok());
    assert_eq!(s.e.producer_id().unwrap().epoch, 1);
    assert_eq!(
        s.producer_state(0, id),
        Some((1, Some(0))),
        "epoch 1, restarted at sequence 0"
    );
    assert_eq!(s.log(0), vec![0, 1]);
    assert_eq!(s.e.metrics().epoch_bumps, 1);
}

#[test]
fn duplicate_sequence_is_success_without_offset() {
    let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 6);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    inject_produce_error(&mut s, ErrorCode::DuplicateSequenceNumber, 1);
    let mut rx = s.append(1, false).unwrap();
    s.run_until(|s| s.e.metrics().records_delivered == 2, 50);
    assert_eq!(outcome(&mut rx).unwrap().unwrap().offset, -1);
    assert_eq!(s.e.metrics().records_failed, 0);
}

#[test]
fn non_retriable_error_fails_every_record_of_the_batch() {
    let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 7);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    // Three records in one batch, answered INVALID_RECORD.
    let mut rxs: Vec<Rx> = (1..4).map(|i| s.append(i, false).unwrap()).collect();
    inject_produce_error(&mut s, ErrorCode::InvalidRecord, 1);
    s.run_until(|s| s.e.metrics().records_failed == 3, 50);
    for rx in &mut rxs {
        let e = outcome(rx).unwrap().unwrap_err();
        assert_eq!(e.error_code(), Some(ErrorCode::InvalidRecord), "{e}");
    }
    assert_eq!(s.e.metrics().records_failed, 3);
    assert_eq!(s.e.metrics().batches_sent, 2, "one batch, not retried");
    // Later sequences would leave a gap: the epoch is bumped before the next batch.
    let mut rx = s.append(9, false).unwrap();
    s.run_until(|s| s.e.metrics().records_delivered == 2, 100);
    assert!(outcome(&mut rx).unwrap().is_ok());
    assert_eq!(s.e.producer_id().unwrap().epoch, 1);
    assert_eq!(s.log(0), vec![0, 9]);
}

#[test]
fn records_without_a_leader_expire_at_delivery_timeout() {
    let cfg = config(&[
        ("delivery.timeout.ms", "1000"),
        ("request.timeout.ms", "500"),
    ]);
    let mut s = Sim::new(cfg, 1, 8);
    // The partition's only replica is on broker 1: no leader while it is down.
    s.cluster.broker_down(1);
    let r = ProducerRecord::new(TOPIC, "v");
    assert!(matches!(
        s.e.try_append(r, s.t, 0),
        Ok(Err(Blocked::NeedMetadata(_)))
    ));
    s.run_until(|s| s.e.partition_count(TOPIC).is_some(), 20);
    let mut rx = s.append(1, false).unwrap();
    let t0 = s.t;
    s.run_until(|s| s.e.metrics().records_failed == 1, 1000);
    let e = outcome(&mut rx).unwrap().unwrap_err();
    assert!(matches!(e, ProduceError::DeliveryTimeout { .. }), "{e}");
    assert!(s.t - t0 >= Duration::from_millis(1000));
    assert!(s.t - t0 < Duration::from_millis(1100));
    // Metadata was asked for again and again (leaderless partition), with backoff.
    assert!(s.e.metrics().metadata_refreshes > 3);
}

#[test]
fn acks_zero_completes_on_write_with_unknown_offset() {
    let mut s = Sim::new(config(&[("acks", "0")]), 1, 9);
    assert!(!s.e.config().enable_idempotence);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    let mut rx = s.append(1, false).unwrap();
    s.run_until(|s| s.e.metrics().records_delivered == 2, 50);
    assert_eq!(outcome(&mut rx).unwrap().unwrap().offset, -1);
    assert_eq!(s.log(0), vec![0, 1]);
    assert_eq!(
        s.e.producer_id(),
        None,
        "no InitProducerId without idempotence"
    );
}

#[test]
fn request_timeout_drops_the_connection_and_retries() {
    let cfg = config(&[("request.timeout.ms", "200"), ("linger.ms", "0")]);
    let mut s = Sim::new(cfg, 1, 10);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    let mut rx = s.append(1, false).unwrap();
    // Swallow the request: no response ever comes on this connection.
    let actions = s.e.poll(s.t);
    assert!(actions.iter().any(|a| matches!(a, Action::Send { .. })));
    s.t += Duration::from_millis(250);
    let actions = s.e.poll(s.t);
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Disconnect { node: 1 })),
        "{actions:?}"
    );
    s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
    assert!(outcome(&mut rx).unwrap().is_ok());
    assert_eq!(s.log(0), vec![0, 1]);
}

#[test]
fn records_on_the_wire_fail_exactly_at_the_delivery_timeout() {
    let cfg = config(&[
        ("request.timeout.ms", "600"),
        ("delivery.timeout.ms", "1000"),
        ("linger.ms", "0"),
    ]);
    let mut s = Sim::new(cfg, 1, 12);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
    // From now on every Produce request vanishes: the batch is sent, times out at 600 ms,
    // is sent again, and is on the wire when delivery.timeout.ms passes.
    s.swallow_produce = true;
    let sent_at = s.t;
    let mut rx = s.append(1, false).unwrap();
    let r = loop {
        if let Some(r) = outcome(&mut rx) {
            break r;
        }
        assert!(s.t < sent_at + Duration::from_secs(2), "no outcome");
        s.step(Duration::from_millis(2));
    };
    let elapsed = s.t - sent_at;
    assert!(
        elapsed >= Duration::from_millis(1000) && elapsed <= Duration::from_millis(1010),
        "failed after {elapsed:?}"
    );
    assert!(
        matches!(
            r,
            Err(ProduceError::DeliveryTimeout {
                last_error: Some(ErrorCode::NetworkException),
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(s.e.metrics().batch_retries, 1, "{:?}", s.e.metrics());
    // The second request still times out later; nothing is reported twice and the buffer
    // is given back.
    s.run_until(|s| s.e.metrics().buffer_used == 0, 400);
    let m = s.e.metrics();
    assert_eq!((m.records_delivered, m.records_failed), (1, 1), "{m:?}");
}

#[test]
fn buffer_memory_blocks_appends() {
    let mut s = Sim::new(
        config(&[("buffer.memory", "1000"), ("batch.size", "100")]),
        1,
        11,
    );
    s.append(0, false);
    s.run_until(|s| s.e.partition_count(TOPIC).is_some(), 20);
    let mut blocked = false;
    for i in 0..100 {
        let r = ProducerRecord::new(TOPIC, Bytes::from(vec![b'x'; 50]));
        match s.e.try_append(r, s.t, i).unwrap() {
            Ok(_) => {}
            Err(Blocked::BufferFull(_)) => {
                blocked = true;
                break;
            }
            Err(b) => panic!("{b:?}"),
        }
    }
    assert!(blocked);
    assert!(s.e.metrics().buffer_used <= 1000);
    // A record that can never fit is refused outright.
    let big = ProducerRecord::new(TOPIC, Bytes::from(vec![0u8; 2000]));
    assert!(matches!(
        s.e.try_append(big, s.t, 0),
        Err(ProduceError::RecordTooLarge {
            limit_name: "buffer.memory",
            ..
        })
    ));
    // Delivering frees memory.
    s.run_until(|s| s.e.metrics().buffer_used == 0, 200);
    let r = ProducerRecord::new(TOPIC, Bytes::from(vec![b'x'; 50]));
    assert!(s.e.try_append(r, s.t, 0).unwrap().is_ok());
}

#[test]
fn abort_fails_everything_with_closed() {
    let mut s = Sim::new(config(&[]), 1, 12);
    s.append(0, false);
    s.run_until(|s| s.e.partition_count(TOPIC).is_some(), 20);
    let mut rxs: Vec<Rx> = (0..5).map(|i| s.append(i, false).unwrap()).collect();
    s.e.begin_close();
    assert!(matches!(
        s.e.try_append(ProducerRecord::new(TOPIC, "x"), s.t, 0),
        Err(ProduceError::Closed)
    ));
    s.e.abort();
    for rx in &mut rxs {
        assert_eq!(outcome(rx).unwrap().unwrap_err(), ProduceError::Closed);
    }
    assert!(s.e.is_idle());
}

/// Many records, random faults (errors, lost responses, resets), random response timing:
/// every record gets exactly one outcome, each is written exactly once, and every
/// partition's log is in send order.
#[test]
fn chaos_every_record_once_and_in_order() {
    for seed in 0..12u64 {
        let cfg = config(&[
            ("linger.ms", "2"),
            ("batch.size", "200"),
            ("retry.backoff.ms", "5"),
            ("retry.backoff.max.ms", "50"),
        ]);
        let mut s = Sim::new(cfg, 6, seed);
        s.p_error = 100;
        s.p_lost = 30;
        s.p_disconnect = 20;
        let mut rxs = vec![(0, s.append(0, true).unwrap(), false)];
        let n = 3000u64;
        let mut i = 1u64;
        while i < n || rxs.iter().any(|(_, _, done)| !done) {
            // Interleave appends with the network.
            for _ in 0..40 {
                if i < n {
                    if let Some(rx) = s.append(i, true) {
                        rxs.push((i, rx, false));
                    }
                    i += 1;
                }
            }
            let d = Duration::from_millis(1 + s.rng.next_u64() % 4);
            s.step(d);
            for (_, rx, done) in rxs.iter_mut().filter(|r| !r.2) {
                if let Some(r) = outcome(rx) {
                    r.unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                    *done = true;
                }
            }
            assert!(
                s.t < Instant::now() + Duration::from_secs(100),
                "seed {seed}: stuck: {:?}",
                s.e.metrics()
            );
        }
        let mut seen = std::collections::HashSet::new();
        for p in 0..6 {
            let log = s.log(p);
            for w in log.windows(2) {
                assert!(
                    w[0] < w[1],
                    "seed {seed}: partition {p} out of order: {:?}",
                    w
                );
            }
            for &v in &log {
                assert!(seen.insert(v), "seed {seed}: record {v} written twice");
            }
        }
        let m = s.e.metrics();
        assert_eq!(m.records_delivered as usize, rxs.len(), "seed {seed}");
        assert_eq!(seen.len(), rxs.len(), "seed {seed}: every record written");
        assert!(m.batch_retries > 0, "seed {seed}: faults were injected");
    }
}

#[test]
fn unavailable_leader_is_left_out_of_sticky_choices() {
    let cfg = config(&[
        ("partitioner.availability.timeout.ms", "50"),
        ("batch.size", "200"),
        ("linger.ms", "1"),
    ]);
    let mut s = Sim::new(cfg, 3, 13);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 100);
    // Partition 1's leader (node 2) cannot be reached any more; metadata still names it.
    s.down.insert(2);
    s.wire.remove(&2);
    s.e.handle_event(
        Event::Disconnected {
            node: 2,
            error: "gone".into(),
        },
        s.t,
    );
    for i in 1..400 {
        s.append(i, false);
        s.step(Duration::from_millis(1));
    }
    let ids = s.e.sticky.load_ids(TOPIC).expect("adaptive stats in use");
    assert!(!ids.contains(&1), "{ids:?}");
    assert!(ids.contains(&0) && ids.contains(&2), "{ids:?}");
}

#[test]
fn too_large_batches_are_split_keeping_order_and_sequences() {
    // Records "1".."20" take 8-9 bytes each after a 61-byte batch header: message.max.bytes
    // 90 takes three of them and never four.
    let cluster = ClusterConfig {
        message_max_bytes: 90,
        ..cluster_config(1)
    };
    let mut s = Sim::with_cluster(config(&[("linger.ms", "20")]), cluster, 14);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 100);
    let mut rxs: Vec<Rx> = (1..=20).map(|i| s.append(i, false).unwrap()).collect();
    s.run_until(|s| s.e.metrics().records_delivered == 21, 500);
    for (i, rx) in rxs.iter_mut().enumerate() {
        assert_eq!(outcome(rx).unwrap().unwrap().offset, i as i64 + 1);
    }
    assert_eq!(s.log(0), (0..=20).collect::<Vec<u64>>());
    let m = s.e.metrics();
    assert!(m.batch_splits >= 3, "{m:?}");
    assert_eq!((m.epoch_bumps, m.records_failed), (0, 0), "{m:?}");
}

/// The Produce requests among `actions`: node, the request, its record count.
fn produce_sends(actions: Vec<Action>) -> Vec<(i32, crate::engine::OutRequest, usize)> {
    actions
        .into_iter()
        .filter_map(|a| match a {
            Action::Send { node, request } => {
                let kwire_protocol::api::RequestBody::Produce(p) = &request.body else {
                    return None;
                };
                let records = p
                    .topic_data
                    .iter()
                    .flat_map(|t| &t.partition_data)
                    .filter_map(|pd| pd.records.clone())
                    .map(|b| BatchView::decode(b).unwrap().record_count())
                    .sum();
                Some((node, request, records))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn batches_that_can_grow_wait_for_the_request_on_the_wire() {
    let cfg = config(&[
        ("linger.ms", "1000"),
        ("batch.size", "200"),
        ("batch.max.size", "100000"),
    ]);
    let mut s = Sim::new(cfg, 1, 3);
    s.append(0, false);
    s.run_until(|s| s.e.metrics().records_delivered == 1, 500);
    // Past batch.size (~14 records of ~10 bytes after a 61-byte header), a batch goes at once
    // while the connection has nothing out...
    let mut rxs: Vec<Rx> = (1..=20).map(|i| s.append(i, false).unwrap()).collect();
    let first = produce_sends(s.e.poll(s.t));
    assert_eq!(first.len(), 1, "one request for the full batch");
    let (node, req, n) = first.into_iter().next().unwrap();
    assert_eq!(n, 20);
    // ...and while it is out, what follows grows in one batch far past batch.size.
    rxs.extend((21..=120).map(|i| s.append(i, false).unwrap()));
    assert!(
        produce_sends(s.e.poll(s.t)).is_empty(),
        "held while a request is on the wire"
    );
    let ev = s.send(node, req).expect("answered");
    s.e.handle_event(ev, s.t);
    let second = produce_sends(s.e.poll(s.t));
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].2, 100, "everything that waited, in one batch");
    let (node, req, _) = second.into_iter().next().unwrap();
    let ev = s.send(node, req).expect("answered");
    s.e.handle_event(ev, s.t);
    assert_eq!(s.e.metrics().records_delivered, 121);
    assert_eq!(s.log(0), (0..=120).collect::<Vec<u64>>());
    for (i, rx) in rxs.iter_mut().enumerate() {
        assert_eq!(outcome(rx).unwrap().unwrap().offset, i as i64 + 1);
    }
}
