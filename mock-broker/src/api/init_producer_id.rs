//! InitProducerId: producer ids for idempotent producers. Without a transactional id Kafka
//! hands out a new id at epoch 0 whatever id and epoch the request carries (an idempotent
//! producer bumps its epoch itself, KIP-360). Transactions are not modelled: a transactional
//! id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED, a clear non-retriable error.

use kwire_protocol::api::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use kwire_protocol::{ApiKey, ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = InitProducerIdRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-5");

/// Handles an InitProducerId request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: InitProducerIdRequest,
) -> Outcome {
    let broker = ctx.broker;
    let mut resp = InitProducerIdResponse {
        producer_id: -1,
        producer_epoch: -1,
        ..Default::default()
    };
    if let Some((e, _)) = cluster.faults.take(ApiKey::INIT_PRODUCER_ID, broker, None) {
        resp.error_code = e;
    } else if req.transactional_id.is_some() {
        resp.error_code = ErrorCode::TransactionalIdAuthorizationFailed;
    } else {
        let (id, epoch) = cluster.init_producer_id();
        resp.producer_id = id;
        resp.producer_epoch = epoch;
    }
    ctx.respond(resp)
}
