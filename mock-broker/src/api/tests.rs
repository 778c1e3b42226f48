//! Handler tests: requests in, outcomes out, no sockets.

use bytes::Bytes;
use kwire_protocol::api::fetch::{FetchPartition, FetchRequest, FetchResponse, FetchTopic};
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopic,
};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_protocol::api::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kwire_protocol::api::produce::ProduceResponse;
use kwire_protocol::api::{RequestBody, ResponseBody};
use kwire_protocol::records::Batches;
use kwire_protocol::{ApiKey, ErrorCode, RequestHeader};

use super::{Outcome, handle};
use crate::cluster::{BrokerId, Cluster, ClusterConfig, FollowerLag, Injection, Scope, TopicSpec};
use crate::test_util::{batch, batch_at, produce};

const MAX: u64 = 10_000;

fn cluster(partitions: i32) -> Cluster {
    Cluster::new(
        ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions,
                replication_factor: 3,
            }],
            replica_lag_time_max_ms: MAX,
            ..ClusterConfig::default()
        },
        0,
    )
    .unwrap()
}

fn call(c: &mut Cluster, broker: BrokerId, body: RequestBody, version: i16, now: u64) -> Outcome {
    let header = RequestHeader::new(body.api_key(), version, 1, Some("test"));
    handle(c, broker, &header, body, now)
}

fn produced(o: Outcome) -> ProduceResponse {
    match o {
        Outcome::Respond(ResponseBody::Produce(r), _) => r,
        other => panic!("expected a Produce response, got {other:?}"),
    }
}

/// Produces `records` to t/`partition` on `broker` with acks=1; returns (error, base offset).
fn produce1(
    c: &mut Cluster,
    broker: BrokerId,
    partition: i32,
    records: Bytes,
    now: u64,
) -> (ErrorCode, i64) {
    let r = produced(call(
        c,
        broker,
        RequestBody::Produce(produce("t", partition, 1, 1000, records)),
        9,
        now,
    ));
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn fetch_req(partition: i32, offset: i64, min_bytes: i32, max_wait_ms: i32) -> FetchRequest {
    FetchRequest {
        max_wait_ms,
        min_bytes,
        topics: vec![FetchTopic {
            topic: "t".into(),
            partitions: vec![FetchPartition {
                partition,
                fetch_offset: offset,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn fetched(o: Outcome) -> FetchResponse {
    match o {
        Outcome::Respond(ResponseBody::Fetch(r), _) => r,
        other => panic!("expected a Fetch response, got {other:?}"),
    }
}

fn record_count(records: &Option<Bytes>) -> usize {
    Batches::complete(records.clone().unwrap_or_default())
        .map(|b| b.unwrap().record_count())
        .sum()
}

#[test]
fn acks_zero_gets_no_response_and_bad_acks_are_refused() {
    let mut c = cluster(1);
    let o = call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, 0, 1000, batch(2, -1, 0, 0))),
        9,
        0,
    );
    assert!(matches!(o, Outcome::NoResponse));
    assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 2);
    let r = produced(call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, 2, 1000, batch(1, -1, 0, 0))),
        9,
        0,
    ));
    assert_eq!(
        r.responses[0].partition_responses[0].error_code,
        ErrorCode::InvalidRequiredAcks
    );
    assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 2);
}

#[test]
fn acks_all_waits_for_the_followers_then_answers() {
    let mut c = cluster(1);
    c.set_default_lag(FollowerLag::Millis(50));
    let o = call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, -1, 1000, batch(3, -1, 0, 0))),
        9,
        0,
    );
    let Outcome::WaitAcks(mut pending) = o else {
        panic!("expected a wait, got {o:?}")
    };
    assert!(pending.poll(&c, 10).is_none());
    c.tick(50);
    let r = pending.poll(&c, 50).expect("replicated");
    let p = &r.responses[0].partition_responses[0];
    assert_eq!((p.error_code, p.base_offset), (ErrorCode::None, 0));
}

