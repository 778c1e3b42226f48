//! A classic group (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) as Kafka's coordinator runs it:
//! states Empty → PreparingRebalance → CompletingRebalance → Stable (and Dead), generations,
//! a leader that receives every member's metadata and hands out the assignment, static members
//! (KIP-345) and member ids handed out before the first real join (KIP-394). Timers (the
//! initial-rebalance delay, the rebalance timeout, the sync timeout and every member's session)
//! are deadlines on the model's clock that `ClassicGroup::fire_due` runs.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use kwire_protocol::ErrorCode;
use kwire_protocol::consumer_protocol::ConsumerProtocolSubscription;

use super::GroupConfig;
use super::outbox::{Outbox, Reply, Ticket};

/// The protocol type of Kafka's consumers; groups of that type tell which topics they read.
pub const CONSUMER_PROTOCOL_TYPE: &str = "consumer";

/// The state of a classic group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ClassicState {
    /// No members (offsets may remain).
    Empty,
    /// Waiting for the members to (re)join.
    PreparingRebalance,
    /// Joined; waiting for the leader's assignment.
    CompletingRebalance,
    /// Every member has its assignment.
    Stable,
    /// Removed.
    Dead,
}

impl ClassicState {
    /// Kafka's name, as DescribeGroups and ListGroups report it.
    pub fn name(self) -> &'static str {
        match self {
            ClassicState::Empty => "Empty",
            ClassicState::PreparingRebalance => "PreparingRebalance",
            ClassicState::CompletingRebalance => "CompletingRebalance",
            ClassicState::Stable => "Stable",
            ClassicState::Dead => "Dead",
        }
    }

    /// Whether a group may move from `self` to `to`.
    fn may_become(self, to: ClassicState) -> bool {
        use ClassicState::*;
        match to {
            Dead => true,
            PreparingRebalance => matches!(self, Stable | CompletingRebalance | Empty),
            CompletingRebalance => self == PreparingRebalance,
            Stable => self == CompletingRebalance,
            Empty => self == PreparingRebalance,
        }
    }
}

/// A JoinGroup call, in plain data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JoinRequest {
    /// Group id.
    pub group_id: String,
    /// Member id; empty on a member's first join.
    pub member_id: String,
    /// `group.instance.id` of a static member (v5+).
    pub group_instance_id: Option<String>,
    /// Client id from the request header (member ids start with it).
    pub client_id: String,
    /// Client address, for DescribeGroups.
    pub client_host: String,
    /// `session.timeout.ms`.
    pub session_timeout_ms: i32,
    /// `rebalance.timeout.ms` (v1+; v0 uses the session timeout).
    pub rebalance_timeout_ms: i32,
    /// Protocol type, e.g. `consumer`.
    pub protocol_type: String,
    /// Protocols by preference: name and metadata.
    pub protocols: Vec<(String, Bytes)>,
    /// Request version: v4+ first joins get MEMBER_ID_REQUIRED; v9+ static leaders may skip
    /// the assignment.
    pub version: i16,
}

/// A member in the leader's JoinGroup response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// The member's metadata for the chosen protocol.
    pub metadata: Bytes,
}

/// A JoinGroup answer, in plain data; defaults are Kafka's for an error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinResponse {
    /// Error.
    pub error: ErrorCode,
    /// Generation, -1 on errors.
    pub generation_id: i32,
    /// The group's protocol type.
    pub protocol_type: Option<String>,
    /// The chosen protocol.
    pub protocol_name: Option<String>,
    /// The leader's member id ("" on errors).
    pub leader: String,
    /// v9+: the static leader rejoined without a change and keeps the current assignment.
    pub skip_assignment: bool,
    /// The member's id.
    pub member_id: String,
    /// Every member with its metadata (the leader only).
    pub members: Vec<JoinedMember>,
}

impl JoinResponse {
    /// An error answer.
    pub fn error(error: ErrorCode, member_id: &str) -> Self {
        JoinResponse {
            error,
            generation_id: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            skip_assignment: false,
            member_id: member_id.to_owned(),
            members: Vec::new(),
        }
    }
}

/// A SyncGroup call, in plain data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncRequest {
    /// Group id.
    pub group_id: String,
    /// Generation the member joined.
    pub generation_id: i32,
    /// Member id.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// v5+: protocol type, checked against the group's.
    pub protocol_type: Option<String>,
    /// v5+: protocol name, checked against the group's.
    pub protocol_name: Option<String>,
    /// The leader's assignment by member id (empty from followers).
    pub assignments: Vec<(String, Bytes)>,
}

/// A SyncGroup answer, in plain data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncResponse {
    /// Error.
    pub error: ErrorCode,
    /// The group's protocol type (on success).
    pub protocol_type: Option<String>,
    /// The chosen protocol (on success).
    pub protocol_name: Option<String>,
    /// This member's assignment.
    pub assignment: Bytes,
}

impl SyncResponse {
    fn error(error: ErrorCode) -> Self {
        SyncResponse {
            error,
            ..Default::default()
        }
    }
}

