//! Property tests of the group coordinator: clients that behave as Kafka's consumers (rejoin on
//! REBALANCE_IN_PROGRESS, start over on UNKNOWN_MEMBER_ID, the leader assigns with a range
//! assignor) run random schedules of steps, crashes, restarts, clean leaves and time passing.
//! Whenever the group is Stable, every partition has exactly one owner. KIP-848 consumers run
//! the same kind of schedules: no partition is ever held by two of them, nor booked to two
//! members by the coordinator. proptest prints the failing schedule (and keeps its seed in the
//! regressions file).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use kwire_protocol::ErrorCode;
use proptest::prelude::*;

use super::tests::subscription;
use super::*;

const PARTITIONS: u8 = 7;
const CLIENTS: usize = 4;

/// Kafka's range assignor for one topic: members sorted by id, contiguous ranges, the first
/// ones one partition more.
fn range_assignment(members: &[JoinedMember]) -> Vec<(String, Bytes)> {
    let mut ids: Vec<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
    ids.sort_unstable();
    let n = ids.len().max(1);
    let per = usize::from(PARTITIONS) / n;
    let extra = usize::from(PARTITIONS) % n;
    let mut next = 0u8;
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let count = per + usize::from(i < extra);
            let parts: Vec<u8> = (next..next + count as u8).collect();
            next += count as u8;
            (id.to_string(), Bytes::from(parts))
        })
        .collect()
}

#[derive(Debug, Default)]
struct Client {
    instance: Option<String>,
    member_id: String,
    generation: i32,
    in_group: bool,
    alive: bool,
    join: Option<PendingJoin>,
    sync: Option<PendingSync>,
}

impl Client {
    fn new(instance: Option<String>) -> Self {
        Client {
            instance,
            alive: true,
            ..Default::default()
        }
    }