#[test]
fn acks_all_times_out_at_the_request_deadline() {
    let mut c = cluster(1);
    c.set_default_lag(FollowerLag::Stalled);
    let o = call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, -1, 100, batch(3, -1, 0, 0))),
        9,
        0,
    );
    let Outcome::WaitAcks(mut pending) = o else {
        panic!("expected a wait, got {o:?}")
    };
    assert_eq!(pending.deadline, 100);
    c.tick(99);
    assert!(pending.poll(&c, 99).is_none());
    c.tick(100);
    let r = pending.poll(&c, 100).expect("deadline");
    let p = &r.responses[0].partition_responses[0];
    assert_eq!(
        (p.error_code, p.base_offset),
        (ErrorCode::RequestTimedOut, -1)
    );
    // The records stay in the leader's log (Kafka does not roll back), above the HW.
    let part = c.partition("t", 0).unwrap();
    assert_eq!((part.log_end_offset(), part.high_watermark), (3, 0));
}

#[test]
fn idempotent_duplicates_get_the_original_offset_and_gaps_are_refused() {
    let mut c = cluster(1);
    assert_eq!(
        produce1(&mut c, 1, 0, batch(3, 7, 0, 0), 0),
        (ErrorCode::None, 0)
    );
    assert_eq!(
        produce1(&mut c, 1, 0, batch(2, 7, 0, 3), 0),
        (ErrorCode::None, 3)
    );
    // A retry of the first batch: success with offset 0, nothing appended.
    assert_eq!(
        produce1(&mut c, 1, 0, batch(3, 7, 0, 0), 0),
        (ErrorCode::None, 0)
    );
    assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 5);
    assert_eq!(c.stats().duplicates, 1);
    // A gap.
    assert_eq!(
        produce1(&mut c, 1, 0, batch(1, 7, 0, 9), 0).0,
        ErrorCode::OutOfOrderSequenceNumber
    );
    // A new epoch must start at 0; then the old epoch is fenced.
    assert_eq!(
        produce1(&mut c, 1, 0, batch(1, 7, 1, 5), 0).0,
        ErrorCode::OutOfOrderSequenceNumber
    );
    assert_eq!(
        produce1(&mut c, 1, 0, batch(1, 7, 1, 0), 0),
        (ErrorCode::None, 5)
    );
    assert_eq!(
        produce1(&mut c, 1, 0, batch(1, 7, 0, 5), 0).0,
        ErrorCode::InvalidProducerEpoch
    );
    assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 6);
}

#[test]
fn injected_errors_follow_their_scope_and_count() {
    let mut c = cluster(2);
    // Partition scope: only t/1, twice.
    c.faults.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Partition {
            topic: "t".into(),
            partition: 1,
        },
        ErrorCode::NotLeaderOrFollower,
        2,
    ));
    assert_eq!(
        produce1(&mut c, 1, 0, batch(1, -1, 0, 0), 0),
        (ErrorCode::None, 0)
    );
    for _ in 0..2 {
        assert_eq!(
            produce1(&mut c, 2, 1, batch(1, -1, 0, 0), 0),
            (ErrorCode::NotLeaderOrFollower, -1)
        );
    }
    assert_eq!(
        produce1(&mut c, 2, 1, batch(1, -1, 0, 0), 0),
        (ErrorCode::None, 0)
    );
    // Broker scope: Metadata on broker 2 only.
    c.faults.inject(Injection::new(
        ApiKey::METADATA,
        Scope::Broker { broker: 2 },
        ErrorCode::RequestTimedOut,
        1,
    ));
    let md = |c: &mut Cluster, b| match call(
        c,
        b,
        RequestBody::Metadata(MetadataRequest {
            topics: Some(vec![MetadataRequestTopic {
                name: Some("t".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        12,
        0,
    ) {
        Outcome::Respond(ResponseBody::Metadata(r), _) => r,
        o => panic!("{o:?}"),
    };
    assert_eq!(md(&mut c, 1).topics[0].error_code, ErrorCode::None);
    assert_eq!(
        md(&mut c, 2).topics[0].error_code,
        ErrorCode::RequestTimedOut
    );
    assert_eq!(md(&mut c, 2).topics[0].error_code, ErrorCode::None);
    // Cluster scope: the next Fetch anywhere.
    c.faults.inject(Injection::new(
        ApiKey::FETCH,
        Scope::Cluster,
        ErrorCode::NotLeaderOrFollower,
        1,
    ));
    let f = fetched(call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        12,
        0,
    ));
    assert_eq!(
        f.responses[0].partitions[0].error_code,
        ErrorCode::NotLeaderOrFollower
    );
    let f = fetched(call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        12,
        0,
    ));
    assert_eq!(f.responses[0].partitions[0].error_code, ErrorCode::None);
    assert_eq!(c.faults.injected, 4);
}

#[test]
fn an_after_append_error_makes_the_retry_a_duplicate() {
    let mut c = cluster(1);
    c.faults.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Cluster,
        ErrorCode::RequestTimedOut,
        1,
    ));
    let b = batch(4, 11, 0, 0);
    assert_eq!(
        produce1(&mut c, 1, 0, b.clone(), 0),
        (ErrorCode::RequestTimedOut, -1)
    );
    assert_eq!(
        c.partition("t", 0).unwrap().log_end_offset(),
        4,
        "appended anyway"
    );
    assert_eq!(produce1(&mut c, 1, 0, b, 0), (ErrorCode::None, 0));
    assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 4);
    assert_eq!(c.stats().duplicates, 1);
}