/// One member of a classic group.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassicMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client address.
    pub client_host: String,
    /// `rebalance.timeout.ms`.
    pub rebalance_timeout_ms: u64,
    /// `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// Protocols by preference, with metadata.
    pub protocols: Vec<(String, Bytes)>,
    /// The assignment of the current generation.
    pub assignment: Bytes,
    awaiting_join: Option<Ticket>,
    awaiting_sync: Option<Ticket>,
    /// Joined but not yet through a completed join phase: may expire while parked.
    is_new: bool,
    /// When the session expires, if a check is scheduled.
    session_deadline: Option<u64>,
}

impl ClassicMember {
    /// The metadata for `protocol`.
    pub fn metadata(&self, protocol: &str) -> Bytes {
        self.protocols
            .iter()
            .find(|(n, _)| n == protocol)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }

    /// Whether a JoinGroup call of this member is parked.
    pub fn is_awaiting_join(&self) -> bool {
        self.awaiting_join.is_some()
    }

    /// A parked member counts as alive, unless it is new (never completed a join phase).
    fn has_satisfied_heartbeat(&self) -> bool {
        !self.is_new && (self.awaiting_join.is_some() || self.awaiting_sync.is_some())
    }

    fn protocol_names(&self) -> impl Iterator<Item = &str> {
        self.protocols.iter().map(|(n, _)| n.as_str())
    }

    /// The first protocol of this member's preference among `candidates`.
    fn vote<'a>(&'a self, candidates: &BTreeSet<&str>) -> Option<&'a str> {
        self.protocol_names().find(|n| candidates.contains(n))
    }
}

/// What the group's join timer does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JoinTimer {
    /// The initial-rebalance delay: extend while members keep arriving, else complete.
    Initial { delay: u64, remaining: u64 },
    /// The rebalance timeout: complete the join phase with whoever rejoined.
    Complete,
}

/// A classic group.
#[derive(Debug, Clone)]
pub struct ClassicGroup {
    id: String,
    state: ClassicState,
    previous_state: ClassicState,
    /// Model time of the last state change.
    state_since: u64,
    generation: i32,
    protocol_type: Option<String>,
    protocol_name: Option<String>,
    leader: Option<String>,
    /// Members in the order they joined (a new leader is the first of them).
    members: Vec<ClassicMember>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, with when they lapse.
    pending_members: BTreeMap<String, u64>,
    /// Members that have not sent SyncGroup for the current generation.
    pending_sync: BTreeSet<String>,
    /// `group.instance.id` → member id.
    static_members: BTreeMap<String, String>,
    /// A new member joined during the initial rebalance: the delay is extended.
    new_member_added: bool,
    join_timer: Option<(u64, JoinTimer)>,
    /// Deadline for every member's SyncGroup, with the generation it is for.
    sync_timer: Option<(u64, i32)>,
}

/// Where a call to a classic group runs: configuration, the answers box, the clock and the
/// member-id source.
pub(crate) struct Env<'a> {
    pub(crate) config: &'a GroupConfig,
    pub(crate) outbox: &'a mut Outbox,
    pub(crate) now: u64,
    pub(crate) ids: &'a mut MemberIds,
}

/// Member ids: `prefix-uuid`, the uuid drawn from a counter so runs are reproducible.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemberIds {
    next: u64,
}

impl MemberIds {
    /// A fresh member id starting with `prefix` (client id, or instance id for static members).
    pub(crate) fn next(&mut self, prefix: &str) -> String {
        self.next += 1;
        let uuid = uuid::Uuid::from_u64_pair(0x6b77_6972_6567_7270, self.next);
        format!("{prefix}-{uuid}")
    }
}

impl ClassicGroup {
    /// A new, empty group.
    pub fn new(id: &str, now: u64) -> Self {
        ClassicGroup {
            id: id.to_owned(),
            state: ClassicState::Empty,
            previous_state: ClassicState::Empty,
            state_since: now,
            generation: 0,
            protocol_type: None,
            protocol_name: None,
            leader: None,
            members: Vec::new(),
            pending_members: BTreeMap::new(),
            pending_sync: BTreeSet::new(),
            static_members: BTreeMap::new(),
            new_member_added: false,
            join_timer: None,
            sync_timer: None,
        }
    }

    /// Group id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Current state.
    pub fn state(&self) -> ClassicState {
        self.state
    }

    /// Model time of the last state change.
    pub fn state_since(&self) -> u64 {
        self.state_since
    }

    /// Current generation.
    pub fn generation(&self) -> i32 {
        self.generation
    }

    /// Protocol type (set by the first member).
    pub fn protocol_type(&self) -> Option<&str> {
        self.protocol_type.as_deref()
    }

    /// The protocol chosen for the current generation.
    pub fn protocol_name(&self) -> Option<&str> {
        self.protocol_name.as_deref()
    }

    /// The leader's member id.
    pub fn leader(&self) -> Option<&str> {
        self.leader.as_deref()
    }

    /// Members, in joining order.
    pub fn members(&self) -> &[ClassicMember] {
        &self.members
    }

    /// One member.
    pub fn member(&self, id: &str) -> Option<&ClassicMember> {
        self.members.iter().find(|m| m.member_id == id)
    }

    /// Member ids handed out with MEMBER_ID_REQUIRED and not yet used to join.
    pub fn pending_members(&self) -> impl Iterator<Item = &str> {
        self.pending_members.keys().map(String::as_str)
    }

