//! Unit tests of the group coordinator: one rule each, driven through its plain API.

use bytes::Bytes;
use kwire_protocol::ErrorCode;

use super::*;

/// A consumer-protocol subscription (version 0) to `topics`.
pub(super) fn subscription(topics: &[&str]) -> Bytes {
    kwire_protocol::consumer_protocol::ConsumerProtocolSubscription {
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        ..Default::default()
    }
    .encode(0)
    .expect("version 0")
}

fn coordinator() -> GroupCoordinator {
    GroupCoordinator::new(GroupConfig {
        initial_rebalance_delay_ms: 0,
        ..Default::default()
    })
}

fn join_req(group: &str, member: &str) -> JoinRequest {
    JoinRequest {
        group_id: group.to_owned(),
        member_id: member.to_owned(),
        client_id: "client".to_owned(),
        client_host: "/127.0.0.1".to_owned(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 30_000,
        protocol_type: "consumer".to_owned(),
        protocols: vec![("range".to_owned(), subscription(&["t"]))],
        version: 9,
        ..Default::default()
    }
}

fn ready(j: Joined) -> JoinResponse {
    match j {
        Joined::Ready(r) => r,
        Joined::Pending(_) => panic!("join parked"),
    }
}

fn pending(j: Joined) -> PendingJoin {
    match j {
        Joined::Pending(p) => p,
        Joined::Ready(r) => panic!("join answered: {r:?}"),
    }
}

fn synced(s: Synced) -> SyncResponse {
    match s {
        Synced::Ready(r) => r,
        Synced::Pending(_) => panic!("sync parked"),
    }
}

/// KIP-394's two steps: the member id handed out, then the join with it.
fn new_member(c: &mut GroupCoordinator, group: &str, now: u64) -> (String, Joined) {
    let r = ready(c.join(&join_req(group, ""), now));
    assert_eq!(r.error, ErrorCode::MemberIdRequired);
    assert!(r.member_id.starts_with("client-"), "{}", r.member_id);
    let id = r.member_id.clone();
    (id.clone(), c.join(&join_req(group, &id), now))
}

fn sync_req(group: &str, member: &str, generation: i32) -> SyncRequest {
    SyncRequest {
        group_id: group.to_owned(),
        generation_id: generation,
        member_id: member.to_owned(),
        ..Default::default()
    }
}

fn state(c: &GroupCoordinator, group: &str) -> ClassicState {
    match c.group(group) {
        Some(Group::Classic(g)) => g.state(),
        _ => ClassicState::Dead,
    }
}

/// One member joined and synced: a Stable group at generation 1.
fn stable_one(c: &mut GroupCoordinator) -> String {
    let (id, j) = new_member(c, "g", 0);
    let r = ready(j);
    assert_eq!((r.error, r.generation_id), (ErrorCode::None, 1));
    let mut s = sync_req("g", &id, 1);
    s.assignments = vec![(id.clone(), Bytes::from_static(b"a1"))];
    assert_eq!(synced(c.sync(&s, 0)).assignment, Bytes::from_static(b"a1"));
    id
}

#[test]
fn first_member_leads_and_gets_its_assignment() {
    let mut c = coordinator();
    let (id, j) = new_member(&mut c, "g", 0);
    let r = ready(j);
    assert_eq!(r.leader, id);
    assert_eq!(r.protocol_name.as_deref(), Some("range"));
    assert_eq!(r.protocol_type.as_deref(), Some("consumer"));
    assert_eq!(r.members.len(), 1);
    assert_eq!(r.members[0].metadata, subscription(&["t"]));
    assert_eq!(state(&c, "g"), ClassicState::CompletingRebalance);
    let mut s = sync_req("g", &id, 1);
    s.assignments = vec![(id.clone(), Bytes::from_static(b"mine"))];
    let r = synced(c.sync(&s, 1));
    assert_eq!(r.error, ErrorCode::None);
    assert_eq!(r.assignment, Bytes::from_static(b"mine"));
    assert_eq!(state(&c, "g"), ClassicState::Stable);
    assert_eq!(c.heartbeat("g", &id, None, 1, 2), ErrorCode::None);
}

#[test]
fn before_v4_a_member_joins_without_the_member_id_round_trip() {
    let mut c = coordinator();
    let mut req = join_req("g", "");
    req.version = 3;
    let r = ready(c.join(&req, 0));
    assert_eq!(r.error, ErrorCode::None);
    assert_eq!(r.generation_id, 1);
    assert_eq!(r.leader, r.member_id);
}

#[test]
fn a_second_member_makes_everyone_rejoin_and_only_the_leader_sees_the_members() {
    let mut c = coordinator();
    let leader = stable_one(&mut c);
    let (follower, j) = new_member(&mut c, "g", 10);
    let follower_join = pending(j);
    assert_eq!(state(&c, "g"), ClassicState::PreparingRebalance);
    assert_eq!(
        c.heartbeat("g", &leader, None, 1, 11),
        ErrorCode::RebalanceInProgress
    );
    let r = ready(c.join(&join_req("g", &leader), 12));
    assert_eq!(r.generation_id, 2);
    assert_eq!(r.leader, leader);
    let ids: Vec<_> = r.members.iter().map(|m| m.member_id.clone()).collect();
    assert_eq!(ids, vec![leader.clone(), follower.clone()]);
    let f = follower_join.poll(&mut c, 12).expect("answered");
    assert_eq!((f.error, f.generation_id), (ErrorCode::None, 2));
    assert!(f.members.is_empty());
    // The follower's SyncGroup waits for the leader's.
    let Synced::Pending(fs) = c.sync(&sync_req("g", &follower, 2), 13) else {
        panic!("follower sync answered before the leader's")
    };
    assert!(fs.poll(&mut c, 13).is_none());
    let mut s = sync_req("g", &leader, 2);
    s.assignments = vec![
        (leader.clone(), Bytes::from_static(b"L")),
        (follower.clone(), Bytes::from_static(b"F")),
    ];
    assert_eq!(synced(c.sync(&s, 14)).assignment, Bytes::from_static(b"L"));
    assert_eq!(
        fs.poll(&mut c, 14).unwrap().assignment,
        Bytes::from_static(b"F")
    );
    assert_eq!(state(&c, "g"), ClassicState::Stable);
}

#[test]
fn a_member_that_does_not_rejoin_is_dropped_at_the_rebalance_timeout() {
    let mut c = coordinator();
    let leader = stable_one(&mut c);
    let (newcomer, j) = new_member(&mut c, "g", 1_000);
    let p = pending(j);
    // The leader keeps heartbeating but never rejoins.
    for t in (2_000..31_000).step_by(2_000) {
        assert_eq!(
            c.heartbeat("g", &leader, None, 1, t),
            ErrorCode::RebalanceInProgress
        );
        assert!(p.poll(&mut c, t).is_none());
    }
    let r = p
        .poll(&mut c, 31_000)
        .expect("join completes at the rebalance timeout");
    assert_eq!(r.generation_id, 2);
    assert_eq!(r.leader, newcomer);
    assert_eq!(r.members.len(), 1);
    assert_eq!(
        c.heartbeat("g", &leader, None, 2, 31_001),
        ErrorCode::UnknownMemberId
    );
}

#[test]
fn sessions_expire_without_heartbeats_and_not_with_them() {
    let mut c = coordinator();
    let id = stable_one(&mut c);
    for t in (5_000..60_000).step_by(5_000) {
        assert_eq!(c.heartbeat("g", &id, None, 1, t), ErrorCode::None);
    }
    c.tick(64_999);
    assert_eq!(state(&c, "g"), ClassicState::Stable);
    c.tick(65_000);
    // The only member is gone: the group passes through a rebalance to Empty.
    assert_eq!(state(&c, "g"), ClassicState::Empty);
    assert_eq!(
        c.heartbeat("g", &id, None, 1, 65_001),
        ErrorCode::UnknownMemberId
    );
    let Some(Group::Classic(g)) = c.group("g") else {
        panic!()
    };
    assert_eq!(g.generation(), 2);
}

#[test]
fn a_member_id_handed_out_lapses_after_the_session_timeout() {
    let mut c = coordinator();
    let r = ready(c.join(&join_req("g", ""), 0));
    let id = r.member_id;
    c.tick(10_000);
    // Never joined: the id is no longer known.
    let r = ready(c.join(&join_req("g", &id), 10_001));
    assert_eq!(r.error, ErrorCode::UnknownMemberId);
}

#[test]
fn the_initial_rebalance_waits_for_the_delay_and_each_newcomer_extends_it() {
    let mut c = GroupCoordinator::new(GroupConfig::default());
    let (_, a) = new_member(&mut c, "g", 0);
    let a = pending(a);
    assert!(a.poll(&mut c, 2_000).is_none());
    let (_, b) = new_member(&mut c, "g", 2_000);
    let b = pending(b);
    // The first delay ends at 3000; a member arrived meanwhile, so it runs 3000 more.
    assert!(a.poll(&mut c, 3_000).is_none());
    assert!(a.poll(&mut c, 5_999).is_none());
    let ra = a
        .poll(&mut c, 6_000)
        .expect("join completes after the extension");
    let rb = b.poll(&mut c, 6_000).expect("both answered");
    assert_eq!((ra.generation_id, rb.generation_id), (1, 1));
    assert_eq!(ra.members.len(), 2);
}

#[test]
fn a_static_member_that_restarts_keeps_its_place_and_fences_its_old_id() {
    let mut c = coordinator();
    let mut req = join_req("g", "");
    req.group_instance_id = Some("instance-1".to_owned());
    let r = ready(c.join(&req, 0));
    assert_eq!(
        r.error,
        ErrorCode::None,
        "static members skip MEMBER_ID_REQUIRED"
    );
    let old = r.member_id.clone();
    assert!(old.starts_with("instance-1-"));
    let mut s = sync_req("g", &old, 1);
    s.group_instance_id = Some("instance-1".to_owned());
    s.assignments = vec![(old.clone(), Bytes::from_static(b"A"))];
    synced(c.sync(&s, 0));
    // Restart: same instance id, no member id. No rebalance, same generation.
    let r = ready(c.join(&req, 100));
    assert_eq!(r.error, ErrorCode::None);
    assert_eq!(r.generation_id, 1);
    assert!(
        r.skip_assignment,
        "v9+: the static leader keeps the assignment"
    );
    assert_ne!(r.member_id, old);
    assert_eq!(state(&c, "g"), ClassicState::Stable);
    let new = r.member_id;
    assert_eq!(
        c.heartbeat("g", &old, Some("instance-1"), 1, 101),
        ErrorCode::FencedInstanceId
    );
    assert_eq!(
        c.heartbeat("g", &new, Some("instance-1"), 1, 101),
        ErrorCode::None
    );
    let mut s = sync_req("g", &new, 1);
    s.group_instance_id = Some("instance-1".to_owned());
    assert_eq!(synced(c.sync(&s, 102)).assignment, Bytes::from_static(b"A"));
}

#[test]
fn a_static_member_that_misses_the_rebalance_stays_in_the_group() {
    let mut c = coordinator();
    let mut sreq = join_req("g", "");
    sreq.group_instance_id = Some("s".to_owned());
    let st = ready(c.join(&sreq, 0)).member_id;
    let mut s = sync_req("g", &st, 1);
    s.group_instance_id = Some("s".to_owned());
    synced(c.sync(&s, 0));
    let (_, j) = new_member(&mut c, "g", 1);
    let p = pending(j);
    // It heartbeats (and learns of the rebalance) but does not rejoin.
    for t in (5_000..=30_000).step_by(5_000) {
        assert_eq!(
            c.heartbeat("g", &st, Some("s"), 1, t),
            ErrorCode::RebalanceInProgress
        );
    }
    let r = p.poll(&mut c, 1 + 30_000).expect("rebalance timeout");
    assert_eq!(r.generation_id, 2);
    let ids: Vec<_> = r.members.iter().map(|m| m.member_id.clone()).collect();
    assert!(ids.contains(&st), "static member kept: {ids:?}");
}

#[test]
fn protocol_type_and_names_must_match_the_group() {
    let mut c = coordinator();
    stable_one(&mut c);
    let mut other_type = join_req("g", "");
    other_type.protocol_type = "connect".to_owned();
    let r = ready(c.join(&other_type, 1));
    assert_eq!(r.error, ErrorCode::InconsistentGroupProtocol);
    let mut no_common = join_req("g", "");
    no_common.protocols = vec![("roundrobin".to_owned(), Bytes::new())];
    let r = ready(c.join(&no_common, 1));
    assert_eq!(r.error, ErrorCode::InconsistentGroupProtocol);
    let mut empty = join_req("h", "");
    empty.protocols.clear();
    let r = ready(c.join(&empty, 1));
    assert_eq!(r.error, ErrorCode::InconsistentGroupProtocol);
}

#[test]
fn the_protocol_is_the_one_most_members_prefer_among_those_all_support() {
    let mut c = coordinator();
    let p = |names: &[&str]| -> Vec<(String, Bytes)> {
        names
            .iter()
            .map(|n| (n.to_string(), subscription(&["t"])))
            .collect()
    };
    let mut req = join_req("g", "");
    req.version = 3;
    req.protocols = p(&["range", "sticky", "roundrobin"]);
    let a = ready(c.join(&req, 0));
    req.protocols = p(&["sticky", "range"]);
    let b = pending(c.join(&req, 1));
    req.protocols = p(&["sticky", "roundrobin", "range"]);
    let cc = pending(c.join(&req, 1));
    let mut rejoin = join_req("g", &a.member_id);
    rejoin.protocols = p(&["range", "sticky", "roundrobin"]);
    let r = ready(c.join(&rejoin, 2));
    assert_eq!(r.protocol_name.as_deref(), Some("sticky"));
    assert_eq!(
        b.poll(&mut c, 2).unwrap().protocol_name.as_deref(),
        Some("sticky")
    );
    assert!(cc.poll(&mut c, 2).is_some());
}

#[test]
fn heartbeat_errors_as_kafka() {
    let mut c = coordinator();
    assert_eq!(
        c.heartbeat("none", "m", None, 1, 0),
        ErrorCode::UnknownMemberId
    );
    assert_eq!(c.heartbeat("", "m", None, 1, 0), ErrorCode::InvalidGroupId);
    let id = stable_one(&mut c);
    assert_eq!(
        c.heartbeat("g", &id, None, 7, 1),
        ErrorCode::IllegalGeneration
    );
    assert_eq!(
        c.heartbeat("g", "other", None, 1, 1),
        ErrorCode::UnknownMemberId
    );
    assert_eq!(
        c.heartbeat("g", &id, Some("no-such-instance"), 1, 1),
        ErrorCode::UnknownMemberId
    );
}

#[test]
fn sync_errors_as_kafka() {
    let mut c = coordinator();
    assert_eq!(
        synced(c.sync(&sync_req("none", "m", 1), 0)).error,
        ErrorCode::UnknownMemberId
    );
    let id = stable_one(&mut c);
    assert_eq!(
        synced(c.sync(&sync_req("g", &id, 2), 1)).error,
        ErrorCode::IllegalGeneration
    );
    let mut s = sync_req("g", &id, 1);
    s.protocol_name = Some("roundrobin".to_owned());
    assert_eq!(
        synced(c.sync(&s, 1)).error,
        ErrorCode::InconsistentGroupProtocol
    );
    c.force_rebalance("g", 2);
    assert_eq!(
        synced(c.sync(&sync_req("g", &id, 1), 3)).error,
        ErrorCode::RebalanceInProgress
    );
}

#[test]
fn a_rebalance_during_completing_rebalance_answers_parked_syncs_with_rebalance_in_progress() {
    let mut c = coordinator();
    let leader = stable_one(&mut c);
    let (follower, j) = new_member(&mut c, "g", 1);
    let fj = pending(j);
    ready(c.join(&join_req("g", &leader), 2));
    fj.poll(&mut c, 2).unwrap();
    let Synced::Pending(fs) = c.sync(&sync_req("g", &follower, 2), 3) else {
        panic!()
    };
    // A third member arrives before the leader's SyncGroup.
    let (_, _third) = new_member(&mut c, "g", 4);
    let r = fs.poll(&mut c, 4).expect("parked sync answered");
    assert_eq!(r.error, ErrorCode::RebalanceInProgress);
    assert!(r.assignment.is_empty());
}

#[test]
fn members_that_do_not_sync_in_time_are_dropped() {
    let mut c = coordinator();
    let leader = stable_one(&mut c);
    let (follower, j) = new_member(&mut c, "g", 1);
    let fj = pending(j);
    ready(c.join(&join_req("g", &leader), 2));
    fj.poll(&mut c, 2).unwrap();
    let mut s = sync_req("g", &leader, 2);
    s.assignments = vec![(leader.clone(), Bytes::from_static(b"L"))];
    synced(c.sync(&s, 3));
    // The follower heartbeats but never syncs: gone after the rebalance timeout.
    for t in (4_000..32_000).step_by(4_000) {
        assert_eq!(c.heartbeat("g", &follower, None, 2, t), ErrorCode::None);
        assert_eq!(c.heartbeat("g", &leader, None, 2, t), ErrorCode::None);
    }
    c.tick(2 + 30_000);
    assert_eq!(
        c.heartbeat("g", &follower, None, 2, 32_003),
        ErrorCode::UnknownMemberId
    );
}

#[test]
fn leave_group_takes_a_batch_and_answers_each_member() {
    let mut c = coordinator();
    let id = stable_one(&mut c);
    let r = c
        .leave(
            "g",
            &[
                ("nobody".to_owned(), None),
                (String::new(), Some("unknown-instance".to_owned())),
                (id.clone(), None),
            ],
            1,
        )
        .unwrap();
    assert_eq!(
        r,
        vec![
            ErrorCode::UnknownMemberId,
            ErrorCode::UnknownMemberId,
            ErrorCode::None
        ]
    );
    assert_eq!(state(&c, "g"), ClassicState::Empty);
    assert_eq!(
        c.leave("none", &[(id, None)], 2),
        Err(ErrorCode::UnknownMemberId)
    );
}

#[test]
fn a_leaving_member_completes_the_join_for_the_others() {
    let mut c = coordinator();
    let leader = stable_one(&mut c);
    let (follower, j) = new_member(&mut c, "g", 1);
    let fj = pending(j);
    c.leave("g", &[(leader.clone(), None)], 2).unwrap();
    let r = fj.poll(&mut c, 2).expect("all remaining members joined");
    assert_eq!(r.leader, follower);
    assert_eq!(r.members.len(), 1);
}

#[test]
fn group_max_size_and_session_timeout_limits() {
    let mut c = GroupCoordinator::new(GroupConfig {
        initial_rebalance_delay_ms: 0,
        max_size: 1,
        ..Default::default()
    });
    stable_one(&mut c);
    // The size check comes before KIP-394's member id.
    let r = ready(c.join(&join_req("g", ""), 1));
    assert_eq!(r.error, ErrorCode::GroupMaxSizeReached);
    assert_eq!(r.member_id, "");
    let mut short = join_req("h", "");
    short.session_timeout_ms = 5_999;
    assert_eq!(
        ready(c.join(&short, 1)).error,
        ErrorCode::InvalidSessionTimeout
    );
    let mut unknown = join_req("h", "someone");
    unknown.version = 5;
    assert_eq!(ready(c.join(&unknown, 1)).error, ErrorCode::UnknownMemberId);
}

fn commit(group: &str, member: &str, generation: i32, topic: &str, offset: i64) -> CommitRequest {
    CommitRequest {
        group_id: group.to_owned(),
        generation_id_or_member_epoch: generation,
        member_id: member.to_owned(),
        retention_time_ms: -1,
        version: 9,
        offsets: vec![CommitOffset {
            topic: topic.to_owned(),
            partition: 0,
            offset,
            leader_epoch: 3,
            metadata: Some("meta".to_owned()),
        }],
        ..Default::default()
    }
}

#[test]
fn commits_are_checked_against_the_generation_and_the_member() {
    let mut c = coordinator();
    let mut missing = commit("g", "m", 1, "t", 5);
    assert_eq!(
        c.commit_offsets(&missing, 0),
        Err(ErrorCode::GroupIdNotFound)
    );
    missing.version = 8;
    assert_eq!(
        c.commit_offsets(&missing, 0),
        Err(ErrorCode::IllegalGeneration)
    );
    let id = stable_one(&mut c);
    assert_eq!(
        c.commit_offsets(&commit("g", &id, 1, "t", 5), 1),
        Ok(vec![ErrorCode::None])
    );
    assert_eq!(
        c.commit_offsets(&commit("g", &id, 2, "t", 6), 1),
        Err(ErrorCode::IllegalGeneration)
    );
    assert_eq!(
        c.commit_offsets(&commit("g", "other", 1, "t", 6), 1),
        Err(ErrorCode::UnknownMemberId)
    );
    // A simple commit into a group with members is refused.
    assert_eq!(
        c.commit_offsets(&commit("g", "", -1, "t", 6), 1),
        Err(ErrorCode::UnknownMemberId)
    );
    let got = c.fetch_offsets("g", None, true).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].offset, got[0].leader_epoch), (5, 3));
    assert_eq!(got[0].metadata, "meta");
}