#[test]
fn not_leader_answers_carry_the_current_leader() {
    let mut c = cluster(1);
    let r = produced(call(
        &mut c,
        2,
        RequestBody::Produce(produce("t", 0, 1, 1000, batch(1, -1, 0, 0))),
        10,
        0,
    ));
    let p = &r.responses[0].partition_responses[0];
    assert_eq!(p.error_code, ErrorCode::NotLeaderOrFollower);
    assert_eq!(p.current_leader.leader_id, 1);
    assert_eq!(r.node_endpoints.len(), 1);
    assert_eq!(r.node_endpoints[0].node_id, 1);
}

#[test]
fn fetch_reads_only_up_to_the_high_watermark() {
    let mut c = cluster(1);
    c.set_broker_lag(3, Some(FollowerLag::Millis(100)));
    produce1(&mut c, 1, 0, batch(3, -1, 0, 0), 0);
    c.tick(0);
    let f = fetched(call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        12,
        0,
    ));
    let p = &f.responses[0].partitions[0];
    assert_eq!((p.error_code, p.high_watermark), (ErrorCode::None, 0));
    assert_eq!(record_count(&p.records), 0, "above the HW: invisible");
    // Fetching at the LEO (above the HW) is not out of range; beyond it is.
    let f = fetched(call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 3, 0, 0)),
        12,
        0,
    ));
    assert_eq!(f.responses[0].partitions[0].error_code, ErrorCode::None);
    let f = fetched(call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 4, 0, 0)),
        12,
        0,
    ));
    assert_eq!(
        f.responses[0].partitions[0].error_code,
        ErrorCode::OffsetOutOfRange
    );
    c.tick(100);
    let f = fetched(call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        12,
        100,
    ));
    let p = &f.responses[0].partitions[0];
    assert_eq!(p.high_watermark, 3);
    assert_eq!(record_count(&p.records), 3);
    // Before v11 (no client metadata) a follower does not serve consumers; it names the leader.
    let f = fetched(call(
        &mut c,
        2,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        10,
        100,
    ));
    let p = &f.responses[0].partitions[0];
    assert_eq!(p.error_code, ErrorCode::NotLeaderOrFollower);
    // From v11 it does (KIP-392), up to the high watermark it has: broker 3 is 100 ms behind.
    produce1(&mut c, 1, 0, batch(2, -1, 0, 0), 100);
    c.tick(150);
    let f = fetched(call(
        &mut c,
        2,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        12,
        150,
    ));
    let p = &f.responses[0].partitions[0];
    assert_eq!((p.error_code, p.high_watermark), (ErrorCode::None, 3));
    assert_eq!(record_count(&p.records), 3);
    c.tick(200);
    let f = fetched(call(
        &mut c,
        3,
        RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
        12,
        200,
    ));
    let p = &f.responses[0].partitions[0];
    assert_eq!((p.high_watermark, record_count(&p.records)), (5, 5));
}

