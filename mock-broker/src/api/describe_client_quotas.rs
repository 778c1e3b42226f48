//! DescribeClientQuotas: the quotas of the entities a filter matches (see
//! [`crate::cluster::quotas`]), as `kafka-configs.sh --describe --entity-type users|clients|ips`
//! lists them. A filter Kafka refuses gets its error and message and no entries.

use kwire_protocol::api::describe_client_quotas::{
    DescribeClientQuotasRequest, DescribeClientQuotasResponse, EntityData, EntryData, ValueData,
};
use kwire_protocol::VersionRange;

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;
use crate::cluster::quotas::Component;

/// The request this module answers.
pub type Request = DescribeClientQuotasRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

/// Handles a DescribeClientQuotas request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeClientQuotasRequest,
) -> Outcome {
    let components: Vec<_> = req
        .components
        .iter()
        .map(|c| Component {
            entity_type: &c.entity_type,
            match_type: c.match_type,
            name: c.r#match.as_deref(),
        })
        .collect();
    let response = match cluster.quotas().describe(&components, req.strict) {
        Ok(found) => DescribeClientQuotasResponse {
            // Kafka's default for the field: empty, not null.
            error_message: Some(String::new()),
            entries: Some(
                found
                    .into_iter()
                    .map(|(entity, values)| EntryData {
                        entity: entity
                            .iter()
                            .map(|(t, n)| EntityData {
                                entity_type: t.clone(),
                                entity_name: n.clone(),
                                ..Default::default()
                            })
                            .collect(),
                        values: values
                            .iter()
                            .map(|(k, &v)| ValueData {
                                key: k.clone(),
                                value: v,
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        },
        Err((error_code, message)) => DescribeClientQuotasResponse {
            error_code,
            error_message: Some(message),
            entries: None,
            ..Default::default()
        },
    };
    ctx.respond(response)
}
