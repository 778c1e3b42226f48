//! Group faults and group state through the control surface, with a member speaking the wire
//! protocol: group-scoped injected errors, moving the coordinator, expiring a member, forcing
//! a rebalance, and `GET /state` showing members, decoded assignments, offsets and lag.

mod common;

use common::*;
use kwire_mock::group::GroupConfig;
use kwire_mock::{ClusterConfig, MockCluster};
use kwire_protocol::ErrorCode;
use kwire_protocol::api::find_coordinator::{FindCoordinatorRequest, FindCoordinatorResponse};
use kwire_protocol::api::heartbeat::HeartbeatRequest;
use kwire_protocol::api::join_group::{JoinGroupRequest, JoinGroupRequestProtocol};
use kwire_protocol::api::offset_commit::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kwire_protocol::api::sync_group::{SyncGroupRequest, SyncGroupRequestAssignment};
use kwire_protocol::consumer_protocol::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, TopicPartition,
};
use serde_json::Value;

async fn mock() -> MockCluster {
    let config = ClusterConfig {
        brokers: 3,
        offsets_topic_num_partitions: 3,
        groups: GroupConfig {
            initial_rebalance_delay_ms: 0,
            ..GroupConfig::default()
        },
        ..ClusterConfig::default()
    };
    MockCluster::builder()
        .config(config)
        .topic("t", 2, 3)
        .control("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

async fn find(m: &MockCluster, group: &str) -> FindCoordinatorResponse {
    let mut c = Client::connect(m.addresses()[&1]).await;
    let req = FindCoordinatorRequest {
        key: group.into(),
        ..Default::default()
    };
    c.call(3, &req).await.unwrap()
}

/// The coordinator of `group`, once there is one.
async fn coordinator(m: &MockCluster, group: &str) -> i32 {
    for _ in 0..50 {
        let r = find(m, group).await;
        if r.error_code == ErrorCode::None {
            return r.node_id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no coordinator for {group}");
}

fn heartbeat(member: &str, generation: i32) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: "g".into(),
        generation_id: generation,
        member_id: member.into(),
        ..Default::default()
    }
}

/// Joins `g` as its only member and syncs an assignment of both partitions of `t`; returns
/// the member id and generation.
async fn join_and_sync(c: &mut Client) -> (String, i32) {
    let subscription = ConsumerProtocolSubscription {
        topics: vec!["t".into()],
        ..Default::default()
    };
    let join = JoinGroupRequest {
        group_id: "g".into(),
        session_timeout_ms: 30_000,
        rebalance_timeout_ms: 10_000,
        protocol_type: "consumer".into(),
        protocols: vec![JoinGroupRequestProtocol {
            name: "range".into(),
            metadata: subscription.encode(1).unwrap(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = c.call(5, &join).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::MemberIdRequired);
    let r = c
        .call(
            5,
            &JoinGroupRequest {
                member_id: r.member_id.clone(),
                ..join
            },
        )
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::None);
    let assignment = ConsumerProtocolAssignment {
        assigned_partitions: vec![TopicPartition {
            topic: "t".into(),
            partitions: vec![0, 1],
            ..Default::default()
        }],
        ..Default::default()
    };
    let sync = SyncGroupRequest {
        group_id: "g".into(),
        generation_id: r.generation_id,
        member_id: r.member_id.clone(),
        assignments: vec![SyncGroupRequestAssignment {
            member_id: r.member_id.clone(),
            assignment: assignment.encode(1).unwrap(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let s = c.call(3, &sync).await.unwrap();
    assert_eq!(s.error_code, ErrorCode::None);
    (r.member_id, r.generation_id)
}

#[tokio::test]
async fn group_faults_and_state_through_the_control_surface() {
    let m = mock().await;
    let ctl = m.control_addr().unwrap();
    let first = coordinator(&m, "g").await;
    let mut c = Client::connect(m.addresses()[&first]).await;
    let (member, generation) = join_and_sync(&mut c).await;
    m.with_cluster(|c| {
        let leader = c.partition("t", 0).unwrap().leader.unwrap();
        c.append(leader, "t", 0, &batch(10, 0, -1, 0, 0), 1, 0)
            .unwrap();
        let now = c.now() + 1;
        c.tick(now);
    });
    let commit = OffsetCommitRequest {
        group_id: "g".into(),
        generation_id_or_member_epoch: generation,
        member_id: member.clone(),
        topics: vec![OffsetCommitRequestTopic {
            name: "t".into(),
            partitions: vec![OffsetCommitRequestPartition {
                partition_index: 0,
                committed_offset: 4,
                committed_metadata: Some("m".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = c.call(8, &commit).await.unwrap();
    assert_eq!(r.topics[0].partitions[0].error_code, ErrorCode::None);

    // GET /state shows the group: members with decoded assignments, offsets and lag.
    let (s, b) = http(ctl, "GET", "/state", "").await;
    assert_eq!(s, 200);
    let state: Value = serde_json::from_str(&b).unwrap();
    let g = &state["groups"][0];
    assert_eq!(g["group_id"], "g");
    assert_eq!(
        (g["type"].as_str(), g["state"].as_str()),
        (Some("classic"), Some("Stable"))
    );
    assert_eq!(
        (g["protocol"].as_str(), g["generation"].as_i64()),
        (Some("range"), Some(i64::from(generation)))
    );
    assert_eq!(g["coordinator"], first);
    assert_eq!(g["members"][0]["member_id"], member.as_str());
    assert_eq!(g["members"][0]["client_id"], "kwire-test");
    assert_eq!(
        g["members"][0]["assignment"]["t"],
        serde_json::json!([0, 1])
    );
    let o = &g["offsets"][0];
    assert_eq!(
        (
            o["topic"].as_str(),
            o["partition"].as_i64(),
            o["offset"].as_i64()
        ),
        (Some("t"), Some(0), Some(4))
    );
    assert_eq!(
        (o["high_watermark"].as_i64(), o["lag"].as_i64()),
        (Some(10), Some(6))
    );

    // An error injected for group "g" hits g's requests only.
    let (s, b) = http(
        ctl,
        "POST",
        "/faults/inject",
        r#"{"api": "heartbeat", "error": "COORDINATOR_LOAD_IN_PROGRESS", "group": "g"}"#,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = http(
        ctl,
        "POST",
        "/faults/inject",
        r#"{"api": "heartbeat", "error": "NOT_COORDINATOR", "group": "g", "broker": 1}"#,
    )
    .await;
    assert_eq!(s, 400, "one scope at a time: {b}");
    let r = c
        .call(
            4,
            &HeartbeatRequest {
                group_id: "other".into(),
                ..heartbeat(&member, generation)
            },
        )
        .await
        .unwrap();
    assert_ne!(r.error_code, ErrorCode::CoordinatorLoadInProgress);
    let r = c.call(4, &heartbeat(&member, generation)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::CoordinatorLoadInProgress);
    let r = c.call(4, &heartbeat(&member, generation)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::None, "one injection, one request");

    // Moving the coordinator: the old one answers NOT_COORDINATOR, the new one the group.
    let to = first % 3 + 1;
    let (s, b) = http(
        ctl,
        "POST",
        "/groups/g/coordinator",
        &format!(r#"{{"to": {to}}}"#),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<Value>(&b).unwrap()["leader"], to);
    let r = c.call(4, &heartbeat(&member, generation)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::NotCoordinator);
    assert_eq!(coordinator(&m, "g").await, to);
    let mut c = Client::connect(m.addresses()[&to]).await;
    let r = c.call(4, &heartbeat(&member, generation)).await.unwrap();
    assert_eq!(
        r.error_code,
        ErrorCode::None,
        "the group moved with its partition"
    );
    let (s, _) = http(ctl, "POST", "/groups/g/coordinator", r#"{"to": 9}"#).await;
    assert_eq!(s, 409);

    // Forcing a rebalance: the member is told to rejoin.
    let (s, b) = http(ctl, "POST", "/groups/g/rebalance", "").await;
    assert_eq!(s, 200, "{b}");
    let r = c.call(4, &heartbeat(&member, generation)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::RebalanceInProgress);

    // Expiring the member: as if its session timed out, the group empties.
    let (s, b) = http(
        ctl,
        "POST",
        &format!("/groups/g/members/{member}/expire"),
        "",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, b) = http(ctl, "GET", "/state", "").await;
    let state: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(state["groups"][0]["state"], "Empty");
    assert_eq!(state["groups"][0]["members"], serde_json::json!([]));
    assert_eq!(
        state["groups"][0]["offsets"][0]["offset"], 4,
        "offsets stay"
    );
    let (s, b) = http(
        ctl,
        "POST",
        &format!("/groups/g/members/{member}/expire"),
        "",
    )
    .await;
    assert_eq!(
        (
            s,
            serde_json::from_str::<Value>(&b).unwrap()["kafka_error"].as_str()
        ),
        (409, Some("UNKNOWN_MEMBER_ID"))
    );
    let (s, _) = http(ctl, "POST", "/groups/g/rebalance", "").await;
    assert_eq!(s, 409, "no members to rebalance");
    let (s, b) = http(ctl, "POST", "/groups/none/members/x/expire", "").await;
    assert_eq!(
        (
            s,
            serde_json::from_str::<Value>(&b).unwrap()["kafka_error"].as_str()
        ),
        (409, Some("GROUP_ID_NOT_FOUND"))
    );
    m.shutdown().await;
}