#[test]
fn consumers_are_sent_to_a_replica_in_their_rack() {
    let mut c = Cluster::new(
        ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 3,
            }],
            racks: vec!["a".into(), "b".into(), "c".into()],
            ..ClusterConfig::default()
        },
        0,
    )
    .unwrap();
    produce1(&mut c, 1, 0, batch(2, -1, 0, 0), 0);
    c.tick(0);
    let mut req = fetch_req(0, 0, 0, 0);
    req.rack_id = "c".into();
    let f = fetched(call(&mut c, 1, RequestBody::Fetch(req.clone()), 12, 0));
    let p = &f.responses[0].partitions[0];
    assert_eq!(
        (p.error_code, p.preferred_read_replica),
        (ErrorCode::None, 3)
    );
    assert_eq!(record_count(&p.records), 0);
    // The leader's own rack, or an unknown one: served by the leader.
    req.rack_id = "a".into();
    let f = fetched(call(&mut c, 1, RequestBody::Fetch(req.clone()), 12, 0));
    assert_eq!(f.responses[0].partitions[0].preferred_read_replica, -1);
    assert_eq!(record_count(&f.responses[0].partitions[0].records), 2);
    req.rack_id = "c".into();
    let f = fetched(call(&mut c, 3, RequestBody::Fetch(req), 12, 0));
    assert_eq!(record_count(&f.responses[0].partitions[0].records), 2);
}

#[test]
fn fetch_waits_for_min_bytes_until_data_or_max_wait() {
    let mut c = cluster(1);
    let o = call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 1, 500)),
        12,
        0,
    );
    let Outcome::WaitFetch(mut pending) = o else {
        panic!("expected a wait, got {o:?}")
    };
    assert!(pending.poll(&mut c, 10).is_none());
    produce1(&mut c, 1, 0, batch(2, -1, 0, 0), 20);
    c.tick(20);
    let f = pending.poll(&mut c, 20).expect("data arrived");
    assert_eq!(record_count(&f.responses[0].partitions[0].records), 2);
    // And with nothing arriving, it answers empty at max_wait.
    let o = call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 2, 1, 500)),
        12,
        100,
    );
    let Outcome::WaitFetch(mut pending) = o else {
        panic!()
    };
    assert!(pending.poll(&mut c, 599).is_none());
    assert!(pending.poll(&mut c, 600).is_some());
}

#[test]
fn fetch_budget_lets_only_the_first_partition_overflow() {
    let mut c = cluster(2);
    produce1(&mut c, 1, 0, batch(10, -1, 0, 0), 0);
    produce1(&mut c, 2, 1, batch(10, -1, 0, 0), 0);
    c.tick(0);
    let mut req = fetch_req(0, 0, 0, 0);
    req.max_bytes = 10;
    req.topics[0].partitions.push(FetchPartition {
        partition: 1,
        partition_max_bytes: 1 << 20,
        ..Default::default()
    });
    // Both partitions on one broker for the test.
    c.move_leader("t", 1, Some(1)).unwrap();
    let f = fetched(call(&mut c, 1, RequestBody::Fetch(req), 12, 0));
    assert_eq!(record_count(&f.responses[0].partitions[0].records), 10);
    assert_eq!(record_count(&f.responses[0].partitions[1].records), 0);
}

