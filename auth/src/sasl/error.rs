//! Why a SASL exchange failed, on either side.

use thiserror::Error;

use super::Mechanism;

/// The cause of a failed SASL exchange. Client and server state machines return it; none of
/// its variants carries a password, a proof or a token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SaslError {
    /// The mechanism is not one this crate implements, or not one this server enables.
    #[error("unsupported SASL mechanism {name:?}")]
    UnsupportedMechanism {
        /// The mechanism name as given.
        name: String,
    },
    /// The server knows no such user (or, with `tokenauth`, no such delegation token).
    #[error("authentication failed: unknown user {user:?}")]
    UnknownUser {
        /// The user name (or token id) the client sent.
        user: String,
    },
    /// The password or the SCRAM client proof is wrong.
    #[error("authentication failed: invalid credentials for user {user:?}")]
    BadCredentials {
        /// The user name the client sent.
        user: String,
    },
    /// The client asked to act as an authorization id other than the one it authenticated as.
    #[error("authorization id {authzid:?} differs from the authenticated identity {user:?}")]
    AuthorizationIdMismatch {
        /// The requested authorization id.
        authzid: String,
        /// The authenticated user or token principal.
        user: String,
    },
    /// A message does not have the syntax its mechanism defines.
    #[error("malformed {mechanism} message: {reason}")]
    Malformed {
        /// The mechanism whose message it was.
        mechanism: Mechanism,
        /// What is wrong with it.
        reason: String,
    },
    /// SCRAM: the server's nonce does not start with the client's, or the client's final nonce
    /// is not the combined nonce the server sent.
    #[error("SCRAM nonce mismatch")]
    NonceMismatch,
    /// SCRAM: the channel-binding attribute does not repeat the GS2 header.
    #[error("SCRAM channel binding does not match the GS2 header")]
    ChannelBindingMismatch,
    /// SCRAM: the server asked for fewer iterations than Kafka's minimum.
    #[error("SCRAM iteration count {iterations} is below the minimum {minimum}")]
    IterationCountTooLow {
        /// The count the server sent.
        iterations: u32,
        /// The smallest count accepted.
        minimum: u32,
    },
    /// SCRAM: a credential was to be made with more iterations than Kafka accepts.
    #[error("SCRAM iteration count {iterations} is above the maximum {maximum}")]
    IterationCountTooHigh {
        /// The count requested.
        iterations: u32,
        /// The largest count accepted.
        maximum: u32,
    },
    /// SCRAM: the server's signature does not verify, so the server does not hold this user's
    /// credential (or the exchange was tampered with).
    #[error("SCRAM server signature does not verify")]
    ServerSignatureMismatch,
    /// SCRAM: the server ended the exchange with an `e=` error attribute.
    #[error("SCRAM server error: {message}")]
    ServerError {
        /// The server's error value.
        message: String,
    },
    /// OAUTHBEARER: the token was rejected (by this server's validation, or by the server the
    /// client talks to, which answered with an error status).
    #[error("invalid OAUTHBEARER token ({status}): {reason}")]
    InvalidToken {
        /// RFC 7628 status: `invalid_token` or `insufficient_scope`.
        status: String,
        /// The scope the server requires, when it said so.
        scope: Option<String>,
        /// Why, as far as it is known.
        reason: String,
    },
    /// OAUTHBEARER: the token provider could not supply a token.
    #[error("OAUTHBEARER token provider failed: {reason}")]
    TokenProvider {
        /// What the provider reported.
        reason: String,
    },
    /// A client configuration value is missing or not one Kafka accepts.
    #[error("invalid {name}: {reason}")]
    InvalidConfig {
        /// The config name.
        name: &'static str,
        /// What is wrong (never the value, which may be a secret).
        reason: String,
    },
    /// A re-authentication (KIP-368) named another mechanism than the connection's session
    /// was authenticated with: Kafka answers the SaslHandshake, then closes the connection
    /// at the next request without answering it.
    #[error(
        "SASL mechanism '{requested}' requested by client is not supported for re-authentication of mechanism '{original}'"
    )]
    MechanismChanged {
        /// The mechanism of the session being re-authenticated.
        original: Mechanism,
        /// The mechanism the re-authentication asked for.
        requested: Mechanism,
    },
    /// A re-authentication (KIP-368) proved another principal than the connection's: Kafka
    /// answers SASL_AUTHENTICATION_FAILED and closes the connection.
    #[error("Cannot change principals during re-authentication from User.{from}: User.{to}")]
    PrincipalChanged {
        /// The principal the connection was authenticated as.
        from: String,
        /// The principal the re-authentication proved.
        to: String,
    },
    /// A message arrived after the exchange had already finished or failed.
    #[error("SASL {mechanism} exchange already finished")]
    ExchangeFinished {
        /// The mechanism of the exchange.
        mechanism: Mechanism,
    },
}

impl SaslError {
    pub(crate) fn malformed(mechanism: Mechanism, reason: impl Into<String>) -> Self {
        Self::Malformed {
            mechanism,
            reason: reason.into(),
        }
    }

    /// The error message a Kafka broker puts in its SaslAuthenticate response for this
    /// failure: the specific text Kafka's own authenticators use where Kafka shows one, and
    /// Kafka's generic text otherwise, so that nothing beyond what Kafka reveals is revealed
    /// (an unknown user and a wrong SCRAM proof read the same).
    pub fn broker_message(&self, mechanism: Mechanism) -> String {
        self.broker_message_during(mechanism, Exchange::Authentication)
    }

    /// [`Self::broker_message`] for a failure during `exchange`: Kafka's generic text names
    /// it ("during authentication" or "during re-authentication"), and a changed principal
    /// has its own text.
    pub fn broker_message_during(&self, mechanism: Mechanism, exchange: Exchange) -> String {
        match (self, mechanism) {
            (Self::PrincipalChanged { .. } | Self::MechanismChanged { .. }, _) => self.to_string(),
            (Self::UnknownUser { .. } | Self::BadCredentials { .. }, Mechanism::Plain) => {
                "Authentication failed: Invalid username or password".to_owned()
            }
            (Self::AuthorizationIdMismatch { .. }, Mechanism::Plain | Mechanism::ScramSha256 | Mechanism::ScramSha512) => {
                "Authentication failed: Client requested an authorization id that is different from username".to_owned()
            }
            (Self::InvalidToken { status, scope, .. }, Mechanism::OAuthBearer) => {
                super::oauthbearer::error_json(status, scope.as_deref())
            }
            _ => format!(
                "Authentication failed during {exchange} due to invalid credentials with SASL mechanism {mechanism}"
            ),
        }
    }
}

/// Which exchange of a connection failed: its first login, or a re-authentication (KIP-368)
/// of its session. Displays as Kafka's broker names it in its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// The connection's first login.
    Authentication,
    /// A later login on the same connection, renewing its session.
    Reauthentication,
}

impl std::fmt::Display for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Exchange::Authentication => "authentication",
            Exchange::Reauthentication => "re-authentication",
        })
    }
}
