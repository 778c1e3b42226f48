//! Bearer tokens and where a client gets them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Secret;
use crate::sasl::SaslError;

/// A bearer token and when it stops being valid. A client re-authenticates (or fetches a new
/// token) before `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerToken {
    /// The compact token (for a JWT: `header.payload.signature`).
    pub value: Secret,
    /// When the token expires.
    pub expires_at: SystemTime,
}

/// Supplies OAUTHBEARER tokens. It is synchronous and takes the current time as an argument;
/// an async provider (one that calls an identity provider, or signs AWS MSK IAM requests)
/// wraps it or replaces it in the producer.
pub trait TokenProvider: Send + Sync {
    /// A token valid at `now`.
    fn token(&self, now: SystemTime) -> Result<BearerToken, SaslError>;
}

/// Always the same token.
#[derive(Debug, Clone)]
pub struct StaticTokenProvider(pub BearerToken);

impl TokenProvider for StaticTokenProvider {
    fn token(&self, _now: SystemTime) -> Result<BearerToken, SaslError> {
        Ok(self.0.clone())
    }
}

/// Makes unsecured JWTs (`alg: none`, empty signature) as Kafka's
/// `OAuthBearerUnsecuredLoginCallbackHandler` does: for tests and for brokers that validate
/// with `OAuthBearerUnsecuredValidatorCallbackHandler` (and kwire-mock).
#[derive(Debug, Clone, PartialEq)]
pub struct UnsecuredJwtProvider {
    /// The `sub` claim: the principal the broker authenticates.
    pub principal: String,
    /// The `scope` claim, omitted when empty.
    pub scope: Vec<String>,
    /// How long each token lives (Kafka's `unsecuredLoginLifetimeSeconds`, default 3600 s).
    pub lifetime: Duration,
}

impl UnsecuredJwtProvider {
    /// Tokens for `principal`, no scope, living one hour.
    pub fn new(principal: impl Into<String>) -> Self {
        Self {
            principal: principal.into(),
            scope: Vec::new(),
            lifetime: Duration::from_secs(3600),
        }
    }
}

/// Seconds since the epoch as a JSON number with millisecond precision.
pub(super) fn epoch_seconds(t: SystemTime) -> f64 {
    let ms = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as f64,
        Err(e) => -(e.duration().as_millis() as f64),
    };
    ms / 1000.0
}

impl TokenProvider for UnsecuredJwtProvider {
    fn token(&self, now: SystemTime) -> Result<BearerToken, SaslError> {
        let expires_at = now + self.lifetime;
        let mut claims = serde_json::json!({
            "sub": self.principal,
            "iat": epoch_seconds(now),
            "exp": epoch_seconds(expires_at),
        });
        if !self.scope.is_empty() {
            claims["scope"] = serde_json::Value::from(self.scope.clone());
        }
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        Ok(BearerToken {
            value: Secret::new(format!("{header}.{payload}.")),
            expires_at,
        })
    }
}
