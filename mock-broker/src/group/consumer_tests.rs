//! Unit tests of KIP-848 consumer groups, through the coordinator's plain API.

use std::collections::BTreeMap;

use kwire_protocol::ErrorCode;

use super::*;

fn coordinator() -> GroupCoordinator {
    GroupCoordinator::new(GroupConfig::default())
}

fn topics(v: &[(&str, i32)]) -> BTreeMap<String, i32> {
    v.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

fn join(member: &str, names: &[&str]) -> ConsumerHeartbeat {
    ConsumerHeartbeat {
        group_id: "g".to_owned(),
        member_id: member.to_owned(),
        member_epoch: 0,
        rebalance_timeout_ms: 30_000,
        subscribed_topic_names: Some(names.iter().map(|t| t.to_string()).collect()),
        owned_partitions: Some(Vec::new()),
        client_id: "client".to_owned(),
        ..Default::default()
    }
}

fn beat(member: &str, epoch: i32, owned: &[(&str, i32)]) -> ConsumerHeartbeat {
    ConsumerHeartbeat {
        group_id: "g".to_owned(),
        member_id: member.to_owned(),
        member_epoch: epoch,
        rebalance_timeout_ms: -1,
        owned_partitions: Some(owned.iter().map(|(t, p)| (t.to_string(), *p)).collect()),
        ..Default::default()
    }
}

fn tp(v: &[(&str, i32)]) -> Vec<(String, i32)> {
    v.iter().map(|(t, p)| (t.to_string(), *p)).collect()
}

fn group(c: &GroupCoordinator) -> &ConsumerGroup {
    match c.group("g") {
        Some(Group::Consumer(g)) => g,
        other => panic!("not a consumer group: {other:?}"),
    }
}

#[test]
fn the_first_member_gets_every_partition_at_epoch_one() {
    let mut c = coordinator();
    let t = topics(&[("t", 3)]);
    let r = c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    assert_eq!(r.error, ErrorCode::None);
    assert_eq!(r.member_id.as_deref(), Some("a"));
    assert_eq!(r.member_epoch, 1);
    assert_eq!(r.heartbeat_interval_ms, 5_000);
    assert_eq!(r.assignment, Some(tp(&[("t", 0), ("t", 1), ("t", 2)])));
    assert_eq!(group(&c).state(), ConsumerState::Stable);
    assert_eq!(c.list(&[], &["consumer".to_owned()]).len(), 1);
}

#[test]
fn a_partition_moves_only_after_its_owner_revoked_it() {
    let mut c = coordinator();
    let t = topics(&[("t", 4)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    let all = [("t", 0), ("t", 1), ("t", 2), ("t", 3)];
    // b joins: epoch 2, but everything is still a's.
    let rb = c.consumer_heartbeat(&join("b", &["t"]), &t, 1);
    assert_eq!(rb.member_epoch, 2);
    assert_eq!(rb.assignment, Some(Vec::new()));
    assert_eq!(group(&c).state(), ConsumerState::Reconciling);
    // a learns it keeps two; its epoch stays 1 until it revokes.
    let ra = c.consumer_heartbeat(&beat("a", 1, &all), &t, 2);
    assert_eq!(ra.member_epoch, 1);
    let kept = ra.assignment.clone().unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(
        group(&c).members()["a"].state,
        MemberState::UnrevokedPartitions
    );
    // b asks again: nothing yet, and an unchanged assignment is not sent again (a heartbeat
    // that is not a full request).
    let rb = c.consumer_heartbeat(&beat("b", 2, &[]), &t, 3);
    assert_eq!(rb.assignment, None);
    assert_eq!(
        group(&c).members()["b"].state,
        MemberState::UnreleasedPartitions
    );
    // a still claims the revoked ones: nothing moves.
    let ra = c.consumer_heartbeat(&beat("a", 1, &all), &t, 4);
    assert_eq!(ra.member_epoch, 1);
    // a revoked: epoch 2; then b gets the other two.
    let owned: Vec<(&str, i32)> = kept.iter().map(|(t, p)| (t.as_str(), *p)).collect();
    let ra = c.consumer_heartbeat(&beat("a", 1, &owned), &t, 5);
    assert_eq!(ra.member_epoch, 2);
    let rb = c.consumer_heartbeat(&beat("b", 2, &[]), &t, 6);
    let got = rb.assignment.unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|p| !kept.contains(p)));
    assert_eq!(group(&c).state(), ConsumerState::Stable);
}

#[test]
fn stale_and_unknown_members_are_fenced() {
    let mut c = coordinator();
    let t = topics(&[("t", 2)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    let r = c.consumer_heartbeat(&beat("a", 5, &[]), &t, 1);
    assert_eq!(r.error, ErrorCode::FencedMemberEpoch);
    let r = c.consumer_heartbeat(&beat("zzz", 1, &[]), &t, 1);
    assert_eq!(r.error, ErrorCode::UnknownMemberId);
    c.consumer_heartbeat(&join("b", &["t"]), &t, 2);
    // a moves to epoch 2 (after revoking); its previous epoch 1 is still accepted if it claims
    // only what it is assigned.
    let ra = c.consumer_heartbeat(&beat("a", 1, &[("t", 0), ("t", 1)]), &t, 3);
    let kept: Vec<(&str, i32)> = ra
        .assignment
        .as_ref()
        .unwrap()
        .iter()
        .map(|(t, p)| (t.as_str(), *p))
        .collect();
    let ra = c.consumer_heartbeat(&beat("a", 1, &kept), &t, 4);
    assert_eq!(ra.member_epoch, 2);
    let r = c.consumer_heartbeat(&beat("a", 1, &kept), &t, 5);
    assert_eq!(
        r.error,
        ErrorCode::None,
        "previous epoch, subset of assignment"
    );
    let r = c.consumer_heartbeat(&beat("a", 1, &[("t", 0), ("t", 1)]), &t, 6);
    assert_eq!(
        r.error,
        ErrorCode::FencedMemberEpoch,
        "claims more than assigned"
    );
    // Fenced, a member rejoins under its own id at epoch 0 and is given its whole assignment
    // again at its current epoch.
    let r = c.consumer_heartbeat(&join("a", &["t"]), &t, 6);
    assert_eq!(r.error, ErrorCode::None, "rejoin at epoch 0");
    assert_eq!(r.member_epoch, 2);
    assert_eq!(r.assignment, Some(tp(&kept)));
    let r = c.consumer_heartbeat(&beat("", 1, &[]), &t, 6);
    assert_eq!(r.error, ErrorCode::InvalidRequest);
    let mut no_subscription = join("x", &[]);
    no_subscription.subscribed_topic_names = None;
    let r = c.consumer_heartbeat(&no_subscription, &t, 6);
    assert_eq!(r.error, ErrorCode::InvalidRequest);
}

#[test]
fn a_leaving_member_frees_its_partitions_at_a_new_epoch() {
    let mut c = coordinator();
    let t = topics(&[("t", 2)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    c.consumer_heartbeat(&join("b", &["t"]), &t, 1);
    let before = group(&c).group_epoch();
    let r = c.consumer_heartbeat(&beat("a", 1, &[]), &t, 2);
    assert_eq!(r.error, ErrorCode::None);
    let mut leave = beat("a", -1, &[]);
    leave.owned_partitions = None;
    let r = c.consumer_heartbeat(&leave, &t, 3);
    assert_eq!((r.error, r.member_epoch), (ErrorCode::None, -1));
    assert_eq!(group(&c).group_epoch(), before + 1);
    let rb = c.consumer_heartbeat(&beat("b", 2, &[]), &t, 4);
    assert_eq!(rb.assignment.unwrap().len(), 2);
    assert_eq!(rb.member_epoch, before + 1);
}

#[test]
fn members_expire_after_the_session_timeout_and_revocations_after_the_rebalance_timeout() {
    let mut c = coordinator();
    let t = topics(&[("t", 2)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    c.consumer_heartbeat(&join("b", &["t"]), &t, 0);
    c.tick(44_999);
    assert_eq!(group(&c).members().len(), 2);
    c.consumer_heartbeat(&beat("b", 2, &[]), &t, 44_999);
    c.tick(45_000);
    assert_eq!(group(&c).members().keys().collect::<Vec<_>>(), vec!["b"]);
    // A member that never revokes is removed at its rebalance timeout.
    let mut c = coordinator();
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    c.consumer_heartbeat(&join("b", &["t"]), &t, 0);
    c.consumer_heartbeat(&beat("a", 1, &[("t", 0), ("t", 1)]), &t, 1_000);
    for now in (5_000..31_000).step_by(5_000) {
        c.consumer_heartbeat(&beat("b", 2, &[]), &t, now);
        let r = c.consumer_heartbeat(&beat("a", 1, &[("t", 0), ("t", 1)]), &t, now);
        assert_eq!(r.error, ErrorCode::None);
    }
    c.tick(31_000);
    assert!(!group(&c).members().contains_key("a"));
}

#[test]
fn a_static_member_that_leaves_for_now_comes_back_to_its_assignment() {
    let mut c = coordinator();
    let t = topics(&[("t", 2)]);
    let mut j = join("a1", &["t"]);
    j.instance_id = Some("i".to_owned());
    c.consumer_heartbeat(&j, &t, 0);
    let epoch = group(&c).group_epoch();
    let mut leave = beat("a1", -2, &[]);
    leave.instance_id = Some("i".to_owned());
    let r = c.consumer_heartbeat(&leave, &t, 1);
    assert_eq!(r.member_epoch, -2);
    // Its successor (same instance id, new member id) takes over the assignment.
    let mut j2 = join("a2", &["t"]);
    j2.instance_id = Some("i".to_owned());
    let r = c.consumer_heartbeat(&j2, &t, 2);
    assert_eq!(r.error, ErrorCode::None);
    assert_eq!(r.assignment.unwrap().len(), 2);
    assert_eq!(group(&c).group_epoch(), epoch, "no rebalance");
    // A third process with that instance id while the second is alive is refused.
    let mut j3 = join("a3", &["t"]);
    j3.instance_id = Some("i".to_owned());
    assert_eq!(
        c.consumer_heartbeat(&j3, &t, 3).error,
        ErrorCode::UnreleasedInstanceId
    );
}

#[test]
fn regex_subscriptions_match_whole_topic_names() {
    let mut c = coordinator();
    let t = topics(&[("orders-1", 1), ("orders-2", 1), ("xorders-3", 1)]);
    let mut j = join("a", &[]);
    j.subscribed_topic_names = None;
    j.subscribed_topic_regex = Some("orders-.*".to_owned());
    let r = c.consumer_heartbeat(&j, &t, 0);
    assert_eq!(r.assignment, Some(tp(&[("orders-1", 0), ("orders-2", 0)])));
    // A new matching topic moves the epoch and is assigned.
    let t2 = topics(&[("orders-1", 1), ("orders-2", 1), ("orders-9", 2)]);
    let r = c.consumer_heartbeat(&beat("a", 1, &[("orders-1", 0), ("orders-2", 0)]), &t2, 1);
    assert_eq!(r.member_epoch, 2);
    assert_eq!(r.assignment.unwrap().len(), 4);
    let mut bad = join("b", &[]);
    bad.subscribed_topic_regex = Some("(".to_owned());
    assert_eq!(
        c.consumer_heartbeat(&bad, &t, 2).error,
        ErrorCode::InvalidRegularExpression
    );
}

#[test]
fn assignors_are_chosen_by_name_and_unknown_ones_refused() {
    let mut c = coordinator();
    let t = topics(&[("t", 3), ("u", 3)]);
    let mut a = join("a", &["t", "u"]);
    a.server_assignor = Some("range".to_owned());
    c.consumer_heartbeat(&a, &t, 0);
    let mut b = join("b", &["t", "u"]);
    b.server_assignor = Some("range".to_owned());
    c.consumer_heartbeat(&b, &t, 0);
    let target = &group(&c).target()["a"];
    assert_eq!(
        target.iter().cloned().collect::<Vec<_>>(),
        tp(&[("t", 0), ("t", 1), ("u", 0), ("u", 1)])
    );
    let mut x = join("x", &["t"]);
    x.server_assignor = Some("sticky".to_owned());
    assert_eq!(
        c.consumer_heartbeat(&x, &t, 1).error,
        ErrorCode::UnsupportedAssignor
    );
}

#[test]
fn commits_in_a_consumer_group_check_the_member_epoch() {
    let mut c = coordinator();
    let t = topics(&[("t", 1)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    let req = |member: &str, epoch: i32, version: i16| CommitRequest {
        group_id: "g".to_owned(),
        generation_id_or_member_epoch: epoch,
        member_id: member.to_owned(),
        retention_time_ms: -1,
        version,
        offsets: vec![CommitOffset {
            topic: "t".to_owned(),
            partition: 0,
            offset: 9,
            leader_epoch: -1,
            metadata: None,
        }],
        ..Default::default()
    };
    assert_eq!(
        c.commit_offsets(&req("a", 1, 9), 1),
        Ok(vec![ErrorCode::None])
    );
    assert_eq!(
        c.commit_offsets(&req("a", 0, 9), 1),
        Err(ErrorCode::StaleMemberEpoch)
    );
    assert_eq!(
        c.commit_offsets(&req("a", 1, 8), 1),
        Err(ErrorCode::UnsupportedVersion),
        "consumer-protocol members commit with v9+"
    );
    assert_eq!(
        c.commit_offsets(&req("b", 1, 9), 1),
        Err(ErrorCode::UnknownMemberId)
    );
    assert_eq!(
        c.delete_offsets("g", &[("t".to_owned(), 0), ("u".to_owned(), 0)], 2),
        Ok(vec![ErrorCode::GroupSubscribedToTopic, ErrorCode::None])
    );
    assert_eq!(
        c.delete_groups(&["g".to_owned()], 2),
        vec![ErrorCode::NonEmptyGroup]
    );
}

#[test]
fn classic_and_consumer_groups_do_not_mix_while_they_have_members() {
    let mut c = coordinator();
    let t = topics(&[("t", 1)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    let classic = JoinRequest {
        group_id: "g".to_owned(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        protocol_type: "consumer".to_owned(),
        protocols: vec![("range".to_owned(), bytes::Bytes::new())],
        version: 9,
        ..Default::default()
    };
    match c.join(&classic, 1) {
        Joined::Ready(r) => assert_eq!(r.error, ErrorCode::InconsistentGroupProtocol),
        Joined::Pending(_) => panic!("parked"),
    }
    let mut h = join("b", &["t"]);
    h.group_id = "k".to_owned();
    let mut k = JoinRequest {
        group_id: "k".to_owned(),
        ..classic
    };
    k.version = 3;
    let _ = c.join(&k, 1);
    assert_eq!(
        c.consumer_heartbeat(&h, &t, 2).error,
        ErrorCode::GroupIdNotFound
    );
}

#[test]
fn faults_expire_a_member_and_force_a_new_group_epoch() {
    let mut c = coordinator();
    let t = topics(&[("t", 2)]);
    c.consumer_heartbeat(&join("a", &["t"]), &t, 0);
    c.consumer_heartbeat(&join("b", &["t"]), &t, 0);
    let epoch = group(&c).group_epoch();
    assert!(c.force_rebalance("g", 1));
    assert_eq!(group(&c).group_epoch(), epoch + 1);
    assert_eq!(group(&c).state(), ConsumerState::Assigning);
    let a = group(&c).members()["a"].member_epoch;
    let owned: Vec<(&str, i32)> = group(&c).members()["a"]
        .assigned
        .iter()
        .map(|(t, p)| (t.as_str(), *p))
        .collect();
    let r = c.consumer_heartbeat(&beat("a", a, &owned), &t, 2);
    assert_eq!(r.error, ErrorCode::None);
    assert_eq!(
        group(&c).target_epoch(),
        epoch + 1,
        "a new target assignment"
    );
    assert!(c.expire_member("g", "b", 3), "as if its session timed out");
    assert!(!group(&c).members().contains_key("b"));
    assert!(!c.expire_member("g", "b", 4));
    assert!(!c.force_rebalance("none", 4));
}
