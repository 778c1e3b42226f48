//! rustls configurations for Kafka connections.
//!
//! * [`ClientTlsSettings`]: a client configuration from Kafka's `ssl.*` names — system roots
//!   unless `ssl.ca.location` names a PEM file, a client certificate for mTLS from
//!   `ssl.certificate.location` and `ssl.key.location`, host-name verification unless
//!   `ssl.endpoint.identification.algorithm` is empty.
//! * [`ServerTlsSettings`]: a server configuration from PEM files, with an optional
//!   client-certificate requirement.
//! * [`GeneratedCa`]: a CA made at start, which issues a server certificate for the listen
//!   host (and client certificates for tests); its PEM is what clients trust.
//! * [`TlsError`]: typed causes, including the handshake failures a connection reports
//!   ([`TlsError::from_io`]).
//!
//! The cryptography is rustls' `ring` provider; nothing here does IO beyond reading the named
//! PEM files.

mod client;
mod error;
mod generated;
mod pem;
mod server;

use std::sync::Arc;

pub use client::{ClientTlsSettings, server_name};
pub use error::TlsError;
pub use generated::{GeneratedCa, IssuedCertificate};
pub use server::{ServerTlsSettings, server_config_from_pem};

/// The crypto provider every configuration here uses.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests;
