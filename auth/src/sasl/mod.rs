//! SASL for Kafka (KIP-152: SaslHandshake, then SaslAuthenticate carrying these bytes): client
//! and server state machines for PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER.
//!
//! Both sides are plain values stepped with the peer's bytes; they never touch a socket or a
//! clock (the server takes `now` as an argument for token expiry). A driver sends
//! [`SaslClient::initial_response`] in the first SaslAuthenticate request and feeds each
//! response's `auth_bytes` to [`SaslClient::step`] until it says [`ClientStep::Done`].

mod error;
mod jaas;
pub mod oauthbearer;
pub mod plain;
pub mod scram;
mod server;
pub mod session;
mod settings;

use std::fmt;
use std::str::FromStr;

pub use error::{Exchange, SaslError};
pub use server::{
    Authenticated, SaslServer, SaslServerConfig, ScramCredentials, ServerStep, Users,
};
pub use settings::{
    ClientCredentials, ClientSaslSettings, SASL_JAAS_CONFIG, SASL_MECHANISM, SASL_PASSWORD,
    SASL_USERNAME,
};

use crate::Secret;
use oauthbearer::{BearerToken, OAuthBearerClient};
use plain::PlainClient;
use scram::{ScramClient, ScramHash};

/// A SASL mechanism, named as Kafka's `sasl.mechanism` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// `PLAIN` (RFC 4616): user name and password in the clear, so only over TLS.
    Plain,
    /// `SCRAM-SHA-256` (RFC 5802, RFC 7677).
    ScramSha256,
    /// `SCRAM-SHA-512` (RFC 5802 with SHA-512).
    ScramSha512,
    /// `OAUTHBEARER` (RFC 7628, KIP-255).
    OAuthBearer,
}

impl Mechanism {
    /// Every mechanism this crate implements.
    pub const ALL: [Mechanism; 4] = [
        Mechanism::Plain,
        Mechanism::ScramSha256,
        Mechanism::ScramSha512,
        Mechanism::OAuthBearer,
    ];

    /// The name on the wire (SaslHandshake) and in `sasl.mechanism`.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
            Mechanism::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// The SCRAM hash of a SCRAM mechanism.
    pub fn scram_hash(self) -> Option<ScramHash> {
        match self {
            Mechanism::ScramSha256 => Some(ScramHash::Sha256),
            Mechanism::ScramSha512 => Some(ScramHash::Sha512),
            Mechanism::Plain | Mechanism::OAuthBearer => None,
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mechanism {
    type Err = SaslError;

    /// Parses a mechanism name exactly as Kafka spells it (mechanism names are case-sensitive
    /// in SaslHandshake).
    fn from_str(name: &str) -> Result<Self, SaslError> {
        Mechanism::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| SaslError::UnsupportedMechanism {
                name: name.to_owned(),
            })
    }
}

/// What a client does after reading the server's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientStep {
    /// Send these bytes in another SaslAuthenticate request.
    Respond(Vec<u8>),
    /// The exchange succeeded; the connection is authenticated.
    Done,
    /// The server rejected the exchange inside the mechanism (OAUTHBEARER's error status):
    /// send these bytes, as the mechanism requires, then expect the broker's
    /// SASL_AUTHENTICATION_FAILED; `error` says why.
    Fail {
        /// The bytes the mechanism sends to end the exchange.
        respond: Vec<u8>,
        /// Why the server refused.
        error: SaslError,
    },
}

/// The client side of one SASL exchange, whatever the mechanism.
#[derive(Debug)]
pub enum SaslClient {
    /// PLAIN.
    Plain(PlainClient),
    /// SCRAM-SHA-256 or SCRAM-SHA-512.
    Scram(ScramClient),
    /// OAUTHBEARER.
    OAuthBearer(OAuthBearerClient),
}

impl SaslClient {
    /// A client for a user-name-and-password mechanism (PLAIN or either SCRAM), as Kafka's
    /// `sasl.mechanism` with `sasl.username`/`sasl.password` (or the JAAS login module's
    /// `username`/`password`) configure it. OAUTHBEARER takes a token instead:
    /// [`SaslClient::oauthbearer`].
    pub fn with_password(
        mechanism: Mechanism,
        username: impl Into<String>,
        password: Secret,
    ) -> Result<Self, SaslError> {
        match mechanism {
            Mechanism::Plain => Ok(Self::Plain(PlainClient::new(username, password))),
            Mechanism::ScramSha256 | Mechanism::ScramSha512 => Ok(Self::Scram(ScramClient::new(
                mechanism.scram_hash().expect("a SCRAM mechanism"),
                username,
                password,
            ))),
            Mechanism::OAuthBearer => Err(SaslError::UnsupportedMechanism {
                name: "OAUTHBEARER with a user name and password".to_owned(),
            }),
        }
    }

    /// An OAUTHBEARER client presenting `token`.
    pub fn oauthbearer(token: BearerToken) -> Self {
        Self::OAuthBearer(OAuthBearerClient::new(token))
    }

    /// The mechanism to name in SaslHandshake.
    pub fn mechanism(&self) -> Mechanism {
        match self {
            Self::Plain(_) => Mechanism::Plain,
            Self::Scram(c) => c.hash().mechanism(),
            Self::OAuthBearer(_) => Mechanism::OAuthBearer,
        }
    }

    /// The bytes of the first SaslAuthenticate request.
    pub fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        match self {
            Self::Plain(c) => c.initial_response(),
            Self::Scram(c) => c.initial_response(),
            Self::OAuthBearer(c) => c.initial_response(),
        }
    }

    /// Reads the `auth_bytes` of a successful SaslAuthenticate response.
    pub fn step(&mut self, server_bytes: &[u8]) -> Result<ClientStep, SaslError> {
        match self {
            Self::Plain(c) => c.step(server_bytes),
            Self::Scram(c) => c.step(server_bytes),
            Self::OAuthBearer(c) => c.step(server_bytes),
        }
    }
}

/// Random printable bytes for a SCRAM nonce: 24 bytes of OS randomness in URL-safe base64
/// (never a comma, which would end the attribute).
pub(crate) fn random_nonce() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests;
