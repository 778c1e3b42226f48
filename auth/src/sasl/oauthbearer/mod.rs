//! OAUTHBEARER (RFC 7628, KIP-255): the client sends a bearer token in a GS2-framed
//! `auth=Bearer <token>` key-value list; the server answers with nothing on success, or with a
//! JSON error status that the client acknowledges with a lone `0x01` before the broker fails
//! the exchange.

mod client;
mod message;
pub(crate) mod server;
mod token;
mod unsecured;

pub use client::OAuthBearerClient;
pub(crate) use server::OAuthBearerServer;
pub use token::{BearerToken, StaticTokenProvider, TokenProvider, UnsecuredJwtProvider};
pub use unsecured::{TokenRejection, UnsecuredJwsValidator, ValidatedToken};

/// The byte that separates key-value pairs, and alone acknowledges a server's error.
pub const KVSEP: u8 = 0x01;

/// The server's error challenge, formatted as Kafka formats it.
pub(crate) fn error_json(status: &str, scope: Option<&str>) -> String {
    let mut out = serde_json::json!({ "status": status });
    if let Some(scope) = scope {
        out["scope"] = serde_json::Value::from(scope);
    }
    out.to_string()
}