#[test]
fn commits_during_completing_rebalance_get_rebalance_in_progress() {
    let mut c = coordinator();
    let (id, j) = new_member(&mut c, "g", 0);
    ready(j);
    assert_eq!(
        c.commit_offsets(&commit("g", &id, 1, "t", 5), 1),
        Err(ErrorCode::RebalanceInProgress)
    );
}

#[test]
fn a_simple_commit_creates_a_group_without_protocol() {
    let mut c = coordinator();
    let mut req = commit("simple", "", -1, "t", 42);
    req.offsets[0].metadata = Some("x".repeat(4097));
    assert_eq!(
        c.commit_offsets(&req, 0),
        Ok(vec![ErrorCode::OffsetMetadataTooLarge])
    );
    assert_eq!(
        c.commit_offsets(&commit("simple", "", -1, "t", 42), 0),
        Ok(vec![ErrorCode::None])
    );
    let listed = c.list(&[], &[]);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].state, listed[0].protocol_type.as_str()),
        ("Empty", "")
    );
    let got = c
        .fetch_offsets(
            "simple",
            Some(&[("t".to_owned(), 0), ("t".to_owned(), 1)]),
            false,
        )
        .unwrap();
    assert_eq!(
        got.iter().map(|o| o.offset).collect::<Vec<_>>(),
        vec![42, -1]
    );
    // An unknown group has no offsets, and no error.
    let got = c
        .fetch_offsets("nope", Some(&[("t".to_owned(), 0)]), false)
        .unwrap();
    assert_eq!(got[0].offset, -1);
    assert!(c.fetch_offsets("nope", None, false).unwrap().is_empty());
}

