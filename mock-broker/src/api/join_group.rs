//! JoinGroup: a classic member joins its group. The first join without a member id gets
//! MEMBER_ID_REQUIRED (v4+, KIP-394); other joins wait until the join phase completes (every
//! known member rejoined, or the rebalance timeout passed) and are answered then.

use kwire_protocol::api::join_group::{JoinGroupRequest, JoinGroupResponse, JoinGroupResponseMember};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, Pending, RequestContext, coordinated};
use crate::cluster::{BrokerId, Cluster};
use crate::group::{JoinRequest, JoinResponse, Joined, PendingJoin};

/// The request this module answers.
pub type Request = JoinGroupRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-9");

/// A JoinGroup parked until the group's join phase completes.
#[derive(Debug)]
pub struct PendingJoinGroup {
    broker: BrokerId,
    version: i16,
    group_id: String,
    member_id: String,
    join: Option<PendingJoin>,
    /// When to look again at the latest: the join phase ends by then unless more members
    /// join with longer rebalance timeouts (each change wakes the waiter anyway).
    pub deadline: u64,
}

impl PendingJoinGroup {
    /// The broker that received the request.
    pub fn broker(&self) -> BrokerId {
        self.broker
    }

    /// The answer once the join phase completed; NOT_COORDINATOR once this broker no longer
    /// coordinates the group (Kafka fails the parked joins of a group it unloads so).
    pub fn poll(&mut self, cluster: &mut Cluster, now: u64) -> Option<Outcome> {
        let join = self.join.as_ref()?;
        if cluster.check_group_coordinator(self.broker, &self.group_id).is_err() {
            self.abandon(cluster);
            let r = JoinResponse::error(ErrorCode::NotCoordinator, &self.member_id);
            return Some(Outcome::Respond(response(r, self.version).into(), self.version));
        }
        let r = join.poll(cluster.groups_mut(), now)?;
        self.join = None;
        Some(Outcome::Respond(response(r, self.version).into(), self.version))
    }

    /// The connection went away: the answer is dropped.
    pub fn abandon(&mut self, cluster: &mut Cluster) {
        if let Some(j) = self.join.take() {
            j.abandon(cluster.groups_mut());
        }
    }
}

