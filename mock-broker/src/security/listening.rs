//! What a cluster's listeners need at run time, built once at start from its
//! [`SecurityConfig`]: a TLS acceptor, the SASL server configuration, and the files a
//! generated CA was written to.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kwire_auth::Secret;
use kwire_auth::sasl::{Mechanism, SaslError, SaslServerConfig, Users};
use kwire_auth::tls::{GeneratedCa, ServerTlsSettings, TlsError, server_config_from_pem};
use tokio_rustls::TlsAcceptor;

use super::{ClientAuth, SecurityConfig, SecurityProtocol};

/// What a cluster's listeners are (every broker's alike), as `GET /state` shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ListenerSecurity {
    /// `security.protocol`.
    pub security_protocol: String,
    /// `sasl.enabled.mechanisms` (SASL listeners; empty otherwise).
    pub sasl_mechanisms: Vec<String>,
    /// `connections.max.reauth.ms` (0: sessions never expire).
    pub connections_max_reauth_ms: u64,
    /// `ssl.client.auth` (TLS listeners).
    pub ssl_client_auth: Option<ClientAuth>,
}

/// Why a secured listener could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// Certificates or keys could not be read or built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A SASL setting is invalid.
    #[error(transparent)]
    Sasl(#[from] SaslError),
    /// The settings contradict each other.
    #[error("{0}")]
    Config(String),
    /// A generated file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The run-time side of a [`SecurityConfig`], shared by every listener and connection.
pub struct Listening {
    /// The listeners' protocol.
    pub protocol: SecurityProtocol,
    /// The TLS acceptor (SSL and SASL_SSL).
    pub tls: Option<TlsAcceptor>,
    /// The SASL server configuration (SASL_PLAINTEXT and SASL_SSL).
    pub sasl: Option<Arc<SaslServerConfig>>,
    /// `connections.max.reauth.ms`.
    pub max_reauth: Duration,
    /// `ssl.client.auth` (TLS listeners).
    pub client_auth: ClientAuth,
    /// The generated CA's certificate file, which clients trust.
    pub ca_location: Option<PathBuf>,
    /// With a generated CA and required client certificates: a client certificate and key it
    /// issued, for tests (`ssl.certificate.location`, `ssl.key.location`).
    pub client_certificate: Option<(PathBuf, PathBuf)>,
    /// The temporary directory made for the generated files (none when the configuration
    /// named one): removed when the cluster is dropped.
    pub temporary_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Listening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listening")
            .field("protocol", &self.protocol)
            .field("ca_location", &self.ca_location)
            .finish_non_exhaustive()
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(dir) = &self.temporary_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Listening {
    /// A plaintext listener.
    pub fn plaintext() -> Self {
        Self {
            protocol: SecurityProtocol::Plaintext,
            tls: None,
            sasl: None,
            max_reauth: Duration::ZERO,
            client_auth: ClientAuth::None,
            ca_location: None,
            client_certificate: None,
            temporary_dir: None,
        }
    }

    /// What the listeners are, as `GET /state` shows them.
    pub fn summary(&self) -> ListenerSecurity {
        ListenerSecurity {
            security_protocol: self.protocol.name().to_owned(),
            sasl_mechanisms: self
                .sasl
                .as_ref()
                .map(|s| s.mechanism_names().into_iter().map(String::from).collect())
                .unwrap_or_default(),
            connections_max_reauth_ms: u64::try_from(self.max_reauth.as_millis())
                .unwrap_or(u64::MAX),
            ssl_client_auth: self.tls.is_some().then_some(self.client_auth),
        }
    }

    /// Builds the listeners' security for `host` (the name a generated certificate is for).
    pub fn build(config: &SecurityConfig, host: &str) -> Result<Self, SecurityError> {
        let protocol = config.security_protocol;
        let mut listening = Self::plaintext();
        listening.protocol = protocol;
        listening.max_reauth = Duration::from_millis(config.connections_max_reauth_ms);
        listening.client_auth = config.ssl_client_auth;
        if protocol.sasl() {
            listening.sasl = Some(Arc::new(sasl_config(config)?));
        } else if !config.sasl_users.is_empty() {
            return Err(SecurityError::Config(format!(
                "SASL users need SASL_PLAINTEXT or SASL_SSL, not {protocol}"
            )));
        }
        if protocol.tls() {
            let server = match (&config.ssl_certificate_location, &config.ssl_key_location) {
                (Some(cert), Some(key)) => ServerTlsSettings {
                    certificate_location: cert.clone(),
                    key_location: key.clone(),
                    client_ca_location: match config.ssl_client_auth {
                        ClientAuth::Required => Some(
                            config.ssl_client_ca_location.clone().ok_or_else(|| {
                                SecurityError::Config(
                                    "ssl.client.auth=required with given certificates needs the client CA (ssl_client_ca_location)".into(),
                                )
                            })?,
                        ),
                        ClientAuth::None => None,
                    },
                }
                .build()?,
                (None, None) => listening.generate(config, host)?,
                _ => {
                    return Err(SecurityError::Config(
                        "ssl_certificate_location and ssl_key_location go together".into(),
                    ));
                }
            };
            listening.tls = Some(TlsAcceptor::from(server));
        }
        Ok(listening)
    }

    /// A CA made now, a certificate for `host` (and localhost) issued by it, and the CA
    /// written where clients can read it.
    fn generate(
        &mut self,
        config: &SecurityConfig,
        host: &str,
    ) -> Result<Arc<rustls::ServerConfig>, SecurityError> {
        let ca = GeneratedCa::new("kwire-mock CA")?;
        let dir = match &config.ssl_output_dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = fresh_dir();
                self.temporary_dir = Some(dir.clone());
                dir
            }
        };
        std::fs::create_dir_all(&dir).map_err(|source| SecurityError::Write {
            path: dir.clone(),
            source,
        })?;
        let ca_pem = ca.certificate_pem();
        let ca_path = dir.join("ca.pem");
        write(&ca_path, &ca_pem)?;
        self.ca_location = Some(ca_path);
        let mut hosts = vec![host];
        for extra in ["localhost", "127.0.0.1"] {
            if !hosts.contains(&extra) {
                hosts.push(extra);
            }
        }
        let issued = ca.issue_server(&hosts)?;
        let client_ca = match (config.ssl_client_auth, &config.ssl_client_ca_location) {
            (ClientAuth::None, _) => None,
            (ClientAuth::Required, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| SecurityError::Config(format!("{}: {e}", path.display())))?,
            ),
            (ClientAuth::Required, None) => {
                let client = ca.issue_client("kwire-client")?;
                let (cert, key) = (dir.join("client.pem"), dir.join("client-key.pem"));
                write(&cert, &client.certificate_chain_pem)?;
                write(&key, client.private_key_pem.expose())?;
                self.client_certificate = Some((cert, key));
                Some(ca_pem)
            }
        };
        Ok(server_config_from_pem(
            &issued.certificate_chain_pem,
            issued.private_key_pem.expose(),
            client_ca.as_deref(),
        )?)
    }
}

fn sasl_config(config: &SecurityConfig) -> Result<SaslServerConfig, SecurityError> {
    let mut sasl = SaslServerConfig::default();
    if !config.sasl_enabled_mechanisms.is_empty() {
        sasl.mechanisms = config
            .sasl_enabled_mechanisms
            .iter()
            .map(|m| m.parse::<Mechanism>())
            .collect::<Result<_, _>>()?;
    }
    // PLAIN passwords only: SCRAM logins check the cluster's credential store, which the
    // same users start in and AlterUserScramCredentials changes.
    let mut users = Users::new();
    for user in &config.sasl_users {
        users.add_plain_user(&user.name, Secret::new(user.password.as_str()));
    }
    sasl.users = users;
    sasl.oauthbearer
        .required_scope
        .clone_from(&config.sasl_oauthbearer_required_scope);
    Ok(sasl)
}

/// A new directory under the system's temporary directory, unique to this process and cluster.
fn fresh_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "kwire-mock-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn write(path: &Path, text: &str) -> Result<(), SecurityError> {
    std::fs::write(path, text).map_err(|source| SecurityError::Write {
        path: path.to_owned(),
        source,
    })
}