#[test]
fn offsets_of_an_empty_group_expire_after_the_retention_and_the_group_goes() {
    let day = 24 * 60 * 60 * 1000;
    let mut c = coordinator();
    let id = stable_one(&mut c);
    c.commit_offsets(&commit("g", &id, 1, "t", 5), 1).unwrap();
    c.leave("g", &[(id, None)], 1_000).unwrap();
    assert_eq!(state(&c, "g"), ClassicState::Empty);
    c.tick(1_000 + 7 * day - 1);
    assert_eq!(c.fetch_offsets("g", None, false).unwrap().len(), 1);
    // Removed at the first retention check after the deadline.
    c.tick(1_000 + 7 * day + 600_000);
    assert!(c.fetch_offsets("g", None, false).unwrap().is_empty());
    assert!(c.group("g").is_none());
}

#[test]
fn an_explicit_retention_time_wins() {
    let mut c = coordinator();
    let mut req = commit("s", "", -1, "t", 1);
    req.retention_time_ms = 1_000;
    c.commit_offsets(&req, 0).unwrap();
    c.tick(600_000);
    assert!(c.fetch_offsets("s", None, false).unwrap().is_empty());
}

#[test]
fn offset_delete_refuses_topics_the_group_reads() {
    let mut c = coordinator();
    let id = stable_one(&mut c);
    c.commit_offsets(&commit("g", &id, 1, "t", 5), 1).unwrap();
    c.commit_offsets(&commit("g", &id, 1, "u", 7), 1).unwrap();
    let r = c
        .delete_offsets("g", &[("t".to_owned(), 0), ("u".to_owned(), 0)], 2)
        .unwrap();
    assert_eq!(r, vec![ErrorCode::GroupSubscribedToTopic, ErrorCode::None]);
    let left: Vec<_> = c
        .fetch_offsets("g", None, false)
        .unwrap()
        .into_iter()
        .map(|o| o.topic)
        .collect();
    assert_eq!(left, vec!["t".to_owned()]);
    assert_eq!(
        c.delete_offsets("none", &[("t".to_owned(), 0)], 2),
        Err(ErrorCode::GroupIdNotFound)
    );
}

