//! SaslHandshake reaching the handlers: on a listener without SASL (on a SASL listener the
//! connection's gate, [`crate::security::gate`], takes every one). Kafka's request handler
//! answers it with ILLEGAL_SASL_STATE and no mechanisms.

use kwire_protocol::api::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = SaslHandshakeRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

/// Handles a SaslHandshake request outside an exchange.
pub fn handle(_cluster: &mut Cluster, ctx: &RequestContext<'_>, _req: SaslHandshakeRequest) -> Outcome {
    ctx.respond(SaslHandshakeResponse {
        error_code: ErrorCode::IllegalSaslState,
        ..Default::default()
    })
}