#[test]
fn fetch_reports_a_diverging_epoch_after_an_unclean_election() {
    let mut c = Cluster::new(
        ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 2,
            }],
            unclean_leader_election: true,
            replica_lag_time_max_ms: MAX,
            ..ClusterConfig::default()
        },
        0,
    )
    .unwrap();
    c.set_broker_lag(2, Some(FollowerLag::Stalled));
    produce1(&mut c, 1, 0, batch(5, -1, 0, 0), 0);
    c.tick(MAX + 1);
    assert_eq!(c.partition("t", 0).unwrap().high_watermark, 5);
    c.broker_down(1); // 2, out of sync and empty, takes over
    c.set_broker_lag(2, None);
    produce1(&mut c, 2, 0, batch(2, -1, 0, 0), MAX + 2);
    c.tick(MAX + 2);
    // A consumer that read offsets 0..5 in epoch 0 fetches from 5.
    let mut req = fetch_req(0, 5, 0, 0);
    req.topics[0].partitions[0].last_fetched_epoch = 0;
    let f = fetched(call(&mut c, 2, RequestBody::Fetch(req), 12, MAX + 3));
    let p = &f.responses[0].partitions[0];
    assert_eq!(p.error_code, ErrorCode::None);
    assert_eq!(
        (p.diverging_epoch.epoch, p.diverging_epoch.end_offset),
        (0, 0)
    );
    assert_eq!(record_count(&p.records), 0);
}

