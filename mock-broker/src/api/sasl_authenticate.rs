//! SaslAuthenticate reaching the handlers: on a listener without SASL, or after the
//! connection authenticated (the connection's SASL gate, [`crate::security::gate`], takes
//! those of an exchange). Kafka's request handler answers it with ILLEGAL_SASL_STATE.

use kwire_protocol::api::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = SaslAuthenticateRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-2");

/// Handles a SaslAuthenticate request outside an exchange.
pub fn handle(
    _cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    _req: SaslAuthenticateRequest,
) -> Outcome {
    ctx.respond(SaslAuthenticateResponse {
        error_code: ErrorCode::IllegalSaslState,
        error_message: Some("SaslAuthenticate request received after successful authentication".into()),
        ..Default::default()
    })
}
