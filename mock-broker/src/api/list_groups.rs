//! ListGroups: the groups this broker coordinates (a client asks every broker), filtered by
//! state (v4+) and type (v5+).

use kwire_protocol::VersionRange;
use kwire_protocol::api::list_groups::{ListGroupsRequest, ListGroupsResponse, ListedGroup};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = ListGroupsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-5");

/// Handles a ListGroups request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: ListGroupsRequest) -> Outcome {
    if let Some((error_code, _)) = cluster.faults.take(ctx.header.api_key, ctx.broker, None) {
        return ctx.respond(ListGroupsResponse {
            error_code,
            ..Default::default()
        });
    }
    let groups = cluster
        .groups()
        .list(&req.states_filter, &req.types_filter)
        .into_iter()
        .filter(|g| cluster.group_coordinator(&g.group_id) == Some(ctx.broker))
        .map(|g| ListedGroup {
            group_id: g.group_id,
            protocol_type: g.protocol_type,
            group_state: g.state.to_owned(),
            group_type: g.group_type.to_owned(),
            ..Default::default()
        })
        .collect();
    ctx.respond(ListGroupsResponse {
        groups,
        ..Default::default()
    })
}
