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
use kwire_protocol::api::consumer_group_heartbeat::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse,
    TopicPartitions as CghTopicPartitions,
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

use super::normalise::{Norm, Normalise, any_message, any_topic_id, no_throttle};
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
    consumer_group_heartbeat(side, plan, read, read_id);
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

/// A ConsumerGroupHeartbeat of member `member` of `group` at `epoch`, owning `owned` of topic
/// `id` (None: unchanged).
fn cgh_req(group: &str, member: &str, epoch: i32) -> ConsumerGroupHeartbeatRequest {
    ConsumerGroupHeartbeatRequest {
        group_id: group.into(),
        member_id: member.into(),
        member_epoch: epoch,
        ..Default::default()
    }
}

/// A join (epoch 0) subscribing to `topic` by name.
fn cgh_join(group: &str, member: &str, topic: &str) -> ConsumerGroupHeartbeatRequest {
    ConsumerGroupHeartbeatRequest {
        rebalance_timeout_ms: 30_000,
        subscribed_topic_names: Some(vec![topic.into()]),
        topic_partitions: Some(Vec::new()),
        ..cgh_req(group, member, 0)
    }
}

/// A heartbeat at `epoch` that owns `owned` (a full one when `owned` is what it was given).
fn cgh_owning(
    group: &str,
    member: &str,
    epoch: i32,
    owned: Vec<CghTopicPartitions>,
) -> ConsumerGroupHeartbeatRequest {
    ConsumerGroupHeartbeatRequest {
        topic_partitions: Some(owned),
        ..cgh_req(group, member, epoch)
    }
}

/// One KIP-848 member as the sequences drive it: its epoch and what it owns.
struct Cgh {
    id: String,
    epoch: i32,
    owned: Vec<CghTopicPartitions>,
}

impl Cgh {
    /// Takes in an answer: the epoch, and the assignment when one came.
    fn take(&mut self, o: &Outcome<ConsumerGroupHeartbeatResponse>) {
        if let Outcome::Answer(r) = o
            && r.error_code.is_ok()
        {
            self.epoch = r.member_epoch;
            if let Some(a) = &r.assignment {
                self.owned.clone_from(&a.topic_partitions);
            }
        }
    }

    fn count(&self) -> usize {
        self.owned.iter().map(|t| t.partitions.len()).sum()
    }
}