#[test]
fn delete_groups_only_empty_ones() {
    let mut c = coordinator();
    let id = stable_one(&mut c);
    c.commit_offsets(&commit("g", &id, 1, "t", 5), 1).unwrap();
    c.commit_offsets(&commit("s", "", -1, "t", 5), 1).unwrap();
    let r = c.delete_groups(&["g".to_owned(), "s".to_owned(), "x".to_owned()], 2);
    assert_eq!(
        r,
        vec![
            ErrorCode::NonEmptyGroup,
            ErrorCode::None,
            ErrorCode::GroupIdNotFound
        ]
    );
    assert!(c.fetch_offsets("s", None, false).unwrap().is_empty());
    assert_eq!(c.fetch_offsets("g", None, false).unwrap().len(), 1);
}

#[test]
fn deleting_a_topic_removes_its_offsets() {
    let mut c = coordinator();
    c.commit_offsets(&commit("s", "", -1, "t", 5), 1).unwrap();
    c.commit_offsets(&commit("s", "", -1, "u", 5), 1).unwrap();
    c.on_topic_deleted("t");
    let left: Vec<_> = c
        .fetch_offsets("s", None, false)
        .unwrap()
        .into_iter()
        .map(|o| o.topic)
        .collect();
    assert_eq!(left, vec!["u".to_owned()]);
}

