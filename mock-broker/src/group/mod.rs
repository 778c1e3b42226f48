//! The group coordinator: consumer groups and their committed offsets as plain data on the
//! model's clock, answering with Kafka's error codes. No sockets here: the request handlers
//! translate the wire messages to the plain calls below and back.
//!
//! Calls that Kafka parks (a JoinGroup until the join phase completes, a SyncGroup until the
//! leader's assignment arrives) return a pending handle; its `poll` gives the answer once the
//! group got there, like the mock's acks=all Produce. Timers (sessions, rebalance timeouts,
//! the initial-rebalance delay, offset retention) run in [`GroupCoordinator::tick`];
//! [`GroupCoordinator::next_due`] says when it next has work.

pub mod assignor;
pub mod classic;
pub mod config;
pub mod consumer;
#[cfg(test)]
mod consumer_tests;
pub mod offsets;
mod outbox;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use bytes::Bytes;
use kwire_protocol::ErrorCode;

pub use classic::{
    ClassicGroup, ClassicMember, ClassicState, JoinRequest, JoinResponse, JoinedMember,
    SyncRequest, SyncResponse,
};
pub use config::GroupConfig;
pub use consumer::{
    ConsumerGroup, ConsumerHeartbeat, ConsumerHeartbeatResponse, ConsumerMember, ConsumerState,
    MemberState,
};
pub use offsets::{OffsetAndMetadata, OffsetRecord, OffsetStore, RetentionBase};
pub use outbox::Ticket;

use classic::{Env, MemberIds};
use outbox::{Outbox, Reply};

/// The partition of `__consumer_offsets` that holds a group, whose leader is the group's
/// coordinator: Kafka's `abs(groupId.hashCode()) % offsets.topic.num.partitions`, with Java's
/// `String.hashCode` over UTF-16 code units.
pub fn offsets_partition_for(group_id: &str, partitions: i32) -> i32 {
    let hash = group_id
        .encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)));
    // Kafka's Utils.abs: Math.abs, with i32::MIN (which has no positive) mapped to 0. Not the
    // `& 0x7fffffff` of the producer's partitioner (Utils.toPositive): for a negative hash the
    // two differ.
    hash.checked_abs().unwrap_or(0) % partitions.max(1)
}

/// A group of either kind.
#[derive(Debug, Clone)]
pub enum Group {
    /// A classic group (JoinGroup/SyncGroup).
    Classic(ClassicGroup),
    /// A KIP-848 consumer group (ConsumerGroupHeartbeat).
    Consumer(ConsumerGroup),
}

impl Group {
    /// Kafka's group type name, as ListGroups reports it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Group::Classic(_) => "classic",
            Group::Consumer(_) => "consumer",
        }
    }

    /// Kafka's state name.
    pub fn state_name(&self) -> &'static str {
        match self {
            Group::Classic(g) => g.state().name(),
            Group::Consumer(g) => g.state().name(),
        }
    }

    /// Whether the group has no members (Kafka's `isEmpty`).
    pub fn is_empty(&self) -> bool {
        match self {
            Group::Classic(g) => g.is_empty(),
            Group::Consumer(g) => g.is_empty(),
        }
    }

    /// The protocol type ListGroups reports ("" if none).
    pub fn protocol_type(&self) -> &str {
        match self {
            Group::Classic(g) => g.protocol_type().unwrap_or(""),
            Group::Consumer(_) => classic::CONSUMER_PROTOCOL_TYPE,
        }
    }

    /// The retention rule for this group's offsets and whether `topic` is exempt from it
    /// because the group reads it; `None` when nothing of the group expires now.
    fn retention(&self) -> Option<RetentionBase> {
        match self {
            Group::Classic(g) => match g.protocol_type() {
                None => Some(RetentionBase::CommitTime),
                Some(_) if g.state() == ClassicState::Empty => {
                    Some(RetentionBase::EmptySince(g.state_since()))
                }
                Some(t)
                    if t == classic::CONSUMER_PROTOCOL_TYPE
                        && g.state() == ClassicState::Stable
                        && g.subscribed_topics().is_some() =>
                {
                    Some(RetentionBase::CommitTime)
                }
                Some(_) => None,
            },
            // Offsets of topics no member reads expire from their commit.
            Group::Consumer(_) => Some(RetentionBase::CommitTime),
        }
    }

    fn is_subscribed_to(&self, topic: &str) -> bool {
        match self {
            Group::Classic(g) => g.is_subscribed_to(topic),
            Group::Consumer(g) => g.is_subscribed_to(topic),
        }
    }
}

