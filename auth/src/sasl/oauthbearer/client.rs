//! The client side of OAUTHBEARER.

use super::message::InitialResponse;
use super::{BearerToken, KVSEP};
use crate::sasl::{ClientStep, Mechanism, SaslError};

/// The client side of one OAUTHBEARER exchange.
#[derive(Debug)]
pub struct OAuthBearerClient {
    token: BearerToken,
    extensions: Vec<(String, String)>,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initial,
    Sent,
    Finished,
}

impl OAuthBearerClient {
    /// A client presenting `token`.
    pub fn new(token: BearerToken) -> Self {
        Self {
            token,
            extensions: Vec::new(),
            state: State::Initial,
        }
    }

    /// Adds a SASL extension (Kafka's `sasl.oauthbearer.extensions`; e.g. Confluent Cloud's
    /// `logicalCluster` and `identityPoolId`). The key must be alphabetic and not `auth`.
    pub fn with_extension(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extensions.push((key.into(), value.into()));
        self
    }

    /// The token this client presents.
    pub fn token(&self) -> &BearerToken {
        &self.token
    }

    /// The GS2-framed `auth=Bearer <token>` message.
    pub fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        if self.state != State::Initial {
            return Err(SaslError::ExchangeFinished {
                mechanism: Mechanism::OAuthBearer,
            });
        }
        self.state = State::Sent;
        Ok(InitialResponse::encode(
            self.token.value.expose(),
            &self.extensions,
        ))
    }

    /// Empty server bytes mean success; anything else is the server's JSON error status,
    /// which the client acknowledges with a lone KVSEP.
    pub fn step(&mut self, server_bytes: &[u8]) -> Result<ClientStep, SaslError> {
        let state = std::mem::replace(&mut self.state, State::Finished);
        if state != State::Sent {
            return Err(SaslError::ExchangeFinished {
                mechanism: Mechanism::OAuthBearer,
            });
        }
        if server_bytes.is_empty() {
            return Ok(ClientStep::Done);
        }
        let json: serde_json::Value = serde_json::from_slice(server_bytes).map_err(|_| {
            SaslError::malformed(Mechanism::OAuthBearer, "server error is not JSON")
        })?;
        let field = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let status = field("status").ok_or_else(|| {
            SaslError::malformed(Mechanism::OAuthBearer, "server error has no status")
        })?;
        Ok(ClientStep::Fail {
            respond: vec![KVSEP],
            error: SaslError::InvalidToken {
                status,
                scope: field("scope"),
                reason: "the server rejected the token".to_owned(),
            },
        })
    }
}