/// The wire answer at `version` (the protocol name is "" rather than null before v7, as
/// Kafka's `JoinGroupResponse` writes it).
fn response(r: JoinResponse, version: i16) -> JoinGroupResponse {
    JoinGroupResponse {
        error_code: r.error,
        generation_id: r.generation_id,
        protocol_type: r.protocol_type,
        protocol_name: if version < 7 {
            Some(r.protocol_name.unwrap_or_default())
        } else {
            r.protocol_name
        },
        leader: r.leader,
        skip_assignment: r.skip_assignment,
        member_id: r.member_id,
        members: r
            .members
            .into_iter()
            .map(|m| JoinGroupResponseMember {
                member_id: m.member_id,
                group_instance_id: m.group_instance_id,
                metadata: m.metadata,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Handles a JoinGroup request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: JoinGroupRequest) -> Outcome {
    let version = ctx.version();
    if let Some(e) = coordinated::refusal(cluster, ctx, &req.group_id) {
        return ctx.respond(response(JoinResponse::error(e, &req.member_id), version));
    }
    let rebalance_timeout_ms = if version == 0 {
        req.session_timeout_ms
    } else {
        req.rebalance_timeout_ms
    };
    let join = JoinRequest {
        group_id: req.group_id.clone(),
        member_id: req.member_id.clone(),
        group_instance_id: req.group_instance_id,
        client_id: ctx.header.client_id.clone().unwrap_or_default(),
        client_host: ctx.client_host.to_owned(),
        session_timeout_ms: req.session_timeout_ms,
        rebalance_timeout_ms,
        protocol_type: req.protocol_type,
        protocols: req
            .protocols
            .into_iter()
            .map(|p| (p.name, p.metadata))
            .collect(),
        version,
    };
    match cluster.groups_mut().join(&join, ctx.now) {
        Joined::Ready(r) => ctx.respond(response(r, version)),
        Joined::Pending(p) => {
            let wait = u64::try_from(rebalance_timeout_ms.max(join.session_timeout_ms)).unwrap_or(0)
                + cluster.groups().config().initial_rebalance_delay_ms;
            Outcome::Wait(Pending::JoinGroup(PendingJoinGroup {
                broker: ctx.broker,
                version,
                group_id: req.group_id,
                member_id: req.member_id,
                join: Some(p),
                deadline: ctx.now + wait,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use kwire_protocol::api::join_group::JoinGroupRequestProtocol;
    use kwire_protocol::api::sync_group::{SyncGroupRequest, SyncGroupRequestAssignment};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::tests::local_group;
    use crate::cluster::OFFSETS_TOPIC;
    use crate::group::offsets_partition_for;
    use crate::test_util::{call, cluster};

    fn join_req(g: &str, member_id: &str) -> RequestBody {
        RequestBody::JoinGroup(JoinGroupRequest {
            group_id: g.into(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 20_000,
            member_id: member_id.into(),
            protocol_type: "consumer".into(),
            protocols: vec![JoinGroupRequestProtocol {
                name: "range".into(),
                metadata: Bytes::from(format!("meta-{member_id}")),
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    fn joined(o: Outcome) -> JoinGroupResponse {
        match o {
            Outcome::Respond(ResponseBody::JoinGroup(r), _) => r,
            o => panic!("expected a JoinGroup response, got {o:?}"),
        }
    }

    fn synced(o: Outcome) -> kwire_protocol::api::sync_group::SyncGroupResponse {
        match o {
            Outcome::Respond(ResponseBody::SyncGroup(r), _) => r,
            o => panic!("expected a SyncGroup response, got {o:?}"),
        }
    }

    /// A member id: the first v4+ join without one is refused with one.
    fn member_id(c: &mut Cluster, g: &str) -> String {
        let r = joined(call(c, 1, join_req(g, ""), 9, 0));
        assert_eq!(r.error_code, ErrorCode::MemberIdRequired);
        r.member_id
    }

    #[test]
    fn two_members_join_sync_and_the_leader_assigns() {
        let mut c = cluster(1);
        let g = local_group(&mut c);
        let (a, b) = (member_id(&mut c, &g), member_id(&mut c, &g));
        assert_ne!(a, b);
        // The initial rebalance delay (3 s, once more for the member that came meanwhile) parks
        // both joins; they complete together.
        let Outcome::Wait(mut wa) = call(&mut c, 1, join_req(&g, &a), 9, 0) else {
            panic!("parked")
        };
        let Outcome::Wait(mut wb) = call(&mut c, 1, join_req(&g, &b), 9, 10) else {
            panic!("parked")
        };
        assert!(wa.poll(&mut c, 100).is_none());
        assert!(wa.poll(&mut c, 3_100).is_none(), "delayed again for b");
        let ra = joined(wa.poll(&mut c, 6_100).expect("join phase over"));
        let rb = joined(wb.poll(&mut c, 6_100).expect("join phase over"));
        assert_eq!((ra.error_code, rb.error_code), (ErrorCode::None, ErrorCode::None));
        assert_eq!(ra.generation_id, 1);
        assert_eq!(ra.protocol_name.as_deref(), Some("range"));
        let (leader, follower) = if ra.leader == a { (ra, rb) } else { (rb, ra) };
        assert_eq!(leader.members.len(), 2);
        assert!(follower.members.is_empty());
        // The follower's SyncGroup waits for the leader's assignment.
        let sync = |member: &str, assignments: Vec<SyncGroupRequestAssignment>| {
            RequestBody::SyncGroup(SyncGroupRequest {
                group_id: g.clone(),
                generation_id: 1,
                member_id: member.into(),
                assignments,
                ..Default::default()
            })
        };
        let Outcome::Wait(mut wf) = call(&mut c, 1, sync(&follower.member_id, vec![]), 5, 6_200)
        else {
            panic!("parked")
        };
        let assignments = [&leader.member_id, &follower.member_id]
            .iter()
            .map(|m| SyncGroupRequestAssignment {
                member_id: (*m).clone(),
                assignment: Bytes::from(format!("for-{m}")),
                ..Default::default()
            })
            .collect();
        let rl = synced(call(&mut c, 1, sync(&leader.member_id, assignments), 5, 6_300));
        assert_eq!(rl.assignment, Bytes::from(format!("for-{}", leader.member_id)));
        let rf = synced(wf.poll(&mut c, 6_300).expect("assignment arrived"));
        assert_eq!(rf.assignment, Bytes::from(format!("for-{}", follower.member_id)));
        assert_eq!(rf.protocol_type.as_deref(), Some("consumer"));
    }

    #[test]
    fn a_parked_join_gets_not_coordinator_when_the_coordinator_moves() {
        let mut c = cluster(1);
        let g = local_group(&mut c);
        let a = member_id(&mut c, &g);
        let Outcome::Wait(mut w) = call(&mut c, 1, join_req(&g, &a), 9, 0) else {
            panic!("parked")
        };
        let index = offsets_partition_for(&g, 50);
        let to = c.move_leader(OFFSETS_TOPIC, index, None).unwrap();
        let r = joined(w.poll(&mut c, 10).expect("answered at once"));
        assert_eq!(r.error_code, ErrorCode::NotCoordinator);
        // Broker 1 refuses the group now; the new coordinator has it, member and all.
        let r = joined(call(&mut c, 1, join_req(&g, &a), 9, 20));
        assert_eq!(r.error_code, ErrorCode::NotCoordinator);
        let Outcome::Wait(mut w) = call(&mut c, to, join_req(&g, &a), 9, 30) else {
            panic!("parked")
        };
        let r = joined(w.poll(&mut c, 3_100).expect("join phase over"));
        assert_eq!((r.error_code, r.leader.as_str()), (ErrorCode::None, a.as_str()));
    }

    #[test]
    fn v0_has_no_member_id_round_trip_and_names_the_protocol_even_on_errors() {
        let mut c = cluster(1);
        let g = local_group(&mut c);
        let Outcome::Wait(mut w) = call(&mut c, 1, join_req(&g, ""), 0, 0) else {
            panic!("parked")
        };
        let r = joined(w.poll(&mut c, 3_100).expect("join phase over"));
        assert_eq!(r.error_code, ErrorCode::None);
        assert!(!r.member_id.is_empty());
        let r = joined(call(&mut c, 1, join_req("", ""), 6, 0));
        assert_eq!(r.error_code, ErrorCode::InvalidGroupId);
        assert_eq!(r.protocol_name.as_deref(), Some(""));
    }
}
