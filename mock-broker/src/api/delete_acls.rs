//! DeleteAcls: with no authorizer (see `acls`), every filter fails with
//! SECURITY_DISABLED and Kafka's message and matches nothing, one result per filter in request
//! order. A filter with an UNKNOWN code closes the connection, as Kafka's request class
//! refuses it.

use kwire_protocol::api::delete_acls::{
    DeleteAclsFilterResult, DeleteAclsRequest, DeleteAclsResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::acls::{NO_AUTHORIZER_ALTER, names_unknown};
use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DeleteAclsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-3");

/// Handles a DeleteAcls request.
pub fn handle(_: &mut Cluster, ctx: &RequestContext<'_>, req: DeleteAclsRequest) -> Outcome {
    if req.filters.iter().any(|f| {
        names_unknown(
            f.resource_type_filter,
            f.pattern_type_filter,
            f.operation,
            f.permission_type,
        )
    }) {
        return ctx.refuse("a filter contains UNKNOWN elements");
    }
    let filter_results = req
        .filters
        .iter()
        .map(|_| DeleteAclsFilterResult {
            error_code: ErrorCode::SecurityDisabled,
            error_message: Some(NO_AUTHORIZER_ALTER.into()),
            ..Default::default()
        })
        .collect();
    ctx.respond(DeleteAclsResponse {
        filter_results,
        ..Default::default()
    })
}
