//! The server side of OAUTHBEARER with unsecured-JWT validation.

use std::time::SystemTime;

use super::message::InitialResponse;
use super::{KVSEP, UnsecuredJwsValidator, ValidatedToken, error_json};
use crate::sasl::SaslError;

/// The server side of one OAUTHBEARER exchange.
#[derive(Debug, Default)]
pub(crate) struct OAuthBearerServer {
    /// The refusal sent as a challenge, waiting for the client's KVSEP.
    rejected: Option<SaslError>,
}

/// What the server does next.
pub(crate) enum OAuthBearerServerStep {
    /// Send the JSON error status and wait for the client's KVSEP.
    Challenge(Vec<u8>),
    /// The token is valid.
    Authenticated(ValidatedToken),
}

impl OAuthBearerServer {
    pub fn step(
        &mut self,
        validator: &UnsecuredJwsValidator,
        client_bytes: &[u8],
        now: SystemTime,
    ) -> Result<OAuthBearerServerStep, SaslError> {
        if let Some(error) = self.rejected.take() {
            // As Kafka's server: the KVSEP acknowledgement ends the exchange with the refusal;
            // anything else is read as a new initial response.
            if client_bytes == [KVSEP] {
                return Err(error);
            }
        }
        let initial = InitialResponse::parse(client_bytes)?;
        match validator.validate(&initial.token, now) {
            Ok(token) => {
                if !initial.authzid.is_empty() && initial.authzid != token.principal {
                    return Err(SaslError::AuthorizationIdMismatch {
                        authzid: initial.authzid,
                        user: token.principal,
                    });
                }
                Ok(OAuthBearerServerStep::Authenticated(token))
            }
            Err(rejection) => {
                tracing::debug!(reason = %rejection.reason, "OAUTHBEARER token rejected");
                let challenge =
                    error_json(rejection.status, rejection.scope.as_deref()).into_bytes();
                self.rejected = Some(SaslError::InvalidToken {
                    status: rejection.status.to_owned(),
                    scope: rejection.scope,
                    reason: rejection.reason,
                });
                Ok(OAuthBearerServerStep::Challenge(challenge))
            }
        }
    }
}
