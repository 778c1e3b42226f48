//! Heartbeat: a classic member says it is alive; REBALANCE_IN_PROGRESS tells it to rejoin.

use kwire_protocol::VersionRange;
use kwire_protocol::api::heartbeat::{HeartbeatRequest, HeartbeatResponse};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = HeartbeatRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-4");

/// Handles a Heartbeat request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: HeartbeatRequest) -> Outcome {
    let error_code = coordinated::refusal(cluster, ctx, &req.group_id).unwrap_or_else(|| {
        cluster.groups_mut().heartbeat(
            &req.group_id,
            &req.member_id,
            req.group_instance_id.as_deref(),
            req.generation_id,
            ctx.now,
        )
    });
    ctx.respond(HeartbeatResponse {
        error_code,
        ..Default::default()
    })
}