    /// Whether the group is Empty (Kafka's `isEmpty`).
    pub fn is_empty(&self) -> bool {
        self.state == ClassicState::Empty
    }

    /// A group no member ever joined with a protocol type: offsets committed by a consumer
    /// that assigns partitions itself.
    pub fn is_simple(&self) -> bool {
        self.protocol_type.is_none() && self.members.is_empty() && self.pending_members.is_empty()
    }

    /// The topics the members read, when the group is of the consumer protocol type and the
    /// metadata parses; `None` when unknown.
    pub fn subscribed_topics(&self) -> Option<BTreeSet<String>> {
        if self.protocol_type.as_deref() != Some(CONSUMER_PROTOCOL_TYPE) {
            return None;
        }
        if self.members.is_empty() {
            return Some(BTreeSet::new());
        }
        let protocol = self.protocol_name.as_deref()?;
        let mut all = BTreeSet::new();
        for m in &self.members {
            all.extend(subscription_topics(&m.metadata(protocol))?);
        }
        Some(all)
    }

    /// Whether the group reads `topic` (Kafka's `isSubscribedToTopic`): when the topics are
    /// unknown, a consumer-protocol group is taken to read every topic.
    pub fn is_subscribed_to(&self, topic: &str) -> bool {
        match self.subscribed_topics() {
            Some(t) => t.contains(topic),
            None => self.protocol_type.as_deref() == Some(CONSUMER_PROTOCOL_TYPE),
        }
    }

    fn member_mut(&mut self, id: &str) -> Option<&mut ClassicMember> {
        self.members.iter_mut().find(|m| m.member_id == id)
    }

    fn has_member(&self, id: &str) -> bool {
        self.member(id).is_some()
    }

    fn is_leader(&self, id: &str) -> bool {
        self.leader.as_deref() == Some(id)
    }

    fn transition(&mut self, to: ClassicState, now: u64) {
        debug_assert!(
            self.state.may_become(to),
            "group {}: {:?} -> {to:?}",
            self.id,
            self.state
        );
        tracing::debug!(group = %self.id, from = self.state.name(), to = to.name(), generation = self.generation, "classic group state");
        self.previous_state = self.state;
        self.state = to;
        self.state_since = now;
    }

    /// The longest rebalance timeout of the members.
    fn rebalance_timeout(&self) -> u64 {
        self.members
            .iter()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    fn num_awaiting_join(&self) -> usize {
        self.members.iter().filter(|m| m.is_awaiting_join()).count()
    }

    fn has_all_members_joined(&self) -> bool {
        self.members.iter().all(ClassicMember::is_awaiting_join) && self.pending_members.is_empty()
    }

    /// Protocols every member supports.
    fn candidate_protocols(&self) -> BTreeSet<&str> {
        let mut it = self.members.iter();
        let Some(first) = it.next() else {
            return BTreeSet::new();
        };
        let mut common: BTreeSet<&str> = first.protocol_names().collect();
        for m in it {
            let names: BTreeSet<&str> = m.protocol_names().collect();
            common.retain(|n| names.contains(n));
        }
        common
    }

    /// Kafka's vote: each member names its most preferred protocol among those all support;
    /// the most named wins. Kafka breaks ties by hash order; here the smallest name wins.
    fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for m in &self.members {
            if let Some(p) = m.vote(&candidates) {
                *votes.entry(p).or_default() += 1;
            }
        }
        let best = votes.values().copied().max()?;
        votes
            .into_iter()
            .find(|&(_, v)| v == best)
            .map(|(p, _)| p.to_owned())
    }

    /// Whether a member of `protocol_type` with `protocols` may join: into an empty group any
    /// non-empty type and list, else the group's type and a protocol all members support.
    fn supports_protocols(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if self.state == ClassicState::Empty {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        let common = self.candidate_protocols();
        self.protocol_type.as_deref() == Some(protocol_type)
            && protocols.iter().any(|(n, _)| common.contains(n.as_str()))
    }

    /// Kafka's `validateMember`: a static member must be the one its instance id maps to.
    fn validate_member(&self, member_id: &str, instance: Option<&str>) -> Result<(), ErrorCode> {
        if let Some(instance) = instance {
            match self.static_members.get(instance) {
                None => return Err(ErrorCode::UnknownMemberId),
                Some(id) if id != member_id => return Err(ErrorCode::FencedInstanceId),
                Some(_) => {}
            }
        }
        if self.has_member(member_id) {
            Ok(())
        } else {
            Err(ErrorCode::UnknownMemberId)
        }
    }

    fn add(&mut self, member: ClassicMember) {
        if let Some(i) = &member.group_instance_id {
            self.static_members
                .insert(i.clone(), member.member_id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member.member_id.clone());
        }
        self.pending_members.remove(&member.member_id);
        self.members.push(member);
    }

    fn remove(&mut self, id: &str) -> Option<ClassicMember> {
        self.pending_members.remove(id);
        self.pending_sync.remove(id);
        let i = self.members.iter().position(|m| m.member_id == id)?;
        let m = self.members.remove(i);
        if let Some(inst) = &m.group_instance_id {
            self.static_members.remove(inst);
        }
        if self.is_leader(id) {
            self.leader = self.members.first().map(|m| m.member_id.clone());
        }
        Some(m)
    }

    fn answer_join(env: &mut Env<'_>, ticket: Ticket, r: JoinResponse) {
        env.outbox.file(ticket, Reply::Join(r));
    }

    /// The current generation's answer for `member_id` (with the member list for the leader).
    fn generation_answer(&self, member_id: &str, leader: &str, skip: bool) -> JoinResponse {
        JoinResponse {
            error: ErrorCode::None,
            generation_id: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol_name.clone(),
            leader: leader.to_owned(),
            skip_assignment: skip,
            member_id: member_id.to_owned(),
            members: if self.is_leader(member_id) {
                self.joined_members()
            } else {
                Vec::new()
            },
        }
    }

    fn joined_members(&self) -> Vec<JoinedMember> {
        let protocol = self.protocol_name.as_deref().unwrap_or("");
        self.members
            .iter()
            .map(|m| JoinedMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                metadata: m.metadata(protocol),
            })
            .collect()
    }

