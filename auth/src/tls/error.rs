//! Why a TLS configuration could not be built or a handshake failed.

use std::path::PathBuf;

use rustls::{AlertDescription, CertificateError};
use thiserror::Error;

/// The cause of a TLS failure, typed so that a caller can tell a misconfiguration from an
/// untrusted peer and neither from a transient network error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("cannot use PEM file {path}: {reason}")]
    UnreadablePem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A config value is not one Kafka accepts.
    #[error("invalid value {value:?} for {name}")]
    InvalidConfig {
        /// The config name.
        name: &'static str,
        /// The value given.
        value: String,
    },
    /// A config this implementation does not support (e.g. an encrypted private key).
    #[error("{name} is not supported: {reason}")]
    Unsupported {
        /// The config name.
        name: &'static str,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// No trust anchors: the system has no root certificates and no `ssl.ca.location` was
    /// given, or the CA file holds no certificate rustls accepts.
    #[error("no trusted CA certificates: {reason}")]
    NoTrustAnchors {
        /// Where the roots were looked for.
        reason: String,
    },
    /// The peer's certificate does not chain to a trusted CA (or its signature is bad).
    #[error("untrusted certificate: {reason}")]
    UntrustedCertificate {
        /// rustls' reason.
        reason: String,
    },
    /// The server's certificate is valid but not for the host name connected to.
    #[error("certificate name mismatch: {reason}")]
    NameMismatch {
        /// rustls' reason, naming the presented names where known.
        reason: String,
    },
    /// The peer's certificate is expired or not yet valid.
    #[error("certificate outside its validity period: {reason}")]
    CertificateExpired {
        /// rustls' reason.
        reason: String,
    },
    /// The server requires a client certificate and none was presented.
    #[error("the server requires a client certificate")]
    ClientCertificateRequired,
    /// The server refused the client's certificate.
    #[error("the server refused the client certificate ({alert:?})")]
    ClientCertificateRejected {
        /// The TLS alert the server sent.
        alert: AlertDescription,
    },
    /// The host name is not a valid DNS name or IP address.
    #[error("invalid server name {name:?}")]
    InvalidServerName {
        /// The name given.
        name: String,
    },
    /// Generating a certificate failed.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// Any other TLS failure (configuration or handshake).
    #[error("TLS error: {0}")]
    Tls(rustls::Error),
}

impl From<rustls::Error> for TlsError {
    /// Classifies a rustls error by cause.
    fn from(error: rustls::Error) -> Self {
        use rustls::Error as E;
        let reason = error.to_string();
        match &error {
            E::InvalidCertificate(cert) => match cert {
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => Self::NameMismatch { reason },
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. } => {
                    Self::CertificateExpired { reason }
                }
                _ => Self::UntrustedCertificate { reason },
            },
            E::NoCertificatesPresented => Self::ClientCertificateRequired,
            E::AlertReceived(
                alert @ (AlertDescription::CertificateRequired
                | AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::CertificateExpired),
            ) => {
                if *alert == AlertDescription::CertificateRequired {
                    Self::ClientCertificateRequired
                } else {
                    Self::ClientCertificateRejected { alert: *alert }
                }
            }
            _ => Self::Tls(error),
        }
    }
}

impl TlsError {
    /// The TLS cause of an IO error from a TLS stream (tokio-rustls reports handshake
    /// failures as `io::Error`s wrapping a `rustls::Error`), or `None` when the error is not
    /// a TLS one (a reset, a timeout) and may be transient.
    pub fn from_io(error: &std::io::Error) -> Option<Self> {
        error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(|e| Self::from(e.clone()))
    }
}