#[test]
fn describe_and_list_with_filters() {
    let mut c = coordinator();
    let id = stable_one(&mut c);
    c.commit_offsets(&commit("s", "", -1, "t", 5), 1).unwrap();
    let d = c.describe("g").unwrap();
    assert_eq!((d.state, d.protocol_data.as_str()), ("Stable", "range"));
    assert_eq!(d.members[0].member_id, id);
    assert_eq!(d.members[0].metadata, subscription(&["t"]));
    assert_eq!(d.members[0].assignment, Bytes::from_static(b"a1"));
    assert!(c.describe("none").is_none());
    let ids = |v: Vec<ListedGroup>| v.into_iter().map(|g| g.group_id).collect::<Vec<_>>();
    assert_eq!(ids(c.list(&["stable".to_owned()], &[])), vec!["g"]);
    assert_eq!(ids(c.list(&[" EMPTY ".to_owned()], &[])), vec!["s"]);
    assert_eq!(ids(c.list(&[], &["Classic".to_owned()])), vec!["g", "s"]);
    assert!(c.list(&[], &["consumer".to_owned()]).is_empty());
}

#[test]
fn expire_member_fault_behaves_as_a_session_timeout() {
    let mut c = coordinator();
    let id = stable_one(&mut c);
    assert!(c.expire_member("g", &id, 5));
    assert_eq!(state(&c, "g"), ClassicState::Empty);
    assert!(!c.expire_member("g", &id, 6));
}

#[test]
fn the_coordinator_partition_is_kafkas() {
    // Java: "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == i32::MIN.
    assert_eq!(offsets_partition_for("hello", 50), 99_162_322 % 50);
    assert_eq!(offsets_partition_for("polygenelubricants", 50), 0);
    assert_eq!(offsets_partition_for("", 50), 0);
    // A negative hash (-1308075117): Kafka 4.3.1 with 3 offsets partitions coordinated this
    // group on partition 0, its absolute value's; masking the sign bit off would give 2.
    let g = "kwire-failover-22198-classic-kafka-python-1796672170-0";
    assert_eq!(offsets_partition_for(g, 3), 0);
    assert_eq!(offsets_partition_for(g, 50), 1_308_075_117 % 50);
}

#[test]
fn subscriptions_parse_and_garbage_does_not() {
    assert_eq!(
        classic::subscription_topics(&subscription(&["a", "bc"])),
        Some(vec!["a".to_owned(), "bc".to_owned()])
    );
    assert_eq!(
        classic::subscription_topics(&Bytes::from_static(&[0, 0, 0x7f, 0xff, 0xff, 0xff])),
        None
    );
    assert_eq!(classic::subscription_topics(&Bytes::new()), None);
}