fn list_offsets(c: &mut Cluster, broker: BrokerId, ts: i64, epoch: i32) -> (ErrorCode, i64, i64) {
    let req = ListOffsetsRequest {
        replica_id: -1,
        topics: vec![ListOffsetsTopic {
            name: "t".into(),
            partitions: vec![ListOffsetsPartition {
                partition_index: 0,
                current_leader_epoch: epoch,
                timestamp: ts,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    match call(c, broker, RequestBody::ListOffsets(req), 9, 0) {
        Outcome::Respond(ResponseBody::ListOffsets(ListOffsetsResponse { topics, .. }), _) => {
            let p = &topics[0].partitions[0];
            (p.error_code, p.offset, p.timestamp)
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn list_offsets_specials_and_timestamps() {
    let mut c = cluster(1);
    c.set_broker_lag(3, Some(FollowerLag::Stalled));
    assert_eq!(list_offsets(&mut c, 1, -1, -1), (ErrorCode::None, 0, -1));
    assert_eq!(
        list_offsets(&mut c, 1, -3, -1),
        (ErrorCode::None, -1, -1),
        "empty: no max"
    );
    // Records at timestamps 100..103 and 200..203 (max in the middle of nothing special).
    produce1(&mut c, 1, 0, batch_at(4, -1, 0, 0, 100), 0);
    produce1(&mut c, 1, 0, batch_at(4, -1, 0, 0, 200), 0);
    c.tick(MAX + 1); // 3 leaves the ISR: HW = 8
    produce1(&mut c, 1, 0, batch_at(1, -1, 0, 0, 900), MAX + 1); // broker 2 copies at once...
    c.tick(MAX + 1);
    c.set_broker_lag(2, Some(FollowerLag::Stalled));
    produce1(&mut c, 1, 0, batch_at(1, -1, 0, 0, 999), MAX + 1); // ...but not this one
    c.tick(MAX + 1);
    assert_eq!(c.partition("t", 0).unwrap().high_watermark, 9);
    assert_eq!(
        list_offsets(&mut c, 1, -1, -1),
        (ErrorCode::None, 9, -1),
        "latest = HW"
    );
    assert_eq!(
        list_offsets(&mut c, 1, -2, -1),
        (ErrorCode::None, 0, -1),
        "earliest"
    );
    assert_eq!(
        list_offsets(&mut c, 1, -4, -1),
        (ErrorCode::None, 0, -1),
        "earliest local"
    );
    assert_eq!(
        list_offsets(&mut c, 1, -3, -1),
        (ErrorCode::None, 8, 900),
        "max timestamp below HW"
    );
    assert_eq!(
        list_offsets(&mut c, 1, 102, -1),
        (ErrorCode::None, 2, 102),
        "record inside a batch"
    );
    assert_eq!(list_offsets(&mut c, 1, 150, -1), (ErrorCode::None, 4, 200));
    assert_eq!(
        list_offsets(&mut c, 1, 950, -1),
        (ErrorCode::None, -1, -1),
        "only above the HW"
    );
    assert_eq!(list_offsets(&mut c, 1, -7, -1).0, ErrorCode::InvalidRequest);
    assert_eq!(
        list_offsets(&mut c, 2, -1, -1).0,
        ErrorCode::NotLeaderOrFollower
    );
    assert_eq!(
        list_offsets(&mut c, 1, -1, 5).0,
        ErrorCode::UnknownLeaderEpoch
    );
}

fn metadata(
    c: &mut Cluster,
    broker: BrokerId,
    topics: Option<Vec<&str>>,
    version: i16,
    auto: bool,
) -> MetadataResponse {
    let req = MetadataRequest {
        topics: topics.map(|t| {
            t.into_iter()
                .map(|n| MetadataRequestTopic {
                    name: Some(n.into()),
                    ..Default::default()
                })
                .collect()
        }),
        allow_auto_topic_creation: auto,
        ..Default::default()
    };
    match call(c, broker, RequestBody::Metadata(req), version, 0) {
        Outcome::Respond(ResponseBody::Metadata(r), _) => r,
        o => panic!("{o:?}"),
    }
}

#[test]
fn metadata_shows_offline_replicas_and_leaderless_partitions() {
    let mut c = Cluster::new(
        ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 2,
            }],
            ..ClusterConfig::default()
        },
        0,
    )
    .unwrap();
    let r = metadata(&mut c, 1, None, 12, true);
    assert_eq!(r.brokers.len(), 3);
    assert_eq!(r.controller_id, 1);
    assert_eq!(r.cluster_id.as_deref(), Some("kwire-mock-cluster"));
    let p = &r.topics[0].partitions[0];
    assert_eq!(
        (p.leader_id, p.replica_nodes.clone(), p.isr_nodes.clone()),
        (1, vec![1, 2], vec![1, 2])
    );
    assert!(!r.topics[0].topic_id.is_nil());
    c.broker_down(2);
    let r = metadata(&mut c, 1, Some(vec!["t"]), 12, true);
    let p = &r.topics[0].partitions[0];
    assert_eq!(r.brokers.len(), 2, "only live brokers");
    assert_eq!((p.error_code, p.leader_id), (ErrorCode::None, 1));
    assert_eq!(p.offline_replicas, vec![2]);
    assert_eq!(p.isr_nodes, vec![1]);
    c.broker_down(1);
    let r = metadata(&mut c, 3, Some(vec!["t"]), 12, true);
    let p = &r.topics[0].partitions[0];
    assert_eq!(
        (p.error_code, p.leader_id),
        (ErrorCode::LeaderNotAvailable, -1)
    );
    assert_eq!(p.offline_replicas, vec![1, 2]);
    assert_eq!(r.controller_id, 3);
    // Topic ids only from v10.
    let r = metadata(&mut c, 3, None, 9, true);
    assert!(r.topics[0].topic_id.is_nil());
}

#[test]
fn metadata_auto_creates_only_when_allowed() {
    let mut c = cluster(1);
    let r = metadata(&mut c, 1, Some(vec!["new"]), 12, false);
    assert_eq!(r.topics[0].error_code, ErrorCode::UnknownTopicOrPartition);
    let r = metadata(&mut c, 1, Some(vec!["new"]), 12, true);
    assert_eq!(r.topics[0].error_code, ErrorCode::None);
    assert_eq!(r.topics[0].partitions.len(), 3);
    let r = metadata(&mut c, 1, Some(vec!["bad/name"]), 12, true);
    assert_eq!(r.topics[0].error_code, ErrorCode::InvalidTopicException);
    // v0: an empty list means every topic.
    let r = metadata(&mut c, 1, Some(vec![]), 0, true);
    assert_eq!(r.topics.len(), 2);
    let r = metadata(&mut c, 1, Some(vec![]), 1, true);
    assert!(r.topics.is_empty());
}

#[test]
fn a_waiting_fetch_ends_early_when_leadership_moves() {
    // Before v11 the old leader cannot serve it at all: NOT_LEADER_OR_FOLLOWER.
    let mut c = cluster(1);
    let o = call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 1, 5000)),
        10,
        0,
    );
    let Outcome::WaitFetch(mut pending) = o else {
        panic!("expected a wait, got {o:?}")
    };
    assert!(pending.poll(&mut c, 10).is_none());
    c.move_leader("t", 0, Some(2)).unwrap();
    let f = pending.poll(&mut c, 20).expect("answered before max_wait");
    assert_eq!(
        f.responses[0].partitions[0].error_code,
        ErrorCode::NotLeaderOrFollower
    );
    // v11+: followers serve consumers, but the consumer's leader epoch is now fenced.
    let mut req = fetch_req(0, 0, 1, 5000);
    req.topics[0].partitions[0].current_leader_epoch = 1;
    let o = call(&mut c, 2, RequestBody::Fetch(req), 12, 30);
    let Outcome::WaitFetch(mut pending) = o else {
        panic!("expected a wait, got {o:?}")
    };
    c.move_leader("t", 0, Some(3)).unwrap();
    let f = pending.poll(&mut c, 40).expect("answered before max_wait");
    assert_eq!(
        f.responses[0].partitions[0].error_code,
        ErrorCode::FencedLeaderEpoch
    );
}

#[test]
fn a_broker_that_is_down_answers_nothing() {
    // The model takes a broker down before the server closes its connections: a request that
    // reaches the handlers in between must not be answered. Answering it used to send
    // NOT_LEADER_OR_FOLLOWER with a KIP-951 hint (new leader, new epoch) from a dead broker;
    // franz-go took the hint's epoch, then ignored every later Metadata answer and stopped
    // producing to the partition for good.
    let mut c = cluster(1);
    assert_eq!(c.partition("t", 0).unwrap().leader, Some(1));
    c.broker_down(1);
    let o = call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, -1, 1000, batch(1, -1, 0, 0))),
        10,
        0,
    );
    assert!(matches!(o, Outcome::Disconnect(_)), "got {o:?}");
    let o = call(
        &mut c,
        1,
        RequestBody::Metadata(MetadataRequest::default()),
        12,
        0,
    );
    assert!(matches!(o, Outcome::Disconnect(_)), "got {o:?}");
    c.broker_up(1);
    let r = produced(call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, 1, 1000, batch(1, -1, 0, 0))),
        10,
        0,
    ));
    assert_eq!(
        r.responses[0].partition_responses[0].error_code,
        ErrorCode::NotLeaderOrFollower
    );

    // Requests already waiting when the broker goes down are not answered either.
    let mut c = cluster(1);
    c.set_default_lag(FollowerLag::Stalled);
    let o = call(
        &mut c,
        1,
        RequestBody::Produce(produce("t", 0, -1, 1000, batch(1, -1, 0, 0))),
        10,
        0,
    );
    let Outcome::WaitAcks(mut produce_wait) = o else {
        panic!("expected a wait, got {o:?}")
    };
    let o = call(
        &mut c,
        1,
        RequestBody::Fetch(fetch_req(0, 0, 1 << 20, 5000)),
        10,
        0,
    );
    let Outcome::WaitFetch(mut fetch_wait) = o else {
        panic!("expected a wait, got {o:?}")
    };
    c.broker_down(1);
    assert!(produce_wait.poll(&c, 10).is_none());
    assert!(fetch_wait.poll(&mut c, 10).is_none());
    // Not even at their deadlines.
    assert!(produce_wait.poll(&c, 2000).is_none());
    assert!(fetch_wait.poll(&mut c, 6000).is_none());
}

