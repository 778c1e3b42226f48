//! Secured connections: `security.protocol`, TLS with rustls and SASL after ApiVersions, with
//! Kafka's config names; and [`AuthError`], the typed causes of a refused connection, which the
//! producer does not retry as if they were transient.
//!
//! The SASL exchanges are kwire-auth's state machines; this module drives them over the
//! connection with SaslHandshake v1 and SaslAuthenticate.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use kwire_auth::SecurityProtocol;
use kwire_auth::sasl::oauthbearer::TokenProvider;
use kwire_auth::sasl::{ClientCredentials, ClientSaslSettings, ClientStep, SaslClient, SaslError};
use kwire_auth::tls::{ClientTlsSettings, TlsError};

/// The config names that carry secrets: never logged, never in `Debug` or error text.
pub(crate) const SECRET_KEYS: &[&str] = &["sasl.password", "sasl.jaas.config", "ssl.key.password"];

/// How the producer connects, from `security.protocol`, the `sasl.*` and the `ssl.*` configs.
/// Its `Debug` shows no password or token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecurityConfig {
    /// `security.protocol`.
    pub protocol: SecurityProtocol,
    /// The TLS settings (SSL and SASL_SSL).
    pub tls: Option<ClientTlsSettings>,
    /// The SASL settings (SASL_PLAINTEXT and SASL_SSL).
    pub sasl: Option<ClientSaslSettings>,
}

impl SecurityConfig {
    /// Reads the security configs from `(name, value)` pairs (the others are ignored).
    pub(crate) fn from_properties<'a>(
        props: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Result<Self, String> {
        let protocol = match props.clone().find(|(k, _)| *k == "security.protocol") {
            Some((_, v)) => v.parse::<SecurityProtocol>().map_err(|e| e.to_string())?,
            None => SecurityProtocol::Plaintext,
        };
        let tls = if protocol.tls() {
            Some(ClientTlsSettings::from_properties(props.clone()).map_err(|e| e.to_string())?)
        } else {
            None
        };
        let sasl = if protocol.sasl() {
            Some(ClientSaslSettings::from_properties(props).map_err(|e| e.to_string())?)
        } else {
            None
        };
        Ok(Self {
            protocol,
            tls,
            sasl,
        })
    }
}

/// Why the producer could not authenticate to a broker. These are not transient: the records
/// waiting fail with [`ProduceError::Authentication`](crate::ProduceError::Authentication).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The broker refused the credentials (SASL_AUTHENTICATION_FAILED), with its message.
    #[error("SASL {mechanism} authentication failed: {message}")]
    BadCredentials {
        /// The mechanism.
        mechanism: String,
        /// The broker's error message.
        message: String,
    },
    /// The broker does not enable the configured `sasl.mechanism`.
    #[error("SASL mechanism {mechanism} is not enabled by the broker (it offers {offered:?})")]
    UnsupportedMechanism {
        /// The configured mechanism.
        mechanism: String,
        /// The mechanisms the broker enables.
        offered: Vec<String>,
    },
    /// The exchange failed on this side (e.g. a SCRAM server signature that does not verify,
    /// or no token from the provider).
    #[error("SASL {mechanism} exchange failed: {reason}")]
    Sasl {
        /// The mechanism.
        mechanism: String,
        /// What failed.
        reason: String,
    },
    /// The broker's certificate does not chain to a trusted CA.
    #[error("TLS: untrusted broker certificate: {0}")]
    UntrustedCertificate(String),
    /// The broker's certificate is not for the host connected to.
    #[error("TLS: broker certificate name mismatch: {0}")]
    NameMismatch(String),
    /// Any other TLS handshake failure (a refused client certificate, an expired one, …).
    #[error("TLS handshake failed: {0}")]
    Tls(String),
}

impl AuthError {
    /// The typed cause of a failed TLS handshake, if it is one a retry cannot fix.
    pub(crate) fn from_tls_io(e: &std::io::Error) -> Option<Self> {
        Some(match TlsError::from_io(e)? {
            TlsError::UntrustedCertificate { reason } => Self::UntrustedCertificate(reason),
            TlsError::NameMismatch { reason } => Self::NameMismatch(reason),
            other => Self::Tls(other.to_string()),
        })
    }

    fn sasl(mechanism: &str, e: &SaslError) -> Self {
        Self::Sasl {
            mechanism: mechanism.to_owned(),
            reason: e.to_string(),
        }
    }
}

/// What every connection needs at run time: the rustls configuration (built, with its PEM
/// files read, when the producer starts) and the SASL settings with the token provider.
#[derive(Clone, Default)]
pub(crate) struct ConnSecurity {
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub sasl: Option<ClientSaslSettings>,
    pub token_provider: Option<Arc<dyn TokenProvider>>,
}

impl std::fmt::Debug for ConnSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnSecurity")
            .field("tls", &self.tls.is_some())
            .field("sasl", &self.sasl.as_ref().map(|s| s.mechanism))
            .finish_non_exhaustive()
    }
}

impl ConnSecurity {
    /// Builds the run-time side of `config`.
    pub(crate) fn new(
        config: &SecurityConfig,
        token_provider: Option<Arc<dyn TokenProvider>>,
    ) -> Result<Self, String> {
        let tls = match &config.tls {
            Some(t) => Some(t.build().map_err(|e| format!("ssl: {e}"))?),
            None => None,
        };
        if let Some(sasl) = &config.sasl
            && sasl.credentials == ClientCredentials::TokenProvider
            && token_provider.is_none()
        {
            return Err(
                    "sasl.mechanism=OAUTHBEARER without sasl.jaas.config needs a token provider (Producer::with_token_provider)"
                        .into(),
                );
        }
        Ok(Self {
            tls,
            sasl: config.sasl.clone(),
            token_provider,
        })
    }

    /// A client for one new exchange, at `now`.
    pub(crate) fn sasl_client(&self, now: SystemTime) -> Option<Result<SaslClient, AuthError>> {
        let settings = self.sasl.as_ref()?;
        let mechanism = settings.mechanism.name();
        Some(
            match (&settings.credentials, &self.token_provider) {
                (ClientCredentials::TokenProvider, Some(p)) => {
                    settings.client_with_provider(p.as_ref(), now)
                }
                _ => settings.client(now),
            }
            .map_err(|e| AuthError::sasl(mechanism, &e)),
        )
    }
}

/// One step of a SASL exchange as the connection sees it.
pub(crate) enum SaslTurn {
    /// Send these bytes in the next SaslAuthenticate request.
    Send(Bytes),
    /// Authenticated; the broker's session lifetime in milliseconds (0: none).
    Done,
}

/// Reads a SaslAuthenticate response with the client: the next bytes to send, done, or the
/// typed failure.
pub(crate) fn on_authenticate_response(
    client: &mut SaslClient,
    error_code: kwire_protocol::ErrorCode,
    error_message: Option<&str>,
    auth_bytes: &[u8],
) -> Result<SaslTurn, AuthError> {
    let mechanism = client.mechanism().name();
    if error_code != kwire_protocol::ErrorCode::None {
        return Err(AuthError::BadCredentials {
            mechanism: mechanism.to_owned(),
            message: error_message.unwrap_or(error_code.name()).to_owned(),
        });
    }
    match client.step(auth_bytes) {
        Ok(ClientStep::Respond(bytes)) => Ok(SaslTurn::Send(bytes.into())),
        Ok(ClientStep::Done) => Ok(SaslTurn::Done),
        Ok(ClientStep::Fail { error, .. }) | Err(error) => Err(AuthError::sasl(mechanism, &error)),
    }
}
