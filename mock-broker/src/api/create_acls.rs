//! CreateAcls: with no authorizer (see `acls`), every creation fails with
//! SECURITY_DISABLED and Kafka's message, one result per creation in request order. A creation
//! with an UNKNOWN code closes the connection, as Kafka's request class refuses it.

use kwire_protocol::api::create_acls::{AclCreationResult, CreateAclsRequest, CreateAclsResponse};
use kwire_protocol::{ErrorCode, VersionRange};

use super::acls::{NO_AUTHORIZER_ALTER, names_unknown};
use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = CreateAclsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-3");

/// Handles a CreateAcls request.
pub fn handle(_: &mut Cluster, ctx: &RequestContext<'_>, req: CreateAclsRequest) -> Outcome {
    if req.creations.iter().any(|c| {
        names_unknown(
            c.resource_type,
            c.resource_pattern_type,
            c.operation,
            c.permission_type,
        )
    }) {
        return ctx.refuse("a creation contains UNKNOWN elements");
    }
    let results = req
        .creations
        .iter()
        .map(|_| AclCreationResult {
            error_code: ErrorCode::SecurityDisabled,
            error_message: Some(NO_AUTHORIZER_ALTER.into()),
            ..Default::default()
        })
        .collect();
    ctx.respond(CreateAclsResponse {
        results,
        ..Default::default()
    })
}