/// Asks `broker` for the end of `epoch` in `topic`/0 as a consumer with `current` as its
/// leader epoch; returns (error, epoch, end offset).
fn ask(
    c: &mut Cluster,
    broker: BrokerId,
    topic: &str,
    current: i32,
    epoch: i32,
) -> (ErrorCode, i32, i64) {
    let req = OffsetForLeaderEpochRequest {
        replica_id: -1,
        topics: vec![OffsetForLeaderTopic {
            topic: topic.into(),
            partitions: vec![OffsetForLeaderPartition {
                partition: 0,
                current_leader_epoch: current,
                leader_epoch: epoch,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    match call(c, broker, RequestBody::OffsetForLeaderEpoch(req), 4, 0) {
        Outcome::Respond(ResponseBody::OffsetForLeaderEpoch(r), 4) => {
            let p = &r.topics[0].partitions[0];
            (p.error_code, p.leader_epoch, p.end_offset)
        }
        other => panic!("{other:?}"),
    }
}

/// t/0: epoch 0 holds offsets 0..3 (led by 1), epoch 1 starts at 3 and ends at the log end
/// 5 (led by 2), epoch 2 (led by 3) is empty so far and starts at 5.
fn three_epochs() -> Cluster {
    let mut c = cluster(1);
    assert_eq!(c.partition("t", 0).unwrap().leader, Some(1));
    c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
    c.tick(1);
    c.move_leader("t", 0, Some(2)).unwrap();
    c.append(2, "t", 0, &batch(2, -1, 0, 0), 1, 2).unwrap();
    c.tick(3);
    c.move_leader("t", 0, Some(3)).unwrap();
    assert_eq!(c.partition("t", 0).unwrap().leader_epoch, 2);
    c
}

#[test]
fn end_offsets_from_the_leader_epoch_cache() {
    let mut c = three_epochs();
    let none = ErrorCode::None;
    assert_eq!(ask(&mut c, 3, "t", 2, 0), (none, 0, 3));
    assert_eq!(ask(&mut c, 3, "t", 2, 1), (none, 1, 5));
    // The current epoch ends at the log end (KIP-320: the consumer's position is fine).
    assert_eq!(ask(&mut c, 3, "t", -1, 2), (none, 2, 5));
    c.append(3, "t", 0, &batch(4, -1, 0, 0), 1, 4).unwrap();
    assert_eq!(ask(&mut c, 3, "t", 2, 2), (none, 2, 9));
    // Unknown epochs: -1 and newer than the log knows are UNDEFINED.
    assert_eq!(ask(&mut c, 3, "t", 2, -1), (none, -1, -1));
    assert_eq!(ask(&mut c, 3, "t", 2, 7), (none, -1, -1));
}

#[test]
fn an_epoch_gap_answers_the_largest_epoch_below() {
    let mut c = cluster(1);
    c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
    c.tick(1);
    // Broker 2 leads epoch 1 without a write, so broker 3's log knows epochs 0 and 2 only:
    // epoch 1 ends where epoch 2 starts, and the answer names epoch 0, the largest below.
    c.move_leader("t", 0, Some(2)).unwrap();
    c.move_leader("t", 0, Some(3)).unwrap();
    c.append(3, "t", 0, &batch(2, -1, 0, 0), 1, 2).unwrap();
    assert_eq!(ask(&mut c, 3, "t", -1, 1), (ErrorCode::None, 0, 3));
    assert_eq!(ask(&mut c, 3, "t", -1, 2), (ErrorCode::None, 2, 5));
}

#[test]
fn errors_as_kafka() {
    let mut c = three_epochs();
    // Followers and non-leaders do not answer, even for consumers.
    assert_eq!(ask(&mut c, 1, "t", 2, 0).0, ErrorCode::NotLeaderOrFollower);
    assert_eq!(ask(&mut c, 2, "t", -1, 0).0, ErrorCode::NotLeaderOrFollower);
    // The requester's current epoch is checked first: older is fenced, newer unknown.
    assert_eq!(ask(&mut c, 3, "t", 1, 0).0, ErrorCode::FencedLeaderEpoch);
    assert_eq!(ask(&mut c, 1, "t", 1, 0).0, ErrorCode::FencedLeaderEpoch);
    assert_eq!(ask(&mut c, 3, "t", 3, 0).0, ErrorCode::UnknownLeaderEpoch);
    let unknown = (ErrorCode::UnknownTopicOrPartition, -1, -1);
    assert_eq!(ask(&mut c, 3, "nope", -1, 0), unknown);
}