/// A JoinGroup answer, now or later.
#[derive(Debug)]
pub enum Joined {
    /// Answered.
    Ready(JoinResponse),
    /// Parked until the join phase completes.
    Pending(PendingJoin),
}

/// A parked JoinGroup.
#[derive(Debug)]
pub struct PendingJoin {
    ticket: Ticket,
}

impl PendingJoin {
    /// Runs the coordinator's timers to `now` and returns the answer once there is one.
    pub fn poll(&self, groups: &mut GroupCoordinator, now: u64) -> Option<JoinResponse> {
        groups.tick(now);
        match groups.outbox.take(self.ticket)? {
            Reply::Join(r) => Some(r),
            Reply::Sync(_) => None,
        }
    }

    /// The caller went away (connection closed): its answer is dropped.
    pub fn abandon(self, groups: &mut GroupCoordinator) {
        groups.outbox.abandon(self.ticket);
    }
}

/// A SyncGroup answer, now or later.
#[derive(Debug)]
pub enum Synced {
    /// Answered.
    Ready(SyncResponse),
    /// Parked until the leader's assignment arrives.
    Pending(PendingSync),
}

/// A parked SyncGroup.
#[derive(Debug)]
pub struct PendingSync {
    ticket: Ticket,
}

impl PendingSync {
    /// Runs the coordinator's timers to `now` and returns the answer once there is one.
    pub fn poll(&self, groups: &mut GroupCoordinator, now: u64) -> Option<SyncResponse> {
        groups.tick(now);
        match groups.outbox.take(self.ticket)? {
            Reply::Sync(r) => Some(r),
            Reply::Join(_) => None,
        }
    }

    /// The caller went away (connection closed): its answer is dropped.
    pub fn abandon(self, groups: &mut GroupCoordinator) {
        groups.outbox.abandon(self.ticket);
    }
}

/// One partition's offset in an OffsetCommit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitOffset {
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// Leader epoch of the last consumed record (-1 if unknown).
    pub leader_epoch: i32,
    /// Client metadata.
    pub metadata: Option<String>,
}

/// An OffsetCommit, in plain data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitRequest {
    /// Group id.
    pub group_id: String,
    /// Generation (classic) or member epoch (KIP-848); -1 for a simple commit.
    pub generation_id_or_member_epoch: i32,
    /// Member id ("" for a simple commit).
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// v2-v4 `retention_time_ms`; -1 for the broker's retention.
    pub retention_time_ms: i64,
    /// Request version (v9+ answers GROUP_ID_NOT_FOUND where older ones get
    /// ILLEGAL_GENERATION).
    pub version: i16,
    /// The offsets.
    pub offsets: Vec<CommitOffset>,
}

/// One partition in an OffsetFetch answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedOffset {
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
    /// The committed offset, -1 if none.
    pub offset: i64,
    /// Its leader epoch, -1 if none.
    pub leader_epoch: i32,
    /// Its metadata ("" if none).
    pub metadata: String,
    /// Error for this partition.
    pub error: ErrorCode,
}

/// A member as DescribeGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client address.
    pub client_host: String,
    /// Metadata of the chosen protocol (Stable groups only).
    pub metadata: Bytes,
    /// Current assignment.
    pub assignment: Bytes,
}

