//! The client configuration, from Kafka's `ssl.*` config names.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use super::{TlsError, pem, provider};

/// `ssl.ca.location`: a PEM file of CA certificates to trust instead of the system's roots.
pub const SSL_CA_LOCATION: &str = "ssl.ca.location";
/// `ssl.certificate.location`: the client's certificate chain (PEM), for mTLS.
pub const SSL_CERTIFICATE_LOCATION: &str = "ssl.certificate.location";
/// `ssl.key.location`: the client's private key (PEM), for mTLS.
pub const SSL_KEY_LOCATION: &str = "ssl.key.location";
/// `ssl.key.password`: the password of an encrypted key (not supported).
pub const SSL_KEY_PASSWORD: &str = "ssl.key.password";
/// `ssl.endpoint.identification.algorithm`: `https` (the default) verifies the broker's host
/// name; empty (or librdkafka's `none`) does not.
pub const SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: &str = "ssl.endpoint.identification.algorithm";

/// A client's TLS settings, named after Kafka's configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTlsSettings {
    /// `ssl.ca.location`; `None` trusts the system's root certificates.
    pub ca_location: Option<PathBuf>,
    /// `ssl.certificate.location`.
    pub certificate_location: Option<PathBuf>,
    /// `ssl.key.location`.
    pub key_location: Option<PathBuf>,
    /// `ssl.endpoint.identification.algorithm` is `https`: the certificate must name the
    /// host connected to.
    pub verify_hostname: bool,
}

impl Default for ClientTlsSettings {
    /// System roots, no client certificate, host names verified.
    fn default() -> Self {
        Self {
            ca_location: None,
            certificate_location: None,
            key_location: None,
            verify_hostname: true,
        }
    }
}

impl ClientTlsSettings {
    /// Reads the `ssl.*` configs this module knows from `(name, value)` pairs and ignores the
    /// rest (they belong to other parts of a client's configuration).
    pub fn from_properties<'a>(
        properties: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, TlsError> {
        let mut settings = Self::default();
        for (name, value) in properties {
            let path = || (!value.is_empty()).then(|| PathBuf::from(value));
            match name {
                SSL_CA_LOCATION => settings.ca_location = path(),
                SSL_CERTIFICATE_LOCATION => settings.certificate_location = path(),
                SSL_KEY_LOCATION => settings.key_location = path(),
                SSL_KEY_PASSWORD if !value.is_empty() => {
                    return Err(TlsError::Unsupported {
                        name: SSL_KEY_PASSWORD,
                        reason: "encrypted private keys are not supported; decrypt the key to an unencrypted PKCS#8 PEM file",
                    });
                }
                SSL_ENDPOINT_IDENTIFICATION_ALGORITHM => {
                    settings.verify_hostname = match value.to_ascii_lowercase().as_str() {
                        "https" => true,
                        "" | "none" => false,
                        _ => {
                            return Err(TlsError::InvalidConfig {
                                name: SSL_ENDPOINT_IDENTIFICATION_ALGORITHM,
                                value: value.to_owned(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(settings)
    }

    /// Builds the rustls configuration, reading the PEM files now so that a bad path fails at
    /// start rather than at the first connection.
    pub fn build(&self) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        let roots = Arc::new(match &self.ca_location {
            Some(path) => pem::root_store(pem::certificates(path)?, &path.display().to_string())?,
            None => system_roots()?,
        });
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?;
        let builder = if self.verify_hostname {
            builder.with_root_certificates(roots)
        } else {
            let inner = WebPkiServerVerifier::builder_with_provider(roots, provider())
                .build()
                .map_err(|e| TlsError::NoTrustAnchors {
                    reason: e.to_string(),
                })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyHostName(inner)))
        };
        let config = match (&self.certificate_location, &self.key_location) {
            (Some(cert), Some(key)) => {
                builder.with_client_auth_cert(pem::certificates(cert)?, pem::private_key(key)?)?
            }
            (None, None) => builder.with_no_client_auth(),
            (Some(_), None) | (None, Some(_)) => {
                return Err(TlsError::InvalidConfig {
                    name: if self.key_location.is_none() {
                        SSL_KEY_LOCATION
                    } else {
                        SSL_CERTIFICATE_LOCATION
                    },
                    value: "(unset: a client certificate needs both a certificate and a key)"
                        .to_owned(),
                });
            }
        };
        Ok(Arc::new(config))
    }
}

/// The host name (or IP address) to verify a broker's certificate against.
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(host.to_owned()).map_err(|_| TlsError::InvalidServerName {
        name: host.to_owned(),
    })
}

fn system_roots() -> Result<rustls::RootCertStore, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        return Err(TlsError::NoTrustAnchors {
            reason: format!(
                "the system has no root certificates ({}); set {SSL_CA_LOCATION}",
                errors.join("; ")
            ),
        });
    }
    pem::root_store(found.certs, "the system's root certificates")
}

/// Verifies the chain as usual and accepts a certificate for any host name: what an empty
/// `ssl.endpoint.identification.algorithm` asks for.
#[derive(Debug)]
struct AnyHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
