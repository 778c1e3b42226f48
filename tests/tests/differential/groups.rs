//! Consumer-group sequences: each group API at every version both brokers speak, sent to the
//! group's coordinator (found with FindCoordinator first), on groups made fresh for the step:
//! join (MEMBER_ID_REQUIRED, then the join), sync, heartbeat, commit, fetch, describe, list,
//! leave, delete, and their error paths (unknown members and groups, stale generations, a
//! broker that is not the coordinator).

use std::time::{Duration, Instant};

use bytes::Bytes;
use kwire_protocol::Uuid;
use kwire_protocol::api::consumer_group_describe::{
    ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse,
};
use kwire_protocol::api::delete_groups::{DeleteGroupsRequest, DeleteGroupsResponse};
use kwire_protocol::api::describe_groups::{DescribeGroupsRequest, DescribeGroupsResponse};
use kwire_protocol::api::find_coordinator::FindCoordinatorRequest;
use kwire_protocol::api::heartbeat::{HeartbeatRequest, HeartbeatResponse};
use kwire_protocol::api::join_group::{
    JoinGroupRequest, JoinGroupRequestProtocol, JoinGroupResponse,
};
use kwire_protocol::api::leave_group::{LeaveGroupRequest, LeaveGroupResponse, MemberIdentity};
use kwire_protocol::api::list_groups::{ListGroupsRequest, ListGroupsResponse};
use kwire_protocol::api::offset_commit::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    OffsetCommitResponse,
};
use kwire_protocol::api::offset_delete::{
    OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
    OffsetDeleteResponse,
};
use kwire_protocol::api::offset_fetch::{
    OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
    OffsetFetchResponse,
};
use kwire_protocol::api::sync_group::{
    SyncGroupRequest, SyncGroupRequestAssignment, SyncGroupResponse,
};
use kwire_protocol::consumer_protocol::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};

use super::normalise::{Norm, Normalise, any_topic_id, no_throttle};
use super::sequences::{MISSING, Plan};
use super::side::Side;
use super::wire::Outcome;

/// A member of a Stable group of one.
struct Member {
    group: String,
    coordinator: i32,
    member_id: String,
    generation: i32,
}

/// Runs every group sequence against `side`; `read` is a topic of 3 partitions.
pub fn run_all(side: &mut Side, plan: &Plan<'_>, read: &str, read_id: Uuid) {
    if plan.versions::<JoinGroupRequest>().is_empty() {
        return;
    }
    join_group(side, plan);
    sync_group(side, plan);
    heartbeat(side, plan);
    offset_commit(side, plan, read, read_id);
    offset_fetch(side, plan, read, read_id);
    describe_groups(side, plan);
    list_groups(side, plan, read);
    leave_group(side, plan);
    delete_groups(side, plan, read);
    offset_delete(side, plan, read);
    consumer_group_describe(side, plan);
    not_coordinator(side, plan);
}