    /// Whether a joining `member_id` fits under `group.max.size`.
    fn accepts_joining_member(&self, member_id: &str, max: usize) -> bool {
        match self.state {
            ClassicState::Empty | ClassicState::Dead => true,
            ClassicState::PreparingRebalance => {
                self.member(member_id)
                    .is_some_and(ClassicMember::is_awaiting_join)
                    || self.num_awaiting_join() < max
            }
            ClassicState::CompletingRebalance | ClassicState::Stable => {
                self.has_member(member_id) || self.members.len() < max
            }
        }
    }

    /// JoinGroup. The answer is filed under `ticket`, now or when the join phase completes.
    pub(crate) fn join(&mut self, env: &mut Env<'_>, req: &JoinRequest, ticket: Ticket) {
        if !self.accepts_joining_member(&req.member_id, env.config.max_size) {
            self.remove(&req.member_id);
            let r = JoinResponse::error(ErrorCode::GroupMaxSizeReached, "");
            Self::answer_join(env, ticket, r);
        } else if req.member_id.is_empty() {
            self.join_new_member(env, req, ticket);
        } else {
            self.join_existing_member(env, req, ticket);
        }
    }

    fn join_new_member(&mut self, env: &mut Env<'_>, req: &JoinRequest, ticket: Ticket) {
        if self.state == ClassicState::Dead {
            let r = JoinResponse::error(ErrorCode::CoordinatorNotAvailable, "");
            return Self::answer_join(env, ticket, r);
        }
        if !self.supports_protocols(&req.protocol_type, &req.protocols) {
            let r = JoinResponse::error(ErrorCode::InconsistentGroupProtocol, "");
            return Self::answer_join(env, ticket, r);
        }
        let prefix = req.group_instance_id.as_deref().unwrap_or(&req.client_id);
        let new_id = env.ids.next(prefix);
        if let Some(instance) = &req.group_instance_id {
            match self.static_members.get(instance).cloned() {
                Some(old) => self.replace_static_member(env, req, &old, &new_id, ticket),
                None => self.add_member_and_rebalance(env, req, &new_id, ticket),
            }
        } else if req.version >= 4 {
            // KIP-394: hand out the id and expect the member back with it within its session.
            self.pending_members
                .insert(new_id.clone(), env.now + timeout(req.session_timeout_ms));
            let r = JoinResponse::error(ErrorCode::MemberIdRequired, &new_id);
            Self::answer_join(env, ticket, r);
        } else {
            self.add_member_and_rebalance(env, req, &new_id, ticket);
        }
    }

    fn join_existing_member(&mut self, env: &mut Env<'_>, req: &JoinRequest, ticket: Ticket) {
        let id = req.member_id.as_str();
        if self.state == ClassicState::Dead {
            let r = JoinResponse::error(ErrorCode::CoordinatorNotAvailable, id);
            return Self::answer_join(env, ticket, r);
        }
        if !self.supports_protocols(&req.protocol_type, &req.protocols) {
            let r = JoinResponse::error(ErrorCode::InconsistentGroupProtocol, id);
            return Self::answer_join(env, ticket, r);
        }
        if self.pending_members.contains_key(id) {
            return self.add_member_and_rebalance(env, req, id, ticket);
        }
        if let Err(e) = self.validate_member(id, req.group_instance_id.as_deref()) {
            return Self::answer_join(env, ticket, JoinResponse::error(e, id));
        }
        let unchanged = self
            .member(id)
            .is_some_and(|m| m.protocols == req.protocols);
        match self.state {
            ClassicState::PreparingRebalance => self.update_member_and_rebalance(env, req, ticket),
            ClassicState::CompletingRebalance if unchanged => {
                // The member lost the JoinGroup answer: send it again.
                let leader = self.leader.clone().unwrap_or_default();
                let r = self.generation_answer(id, &leader, false);
                Self::answer_join(env, ticket, r);
            }
            ClassicState::Stable if unchanged && !self.is_leader(id) => {
                let leader = self.leader.clone().unwrap_or_default();
                let r = self.generation_answer(id, &leader, false);
                Self::answer_join(env, ticket, r);
            }
            // A leader's JoinGroup in Stable asks for a rebalance (e.g. topic metadata changed).
            ClassicState::CompletingRebalance | ClassicState::Stable => {
                self.update_member_and_rebalance(env, req, ticket)
            }
            ClassicState::Empty | ClassicState::Dead => {
                let r = JoinResponse::error(ErrorCode::UnknownMemberId, id);
                Self::answer_join(env, ticket, r);
            }
        }
    }

