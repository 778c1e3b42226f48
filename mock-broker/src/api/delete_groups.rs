//! DeleteGroups: empty groups go with their committed offsets; a group with members gets
//! NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.

use kwire_protocol::VersionRange;
use kwire_protocol::api::delete_groups::{
    DeletableGroupResult, DeleteGroupsRequest, DeleteGroupsResponse,
};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DeleteGroupsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-2");

/// Handles a DeleteGroups request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: DeleteGroupsRequest) -> Outcome {
    let results = req
        .groups_names
        .iter()
        .map(|g| {
            let error_code = coordinated::refusal(cluster, ctx, g).unwrap_or_else(|| {
                cluster.groups_mut().delete_groups(std::slice::from_ref(g), ctx.now)[0]
            });
            DeletableGroupResult {
                group_id: g.clone(),
                error_code,
                ..Default::default()
            }
        })
        .collect();
    ctx.respond(DeleteGroupsResponse {
        results,
        ..Default::default()
    })
}