/// Heartbeats both members (set-up, not recorded) until the group is Stable and they hold
/// every partition of `read` (3) between them: Kafka 4.3 computes a new target assignment
/// asynchronously, at most once a second (`group.consumer.assignment.interval.ms`), the mock
/// within the heartbeat, so the steps in between are each broker's own timing.
fn settle(side: &mut Side, c: i32, group: &str, members: &mut [&mut Cgh], v: i16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for m in members.iter_mut() {
            let o = side.call(c, &cgh_owning(group, &m.id, m.epoch, m.owned.clone()), v);
            m.take(&o);
        }
        let req = ConsumerGroupDescribeRequest {
            group_ids: vec![group.into()],
            ..Default::default()
        };
        let d = side.expect(c, &req, 0);
        let stable = d.groups.first().is_some_and(|g| g.group_state == "Stable");
        if stable && members.iter().map(|m| m.count()).sum::<usize>() == 3 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{}: consumer group {group} not stable within 20 s: {:?}; members hold {:?}",
            side.name,
            d.groups.first().map(|g| (
                &g.group_state,
                g.group_epoch,
                g.assignment_epoch,
                &g.members
            )),
            members
                .iter()
                .map(|m| (&m.id, m.epoch, &m.owned))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// KIP-848 consumer groups, at every ConsumerGroupHeartbeat version both speak: a member joins
/// `read` (3 partitions) and heartbeats with its assignment; a second joins, and once the
/// partitions moved (revocation first, see [`settle`]) each holds its share; fenced epochs
/// (ahead, and behind while owning more), an unknown member, leave (-1) twice, a static member
/// (its instance id taken by another, a -2 leave by another member and by itself, -2 without
/// instance id), invalid requests (empty group id, no subscription, owned partitions on a join,
/// no rebalance timeout, an unknown assignor, an epoch below -2, v1: an empty member id and a
/// bad regex), an unknown group; in between, the group as ConsumerGroupDescribe,
/// DescribeGroups, a classic JoinGroup and OffsetCommit with member epochs see it.
fn consumer_group_heartbeat(side: &mut Side, plan: &Plan<'_>, read: &str, read_id: Uuid) {
    for v in plan.versions::<ConsumerGroupHeartbeatRequest>() {
        let group = plan.topic(&format!("cgh-v{v}"));
        let c = coordinator(side, &group);
        let api = "ConsumerGroupHeartbeat";
        let mut a = Cgh {
            id: format!("member-a-v{v}"),
            epoch: 0,
            owned: Vec::new(),
        };
        let mut b = Cgh {
            id: format!("member-b-v{v}"),
            epoch: 0,
            owned: Vec::new(),
        };
        let o = side.call(c, &cgh_join(&group, &a.id, read), v);
        a.take(&o);
        side.record(api, v, "join", o, &plan.norm);
        let o = side.call(c, &cgh_owning(&group, &a.id, a.epoch, a.owned.clone()), v);
        side.record(api, v, "heartbeat owning the assignment", o, &plan.norm);
        let o = side.call(c, &cgh_req(&group, &a.id, a.epoch), v);
        side.record(api, v, "heartbeat, nothing changed", o, &plan.norm);
        let all = a.owned.clone();
        let o = side.call(c, &cgh_join(&group, &b.id, read), v);
        b.take(&o);
        side.record(api, v, "second member joins", o, &plan.norm);
        settle(side, c, &group, &mut [&mut a, &mut b], v);
        let o = side.call(c, &cgh_owning(&group, &a.id, a.epoch, a.owned.clone()), v);
        side.record(api, v, "settled, first member", o, &plan.norm);
        let o = side.call(c, &cgh_owning(&group, &b.id, b.epoch, b.owned.clone()), v);
        side.record(api, v, "settled, second member", o, &plan.norm);
        let o = side.call(c, &cgh_req(&group, &a.id, a.epoch + 5), v);
        side.record(api, v, "epoch ahead (fenced)", o, &plan.norm);
        let o = side.call(c, &cgh_owning(&group, &b.id, b.epoch - 1, all.clone()), v);
        side.record(api, v, "old epoch owning more (fenced)", o, &plan.norm);
        let o = side.call(c, &cgh_req(&group, "member-unknown", b.epoch), v);
        side.record(api, v, "unknown member", o, &plan.norm);
        // The group as the other APIs see it. The fenced members rejoin first.
        for m in [&mut a, &mut b] {
            let o = side.call(c, &cgh_join(&group, &m.id, read), v);
            m.owned.clear();
            m.take(&o);
        }
        settle(side, c, &group, &mut [&mut a, &mut b], v);
        consumer_group_seen(side, plan, c, &group, &b, read, read_id);
        let o = side.call(c, &cgh_req(&group, &b.id, -1), v);
        side.record(api, v, "leave", o, &plan.norm);
        let o = side.call(c, &cgh_req(&group, &b.id, -1), v);
        side.record(api, v, "leave again", o, &plan.norm);
        // Static members.
        let stat = plan.topic(&format!("cgh-static-v{v}"));
        let cs = coordinator(side, &stat);
        let s = format!("member-s-v{v}");
        let mut join = cgh_join(&stat, &s, read);
        join.instance_id = Some("instance-1".into());
        let o = side.call(cs, &join, v);
        side.record(api, v, "static member joins", o, &plan.norm);
        let mut other = cgh_join(&stat, "member-t", read);
        other.instance_id = Some("instance-1".into());
        let o = side.call(cs, &other, v);
        side.record(api, v, "instance id in use", o, &plan.norm);
        let mut leave = cgh_req(&stat, "member-t", -2);
        leave.instance_id = Some("instance-1".into());
        let o = side.call(cs, &leave, v);
        side.record(api, v, "static leave by another member", o, &plan.norm);
        leave.member_id.clone_from(&s);
        let o = side.call(cs, &leave, v);
        side.record(api, v, "static member leaves (-2)", o, &plan.norm);
        let o = side.call(cs, &cgh_req(&stat, &s, -2), v);
        side.record(api, v, "-2 without instance id", o, &plan.norm);
        // Requests Kafka refuses before reading the group.
        let mut bad = vec![("empty group id", cgh_join("", &a.id, read))];
        let mut none = cgh_join(&group, "member-c", read);
        none.subscribed_topic_names = None;
        bad.push(("join without subscription", none));
        let mut owning = cgh_join(&group, "member-c", read);
        owning.topic_partitions = Some(all.clone());
        bad.push(("join owning partitions", owning));
        let mut timeout = cgh_join(&group, "member-c", read);
        timeout.rebalance_timeout_ms = -1;
        bad.push(("join without rebalance timeout", timeout));
        let mut assignor = cgh_join(&group, "member-c", read);
        assignor.server_assignor = Some("no-such-assignor".into());
        bad.push(("unknown assignor", assignor));
        bad.push(("epoch -3", cgh_req(&group, &a.id, -3)));
        if v >= 1 {
            // v0 lets the coordinator name a joining member.
            bad.push(("empty member id", cgh_join(&group, "", read)));
            let mut regex = cgh_join(&group, "member-c", read);
            regex.subscribed_topic_names = None;
            regex.subscribed_topic_regex = Some("(unclosed".into());
            bad.push(("bad regex", regex));
        }
        for (step, req) in bad {
            let o = side.call(c, &req, v);
            side.record(api, v, step, o, &plan.norm);
        }
        let none = plan.topic(&format!("cgh-none-v{v}"));
        let cn = coordinator(side, &none);
        let o = side.call(cn, &cgh_req(&none, &a.id, 1), v);
        side.record(api, v, "unknown group", o, &plan.norm);
    }
}

/// A consumer group with members as ConsumerGroupDescribe, DescribeGroups, ListGroups (by
/// type), a classic JoinGroup and OffsetCommit (member epochs) see it.
fn consumer_group_seen(
    side: &mut Side,
    plan: &Plan<'_>,
    c: i32,
    group: &str,
    member: &Cgh,
    read: &str,
    read_id: Uuid,
) {
    for v in plan.versions::<ConsumerGroupDescribeRequest>() {
        let req = ConsumerGroupDescribeRequest {
            group_ids: vec![group.into()],
            ..Default::default()
        };
        let o = side.call(c, &req, v);
        side.record("ConsumerGroupDescribe", v, "consumer group", o, &plan.norm);
    }
    let v = side.max_version::<DescribeGroupsRequest>();
    let req = DescribeGroupsRequest {
        groups: vec![group.into()],
        ..Default::default()
    };
    let o = side.call(c, &req, v);
    side.record("DescribeGroups", v, "consumer group", o, &plan.norm);
    let v = side.max_version::<JoinGroupRequest>();
    let o = side.call(c, &join_req(group, ""), v);
    side.record(
        "JoinGroup",
        v,
        "classic member to a consumer group",
        o,
        &plan.norm,
    );
    for v in plan.versions::<OffsetCommitRequest>() {
        for (step, id, epoch) in [
            ("consumer group member", member.id.as_str(), member.epoch),
            (
                "consumer group, stale epoch",
                member.id.as_str(),
                member.epoch - 1,
            ),
            (
                "consumer group, unknown member",
                "member-unknown",
                member.epoch,
            ),
        ] {
            let mut req = commit_req(group, read, read_id, v, 5);
            req.member_id = id.into();
            req.generation_id_or_member_epoch = epoch;
            let o = side.call(c, &req, v);
            side.record("OffsetCommit", v, step, o, &plan.norm);
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
            // Kafka lists members in its hash map's order.
            g.members.sort_by(|a, b| a.member_id.cmp(&b.member_id));
            any_epoch(&mut g.group_epoch);
            any_epoch(&mut g.assignment_epoch);
            for m in &mut g.members {
                any_member(&mut m.member_id);
                any_epoch(&mut m.member_epoch);
                let topics = m.assignment.topic_partitions.iter_mut();
                for t in topics.chain(m.target_assignment.topic_partitions.iter_mut()) {
                    any_topic_id(&mut t.topic_id);
                }
            }
        }
    }
}

/// Member ids the coordinator generates (v0 joins without one) are each broker's own draw;
/// the sequences name their members `member-...` themselves.
fn any_generated_member(id: &mut Option<String>) {
    if let Some(m) = id
        .as_mut()
        .filter(|m| !m.is_empty() && !m.starts_with("member-"))
    {
        *m = "<generated>".into();
    }
}

/// Epochs count a group's history: Kafka 4.3 starts a new group at epoch 2 and moves the group
/// epoch ahead of the assignment while it assigns asynchronously, the mock counts from 1 and
/// assigns within the heartbeat. What a client can tell is whether an epoch is a live one
/// (> 0) or a sentinel (0 on errors, -1 and -2 on leaving), and whether a request carrying one
/// is accepted or fenced (compared through the error codes).
fn any_epoch(epoch: &mut i32) {
    if *epoch > 0 {
        *epoch = 1;
    }
}

impl Normalise for ConsumerGroupHeartbeatResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        any_epoch(&mut self.member_epoch);
        any_message(&mut self.error_message);
        any_generated_member(&mut self.member_id);
        if let Some(a) = &mut self.assignment {
            for t in &mut a.topic_partitions {
                any_topic_id(&mut t.topic_id);
            }
        }
    }
}