/// A group as DescribeGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    /// Group id.
    pub group_id: String,
    /// Kafka's state name.
    pub state: &'static str,
    /// Protocol type ("" if none).
    pub protocol_type: String,
    /// The chosen protocol (Stable groups only, else "").
    pub protocol_data: String,
    /// Members.
    pub members: Vec<DescribedMember>,
}

/// A group as ListGroups shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    /// Group id.
    pub group_id: String,
    /// Protocol type ("" if none).
    pub protocol_type: String,
    /// Kafka's state name.
    pub state: &'static str,
    /// Kafka's type name (`classic` or `consumer`).
    pub group_type: &'static str,
}

/// Every group with its committed offsets.
#[derive(Debug, Clone)]
pub struct GroupCoordinator {
    config: GroupConfig,
    groups: BTreeMap<String, Group>,
    offsets: OffsetStore,
    outbox: Outbox,
    ids: MemberIds,
    now: u64,
    /// When expired offsets (and empty groups without offsets) are next removed.
    next_cleanup: u64,
}

impl GroupCoordinator {
    /// A coordinator with no groups.
    pub fn new(config: GroupConfig) -> Self {
        let next_cleanup = config.offsets_retention_check_interval_ms;
        GroupCoordinator {
            config,
            groups: BTreeMap::new(),
            offsets: OffsetStore::default(),
            outbox: Outbox::default(),
            ids: MemberIds::default(),
            now: 0,
            next_cleanup,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// Every group, by id.
    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }

    /// One group.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    /// The committed offsets.
    pub fn offsets(&self) -> &OffsetStore {
        &self.offsets
    }

    /// Runs every timer due at `now` (sessions, rebalance and sync timeouts, the initial
    /// delay, offset retention). Returns whether anything changed.
    pub fn tick(&mut self, now: u64) -> bool {
        self.now = self.now.max(now);
        let mut changed = false;
        loop {
            let cleanup = self.next_cleanup;
            let Some(at) = self.next_due().filter(|&t| t <= self.now) else {
                break;
            };
            if at == cleanup {
                self.cleanup(at);
                self.next_cleanup = at + self.config.offsets_retention_check_interval_ms.max(1);
                changed = true;
                continue;
            }
            let (groups, mut env) = self.split();
            env.now = at;
            for g in groups.values_mut() {
                match g {
                    Group::Classic(c) if c.next_due() == Some(at) => {
                        changed |= c.fire_due(&mut env);
                    }
                    Group::Consumer(c) if c.next_due() == Some(at) => {
                        changed |= c.fire_due(at);
                    }
                    Group::Classic(_) | Group::Consumer(_) => {}
                }
            }
        }
        changed
    }

    /// When [`GroupCoordinator::tick`] next has work (model ms); `None` without groups (every
    /// committed offset belongs to a group, so there is nothing to expire either).
    pub fn next_due(&self) -> Option<u64> {
        let cleanup = (!self.groups.is_empty()).then_some(self.next_cleanup);
        self.groups
            .values()
            .filter_map(|g| match g {
                Group::Classic(c) => c.next_due(),
                Group::Consumer(c) => c.next_due(),
            })
            .chain(cleanup)
            .min()
    }

    /// The groups and an environment for calling into one of them, borrowed apart.
    fn split(&mut self) -> (&mut BTreeMap<String, Group>, Env<'_>) {
        let env = Env {
            config: &self.config,
            outbox: &mut self.outbox,
            now: self.now,
            ids: &mut self.ids,
        };
        (&mut self.groups, env)
    }

    /// JoinGroup. `client_id`/`client_host` come from the connection; `version` from the
    /// request header.
    pub fn join(&mut self, req: &JoinRequest, now: u64) -> Joined {
        self.tick(now);
        if req.group_id.is_empty() {
            return Joined::Ready(JoinResponse::error(
                ErrorCode::InvalidGroupId,
                &req.member_id,
            ));
        }
        if req.session_timeout_ms < self.config.min_session_timeout_ms
            || req.session_timeout_ms > self.config.max_session_timeout_ms
        {
            return Joined::Ready(JoinResponse::error(
                ErrorCode::InvalidSessionTimeout,
                &req.member_id,
            ));
        }
        match self.groups.get(&req.group_id) {
            // Kafka converts a non-empty consumer group for classic members (KIP-848's online
            // migration); the mock does not.
            Some(Group::Consumer(g)) if !g.is_empty() => {
                return Joined::Ready(JoinResponse::error(
                    ErrorCode::InconsistentGroupProtocol,
                    &req.member_id,
                ));
            }
            Some(Group::Consumer(_)) => {
                self.groups.remove(&req.group_id);
            }
            _ => {}
        }
        if !self.groups.contains_key(&req.group_id) {
            if !req.member_id.is_empty() {
                return Joined::Ready(JoinResponse::error(
                    ErrorCode::UnknownMemberId,
                    &req.member_id,
                ));
            }
            let g = ClassicGroup::new(&req.group_id, self.now);
            self.groups.insert(req.group_id.clone(), Group::Classic(g));
        }
        let ticket = self.outbox.ticket();
        let (groups, mut env) = self.split();
        match groups.get_mut(&req.group_id) {
            Some(Group::Classic(g)) => g.join(&mut env, req, ticket),
            _ => unreachable!("a classic group was made above"),
        }
        self.tick(self.now);
        match self.outbox.take(ticket) {
            Some(Reply::Join(r)) => Joined::Ready(r),
            _ => Joined::Pending(PendingJoin { ticket }),
        }
    }

    /// SyncGroup.
    pub fn sync(&mut self, req: &SyncRequest, now: u64) -> Synced {
        self.tick(now);
        if req.group_id.is_empty() {
            return Synced::Ready(SyncResponse {
                error: ErrorCode::InvalidGroupId,
                ..Default::default()
            });
        }
        let ticket = self.outbox.ticket();
        let (groups, mut env) = self.split();
        let answer = match groups.get_mut(&req.group_id) {
            Some(Group::Classic(g)) if !g.is_empty() => g.sync(&mut env, req, ticket),
            _ => Some(SyncResponse {
                error: ErrorCode::UnknownMemberId,
                ..Default::default()
            }),
        };
        if let Some(r) = answer {
            return Synced::Ready(r);
        }
        match self.outbox.take(ticket) {
            Some(Reply::Sync(r)) => Synced::Ready(r),
            _ => Synced::Pending(PendingSync { ticket }),
        }
    }

    /// Heartbeat of a classic member.
    pub fn heartbeat(
        &mut self,
        group_id: &str,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
        now: u64,
    ) -> ErrorCode {
        self.tick(now);
        if group_id.is_empty() {
            return ErrorCode::InvalidGroupId;
        }
        match self.groups.get_mut(group_id) {
            Some(Group::Classic(g)) => {
                g.heartbeat(self.now, member_id, group_instance_id, generation_id)
            }
            Some(Group::Consumer(_)) | None => ErrorCode::UnknownMemberId,
        }
    }

    /// LeaveGroup for `(member id, instance id)` pairs (v3+ batches; older versions send one
    /// member): an error per member, or a group-level error.
    pub fn leave(
        &mut self,
        group_id: &str,
        members: &[(String, Option<String>)],
        now: u64,
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        self.tick(now);
        if group_id.is_empty() {
            return Err(ErrorCode::InvalidGroupId);
        }
        let (groups, mut env) = self.split();
        let r = match groups.get_mut(group_id) {
            Some(Group::Classic(g)) => g.leave(&mut env, members),
            Some(Group::Consumer(_)) | None => Err(ErrorCode::UnknownMemberId),
        };
        self.tick(self.now);
        r
    }

    /// ConsumerGroupHeartbeat (KIP-848). `topics` are the cluster's topics with their partition
    /// counts, for subscriptions and the assignor.
    pub fn consumer_heartbeat(
        &mut self,
        req: &ConsumerHeartbeat,
        topics: &BTreeMap<String, i32>,
        now: u64,
    ) -> ConsumerHeartbeatResponse {
        self.tick(now);
        if let Err(message) = consumer::validate(req) {
            return ConsumerHeartbeatResponse::failed(ErrorCode::InvalidRequest, message);
        }
        if let Some(a) = &req.server_assignor
            && !self.config.consumer_assignors.contains(a)
        {
            return ConsumerHeartbeatResponse::failed(
                ErrorCode::UnsupportedAssignor,
                format!(
                    "The server assignor {a} is not one of {}.",
                    self.config.consumer_assignors.join(", ")
                ),
            );
        }
        let joining = req.member_epoch == consumer::JOIN_EPOCH;
        match self.groups.get(&req.group_id) {
            Some(Group::Consumer(_)) => {}
            // An empty classic group becomes a consumer group; a live one is not one.
            Some(Group::Classic(g)) if joining && g.is_empty() => {
                let g = ConsumerGroup::new(&req.group_id, self.now);
                self.groups.insert(req.group_id.clone(), Group::Consumer(g));
            }
            None if joining => {
                let g = ConsumerGroup::new(&req.group_id, self.now);
                self.groups.insert(req.group_id.clone(), Group::Consumer(g));
            }
            Some(Group::Classic(_)) | None => {
                return ConsumerHeartbeatResponse::error(ErrorCode::GroupIdNotFound);
            }
        }
        let Some(Group::Consumer(g)) = self.groups.get_mut(&req.group_id) else {
            unreachable!("a consumer group is there")
        };
        let ids = &mut self.ids;
        let prefix = req.client_id.clone();
        g.heartbeat(&self.config, req, topics, || ids.next(&prefix), self.now)
    }

    /// OffsetCommit: an error per offset (in request order), or one error for all of them.
    pub fn commit_offsets(
        &mut self,
        req: &CommitRequest,
        now: u64,
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        self.tick(now);
        if req.group_id.is_empty() {
            return Err(ErrorCode::InvalidGroupId);
        }
        match self.groups.get_mut(&req.group_id) {
            Some(Group::Classic(g)) => {
                g.validate_offset_commit(
                    &req.member_id,
                    req.group_instance_id.as_deref(),
                    req.generation_id_or_member_epoch,
                )?;
                g.touch(self.now, &req.member_id);
            }
            Some(Group::Consumer(g)) => g.validate_offset_commit(
                &req.member_id,
                req.generation_id_or_member_epoch,
                req.version,
            )?,
            None if req.generation_id_or_member_epoch < 0 => {
                // A consumer that assigns partitions itself: a simple group is created.
                let g = ClassicGroup::new(&req.group_id, self.now);
                self.groups.insert(req.group_id.clone(), Group::Classic(g));
            }
            None if req.version >= 9 => return Err(ErrorCode::GroupIdNotFound),
            None => return Err(ErrorCode::IllegalGeneration),
        }
        let expire_timestamp = u64::try_from(req.retention_time_ms)
            .ok()
            .map(|ms| self.now + ms);
        let mut errors = Vec::with_capacity(req.offsets.len());
        for o in &req.offsets {
            let metadata = o.metadata.clone().unwrap_or_default();
            if metadata.len() > self.config.offset_metadata_max_bytes {
                errors.push(ErrorCode::OffsetMetadataTooLarge);
                continue;
            }
            self.offsets.apply(OffsetRecord::Commit {
                group: req.group_id.clone(),
                topic: o.topic.clone(),
                partition: o.partition,
                value: OffsetAndMetadata {
                    offset: o.offset,
                    leader_epoch: o.leader_epoch,
                    metadata,
                    commit_timestamp: self.now,
                    expire_timestamp,
                },
            });
            errors.push(ErrorCode::None);
        }
        Ok(errors)
    }

    /// OffsetFetch for `partitions`, or for every partition with an offset when `None`. No
    /// transactions in the mock, so every offset is stable and `require_stable` changes
    /// nothing. An unknown group has no offsets.
    pub fn fetch_offsets(
        &self,
        group_id: &str,
        partitions: Option<&[(String, i32)]>,
        require_stable: bool,
    ) -> Result<Vec<FetchedOffset>, ErrorCode> {
        let _ = require_stable;
        if group_id.is_empty() {
            return Err(ErrorCode::InvalidGroupId);
        }
        let fetched = |topic: &str, partition: i32, o: Option<&OffsetAndMetadata>| FetchedOffset {
            topic: topic.to_owned(),
            partition,
            offset: o.map_or(-1, |o| o.offset),
            leader_epoch: o.map_or(-1, |o| o.leader_epoch),
            metadata: o.map(|o| o.metadata.clone()).unwrap_or_default(),
            error: ErrorCode::None,
        };
        Ok(match partitions {
            Some(ps) => ps
                .iter()
                .map(|(t, p)| fetched(t, *p, self.offsets.get(group_id, t, *p)))
                .collect(),
            None => self
                .offsets
                .group(group_id)
                .into_iter()
                .flat_map(|topics| topics.iter())
                .flat_map(|(t, parts)| parts.iter().map(move |(p, o)| (t, *p, o)))
                .map(|(t, p, o)| fetched(t, p, Some(o)))
                .collect(),
        })
    }

    /// OffsetDelete: an error per partition, or a group-level error.
    pub fn delete_offsets(
        &mut self,
        group_id: &str,
        partitions: &[(String, i32)],
        now: u64,
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        self.tick(now);
        if group_id.is_empty() {
            return Err(ErrorCode::InvalidGroupId);
        }
        let group = self
            .groups
            .get(group_id)
            .ok_or(ErrorCode::GroupIdNotFound)?;
        match group {
            Group::Classic(g) => match g.state() {
                ClassicState::Dead => return Err(ErrorCode::GroupIdNotFound),
                ClassicState::Empty => {}
                _ if g.protocol_type() != Some(classic::CONSUMER_PROTOCOL_TYPE) => {
                    return Err(ErrorCode::NonEmptyGroup);
                }
                _ => {}
            },
            Group::Consumer(_) => {}
        }
        let mut errors = Vec::with_capacity(partitions.len());
        for (topic, partition) in partitions {
            if group.is_subscribed_to(topic) {
                errors.push(ErrorCode::GroupSubscribedToTopic);
                continue;
            }
            errors.push(ErrorCode::None);
            if self.offsets.get(group_id, topic, *partition).is_some() {
                self.offsets.apply(OffsetRecord::Tombstone {
                    group: group_id.to_owned(),
                    topic: topic.clone(),
                    partition: *partition,
                });
            }
        }
        Ok(errors)
    }

    /// DeleteGroups: an error per group id (in request order).
    pub fn delete_groups(&mut self, group_ids: &[String], now: u64) -> Vec<ErrorCode> {
        self.tick(now);
        group_ids
            .iter()
            .map(|id| {
                if id.is_empty() {
                    return ErrorCode::InvalidGroupId;
                }
                match self.groups.get(id) {
                    None => ErrorCode::GroupIdNotFound,
                    Some(g) if !g.is_empty() => ErrorCode::NonEmptyGroup,
                    Some(_) => {
                        self.remove_group(id);
                        ErrorCode::None
                    }
                }
            })
            .collect()
    }

    fn remove_group(&mut self, id: &str) {
        for t in self.offsets.tombstones_for_group(id) {
            self.offsets.apply(t);
        }
        self.groups.remove(id);
        tracing::info!(group = id, "group removed");
    }

    /// DescribeGroups for one group; `None` if it does not exist (Kafka answers state Dead,
    /// or GROUP_ID_NOT_FOUND from v6).
    pub fn describe(&self, group_id: &str) -> Option<GroupDescription> {
        match self.groups.get(group_id)? {
            // Read with ConsumerGroupDescribe (see [`GroupCoordinator::group`]).
            Group::Consumer(_) => None,
            Group::Classic(g) => {
                let stable = g.state() == ClassicState::Stable;
                let protocol = g.protocol_name().unwrap_or("");
                Some(GroupDescription {
                    group_id: group_id.to_owned(),
                    state: g.state().name(),
                    protocol_type: g.protocol_type().unwrap_or("").to_owned(),
                    protocol_data: if stable {
                        protocol.to_owned()
                    } else {
                        String::new()
                    },
                    members: g
                        .members()
                        .iter()
                        .map(|m| DescribedMember {
                            member_id: m.member_id.clone(),
                            group_instance_id: m.group_instance_id.clone(),
                            client_id: m.client_id.clone(),
                            client_host: m.client_host.clone(),
                            metadata: if stable {
                                m.metadata(protocol)
                            } else {
                                Bytes::new()
                            },
                            assignment: m.assignment.clone(),
                        })
                        .collect(),
                })
            }
        }
    }

    /// ListGroups, filtered by state and type names (case-insensitive; empty = all).
    pub fn list(&self, states: &[String], types: &[String]) -> Vec<ListedGroup> {
        let wanted = |filter: &[String], name: &str| {
            filter.is_empty() || filter.iter().any(|f| f.trim().eq_ignore_ascii_case(name))
        };
        self.groups
            .iter()
            .filter(|(_, g)| wanted(states, g.state_name()) && wanted(types, g.type_name()))
            .map(|(id, g)| ListedGroup {
                group_id: id.clone(),
                protocol_type: g.protocol_type().to_owned(),
                state: g.state_name(),
                group_type: g.type_name(),
            })
            .collect()
    }

    /// A topic was deleted: every group's offsets of it go.
    pub fn on_topic_deleted(&mut self, topic: &str) {
        for t in self.offsets.tombstones_for_topic(topic) {
            self.offsets.apply(t);
        }
    }

    /// Fault: expire a member as if its session timed out. False if there is no such member.
    pub fn expire_member(&mut self, group_id: &str, member_id: &str, now: u64) -> bool {
        self.tick(now);
        let (groups, mut env) = self.split();
        let done = match groups.get_mut(group_id) {
            Some(Group::Classic(g)) if g.member(member_id).is_some() => {
                g.expire_member(&mut env, member_id);
                true
            }
            Some(Group::Consumer(g)) => g.remove_member(member_id, env.now),
            _ => false,
        };
        self.tick(self.now);
        done
    }

    /// Fault: start a rebalance of a group that has members — a classic group goes to
    /// PreparingRebalance, a consumer group gets a new group epoch and target assignment.
    /// False if it has none.
    pub fn force_rebalance(&mut self, group_id: &str, now: u64) -> bool {
        self.tick(now);
        let (groups, mut env) = self.split();
        let done = match groups.get_mut(group_id) {
            Some(Group::Classic(g)) if !g.is_empty() => {
                g.force_rebalance(&mut env);
                true
            }
            Some(Group::Consumer(g)) => g.force_rebalance(),
            _ => false,
        };
        self.tick(self.now);
        done
    }

    /// Removes expired offsets, then groups that are empty and have no offsets left.
    fn cleanup(&mut self, at: u64) {
        let retention = self.config.offsets_retention_ms;
        let mut expired = Vec::new();
        let mut empty_groups = Vec::new();
        for (id, g) in &self.groups {
            let rule = g.retention();
            let mut all_expired = true;
            let offsets = self.offsets.group(id).into_iter().flat_map(|t| t.iter());
            for (topic, parts) in offsets {
                for (&partition, o) in parts {
                    if rule.is_some_and(|r| r.is_expired(o, at, retention))
                        && !g.is_subscribed_to(topic)
                    {
                        expired.push(OffsetRecord::Tombstone {
                            group: id.clone(),
                            topic: topic.clone(),
                            partition,
                        });
                    } else {
                        all_expired = false;
                    }
                }
            }
            if all_expired && g.is_empty() {
                empty_groups.push(id.clone());
            }
        }
        for r in expired {
            self.offsets.apply(r);
        }
        for id in empty_groups {
            self.remove_group(&id);
        }
    }
}
