//! ConsumerGroupHeartbeat (KIP-848): a member of a consumer group joins, heartbeats, reconciles
//! towards its target assignment and leaves, one heartbeat at a time; the coordinator's
//! `group::consumer` does the work. Topics travel by id on the wire and by name in the model.

use kwire_protocol::Uuid;
use kwire_protocol::api::consumer_group_heartbeat::{
    Assignment, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, TopicPartitions,
};
use kwire_protocol::VersionRange;

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;
use crate::group::ConsumerHeartbeat;
use crate::group::assignor::TopicPartition;

/// The request this module answers (boxed in `RequestBody`: it is the largest request).
pub type Request = ConsumerGroupHeartbeatRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

/// The model's name for a topic id: the topic's name, or for an id no topic has a name no
/// topic can have (braces are not allowed in topic names), so that owned partitions of a
/// deleted topic still count (a join that owns them is invalid; they are nobody's target).
fn topic_name(cluster: &Cluster, id: &Uuid) -> String {
    cluster
        .topic_name(id)
        .map_or_else(|| format!("{{{id}}}"), str::to_owned)
}

/// Partitions by topic id, as the response lists them (topics gone since are left out).
fn by_topic_id(cluster: &Cluster, partitions: Vec<TopicPartition>) -> Vec<TopicPartitions> {
    let mut out: Vec<(String, TopicPartitions)> = Vec::new();
    for (topic, p) in partitions {
        match out.last_mut() {
            Some((t, tp)) if *t == topic => tp.partitions.push(p),
            _ => {
                let Some(id) = cluster.topic(&topic).map(|t| t.id) else {
                    continue;
                };
                out.push((
                    topic,
                    TopicPartitions {
                        topic_id: id,
                        partitions: vec![p],
                        ..Default::default()
                    },
                ));
            }
        }
    }
    out.into_iter().map(|(_, tp)| tp).collect()
}

