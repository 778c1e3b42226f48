//! SyncGroup: after a join phase, the leader sends every member's assignment and each member
//! gets its own. A follower that syncs before the leader waits for it.

use kwire_protocol::api::sync_group::{SyncGroupRequest, SyncGroupResponse};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, Pending, RequestContext, coordinated};
use crate::cluster::{BrokerId, Cluster};
use crate::group::{Group, PendingSync, SyncRequest, SyncResponse, Synced};

/// The request this module answers.
pub type Request = SyncGroupRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-5");

/// A SyncGroup parked until the leader's assignment arrives.
#[derive(Debug)]
pub struct PendingSyncGroup {
    broker: BrokerId,
    version: i16,
    group_id: String,
    sync: Option<PendingSync>,
    /// When to look again at the latest: the member's rebalance timeout, by which the group
    /// has moved on without the leader (each change wakes the waiter anyway).
    pub deadline: u64,
}

impl PendingSyncGroup {
    /// The broker that received the request.
    pub fn broker(&self) -> BrokerId {
        self.broker
    }

    /// The answer once the assignment arrived (or the group moved on); NOT_COORDINATOR once
    /// this broker no longer coordinates the group.
    pub fn poll(&mut self, cluster: &mut Cluster, now: u64) -> Option<Outcome> {
        let sync = self.sync.as_ref()?;
        if cluster.check_group_coordinator(self.broker, &self.group_id).is_err() {
            self.abandon(cluster);
            let r = SyncResponse {
                error: ErrorCode::NotCoordinator,
                ..Default::default()
            };
            return Some(Outcome::Respond(response(r).into(), self.version));
        }
        let r = sync.poll(cluster.groups_mut(), now)?;
        self.sync = None;
        Some(Outcome::Respond(response(r).into(), self.version))
    }

    /// The connection went away: the answer is dropped.
    pub fn abandon(&mut self, cluster: &mut Cluster) {
        if let Some(s) = self.sync.take() {
            s.abandon(cluster.groups_mut());
        }
    }
}

fn response(r: SyncResponse) -> SyncGroupResponse {
    SyncGroupResponse {
        error_code: r.error,
        protocol_type: r.protocol_type,
        protocol_name: r.protocol_name,
        assignment: r.assignment,
        ..Default::default()
    }
}

/// Handles a SyncGroup request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: SyncGroupRequest) -> Outcome {
    if let Some(e) = coordinated::refusal(cluster, ctx, &req.group_id) {
        return ctx.respond(response(SyncResponse {
            error: e,
            ..Default::default()
        }));
    }
    let sync = SyncRequest {
        group_id: req.group_id.clone(),
        generation_id: req.generation_id,
        member_id: req.member_id.clone(),
        group_instance_id: req.group_instance_id,
        protocol_type: req.protocol_type,
        protocol_name: req.protocol_name,
        assignments: req
            .assignments
            .into_iter()
            .map(|a| (a.member_id, a.assignment))
            .collect(),
    };
    match cluster.groups_mut().sync(&sync, ctx.now) {
        Synced::Ready(r) => ctx.respond(response(r)),
        Synced::Pending(p) => {
            let wait = match cluster.groups().group(&req.group_id) {
                Some(Group::Classic(g)) => g
                    .member(&req.member_id)
                    .map_or(0, |m| m.rebalance_timeout_ms),
                _ => 0,
            };
            Outcome::Wait(Pending::SyncGroup(PendingSyncGroup {
                broker: ctx.broker,
                version: ctx.version(),
                group_id: req.group_id,
                sync: Some(p),
                deadline: ctx.now + wait,
            }))
        }
    }
}