    fn update_member_and_rebalance(
        &mut self,
        env: &mut Env<'_>,
        req: &JoinRequest,
        ticket: Ticket,
    ) {
        let m = self
            .member_mut(&req.member_id)
            .expect("validated member exists");
        m.protocols = req.protocols.clone();
        m.rebalance_timeout_ms = timeout(req.rebalance_timeout_ms);
        m.session_timeout_ms = timeout(req.session_timeout_ms);
        // A JoinGroup parked earlier by the same member is superseded and, as in Kafka, never
        // answered.
        m.awaiting_join = Some(ticket);
        self.prepare_rebalance_or_complete_join(env, "member rejoined");
    }

    fn add_member_and_rebalance(
        &mut self,
        env: &mut Env<'_>,
        req: &JoinRequest,
        id: &str,
        ticket: Ticket,
    ) {
        if self.members.is_empty() {
            self.protocol_type = Some(req.protocol_type.clone());
        }
        if self.state == ClassicState::PreparingRebalance
            && self.previous_state == ClassicState::Empty
        {
            self.new_member_added = true;
        }
        // A new member cannot heartbeat while its JoinGroup is parked, and a client that gave up
        // retries with a new id: new members lapse after a fixed join timeout.
        self.add(ClassicMember {
            member_id: id.to_owned(),
            group_instance_id: req.group_instance_id.clone(),
            client_id: req.client_id.clone(),
            client_host: req.client_host.clone(),
            rebalance_timeout_ms: timeout(req.rebalance_timeout_ms),
            session_timeout_ms: timeout(req.session_timeout_ms),
            protocols: req.protocols.clone(),
            assignment: Bytes::new(),
            awaiting_join: Some(ticket),
            awaiting_sync: None,
            is_new: true,
            session_deadline: Some(env.now + env.config.new_member_join_timeout_ms),
        });
        self.prepare_rebalance_or_complete_join(env, "member added");
    }

    /// KIP-345: a static member came back with a new member id. The old id is fenced; in Stable
    /// with the same selected protocol the group keeps its generation and assignment.
    fn replace_static_member(
        &mut self,
        env: &mut Env<'_>,
        req: &JoinRequest,
        old_id: &str,
        new_id: &str,
        ticket: Ticket,
    ) {
        let old_leader = self.leader.clone().unwrap_or_default();
        let Some(i) = self.members.iter().position(|m| m.member_id == old_id) else {
            return;
        };
        let was_leader = self.is_leader(old_id);
        let member = &mut self.members[i];
        if let Some(t) = member.awaiting_join.take() {
            let r = JoinResponse::error(ErrorCode::FencedInstanceId, old_id);
            env.outbox.file(t, Reply::Join(r));
        }
        if let Some(t) = member.awaiting_sync.take() {
            let r = SyncResponse::error(ErrorCode::FencedInstanceId);
            env.outbox.file(t, Reply::Sync(r));
        }
        member.member_id = new_id.to_owned();
        member.protocols = req.protocols.clone();
        member.rebalance_timeout_ms = timeout(req.rebalance_timeout_ms);
        member.session_timeout_ms = timeout(req.session_timeout_ms);
        member.session_deadline = Some(env.now + member.session_timeout_ms);
        member.awaiting_join = Some(ticket);
        if let Some(inst) = &req.group_instance_id {
            self.static_members.insert(inst.clone(), new_id.to_owned());
        }
        if was_leader {
            self.leader = Some(new_id.to_owned());
        }
        self.pending_sync.remove(old_id);
        match self.state {
            ClassicState::Stable => {
                if self.select_protocol() == self.protocol_name {
                    let member = &mut self.members[i];
                    member.awaiting_join = None;
                    let r = if req.version >= 9 {
                        let leader = self.leader.clone().unwrap_or_default();
                        let skip = self.is_leader(new_id);
                        self.generation_answer(new_id, &leader, skip)
                    } else {
                        let mut r = self.generation_answer(new_id, &old_leader, false);
                        r.members.clear();
                        r
                    };
                    Self::answer_join(env, ticket, r);
                } else {
                    self.prepare_rebalance_or_complete_join(env, "static member changed protocol");
                }
            }
            // The leader may already hold the old id for its assignment: rebalance.
            ClassicState::CompletingRebalance => {
                self.prepare_rebalance(env, "static member replaced")
            }
            _ => self.maybe_complete_join_phase(env),
        }
    }

    fn prepare_rebalance_or_complete_join(&mut self, env: &mut Env<'_>, reason: &str) {
        if self.state.may_become(ClassicState::PreparingRebalance) {
            self.prepare_rebalance(env, reason);
        } else {
            self.maybe_complete_join_phase(env);
        }
    }