/// Handles a ConsumerGroupHeartbeat request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: Box<ConsumerGroupHeartbeatRequest>,
) -> Outcome {
    if let Some(e) = coordinated::refusal(cluster, ctx, &req.group_id) {
        return ctx.respond(ConsumerGroupHeartbeatResponse {
            error_code: e,
            error_message: coordinated::message(e).map(str::to_owned),
            ..Default::default()
        });
    }
    let req = *req;
    let owned_partitions = req.topic_partitions.map(|tps| {
        tps.iter()
            .flat_map(|tp| {
                let name = topic_name(cluster, &tp.topic_id);
                tp.partitions.iter().map(move |p| (name.clone(), *p))
            })
            .collect()
    });
    let hb = ConsumerHeartbeat {
        group_id: req.group_id,
        member_id: req.member_id,
        member_epoch: req.member_epoch,
        instance_id: req.instance_id,
        rack_id: req.rack_id,
        rebalance_timeout_ms: req.rebalance_timeout_ms,
        subscribed_topic_names: req.subscribed_topic_names,
        subscribed_topic_regex: req.subscribed_topic_regex,
        server_assignor: req.server_assignor,
        owned_partitions,
        client_id: ctx.header.client_id.clone().unwrap_or_default(),
        client_host: ctx.client_host.to_owned(),
        version: ctx.version(),
    };
    let topics = cluster
        .topics()
        .map(|t| (t.name.clone(), i32::try_from(t.partitions.len()).unwrap_or(i32::MAX)))
        .collect();
    let r = cluster.groups_mut().consumer_heartbeat(&hb, &topics, ctx.now);
    let assignment = r.assignment.map(|a| Assignment {
        topic_partitions: by_topic_id(cluster, a),
        ..Default::default()
    });
    ctx.respond(ConsumerGroupHeartbeatResponse {
        error_code: r.error,
        error_message: r.error_message,
        member_id: r.member_id,
        member_epoch: r.member_epoch,
        heartbeat_interval_ms: r.heartbeat_interval_ms,
        assignment,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::join_group::{JoinGroupRequest, JoinGroupRequestProtocol};
    use kwire_protocol::api::offset_commit::{
        OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    };
    use kwire_protocol::ErrorCode;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::tests::local_group;
    use crate::group::Group;
    use crate::test_util::{call, cluster};

    fn beat(
        c: &mut Cluster,
        req: ConsumerGroupHeartbeatRequest,
        now: u64,
    ) -> ConsumerGroupHeartbeatResponse {
        match call(c, 1, req.into(), 1, now) {
            Outcome::Respond(ResponseBody::ConsumerGroupHeartbeat(r), 1) => r,
            o => panic!("{o:?}"),
        }
    }

    fn join(g: &str, member: &str) -> ConsumerGroupHeartbeatRequest {
        ConsumerGroupHeartbeatRequest {
            group_id: g.into(),
            member_id: member.into(),
            rebalance_timeout_ms: 10_000,
            subscribed_topic_names: Some(vec!["t".into()]),
            topic_partitions: Some(Vec::new()),
            ..Default::default()
        }
    }

    fn beat_owning(g: &str, member: &str, epoch: i32, owned: &[TopicPartitions]) -> Request {
        ConsumerGroupHeartbeatRequest {
            group_id: g.into(),
            member_id: member.into(),
            member_epoch: epoch,
            topic_partitions: Some(owned.to_vec()),
            ..Default::default()
        }
    }

    fn commit(c: &mut Cluster, g: &str, member: &str, epoch: i32, version: i16) -> ErrorCode {
        let req = OffsetCommitRequest {
            group_id: g.into(),
            generation_id_or_member_epoch: epoch,
            member_id: member.into(),
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                topic_id: c.topic("t").unwrap().id,
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 0,
                    committed_offset: 5,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        match call(c, 1, RequestBody::OffsetCommit(req), version, 0) {
            Outcome::Respond(ResponseBody::OffsetCommit(r), _) => {
                r.topics[0].partitions[0].error_code
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn members_join_by_wire_and_partitions_move_only_after_revocation() {
        let mut c = cluster(4);
        let g = local_group(&mut c);
        let id = c.topic("t").unwrap().id;
        let a = beat(&mut c, join(&g, "a"), 0);
        assert_eq!((a.error_code, a.member_epoch, a.error_message), (ErrorCode::None, 1, None));
        assert_eq!(a.member_id.as_deref(), Some("a"));
        assert_eq!(a.heartbeat_interval_ms, 5_000);
        let all = a.assignment.unwrap().topic_partitions;
        assert_eq!((all.len(), all[0].topic_id, &all[0].partitions[..]), (1, id, &[0, 1, 2, 3][..]));
        // b joins at epoch 2 with nothing yet: a still holds everything.
        let b = beat(&mut c, join(&g, "b"), 1);
        assert_eq!(b.member_epoch, 2);
        assert_eq!(b.assignment.unwrap().topic_partitions, Vec::new());
        // a is told to keep half; its epoch stays 1 until it no longer owns the rest.
        let a = beat(&mut c, beat_owning(&g, "a", 1, &all), 2);
        assert_eq!(a.member_epoch, 1);
        let kept = a.assignment.unwrap().topic_partitions;
        assert_eq!(kept[0].partitions.len(), 2);
        // A commit with a's stale epoch is STALE_MEMBER_EPOCH; before v9, whatever the epoch,
        // UNSUPPORTED_VERSION (Kafka's answer to a consumer-protocol member).
        assert_eq!(commit(&mut c, &g, "a", 2, 9), ErrorCode::StaleMemberEpoch);
        assert_eq!(commit(&mut c, &g, "a", 1, 8), ErrorCode::UnsupportedVersion);
        assert_eq!(commit(&mut c, &g, "a", 1, 9), ErrorCode::None);
        assert_eq!(commit(&mut c, &g, "x", 1, 9), ErrorCode::UnknownMemberId);
        let a = beat(&mut c, beat_owning(&g, "a", 1, &kept), 3);
        assert_eq!(a.member_epoch, 2);
        // Now b gets the other half.
        let b = beat(&mut c, beat_owning(&g, "b", 2, &[]), 4);
        let got = b.assignment.unwrap().topic_partitions;
        assert_eq!(got[0].partitions.len(), 2);
        assert!(got[0].partitions.iter().all(|p| !kept[0].partitions.contains(p)));
        // A classic JoinGroup cannot join the consumer group.
        let join_classic = JoinGroupRequest {
            group_id: g.clone(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 10_000,
            protocol_type: "consumer".into(),
            protocols: vec![JoinGroupRequestProtocol {
                name: "range".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        match call(&mut c, 1, join_classic.into(), 9, 5) {
            Outcome::Respond(ResponseBody::JoinGroup(r), _) => {
                assert_eq!(r.error_code, ErrorCode::InconsistentGroupProtocol);
            }
            o => panic!("{o:?}"),
        }
        // Fenced epochs, unknown members, leaving.
        let r = beat(&mut c, beat_owning(&g, "a", 7, &[]), 6);
        assert_eq!((r.error_code, r.member_epoch), (ErrorCode::FencedMemberEpoch, 0));
        assert!(r.error_message.is_some());
        let r = beat(&mut c, beat_owning(&g, "zz", 2, &[]), 6);
        assert_eq!(r.error_code, ErrorCode::UnknownMemberId);
        let mut leave = beat_owning(&g, "b", -1, &[]);
        leave.topic_partitions = None;
        let r = beat(&mut c, leave, 7);
        assert_eq!((r.error_code, r.member_epoch, r.heartbeat_interval_ms), (ErrorCode::None, -1, 0));
        assert_eq!(r.member_id.as_deref(), Some("b"));
        // The ticker ends a's session 45 s after its last heartbeat: the group is empty.
        c.tick(3 + 45_000);
        match c.groups().group(&g) {
            Some(Group::Consumer(cg)) => assert!(cg.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_heartbeats_are_invalid_request_with_a_message() {
        let mut c = cluster(1);
        let g = local_group(&mut c);
        let mut no_member = join(&g, "");
        let r = beat(&mut c, no_member.clone(), 0);
        assert_eq!(r.error_code, ErrorCode::InvalidRequest);
        assert!(r.error_message.is_some() && r.member_id.is_none());
        // v0 lets the coordinator name a joining member.
        no_member.group_id.clone_from(&g);
        match call(&mut c, 1, no_member.into(), 0, 0) {
            Outcome::Respond(ResponseBody::ConsumerGroupHeartbeat(r), 0) => {
                assert_eq!(r.error_code, ErrorCode::None);
                assert!(r.member_id.is_some_and(|m| !m.is_empty()));
            }
            o => panic!("{o:?}"),
        }
        let mut no_subscription = join(&g, "m");
        no_subscription.subscribed_topic_names = None;
        let mut owning = join(&g, "m");
        owning.topic_partitions = None;
        let mut no_timeout = join(&g, "m");
        no_timeout.rebalance_timeout_ms = -1;
        let mut static_leave = beat_owning(&g, "m", -2, &[]);
        static_leave.topic_partitions = None;
        for bad in [join("", "m"), no_subscription, owning, no_timeout, static_leave] {
            assert_eq!(beat(&mut c, bad, 1).error_code, ErrorCode::InvalidRequest);
        }
        let mut regex = join(&g, "r");
        regex.subscribed_topic_names = None;
        regex.subscribed_topic_regex = Some("(".into());
        assert_eq!(beat(&mut c, regex, 1).error_code, ErrorCode::InvalidRegularExpression);
        let mut assignor = join(&g, "r");
        assignor.server_assignor = Some("sticky".into());
        assert_eq!(beat(&mut c, assignor, 1).error_code, ErrorCode::UnsupportedAssignor);
        // An unknown group is GROUP_ID_NOT_FOUND for anything but a join.
        let nope = (0..)
            .map(|i| format!("nope{i}"))
            .find(|n| c.group_coordinator(n) == Some(1))
            .unwrap();
        let r = beat(&mut c, beat_owning(&nope, "m", 3, &[]), 1);
        assert_eq!(r.error_code, ErrorCode::GroupIdNotFound);
    }
}
