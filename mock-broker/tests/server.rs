//! The mock over real TCP with the codec as client: acks semantics, idempotence, failover loss,
//! faults from Rust, the control endpoint and scenarios.

mod common;

use std::time::{Duration, Instant};

use common::*;
use kwire_mock::control::scenario::{self, Scenario};
use kwire_mock::{Action, ConnectionFaults, FollowerLag, Injection, MockCluster, Scope};
use kwire_protocol::api::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use kwire_protocol::api::init_producer_id::InitProducerIdRequest;
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic};
use kwire_protocol::api::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kwire_protocol::frame::decode_response;
use kwire_protocol::{ApiKey, ErrorCode};
use tokio::io::AsyncWriteExt;

async fn cluster(lag_ms: u64) -> MockCluster {
    MockCluster::builder()
        .topic("t", 1, 3)
        .follower_lag(Duration::from_millis(lag_ms))
        .start()
        .await
        .unwrap()
}

async fn leader_client(m: &MockCluster, topic: &str, partition: i32) -> Client {
    let leader = m.with_cluster(|c| c.partition(topic, partition).unwrap().leader.unwrap());
    Client::connect(m.addresses()[&leader]).await
}

async fn read_all(m: &MockCluster, topic: &str) -> (ErrorCode, i64, Vec<String>) {
    let mut c = leader_client(m, topic, 0).await;
    let r = c.call(12, &fetch_req(topic, 0, 0)).await.unwrap();
    fetched(&r)
}