    /// Starts a rebalance: parked SyncGroups get REBALANCE_IN_PROGRESS, the first rebalance of
    /// an empty group waits `group.initial.rebalance.delay.ms`, later ones until every member
    /// rejoined or the rebalance timeout passed.
    fn prepare_rebalance(&mut self, env: &mut Env<'_>, reason: &str) {
        if self.state == ClassicState::CompletingRebalance {
            self.reset_and_propagate_assignment(env, ErrorCode::RebalanceInProgress);
        }
        self.pending_sync.clear();
        self.sync_timer = None;
        let initial = self.state == ClassicState::Empty;
        if initial {
            let delay = env.config.initial_rebalance_delay_ms;
            let remaining = self.rebalance_timeout().saturating_sub(delay);
            self.join_timer = Some((env.now + delay, JoinTimer::Initial { delay, remaining }));
        }
        tracing::info!(group = %self.id, generation = self.generation, reason, "preparing to rebalance");
        self.transition(ClassicState::PreparingRebalance, env.now);
        if !initial {
            if self.has_all_members_joined() {
                self.complete_join(env);
            } else {
                self.join_timer = Some((env.now + self.rebalance_timeout(), JoinTimer::Complete));
            }
        }
    }

    /// Completes the join phase early once every member rejoined, except in the initial
    /// rebalance, which always waits for its delay.
    fn maybe_complete_join_phase(&mut self, env: &mut Env<'_>) {
        if self.state == ClassicState::PreparingRebalance
            && self.previous_state != ClassicState::Empty
            && self.has_all_members_joined()
        {
            self.complete_join(env);
        }
    }

