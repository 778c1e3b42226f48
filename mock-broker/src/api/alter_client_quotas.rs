//! AlterClientQuotas: sets and removes quota values of users, client ids and IP addresses,
//! with Kafka's per-entry rules (see [`crate::cluster::quotas`]), as `kafka-configs.sh --alter
//! --entity-type users|clients|ips --add-config producer_byte_rate=…` does. The values are
//! stored and described; the mock does not throttle clients by them.

use kwire_protocol::api::alter_client_quotas::{
    AlterClientQuotasRequest, AlterClientQuotasResponse, EntityData, EntryResult,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;
use crate::cluster::quotas::Alteration;

/// The request this module answers.
pub type Request = AlterClientQuotasRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

/// Handles an AlterClientQuotas request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: AlterClientQuotasRequest,
) -> Outcome {
    let alterations: Vec<_> = req
        .entries
        .iter()
        .map(|e| Alteration {
            entity: e
                .entity
                .iter()
                .map(|d| (d.entity_type.as_str(), d.entity_name.as_deref()))
                .collect(),
            ops: e
                .ops
                .iter()
                .map(|o| (o.key.as_str(), (!o.remove).then_some(o.value)))
                .collect(),
        })
        .collect();
    let entries = cluster
        .quotas_mut()
        .alter(&alterations, req.validate_only)
        .into_iter()
        .map(|(entity, error)| {
            let (error_code, error_message) = match error {
                Some((code, message)) => (code, Some(message)),
                None => (ErrorCode::None, None),
            };
            EntryResult {
                error_code,
                error_message,
                entity: entity
                    .into_iter()
                    .map(|(entity_type, entity_name)| EntityData {
                        entity_type,
                        entity_name,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    ctx.respond(AlterClientQuotasResponse {
        entries,
        ..Default::default()
    })
}
