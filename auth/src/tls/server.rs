//! The server configuration, for a broker's (or the mock's) TLS listener.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;

use super::{TlsError, pem, provider};

/// A TLS listener's settings: its certificate chain and key as PEM files, and the CA that
/// client certificates must chain to when they are required (Kafka's
/// `ssl.client.auth=required`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTlsSettings {
    /// The server's certificate chain, leaf first.
    pub certificate_location: PathBuf,
    /// The server's private key (unencrypted PEM).
    pub key_location: PathBuf,
    /// When set, clients must present a certificate issued by a CA in this PEM file.
    pub client_ca_location: Option<PathBuf>,
}

impl ServerTlsSettings {
    /// Builds the rustls configuration, reading the PEM files now.
    pub fn build(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let client_ca = match &self.client_ca_location {
            Some(path) => Some(pem::certificates(path)?),
            None => None,
        };
        build(
            pem::certificates(&self.certificate_location)?,
            pem::private_key(&self.key_location)?,
            client_ca,
        )
    }
}

/// Builds a server configuration from PEM text: a certificate chain, its key, and optionally
/// the CA certificates client certificates must chain to (which makes them required).
pub fn server_config_from_pem(
    certificate_chain: &str,
    private_key: &str,
    client_ca: Option<&str>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let inline = |reason: String| TlsError::UnreadablePem {
        path: PathBuf::from("<inline PEM>"),
        reason,
    };
    let chain = pem::certificates_from(certificate_chain.as_bytes()).map_err(inline)?;
    let key = pem::private_key_from(private_key.as_bytes()).map_err(inline)?;
    let client_ca = client_ca
        .map(|ca| pem::certificates_from(ca.as_bytes()).map_err(inline))
        .transpose()?;
    build(chain, key, client_ca)
}

fn build(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
    client_ca: Option<Vec<rustls::pki_types::CertificateDer<'static>>>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?;
    let builder = match client_ca {
        Some(certs) => {
            let roots = Arc::new(pem::root_store(certs, "the client CA")?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
                .build()
                .map_err(|e| TlsError::NoTrustAnchors {
                    reason: e.to_string(),
                })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(builder.with_single_cert(chain, key)?))
}