    /// Ends the join phase: dynamic members that did not rejoin are dropped, the generation
    /// advances, the protocol is chosen and every parked JoinGroup is answered (the leader
    /// with the members' metadata).
    fn complete_join(&mut self, env: &mut Env<'_>) {
        self.join_timer = None;
        let gone: Vec<String> = self
            .members
            .iter()
            .filter(|m| !m.is_awaiting_join() && m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in &gone {
            self.remove(id);
        }
        if self.state == ClassicState::Dead {
            return;
        }
        if !self.elect_joined_leader() && !self.members.is_empty() {
            // Only static members that did not rejoin remain: wait for them or their sessions.
            let wait = self.rebalance_timeout().max(1);
            self.join_timer = Some((env.now + wait, JoinTimer::Complete));
            return;
        }
        self.generation += 1;
        self.pending_sync.clear();
        if self.members.is_empty() {
            self.protocol_name = None;
            self.transition(ClassicState::Empty, env.now);
            return;
        }
        self.protocol_name = self.select_protocol();
        self.transition(ClassicState::CompletingRebalance, env.now);
        tracing::info!(group = %self.id, generation = self.generation, members = self.members.len(), "join phase complete");
        let leader = self.leader.clone().unwrap_or_default();
        let answers: Vec<(Option<Ticket>, JoinResponse)> = self
            .members
            .iter()
            .map(|m| {
                let r = self.generation_answer(&m.member_id, &leader, false);
                (m.awaiting_join, r)
            })
            .collect();
        for (m, (ticket, r)) in self.members.iter_mut().zip(answers) {
            if let Some(t) = ticket {
                env.outbox.file(t, Reply::Join(r));
            }
            m.awaiting_join = None;
            m.session_deadline = Some(env.now + m.session_timeout_ms);
            m.is_new = false;
            self.pending_sync.insert(m.member_id.clone());
        }
        self.sync_timer = Some((env.now + self.rebalance_timeout(), self.generation));
    }

    /// Keeps the leader if it rejoined, else makes the first rejoined member leader. False when
    /// nobody rejoined.
    fn elect_joined_leader(&mut self) -> bool {
        let Some(leader) = self.leader.clone() else {
            return false;
        };
        if self
            .member(&leader)
            .is_some_and(ClassicMember::is_awaiting_join)
        {
            return true;
        }
        match self.members.iter().find(|m| m.is_awaiting_join()) {
            Some(m) => {
                self.leader = Some(m.member_id.clone());
                true
            }
            None => false,
        }
    }

    fn reset_and_propagate_assignment(&mut self, env: &mut Env<'_>, error: ErrorCode) {
        for m in &mut self.members {
            m.assignment = Bytes::new();
        }
        self.propagate_assignment(env, error);
    }

    /// Answers every parked SyncGroup with its member's assignment (or `error`), and restarts
    /// those members' sessions.
    fn propagate_assignment(&mut self, env: &mut Env<'_>, error: ErrorCode) {
        let (ptype, pname) = if error.is_ok() {
            (self.protocol_type.clone(), self.protocol_name.clone())
        } else {
            (None, None)
        };
        for m in &mut self.members {
            if let Some(t) = m.awaiting_sync.take() {
                let r = SyncResponse {
                    error,
                    protocol_type: ptype.clone(),
                    protocol_name: pname.clone(),
                    assignment: m.assignment.clone(),
                };
                env.outbox.file(t, Reply::Sync(r));
                m.session_deadline = Some(env.now + m.session_timeout_ms);
            }
        }
    }

    /// SyncGroup. `Ok(None)`: parked under `ticket` until the leader's assignment arrives.
    pub(crate) fn sync(
        &mut self,
        env: &mut Env<'_>,
        req: &SyncRequest,
        ticket: Ticket,
    ) -> Option<SyncResponse> {
        if self.state == ClassicState::Dead {
            return Some(SyncResponse::error(ErrorCode::CoordinatorNotAvailable));
        }
        if let Err(e) = self.validate_member(&req.member_id, req.group_instance_id.as_deref()) {
            return Some(SyncResponse::error(e));
        }
        if req.generation_id != self.generation {
            return Some(SyncResponse::error(ErrorCode::IllegalGeneration));
        }
        if inconsistent(req.protocol_type.as_deref(), self.protocol_type.as_deref())
            || inconsistent(req.protocol_name.as_deref(), self.protocol_name.as_deref())
        {
            return Some(SyncResponse::error(ErrorCode::InconsistentGroupProtocol));
        }
        match self.state {
            ClassicState::PreparingRebalance => {
                Some(SyncResponse::error(ErrorCode::RebalanceInProgress))
            }
            ClassicState::CompletingRebalance => {
                let id = req.member_id.as_str();
                self.member_mut(id).expect("validated").awaiting_sync = Some(ticket);
                self.remove_pending_sync(id);
                if self.is_leader(id) {
                    tracing::info!(group = %self.id, generation = self.generation, "assignment received from the leader");
                    for m in &mut self.members {
                        m.assignment = req
                            .assignments
                            .iter()
                            .find(|(mid, _)| *mid == m.member_id)
                            .map(|(_, a)| a.clone())
                            .unwrap_or_default();
                    }
                    self.propagate_assignment(env, ErrorCode::None);
                    self.transition(ClassicState::Stable, env.now);
                }
                None
            }
            ClassicState::Stable => {
                self.remove_pending_sync(&req.member_id);
                let m = self.member(&req.member_id).expect("validated");
                Some(SyncResponse {
                    error: ErrorCode::None,
                    protocol_type: self.protocol_type.clone(),
                    protocol_name: self.protocol_name.clone(),
                    assignment: m.assignment.clone(),
                })
            }
            // Members fail validation in an Empty group; Dead was answered above.
            ClassicState::Empty | ClassicState::Dead => {
                Some(SyncResponse::error(ErrorCode::UnknownMemberId))
            }
        }
    }

    fn remove_pending_sync(&mut self, id: &str) {
        self.pending_sync.remove(id);
        if self.pending_sync.is_empty() {
            self.sync_timer = None;
        }
    }

    /// Heartbeat: restarts the member's session when the group is not Empty.
    pub(crate) fn heartbeat(
        &mut self,
        now: u64,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
    ) -> ErrorCode {
        if self.state == ClassicState::Dead {
            return ErrorCode::CoordinatorNotAvailable;
        }
        if let Err(e) = self.validate_member(member_id, instance) {
            return e;
        }
        if generation != self.generation {
            return ErrorCode::IllegalGeneration;
        }
        let state = self.state;
        let m = self.member_mut(member_id).expect("validated");
        match state {
            ClassicState::Empty | ClassicState::Dead => ErrorCode::UnknownMemberId,
            ClassicState::PreparingRebalance => {
                m.session_deadline = Some(now + m.session_timeout_ms);
                ErrorCode::RebalanceInProgress
            }
            ClassicState::CompletingRebalance | ClassicState::Stable => {
                m.session_deadline = Some(now + m.session_timeout_ms);
                ErrorCode::None
            }
        }
    }

    /// Kafka's checks of an OffsetCommit against a classic group. Generation -1 with no member
    /// id is a simple commit, accepted only while the group is Empty.
    pub(crate) fn validate_offset_commit(
        &self,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
    ) -> Result<(), ErrorCode> {
        if self.state == ClassicState::Dead {
            return Err(ErrorCode::CoordinatorNotAvailable);
        }
        if generation < 0 && self.state == ClassicState::Empty {
            return Ok(());
        }
        if generation >= 0 || !member_id.is_empty() || instance.is_some() {
            self.validate_member(member_id, instance)?;
            if generation != self.generation {
                return Err(ErrorCode::IllegalGeneration);
            }
        } else if self.state != ClassicState::Empty {
            return Err(ErrorCode::UnknownMemberId);
        }
        if self.state == ClassicState::CompletingRebalance {
            return Err(ErrorCode::RebalanceInProgress);
        }
        Ok(())
    }

    /// An offset commit of a member counts as a heartbeat in Stable and PreparingRebalance.
    pub(crate) fn touch(&mut self, now: u64, member_id: &str) {
        if matches!(
            self.state,
            ClassicState::Stable | ClassicState::PreparingRebalance
        ) && let Some(m) = self.member_mut(member_id)
        {
            m.session_deadline = Some(now + m.session_timeout_ms);
        }
    }

    /// LeaveGroup for a batch of `(member id, instance id)`: one error per member, or a
    /// group-level error.
    pub(crate) fn leave(
        &mut self,
        env: &mut Env<'_>,
        members: &[(String, Option<String>)],
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        if self.state == ClassicState::Dead {
            return Err(ErrorCode::CoordinatorNotAvailable);
        }
        let mut errors = Vec::with_capacity(members.len());
        let mut any_left = false;
        for (member_id, instance) in members {
            let result = if member_id.is_empty() {
                // Administrative removal by instance id.
                match instance
                    .as_ref()
                    .and_then(|i| self.static_members.get(i))
                    .cloned()
                {
                    Some(id) => {
                        self.remove_member(env, &id);
                        Ok(())
                    }
                    None => Err(ErrorCode::UnknownMemberId),
                }
            } else if self.pending_members.remove(member_id).is_some() {
                Ok(())
            } else {
                self.validate_member(member_id, instance.as_deref())
                    .map(|()| self.remove_member(env, member_id))
            };
            any_left |= result.is_ok();
            errors.push(result.err().unwrap_or(ErrorCode::None));
        }
        if any_left {
            match self.state {
                ClassicState::Stable | ClassicState::CompletingRebalance => {
                    self.prepare_rebalance_or_complete_join(env, "members left")
                }
                ClassicState::PreparingRebalance => self.maybe_complete_join_phase(env),
                _ => {}
            }
        }
        Ok(errors)
    }

    /// Removes a member whose JoinGroup may be parked: that call gets UNKNOWN_MEMBER_ID.
    fn remove_member(&mut self, env: &mut Env<'_>, id: &str) {
        if let Some(m) = self.remove(id)
            && let Some(t) = m.awaiting_join
        {
            env.outbox.file(
                t,
                Reply::Join(JoinResponse::error(ErrorCode::UnknownMemberId, "")),
            );
        }
    }

    /// Removes a member as if its session expired: what Kafka does when the session timer
    /// fires on a member that is not parked in a rebalance (or is new).
    pub(crate) fn expire_member(&mut self, env: &mut Env<'_>, id: &str) {
        tracing::info!(group = %self.id, member = id, "member session expired");
        self.remove_member(env, id);
        match self.state {
            ClassicState::Stable | ClassicState::CompletingRebalance => {
                self.prepare_rebalance_or_complete_join(env, "member expired")
            }
            ClassicState::PreparingRebalance if self.has_all_members_joined() => {
                self.complete_join(env)
            }
            _ => {}
        }
    }

    /// Forces a rebalance (as a leader's rejoin would), if the group has members.
    pub(crate) fn force_rebalance(&mut self, env: &mut Env<'_>) {
        if matches!(
            self.state,
            ClassicState::Stable | ClassicState::CompletingRebalance
        ) {
            self.prepare_rebalance(env, "forced");
        }
    }

    /// The next time one of this group's timers is due.
    pub(crate) fn next_due(&self) -> Option<u64> {
        let sessions = self.members.iter().filter_map(|m| m.session_deadline);
        let pending = self.pending_members.values().copied();
        sessions
            .chain(pending)
            .chain(self.join_timer.map(|(t, _)| t))
            .chain(self.sync_timer.map(|(t, _)| t))
            .min()
    }

    /// Runs every timer due at or before `env.now`, earliest first. Returns whether any ran.
    pub(crate) fn fire_due(&mut self, env: &mut Env<'_>) -> bool {
        let mut fired = false;
        while let Some(at) = self.next_due().filter(|&t| t <= env.now) {
            fired = true;
            self.fire_one(env, at);
        }
        fired
    }

    fn fire_one(&mut self, env: &mut Env<'_>, at: u64) {
        if let Some((t, kind)) = self.join_timer
            && t == at
        {
            self.join_timer = None;
            match kind {
                JoinTimer::Initial { delay, remaining }
                    if self.new_member_added && remaining != 0 =>
                {
                    self.new_member_added = false;
                    let next_delay = delay.min(remaining);
                    let next_remaining = remaining.saturating_sub(delay);
                    self.join_timer = Some((
                        at + next_delay,
                        JoinTimer::Initial {
                            delay: next_delay,
                            remaining: next_remaining,
                        },
                    ));
                }
                _ => self.complete_join(env),
            }
            return;
        }
        if let Some((t, generation)) = self.sync_timer
            && t == at
        {
            self.sync_timer = None;
            if generation == self.generation
                && matches!(
                    self.state,
                    ClassicState::CompletingRebalance | ClassicState::Stable
                )
                && !self.pending_sync.is_empty()
            {
                let late: Vec<String> = self.pending_sync.iter().cloned().collect();
                for id in &late {
                    self.remove(id);
                }
                self.prepare_rebalance(env, "members did not sync in time");
            }
            return;
        }
        if let Some(id) = self
            .pending_members
            .iter()
            .find(|&(_, &t)| t == at)
            .map(|(id, _)| id.clone())
        {
            self.pending_members.remove(&id);
            if self.state == ClassicState::PreparingRebalance && self.has_all_members_joined() {
                self.complete_join(env);
            }
            return;
        }
        if let Some(i) = self
            .members
            .iter()
            .position(|m| m.session_deadline == Some(at))
        {
            let m = &mut self.members[i];
            m.session_deadline = None;
            if !m.has_satisfied_heartbeat() {
                let id = m.member_id.clone();
                self.expire_member(env, &id);
            }
        }
    }
}

/// A session or rebalance timeout from the wire (negative counts as 0).
fn timeout(ms: i32) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

/// Whether a protocol type or name in a request disagrees with the group's (absent on either
/// side agrees with anything).
fn inconsistent(request: Option<&str>, group: Option<&str>) -> bool {
    matches!((request, group), (Some(r), Some(g)) if r != g)
}

/// The topics of a consumer-protocol subscription; `None` if it does not parse.
pub fn subscription_topics(metadata: &Bytes) -> Option<Vec<String>> {
    ConsumerProtocolSubscription::decode(metadata)
        .ok()
        .map(|(_, s)| s.topics)
}