    fn send_join(&mut self, c: &mut GroupCoordinator, now: u64) {
        let req = JoinRequest {
            group_id: "g".to_owned(),
            member_id: self.member_id.clone(),
            group_instance_id: self.instance.clone(),
            client_id: "c".to_owned(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 20_000,
            protocol_type: "consumer".to_owned(),
            protocols: vec![("range".to_owned(), subscription(&["t"]))],
            version: 9,
            ..Default::default()
        };
        match c.join(&req, now) {
            Joined::Ready(r) => self.on_join(c, r, now),
            Joined::Pending(p) => self.join = Some(p),
        }
    }

    fn on_join(&mut self, c: &mut GroupCoordinator, r: JoinResponse, now: u64) {
        match r.error {
            ErrorCode::None => {
                self.member_id = r.member_id.clone();
                self.generation = r.generation_id;
                self.in_group = true;
                let assignments = if r.leader == r.member_id && !r.skip_assignment {
                    range_assignment(&r.members)
                } else {
                    Vec::new()
                };
                let req = SyncRequest {
                    group_id: "g".to_owned(),
                    generation_id: r.generation_id,
                    member_id: r.member_id,
                    group_instance_id: self.instance.clone(),
                    protocol_type: r.protocol_type,
                    protocol_name: r.protocol_name,
                    assignments,
                };
                match c.sync(&req, now) {
                    Synced::Ready(s) => self.on_sync(s.error),
                    Synced::Pending(p) => self.sync = Some(p),
                }
            }
            ErrorCode::MemberIdRequired => {
                self.member_id = r.member_id;
                self.send_join(c, now);
            }
            _ => self.reset(),
        }
    }

    fn on_sync(&mut self, error: ErrorCode) {
        match error {
            ErrorCode::None => {}
            ErrorCode::RebalanceInProgress => self.in_group = false,
            _ => self.reset(),
        }
    }

    fn reset(&mut self) {
        self.member_id.clear();
        self.generation = -1;
        self.in_group = false;
    }

    /// The next thing a consumer does: collect a parked answer, (re)join, or heartbeat.
    fn step(&mut self, c: &mut GroupCoordinator, now: u64) {
        if !self.alive {
            return;
        }
        if let Some(p) = self.join.take() {
            match p.poll(c, now) {
                Some(r) => self.on_join(c, r, now),
                None => self.join = Some(p),
            }
            return;
        }
        if let Some(p) = self.sync.take() {
            match p.poll(c, now) {
                Some(s) => self.on_sync(s.error),
                None => self.sync = Some(p),
            }
            return;
        }
        if !self.in_group {
            return self.send_join(c, now);
        }
        let instance = self.instance.as_deref();
        match c.heartbeat("g", &self.member_id, instance, self.generation, now) {
            ErrorCode::None => {}
            ErrorCode::RebalanceInProgress => self.send_join(c, now),
            _ => {
                self.reset();
                self.send_join(c, now);
            }
        }
    }

    fn crash(&mut self, c: &mut GroupCoordinator) {
        if let Some(p) = self.join.take() {
            p.abandon(c);
        }
        if let Some(p) = self.sync.take() {
            p.abandon(c);
        }
        self.alive = false;
    }

    fn leave(&mut self, c: &mut GroupCoordinator, now: u64) {
        if self.alive && !self.member_id.is_empty() {
            let _ = c.leave("g", &[(self.member_id.clone(), self.instance.clone())], now);
            self.crash(c);
            self.alive = true;
            self.reset();
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Step(usize),
    Crash(usize),
    Restart(usize),
    Leave(usize),
    Tick(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (0..CLIENTS).prop_map(Op::Step),
        1 => (0..CLIENTS).prop_map(Op::Crash),
        2 => (0..CLIENTS).prop_map(Op::Restart),
        1 => (0..CLIENTS).prop_map(Op::Leave),
        4 => prop_oneof![0u64..2_000, 2_000u64..25_000].prop_map(Op::Tick),
    ]
}

/// In a Stable group the members' assignments cover every partition exactly once.
fn check_owners(c: &GroupCoordinator) -> Result<(), TestCaseError> {
    let Some(Group::Classic(g)) = c.group("g") else {
        return Ok(());
    };
    if g.state() != ClassicState::Stable {
        return Ok(());
    }
    let mut owners = vec![0u32; usize::from(PARTITIONS)];
    for m in g.members() {
        for &p in m.assignment.iter() {
            owners[usize::from(p)] += 1;
        }
    }
    prop_assert!(
        owners.iter().all(|&n| n == 1),
        "generation {}: owners per partition {owners:?}",
        g.generation()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_partition_has_one_owner_in_every_stable_generation(
        statics in proptest::collection::vec(any::<bool>(), CLIENTS),
        delay in prop_oneof![Just(0u64), Just(3_000u64)],
        ops in proptest::collection::vec(op(), 1..160),
    ) {
        let mut c = GroupCoordinator::new(GroupConfig {
            initial_rebalance_delay_ms: delay,
            ..Default::default()
        });
        let instance = |i: usize| statics[i].then(|| format!("instance-{i}"));
        let mut clients: Vec<Client> = (0..CLIENTS).map(|i| Client::new(instance(i))).collect();
        let mut now = 0u64;
        for op in ops {
            match op {
                Op::Step(i) => clients[i].step(&mut c, now),
                Op::Crash(i) => clients[i].crash(&mut c),
                Op::Restart(i) => {
                    clients[i].crash(&mut c);
                    clients[i] = Client::new(instance(i));
                }
                Op::Leave(i) => clients[i].leave(&mut c, now),
                Op::Tick(ms) => {
                    now += ms;
                    c.tick(now);
                }
            }
            check_owners(&c)?;
        }
    }
}

#[test]
fn live_clients_reach_a_stable_generation_that_splits_the_partitions() {
    let mut c = GroupCoordinator::new(GroupConfig {
        initial_rebalance_delay_ms: 0,
        ..Default::default()
    });
    let mut clients: Vec<Client> = (0..3).map(|_| Client::new(None)).collect();
    for round in 0..20u64 {
        for cl in &mut clients {
            cl.step(&mut c, round * 100);
        }
    }
    let Some(Group::Classic(g)) = c.group("g") else {
        panic!("no group")
    };
    assert_eq!(g.state(), ClassicState::Stable);
    assert_eq!(g.members().len(), 3);
    let sizes: Vec<usize> = g.members().iter().map(|m| m.assignment.len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), usize::from(PARTITIONS));
    assert!(sizes.iter().all(|&n| n >= 2), "{sizes:?}");
}

/// A KIP-848 consumer: joins with epoch 0, heartbeats its epoch and owned partitions, takes
/// each assignment it is sent (giving up what is no longer in it), rejoins when fenced.
#[derive(Debug)]
struct Consumer {
    id: String,
    epoch: i32,
    joined: bool,
    owned: BTreeSet<(String, i32)>,
    /// Model time of the last heartbeat answered without error.
    last_ok: u64,
}

/// How long a consumer trusts its partitions without a heartbeat answered: its rebalance
/// timeout, shorter than its session. Kafka's client heartbeats in the background every few
/// seconds and leaves the group when its poll timer (the same timeout) runs out; the
/// coordinator takes back unrevoked partitions at that timeout and everything at the session's
/// end.
const HOLD_MS: u64 = 30_000;

impl Consumer {
    fn new(id: String) -> Self {
        Consumer {
            id,
            epoch: 0,
            joined: false,
            owned: BTreeSet::new(),
            last_ok: 0,
        }
    }

    /// What the consumer still holds: nothing once its heartbeats have been unanswered for
    /// [`HOLD_MS`].
    fn holds(&self, now: u64) -> &BTreeSet<(String, i32)> {
        static NONE: BTreeSet<(String, i32)> = BTreeSet::new();
        if now.saturating_sub(self.last_ok) < HOLD_MS {
            &self.owned
        } else {
            &NONE
        }
    }

    fn step(&mut self, c: &mut GroupCoordinator, topics: &BTreeMap<String, i32>, now: u64) {
        if now.saturating_sub(self.last_ok) >= HOLD_MS {
            self.owned.clear();
        }
        let req = ConsumerHeartbeat {
            group_id: "g".to_owned(),
            member_id: self.id.clone(),
            member_epoch: if self.joined { self.epoch } else { 0 },
            rebalance_timeout_ms: HOLD_MS as i32,
            subscribed_topic_names: (!self.joined).then(|| vec!["t".to_owned()]),
            owned_partitions: Some(self.owned.iter().cloned().collect()),
            client_id: "c".to_owned(),
            ..Default::default()
        };
        let r = c.consumer_heartbeat(&req, topics, now);
        match r.error {
            ErrorCode::None => {
                self.joined = true;
                self.epoch = r.member_epoch;
                self.last_ok = now;
                if let Some(a) = r.assignment {
                    self.owned = a.into_iter().collect();
                }
            }
            _ => {
                self.owned.clear();
                self.joined = false;
            }
        }
    }

    fn leave(&mut self, c: &mut GroupCoordinator, topics: &BTreeMap<String, i32>, now: u64) {
        if self.joined {
            let req = ConsumerHeartbeat {
                group_id: "g".to_owned(),
                member_id: self.id.clone(),
                member_epoch: -1,
                ..Default::default()
            };
            c.consumer_heartbeat(&req, topics, now);
        }
        self.owned.clear();
        self.joined = false;
    }
}

/// No partition is held by two members, in the coordinator's books and in the consumers'
/// own view; in a Stable group every partition is held.
fn check_848(c: &GroupCoordinator, consumers: &[Consumer], now: u64) -> Result<(), TestCaseError> {
    let mut seen = BTreeMap::new();
    for (i, k) in consumers.iter().enumerate() {
        for tp in k.holds(now) {
            if let Some(j) = seen.insert(tp.clone(), i) {
                prop_assert!(false, "{tp:?} held by consumers {j} and {i} at {now}");
            }
        }
    }
    let Some(Group::Consumer(g)) = c.group("g") else {
        return Ok(());
    };
    let mut books = BTreeMap::new();
    for (id, m) in g.members() {
        for tp in m.assigned.iter().chain(&m.pending_revocation) {
            if let Some(other) = books.insert(tp.clone(), id.clone()) {
                prop_assert!(false, "{tp:?} with members {other} and {id}");
            }
        }
    }
    if g.state() == ConsumerState::Stable {
        let all = g
            .members()
            .values()
            .map(|m| m.assigned.len())
            .sum::<usize>();
        prop_assert_eq!(
            all,
            usize::from(PARTITIONS),
            "stable at epoch {}",
            g.group_epoch()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn no_partition_has_two_owners_during_reconciliation(
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let topics = BTreeMap::from([("t".to_owned(), i32::from(PARTITIONS))]);
        let mut c = GroupCoordinator::new(GroupConfig::default());
        let mut next_id = 0;
        let mut fresh = || {
            next_id += 1;
            Consumer::new(format!("member-{next_id}"))
        };
        let mut consumers: Vec<Consumer> = (0..CLIENTS).map(|_| fresh()).collect();
        let mut now = 0u64;
        for op in ops {
            match op {
                Op::Step(i) => consumers[i].step(&mut c, &topics, now),
                // A crashed process holds nothing; its member lingers until its session ends.
                Op::Crash(i) | Op::Restart(i) => consumers[i] = fresh(),
                Op::Leave(i) => consumers[i].leave(&mut c, &topics, now),
                Op::Tick(ms) => {
                    now += ms;
                    c.tick(now);
                }
            }
            check_848(&c, &consumers, now)?;
        }
    }
}