async fn latest_offset(c: &mut Client, topic: &str) -> (ErrorCode, i64) {
    let req = ListOffsetsRequest {
        replica_id: -1,
        topics: vec![ListOffsetsTopic {
            name: topic.into(),
            partitions: vec![ListOffsetsPartition {
                partition_index: 0,
                timestamp: -1,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = c.call(9, &req).await.unwrap();
    let p = &r.topics[0].partitions[0];
    (p.error_code, p.offset)
}

#[tokio::test]
async fn acks_zero_one_and_all_over_tcp_then_fetch_back() {
    let m = cluster(30).await;
    let mut c = leader_client(&m, "t", 0).await;
    let r = c
        .call(9, &produce_req("t", 0, 1, 5000, batch(3, 0, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    // acks=all answers only once the followers (30 ms behind) have the batch.
    let t0 = Instant::now();
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, batch(2, 3, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 3));
    assert!(
        t0.elapsed() >= Duration::from_millis(25),
        "{:?}",
        t0.elapsed()
    );
    // acks=0: no response at all; the next request's answer is the next frame.
    let _ = c
        .send(9, &produce_req("t", 0, 0, 5000, batch(1, 5, -1, 0, 0)))
        .await
        .unwrap();
    let r = c.call(12, &MetadataRequest::default()).await.unwrap();
    assert_eq!(r.topics.len(), 1);
    // Every ISR member has everything once the lag passed: fetch reads it all back.
    tokio::time::sleep(Duration::from_millis(60)).await;
    let (e, hw, vals) = read_all(&m, "t").await;
    assert_eq!((e, hw), (ErrorCode::None, 6));
    assert_eq!(vals, values(0, 6));
    let s = m.server_stats();
    assert_eq!(s.requests.get("Produce"), Some(&3));
}

#[tokio::test]
async fn idempotent_retries_get_the_original_offset_and_gaps_are_refused() {
    let m = cluster(0).await;
    let mut c = leader_client(&m, "t", 0).await;
    let ids = c
        .call(
            4,
            &InitProducerIdRequest {
                transaction_timeout_ms: 60_000,
                producer_id: -1,
                producer_epoch: -1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids.error_code, ErrorCode::None);
    let (pid, epoch) = (ids.producer_id, ids.producer_epoch);
    let first = batch(4, 0, pid, epoch, 0);
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, first.clone()))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    let r = c
        .call(
            9,
            &produce_req("t", 0, -1, 5000, batch(2, 4, pid, epoch, 4)),
        )
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 4));
    // The retry of the first batch: its original offset, nothing appended.
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, first))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    // A gap in the sequence.
    let r = c
        .call(
            9,
            &produce_req("t", 0, -1, 5000, batch(1, 9, pid, epoch, 9)),
        )
        .await
        .unwrap();
    assert_eq!(produce_result(&r).0, ErrorCode::OutOfOrderSequenceNumber);
    let (_, hw, vals) = read_all(&m, "t").await;
    assert_eq!(hw, 6);
    assert_eq!(vals, values(0, 6));
    assert_eq!(m.with_cluster(|c| c.stats().duplicates), 1);
}

#[tokio::test]
async fn a_dropped_connection_after_the_append_is_retried_without_duplicates() {
    let m = cluster(0).await;
    m.set_connection_faults(
        0,
        ConnectionFaults {
            drop_after_append: 1,
            ..Default::default()
        },
    );
    let b = batch(3, 0, 42, 0, 0);
    let mut c = leader_client(&m, "t", 0).await;
    c.send(9, &produce_req("t", 0, -1, 5000, b.clone()))
        .await
        .unwrap();
    assert!(
        c.closed_by_server().await,
        "no answer: the connection is dropped"
    );
    let mut c = leader_client(&m, "t", 0).await;
    let r = c.call(9, &produce_req("t", 0, -1, 5000, b)).await.unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    let (_, hw, vals) = read_all(&m, "t").await;
    assert_eq!((hw, vals), (3, values(0, 3)));
    assert_eq!(m.server_stats().dropped_after_append, 1);
}

/// The acks=1 loss, exactly as in Kafka: the leader acknowledges, dies before its followers
/// copied, a follower takes over, and the acknowledged records are gone for every consumer —
/// even after the old leader returns (it truncates them). The same with acks=all loses nothing.
#[tokio::test]
async fn acks_one_loses_acknowledged_records_on_failover_and_acks_all_does_not() {
    let m = cluster(0).await;
    // acks=1 with followers that have not copied yet.
    m.set_lag(None, None, Some(FollowerLag::Stalled)).unwrap();
    let mut c = leader_client(&m, "t", 0).await;
    let r = c
        .call(9, &produce_req("t", 0, 1, 5000, batch(5, 0, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0), "acknowledged");
    assert_eq!(
        read_all(&m, "t").await.1,
        0,
        "not committed: above the high watermark"
    );
    assert!(m.broker_down(1));
    m.set_lag(None, None, Some(FollowerLag::Millis(0))).unwrap();
    let (e, hw, vals) = read_all(&m, "t").await;
    assert_eq!(
        (e, hw, vals.len()),
        (ErrorCode::None, 0, 0),
        "acknowledged records gone"
    );
    assert!(m.broker_up(1));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let st = m.state();
    let p = &st.topics[0].partitions[0];
    assert_eq!(p.leader, Some(2));
    assert_eq!(
        p.replica_log_end_offsets["1"], 0,
        "the old leader truncated them"
    );
    assert_eq!(st.stats.records_truncated, 5);
    let mut c = leader_client(&m, "t", 0).await;
    assert_eq!(latest_offset(&mut c, "t").await, (ErrorCode::None, 0));

    // acks=all: the answer waits for the followers (40 ms behind), so a failover right after it
    // loses nothing.
    m.set_lag(None, None, Some(FollowerLag::Millis(40)))
        .unwrap();
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, batch(5, 100, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    assert!(m.broker_down(2));
    let (e, hw, vals) = read_all(&m, "t").await;
    assert_eq!((e, hw), (ErrorCode::None, 5));
    assert_eq!(vals, values(100, 5));
}

#[tokio::test]
async fn broker_down_closes_and_refuses_connections_and_up_listens_again() {
    let m = cluster(0).await;
    let addr2 = m.addresses()[&2];
    let mut c = Client::connect(addr2).await;
    assert!(c.call(12, &MetadataRequest::default()).await.is_ok());
    assert!(m.broker_down(2));
    assert!(c.closed_by_server().await);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(addr2).await.is_err(),
        "refused while down"
    );
    // Metadata from another broker lists only live brokers and the offline replica.
    let mut c1 = Client::connect(m.addresses()[&1]).await;
    let md = c1.call(12, &MetadataRequest::default()).await.unwrap();
    assert_eq!(md.brokers.len(), 2);
    assert_eq!(md.topics[0].partitions[0].offline_replicas, vec![2]);
    assert!(m.broker_up(2));
    let mut ok = false;
    for _ in 0..100 {
        if let Ok(s) = tokio::net::TcpStream::connect(addr2).await {
            drop(s);
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(ok, "listening again on the same port");
    // Restarting a running broker changes nothing; a quick down/up still drops old connections.
    let mut c1 = Client::connect(m.addresses()[&1]).await;
    assert!(!m.broker_up(1));
    assert!(c1.call(12, &MetadataRequest::default()).await.is_ok());
    assert!(m.broker_down(1) && m.broker_up(1));
    assert!(
        c1.closed_by_server().await,
        "a restarted broker keeps no old connection"
    );
}

#[tokio::test]
async fn move_leader_redirects_producers_with_a_leader_hint() {
    let m = cluster(0).await;
    let mut old = Client::connect(m.addresses()[&1]).await;
    assert_eq!(m.move_leader("t", 0, Some(3)), Ok(3));
    let r = old
        .call(10, &produce_req("t", 0, -1, 5000, batch(1, 0, -1, 0, 0)))
        .await
        .unwrap();
    let p = &r.responses[0].partition_responses[0];
    assert_eq!(p.error_code, ErrorCode::NotLeaderOrFollower);
    assert_eq!(
        (p.current_leader.leader_id, p.current_leader.leader_epoch),
        (3, 1)
    );
    assert_eq!(
        r.node_endpoints[0].port,
        i32::from(m.addresses()[&3].port())
    );
    let mut new = Client::connect(m.addresses()[&3]).await;
    let r = new
        .call(10, &produce_req("t", 0, -1, 5000, batch(1, 0, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
}

#[tokio::test]
async fn injected_errors_latency_and_stall_from_rust() {
    let m = cluster(0).await;
    m.inject(Injection::new(
        ApiKey::PRODUCE,
        Scope::Partition {
            topic: "t".into(),
            partition: 0,
        },
        ErrorCode::NotEnoughReplicas,
        2,
    ));
    let mut c = leader_client(&m, "t", 0).await;
    for _ in 0..2 {
        let r = c
            .call(9, &produce_req("t", 0, -1, 5000, batch(1, 0, -1, 0, 0)))
            .await
            .unwrap();
        assert_eq!(produce_result(&r).0, ErrorCode::NotEnoughReplicas);
    }
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, batch(1, 0, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    // Latency.
    m.set_connection_faults(
        1,
        ConnectionFaults {
            latency_ms: 150,
            ..Default::default()
        },
    );
    let t0 = Instant::now();
    c.call(12, &MetadataRequest::default()).await.unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(140));
    // Stall: held until lifted.
    m.set_connection_faults(
        1,
        ConnectionFaults {
            stall: true,
            ..Default::default()
        },
    );
    let corr = c.send(12, &MetadataRequest::default()).await.unwrap();
    let mut b = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(200), c.stream.peek(&mut b))
            .await
            .is_err()
    );
    m.set_connection_faults(1, ConnectionFaults::default());
    let r = c
        .recv::<kwire_protocol::api::metadata::MetadataResponse>(12, corr)
        .await
        .unwrap();
    assert_eq!(r.topics.len(), 1);
}

#[tokio::test]
async fn api_versions_fallback_and_unsupported_requests() {
    let m = cluster(0).await;
    let addr = m.addresses()[&1];
    // A future ApiVersions version: a v0 body with UNSUPPORTED_VERSION, header v0.
    let mut c = Client::connect(addr).await;
    let mut frame = Vec::new();
    // key 18, v99, corr 7, null client id, no tagged fields (header v2, as for v3+)
    let body = [0u8, 18, 0, 99, 0, 0, 0, 7, 0xff, 0xff, 0];
    frame.extend_from_slice(&(body.len() as i32).to_be_bytes());
    frame.extend_from_slice(&body);
    c.stream.write_all(&frame).await.unwrap();
    let payload = c.read_frame().await.unwrap();
    let (h, r) = decode_response::<ApiVersionsResponse>(&payload, 0).unwrap();
    assert_eq!(
        (h.correlation_id, r.error_code),
        (7, ErrorCode::UnsupportedVersion)
    );
    // A normal ApiVersions still works on the same connection.
    let r = c.call(3, &ApiVersionsRequest::default()).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::None);
    // An API the mock does not serve, and an unsupported Produce version: disconnected.
    for (key, version) in [(4i16, 0i16), (0, 2), (999, 0)] {
        let mut c = Client::connect(addr).await;
        let mut body = Vec::new();
        body.extend_from_slice(&key.to_be_bytes());
        body.extend_from_slice(&version.to_be_bytes());
        body.extend_from_slice(&1i32.to_be_bytes());
        body.extend_from_slice(&(-1i16).to_be_bytes());
        body.extend_from_slice(&[0; 16]);
        c.stream
            .write_all(&(body.len() as i32).to_be_bytes())
            .await
            .unwrap();
        c.stream.write_all(&body).await.unwrap();
        assert!(c.closed_by_server().await, "key {key} v{version}");
    }
    assert_eq!(m.server_stats().unsupported_requests, 3);
}

#[tokio::test]
async fn offset_for_leader_epoch_is_advertised_and_answered_after_a_leader_move() {
    let m = cluster(0).await;
    let mut c = leader_client(&m, "t", 0).await;
    let r = c.call(3, &ApiVersionsRequest::default()).await.unwrap();
    let k = r
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::OFFSET_FOR_LEADER_EPOCH.0)
        .expect("OffsetForLeaderEpoch advertised");
    assert_eq!((k.min_version, k.max_version), (2, 4));
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, batch(3, 0, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    let old = m.with_cluster(|c| c.partition("t", 0).unwrap().leader.unwrap());
    let new = m.move_leader("t", 0, None).unwrap();
    assert_ne!(old, new);
    let ask = |current: i32| OffsetForLeaderEpochRequest {
        replica_id: -1,
        topics: vec![OffsetForLeaderTopic {
            topic: "t".into(),
            partitions: vec![OffsetForLeaderPartition {
                partition: 0,
                current_leader_epoch: current,
                leader_epoch: 0,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    // Every version: epoch 0 ended at 3 on the new leader; the old one is only a follower now.
    let mut n = Client::connect(m.addresses()[&new]).await;
    for v in 2..=4 {
        let r = n.call(v, &ask(1)).await.unwrap();
        let p = &r.topics[0].partitions[0];
        assert_eq!(
            (p.error_code, p.leader_epoch, p.end_offset),
            (ErrorCode::None, 0, 3),
            "v{v}"
        );
        let r = c.call(v, &ask(1)).await.unwrap();
        let p = &r.topics[0].partitions[0];
        assert_eq!(p.error_code, ErrorCode::NotLeaderOrFollower, "v{v}");
    }
    // A consumer still on epoch 0 is fenced.
    let r = n.call(4, &ask(0)).await.unwrap();
    assert_eq!(
        r.topics[0].partitions[0].error_code,
        ErrorCode::FencedLeaderEpoch
    );
}

#[tokio::test]
async fn the_http_control_endpoint_drives_faults_and_reports_state() {
    let m = controlled(1).await;
    let ctl = m.control_addr().unwrap();
    let (s, b) = http(ctl, "GET", "/healthz", "").await;
    assert_eq!((s, b.trim()), (200, "ok"));
    let (s, b) = http(ctl, "POST", "/brokers/2/down", "").await;
    assert_eq!(s, 200, "{b}");
    assert!(!m.with_cluster(|c| c.is_up(2)));
    let (s, _) = http(ctl, "POST", "/partitions/t/0/leader", r#"{"to": 3}"#).await;
    assert_eq!(s, 200);
    let (s, b) = http(ctl, "POST", "/partitions/t/0/leader", r#"{"to": 2}"#).await;
    assert_eq!(s, 409, "broker 2 is down: {b}");
    let (s, _) = http(
        ctl,
        "POST",
        "/faults/inject",
        r#"{"api": "produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": 2, "broker": 3}"#,
    )
    .await;
    assert_eq!(s, 200);
    let (s, b) = http(
        ctl,
        "POST",
        "/faults/inject",
        r#"{"api": "nope", "error": 6}"#,
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, _) = http(
        ctl,
        "POST",
        "/faults/connection",
        r#"{"broker": 1, "latency_ms": 5}"#,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = http(ctl, "POST", "/faults/lag", r#"{"broker": 1, "lag_ms": 70}"#).await;
    assert_eq!(s, 200);
    let (s, b) = http(ctl, "POST", "/actions", r#"[{"action": "broker_up", "broker": 2}, {"action": "create_topic", "name": "u", "partitions": 2, "replication_factor": 2}]"#).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = http(ctl, "GET", "/state", "").await;
    assert_eq!(s, 200);
    let st: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(st["topics"][0]["name"], "t");
    assert_eq!(st["topics"][0]["partitions"][0]["leader"], 3);
    assert_eq!(st["topics"][1]["partitions"].as_array().unwrap().len(), 2);
    assert_eq!(st["brokers"][1]["up"], true);
    assert_eq!(st["brokers"][0]["follower_lag"]["millis"], 70);
    assert_eq!(st["brokers"][0]["connection_faults"]["latency_ms"], 5);
    assert_eq!(st["pending_injections"][0]["remaining"], 2);
    let (s, _) = http(ctl, "DELETE", "/faults/inject", "").await;
    assert_eq!(s, 200);
    assert!(m.with_cluster(|c| c.faults.pending().is_empty()));
    // Topics: created with configs (checked as CreateTopics checks them), deleted.
    let (s, b) = http(
        ctl,
        "POST",
        "/topics",
        r#"{"name": "v", "partitions": 1, "replication_factor": 1, "configs": {"max.message.bytes": "100"}}"#,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        m.with_cluster(|c| c.topic_settings("v").max_message_bytes),
        100
    );
    let (s, _) = http(
        ctl,
        "POST",
        "/topics",
        r#"{"name": "w", "partitions": 1, "replication_factor": 1, "configs": {"retention.ms": "soon"}}"#,
    )
    .await;
    assert_eq!(s, 409, "refused as CreateTopics refuses it");
    let (s, b) = http(ctl, "DELETE", "/topics/v", "").await;
    assert_eq!(s, 200, "{b}");
    assert!(m.with_cluster(|c| c.topic("v").is_none()));
    let (s, b) = http(ctl, "DELETE", "/topics/v", "").await;
    assert_eq!(s, 409);
    assert!(b.contains("UNKNOWN_TOPIC_OR_PARTITION"), "{b}");
    let (s, b) = http(
        ctl,
        "POST",
        "/scenario",
        r#"[{"at_ms": 0, "action": "broker_down", "broker": 3}]"#,
    )
    .await;
    assert_eq!(s, 202, "{b}");
    for _ in 0..100 {
        if !m.with_cluster(|c| c.is_up(3)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!m.with_cluster(|c| c.is_up(3)));
    m.shutdown().await;
}

#[tokio::test]
async fn scenarios_run_on_time_and_report_each_step() {
    let m = cluster(0).await;
    let s = Scenario::from_json(
        r#"[
          {"at_ms": 0, "action": "broker_down", "broker": 1},
          {"at_ms": 60, "action": "broker_up", "broker": 1},
          {"at_ms": 60, "action": "move_leader", "topic": "t", "partition": 0, "to": 1},
          {"at_ms": 70, "action": "move_leader", "topic": "nope", "partition": 0}
        ]"#,
    )
    .unwrap();
    let t0 = Instant::now();
    let reports = scenario::run(m.controller(), s).await;
    assert!(t0.elapsed() >= Duration::from_millis(60));
    assert_eq!(reports.len(), 4);
    assert!(reports[..3].iter().all(|r| r.result.is_ok()), "{reports:?}");
    assert!(reports[3].result.is_err());
    assert!(reports[1].applied_at_ms >= 60);
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 0).unwrap().leader),
        Some(1)
    );
    // The same vocabulary from Rust.
    m.apply(&Action::SetIsr {
        topic: "t".into(),
        partition: 0,
        isr: vec![1],
    })
    .unwrap();
    let md = Client::connect(m.addresses()[&1])
        .await
        .call(
            12,
            &MetadataRequest {
                topics: Some(vec![MetadataRequestTopic {
                    name: Some("t".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(md.topics[0].partitions[0].leader_id, 1);
}