/// The coordinator of `group`, asked until it is available (Kafka creates __consumer_offsets
/// on the first lookup and elects its leaders a moment later).
pub fn coordinator(side: &mut Side, group: &str) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let req = FindCoordinatorRequest {
            key: group.into(),
            ..Default::default()
        };
        let r = side.expect(-1, &req, 3);
        if r.error_code.is_ok() {
            return r.node_id;
        }
        assert!(
            Instant::now() < deadline,
            "{}: no coordinator for {group}: {}",
            side.name,
            r.error_code.name()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A ConsumerProtocol subscription (v0) to one topic: Kafka's coordinator reads it (the topics a
/// group subscribes to decide offset retention), so it must parse.
fn subscription() -> Bytes {
    ConsumerProtocolSubscription {
        topics: vec!["kwire-differential-group-topic".into()],
        ..Default::default()
    }
    .encode(0)
    .expect("version 0")
}

/// A ConsumerProtocol assignment (v0) of no partitions.
fn assignment() -> Bytes {
    ConsumerProtocolAssignment::default()
        .encode(0)
        .expect("version 0")
}

fn join_req(group: &str, member_id: &str) -> JoinGroupRequest {
    JoinGroupRequest {
        group_id: group.into(),
        session_timeout_ms: 30_000,
        rebalance_timeout_ms: 10_000,
        member_id: member_id.into(),
        protocol_type: "consumer".into(),
        protocols: vec![JoinGroupRequestProtocol {
            name: "range".into(),
            metadata: subscription(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A member of a fresh Stable group `group`, through JoinGroup and SyncGroup at their highest
/// versions (set-up, not recorded).
fn stable(side: &mut Side, group: &str) -> Member {
    let coordinator = coordinator(side, group);
    let v = side.max_version::<JoinGroupRequest>();
    let first = side.expect(coordinator, &join_req(group, ""), v);
    let r = side.expect(coordinator, &join_req(group, &first.member_id), v);
    assert!(
        r.error_code.is_ok(),
        "{}: join {group}: {}",
        side.name,
        r.error_code.name()
    );
    let m = Member {
        group: group.into(),
        coordinator,
        member_id: r.member_id,
        generation: r.generation_id,
    };
    let s = side.expect(
        coordinator,
        &sync_req(&m, true),
        side.max_version::<SyncGroupRequest>(),
    );
    assert!(
        s.error_code.is_ok(),
        "{}: sync {group}: {}",
        side.name,
        s.error_code.name()
    );
    m
}

fn sync_req(m: &Member, assign: bool) -> SyncGroupRequest {
    SyncGroupRequest {
        group_id: m.group.clone(),
        generation_id: m.generation,
        member_id: m.member_id.clone(),
        protocol_type: Some("consumer".into()),
        protocol_name: Some("range".into()),
        assignments: if assign {
            vec![SyncGroupRequestAssignment {
                member_id: m.member_id.clone(),
                assignment: assignment(),
                ..Default::default()
            }]
        } else {
            Vec::new()
        },
        ..Default::default()
    }
}

fn join_group(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<JoinGroupRequest>() {
        let group = plan.topic(&format!("join-v{v}"));
        let c = coordinator(side, &group);
        let o = side.call(c, &join_req(&group, ""), v);
        let member_id = match &o {
            Outcome::Answer(r) => r.member_id.clone(),
            _ => String::new(),
        };
        side.record("JoinGroup", v, "new member", o, &plan.norm);
        if v >= 4 {
            let o = side.call(c, &join_req(&group, &member_id), v);
            side.record("JoinGroup", v, "with member id", o, &plan.norm);
        }
        let o = side.call(c, &join_req(&group, "unknown-member"), v);
        side.record("JoinGroup", v, "unknown member", o, &plan.norm);
        let mut bad = join_req(&group, "");
        bad.session_timeout_ms = 1;
        let o = side.call(c, &bad, v);
        side.record("JoinGroup", v, "session timeout too low", o, &plan.norm);
    }
}

fn sync_group(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<SyncGroupRequest>() {
        let group = plan.topic(&format!("sync-v{v}"));
        let c = coordinator(side, &group);
        let jv = side.max_version::<JoinGroupRequest>();
        let first = side.expect(c, &join_req(&group, ""), jv);
        let r = side.expect(c, &join_req(&group, &first.member_id), jv);
        let m = Member {
            group,
            coordinator: c,
            member_id: r.member_id,
            generation: r.generation_id,
        };
        let o = side.call(c, &sync_req(&m, true), v);
        side.record("SyncGroup", v, "leader assigns", o, &plan.norm);
        let stale = Member {
            generation: m.generation + 5,
            ..m
        };
        let o = side.call(c, &sync_req(&stale, false), v);
        side.record("SyncGroup", v, "wrong generation", o, &plan.norm);
    }
}

fn heartbeat_req(m: &Member, member_id: &str, generation: i32) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: m.group.clone(),
        generation_id: generation,
        member_id: member_id.into(),
        ..Default::default()
    }
}

fn heartbeat(side: &mut Side, plan: &Plan<'_>) {
    let m = stable(side, &plan.topic("heartbeat"));
    for v in plan.versions::<HeartbeatRequest>() {
        let steps = [
            ("stable", heartbeat_req(&m, &m.member_id, m.generation)),
            (
                "unknown member",
                heartbeat_req(&m, "unknown-member", m.generation),
            ),
            (
                "wrong generation",
                heartbeat_req(&m, &m.member_id, m.generation + 5),
            ),
        ];
        for (step, req) in steps {
            let o = side.call(m.coordinator, &req, v);
            side.record("Heartbeat", v, step, o, &plan.norm);
        }
        let mut none = heartbeat_req(&m, &m.member_id, m.generation);
        none.group_id = plan.topic("no-such-group");
        let c = coordinator(side, &none.group_id);
        let o = side.call(c, &none, v);
        side.record("Heartbeat", v, "unknown group", o, &plan.norm);
    }
}

fn commit_req(group: &str, read: &str, read_id: Uuid, v: i16, offset: i64) -> OffsetCommitRequest {
    let topic = |name: &str, id: Uuid, partitions: &[i32]| OffsetCommitRequestTopic {
        name: name.into(),
        topic_id: if v >= 10 { id } else { Uuid::nil() },
        partitions: partitions
            .iter()
            .map(|p| OffsetCommitRequestPartition {
                partition_index: *p,
                committed_offset: offset,
                committed_leader_epoch: 0,
                committed_metadata: Some("kwire".into()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    OffsetCommitRequest {
        group_id: group.into(),
        topics: vec![
            topic(read, read_id, &[0, 1]),
            topic(read, read_id, &[99]),
            topic(MISSING, super::sequences::MISSING_ID, &[0]),
        ],
        ..Default::default()
    }
}

fn offset_commit(side: &mut Side, plan: &Plan<'_>, read: &str, read_id: Uuid) {
    let m = stable(side, &plan.topic("commit"));
    for v in plan.versions::<OffsetCommitRequest>() {
        // A simple commit (no generation) to a group of its own.
        let simple = plan.topic(&format!("commit-simple-v{v}"));
        let c = coordinator(side, &simple);
        let o = side.call(c, &commit_req(&simple, read, read_id, v, 3), v);
        side.record("OffsetCommit", v, "simple", o, &plan.norm);
        let mut req = commit_req(&m.group, read, read_id, v, 4);
        req.member_id.clone_from(&m.member_id);
        req.generation_id_or_member_epoch = m.generation;
        let o = side.call(m.coordinator, &req, v);
        side.record("OffsetCommit", v, "member", o, &plan.norm);
        req.generation_id_or_member_epoch = m.generation + 5;
        let o = side.call(m.coordinator, &req, v);
        side.record("OffsetCommit", v, "wrong generation", o, &plan.norm);
        req.member_id = "unknown-member".into();
        req.generation_id_or_member_epoch = m.generation;
        let o = side.call(m.coordinator, &req, v);
        side.record("OffsetCommit", v, "unknown member", o, &plan.norm);
        let none = plan.topic("commit-no-group");
        let mut req = commit_req(&none, read, read_id, v, 4);
        req.member_id = "unknown-member".into();
        req.generation_id_or_member_epoch = 1;
        let c = coordinator(side, &none);
        let o = side.call(c, &req, v);
        side.record("OffsetCommit", v, "unknown group", o, &plan.norm);
    }
}

fn offset_fetch(side: &mut Side, plan: &Plan<'_>, read: &str, read_id: Uuid) {
    let group = plan.topic("fetch");
    let c = coordinator(side, &group);
    let cv = side.max_version::<OffsetCommitRequest>();
    side.expect(c, &commit_req(&group, read, read_id, cv, 2), cv);
    let empty = plan.topic("fetch-nothing");
    let ce = coordinator(side, &empty);
    for v in plan.versions::<OffsetFetchRequest>() {
        let req = |g: &str, all: bool| {
            let topics = (!all).then(|| {
                vec![OffsetFetchRequestTopic {
                    name: read.into(),
                    partition_indexes: vec![0, 1, 2],
                    ..Default::default()
                }]
            });
            let group_topics = (!all).then(|| {
                vec![OffsetFetchRequestTopics {
                    name: if v >= 10 { String::new() } else { read.into() },
                    topic_id: if v >= 10 { read_id } else { Uuid::nil() },
                    partition_indexes: vec![0, 1, 2],
                    ..Default::default()
                }]
            });
            OffsetFetchRequest {
                group_id: g.into(),
                topics,
                groups: vec![OffsetFetchRequestGroup {
                    group_id: g.into(),
                    topics: group_topics,
                    ..Default::default()
                }],
                ..Default::default()
            }
        };
        let o = side.call(c, &req(&group, false), v);
        side.record("OffsetFetch", v, "partitions", o, &plan.norm);
        if v >= 2 {
            let o = side.call(c, &req(&group, true), v);
            side.record("OffsetFetch", v, "all", o, &plan.norm);
        }
        let o = side.call(ce, &req(&empty, false), v);
        side.record("OffsetFetch", v, "no offsets", o, &plan.norm);
    }
}

fn describe_groups(side: &mut Side, plan: &Plan<'_>) {
    let m = stable(side, &plan.topic("describe"));
    let none = plan.topic("describe-none");
    let cn = coordinator(side, &none);
    for v in plan.versions::<DescribeGroupsRequest>() {
        for (step, node, group) in [("stable", m.coordinator, &m.group), ("unknown", cn, &none)] {
            let req = DescribeGroupsRequest {
                groups: vec![group.clone()],
                ..Default::default()
            };
            let o = side.call(node, &req, v);
            side.record("DescribeGroups", v, step, o, &plan.norm);
        }
    }
}

fn list_groups(side: &mut Side, plan: &Plan<'_>, read: &str) {
    // An Empty group (offsets only) and a Stable one, listed by their coordinators.
    let empty = plan.topic("list-empty");
    let ce = coordinator(side, &empty);
    let cv = side.max_version::<OffsetCommitRequest>();
    side.expect(
        ce,
        &commit_req(&empty, read, Uuid::nil(), cv.min(9), 1),
        cv.min(9),
    );
    let m = stable(side, &plan.topic("list-stable"));
    for v in plan.versions::<ListGroupsRequest>() {
        // Each broker lists the groups it coordinates, which depends on placement: each step
        // keeps the one group it is about.
        for (step, node, group, states) in [
            ("empty group", ce, &empty, vec![]),
            ("stable group", m.coordinator, &m.group, vec![]),
            (
                "state filter",
                m.coordinator,
                &m.group,
                vec!["Empty".to_owned()],
            ),
        ] {
            let req = ListGroupsRequest {
                states_filter: if v >= 4 { states } else { Vec::new() },
                ..Default::default()
            };
            let o = match side.call(node, &req, v) {
                Outcome::Answer(mut r) => {
                    r.groups.retain(|g| g.group_id == *group);
                    Outcome::Answer(r)
                }
                other => other,
            };
            side.record("ListGroups", v, step, o, &plan.norm);
        }
    }
}

fn leave_group(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<LeaveGroupRequest>() {
        let m = stable(side, &plan.topic(&format!("leave-v{v}")));
        let req = |member_id: &str| LeaveGroupRequest {
            group_id: m.group.clone(),
            member_id: member_id.into(),
            members: vec![MemberIdentity {
                member_id: member_id.into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let o = side.call(m.coordinator, &req("unknown-member"), v);
        side.record("LeaveGroup", v, "unknown member", o, &plan.norm);
        let o = side.call(m.coordinator, &req(&m.member_id), v);
        side.record("LeaveGroup", v, "member", o, &plan.norm);
    }
}

fn delete_groups(side: &mut Side, plan: &Plan<'_>, read: &str) {
    let m = stable(side, &plan.topic("delete-stable"));
    for v in plan.versions::<DeleteGroupsRequest>() {
        let empty = plan.topic(&format!("delete-v{v}"));
        let c = coordinator(side, &empty);
        side.expect(c, &commit_req(&empty, read, Uuid::nil(), 9, 1), 9);
        for (step, node, group) in [
            ("empty", c, empty.clone()),
            ("again", c, empty.clone()),
            ("with members", m.coordinator, m.group.clone()),
        ] {
            let req = DeleteGroupsRequest {
                groups_names: vec![group],
                ..Default::default()
            };
            let o = side.call(node, &req, v);
            side.record("DeleteGroups", v, step, o, &plan.norm);
        }
    }
}

fn offset_delete(side: &mut Side, plan: &Plan<'_>, read: &str) {
    let empty = plan.topic("offset-delete");
    let c = coordinator(side, &empty);
    side.expect(c, &commit_req(&empty, read, Uuid::nil(), 9, 1), 9);
    let m = stable(side, &plan.topic("offset-delete-stable"));
    for v in plan.versions::<OffsetDeleteRequest>() {
        let req = |g: &str| OffsetDeleteRequest {
            group_id: g.into(),
            topics: vec![OffsetDeleteRequestTopic {
                name: read.into(),
                partitions: [0, 99]
                    .iter()
                    .map(|p| OffsetDeleteRequestPartition {
                        partition_index: *p,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let o = side.call(c, &req(&empty), v);
        side.record("OffsetDelete", v, "empty group", o, &plan.norm);
        let o = side.call(m.coordinator, &req(&m.group), v);
        side.record("OffsetDelete", v, "stable group", o, &plan.norm);
        let none = plan.topic("offset-delete-none");
        let cn = coordinator(side, &none);
        let o = side.call(cn, &req(&none), v);
        side.record("OffsetDelete", v, "unknown group", o, &plan.norm);
    }
}

fn consumer_group_describe(side: &mut Side, plan: &Plan<'_>) {
    if plan.versions::<ConsumerGroupDescribeRequest>().is_empty() {
        return;
    }
    let m = stable(side, &plan.topic("cg-describe"));
    let none = plan.topic("cg-describe-none");
    let cn = coordinator(side, &none);
    for v in plan.versions::<ConsumerGroupDescribeRequest>() {
        for (step, node, group) in [
            ("classic group", m.coordinator, &m.group),
            ("unknown", cn, &none),
        ] {
            let req = ConsumerGroupDescribeRequest {
                group_ids: vec![group.clone()],
                ..Default::default()
            };
            let o = side.call(node, &req, v);
            side.record("ConsumerGroupDescribe", v, step, o, &plan.norm);
        }
    }
}

/// A group request to a broker that does not coordinate the group (cluster runs only).
fn not_coordinator(side: &mut Side, plan: &Plan<'_>) {
    if !plan.cluster {
        return;
    }
    let m = stable(side, &plan.topic("elsewhere"));
    let other = if m.coordinator == 1 { 2 } else { 1 };
    for v in plan.versions::<HeartbeatRequest>() {
        let o = side.call(other, &heartbeat_req(&m, &m.member_id, m.generation), v);
        side.record("Heartbeat", v, "not the coordinator", o, &plan.norm);
    }
    let v = *plan.versions::<JoinGroupRequest>().end();
    let o = side.call(other, &join_req(&m.group, ""), v);
    side.record("JoinGroup", v, "not the coordinator", o, &plan.norm);
    let v = *plan.versions::<OffsetFetchRequest>().end();
    let req = OffsetFetchRequest {
        groups: vec![OffsetFetchRequestGroup {
            group_id: m.group.clone(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let o = side.call(other, &req, v);
    side.record("OffsetFetch", v, "not the coordinator", o, &plan.norm);
}

/// Member ids are `<client id>-<random UUID>` on both brokers: the UUID is each broker's draw.
fn any_member(id: &mut String) {
    let cut = id.len().saturating_sub(36);
    if cut > 0 && id.as_bytes()[cut - 1] == b'-' && uuid_text(&id[cut..]) {
        id.replace_range(cut.., "<uuid>");
    }
}

fn uuid_text(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

impl Normalise for JoinGroupResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        any_member(&mut self.member_id);
        any_member(&mut self.leader);
        for m in &mut self.members {
            any_member(&mut m.member_id);
        }
    }
}

impl Normalise for SyncGroupResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for HeartbeatResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for LeaveGroupResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for m in &mut self.members {
            any_member(&mut m.member_id);
        }
    }
}

impl Normalise for OffsetCommitResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for t in &mut self.topics {
            any_topic_id(&mut t.topic_id);
        }
    }
}

impl Normalise for OffsetFetchResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for g in &mut self.groups {
            for t in &mut g.topics {
                any_topic_id(&mut t.topic_id);
            }
        }
    }
}

impl Normalise for DescribeGroupsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for g in &mut self.groups {
            for m in &mut g.members {
                any_member(&mut m.member_id);
            }
        }
    }
}

impl Normalise for ListGroupsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for DeleteGroupsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for OffsetDeleteResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for ConsumerGroupDescribeResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for g in &mut self.groups {
            for m in &mut g.members {
                any_member(&mut m.member_id);
            }
        }
    }
}
