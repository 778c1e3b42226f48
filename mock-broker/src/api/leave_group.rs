//! LeaveGroup: members leave their group (one member up to v2, a batch from v3, KIP-345), which
//! rebalances without them.

use kwire_protocol::api::leave_group::{LeaveGroupRequest, LeaveGroupResponse, MemberResponse};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = LeaveGroupRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-5");

/// Handles a LeaveGroup request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: LeaveGroupRequest) -> Outcome {
    let version = ctx.version();
    let members: Vec<(String, Option<String>)> = if version < 3 {
        vec![(req.member_id.clone(), None)]
    } else {
        req.members
            .iter()
            .map(|m| (m.member_id.clone(), m.group_instance_id.clone()))
            .collect()
    };
    let result = match coordinated::refusal(cluster, ctx, &req.group_id) {
        Some(e) => Err(e),
        None => cluster.groups_mut().leave(&req.group_id, &members, ctx.now),
    };
    let resp = match result {
        Err(error_code) => LeaveGroupResponse {
            error_code,
            ..Default::default()
        },
        // Up to v2 the one member's error is the answer's.
        Ok(errors) if version < 3 => LeaveGroupResponse {
            error_code: errors.first().copied().unwrap_or(ErrorCode::None),
            ..Default::default()
        },
        Ok(errors) => LeaveGroupResponse {
            members: members
                .into_iter()
                .zip(errors)
                .map(|((member_id, group_instance_id), error_code)| MemberResponse {
                    member_id,
                    group_instance_id,
                    error_code,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        },
    };
    ctx.respond(resp)
}
