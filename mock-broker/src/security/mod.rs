//! Secured listeners: the `security.protocol` of a cluster's listeners, its SASL users and its
//! TLS certificates ([`SecurityConfig`], part of [`crate::ClusterConfig`]); what a listener
//! builds from them at start ([`Listening`]); and the per-connection gate that runs the SASL
//! exchange before any other request is served ([`gate`]).
//!
//! The exchanges themselves are kwire-auth's state machines; this module only decides, as
//! Kafka's `SaslServerAuthenticator` does, which requests a connection may send when.

mod faults;
pub mod gate;
mod listening;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use faults::{Expiry, Rejection, SaslShared, SaslStats, SecurityFaults};
pub use kwire_auth::SecurityProtocol;
pub use listening::{ListenerSecurity, Listening, SecurityError};

/// A SASL user: it authenticates with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 with this
/// password. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaslUser {
    /// The user name.
    pub name: String,
    /// The password.
    pub password: String,
}

impl SaslUser {
    /// Parses `NAME:PASSWORD` (the password may contain colons).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some((name, password)) if !name.is_empty() => Ok(Self {
                name: name.to_owned(),
                password: password.to_owned(),
            }),
            _ => Err("expected NAME:PASSWORD for a SASL user".to_owned()),
        }
    }
}

impl fmt::Debug for SaslUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslUser")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Kafka's `ssl.client.auth`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// Clients present no certificate.
    #[default]
    None,
    /// Clients must present a certificate issued by the client CA.
    Required,
}

/// How the cluster's listeners are secured, with Kafka's config names. The default is
/// PLAINTEXT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// `security.protocol` of every broker's listener (Kafka's name in a config file).
    #[serde(with = "protocol_name")]
    pub security_protocol: SecurityProtocol,
    /// SASL users (each for PLAIN and both SCRAMs). OAUTHBEARER takes unsecured JWTs for any
    /// principal, validated as Kafka's unsecured validator does.
    pub sasl_users: Vec<SaslUser>,
    /// `sasl.enabled.mechanisms`; empty: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER.
    pub sasl_enabled_mechanisms: Vec<String>,
    /// `unsecuredValidatorRequiredScope`: scopes an OAUTHBEARER token must carry.
    pub sasl_oauthbearer_required_scope: Vec<String>,
    /// `connections.max.reauth.ms`: the session lifetime after which a client must
    /// re-authenticate (KIP-368); 0: never.
    pub connections_max_reauth_ms: u64,
    /// The listeners' certificate chain (PEM). Without it (and the key) a CA is generated at
    /// start, which issues a certificate for the listen host.
    pub ssl_certificate_location: Option<PathBuf>,
    /// The private key of `ssl_certificate_location` (unencrypted PEM).
    pub ssl_key_location: Option<PathBuf>,
    /// `ssl.client.auth`.
    pub ssl_client_auth: ClientAuth,
    /// The CA (PEM) client certificates must chain to; with a generated CA, that CA.
    pub ssl_client_ca_location: Option<PathBuf>,
    /// Where the generated CA (`ca.pem`) and, with client auth, a client certificate
    /// (`client.pem`, `client-key.pem`) are written; a fresh temporary directory by default.
    pub ssl_output_dir: Option<PathBuf>,
}

/// Serde for [`SecurityProtocol`] as Kafka's name.
mod protocol_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::SecurityProtocol;

    pub(super) fn serialize<S: Serializer>(p: &SecurityProtocol, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(p.name())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<SecurityProtocol, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_names_the_protocol_as_kafka_does() {
        let c: SecurityConfig = serde_json::from_str(
            r#"{"security_protocol": "SASL_SSL", "sasl_users": [{"name": "alice", "password": "s3cret"}],
                "connections_max_reauth_ms": 60000, "ssl_client_auth": "required"}"#,
        )
        .unwrap();
        assert_eq!(c.security_protocol, SecurityProtocol::SaslSsl);
        assert_eq!(c.sasl_users[0].name, "alice");
        assert_eq!(c.ssl_client_auth, ClientAuth::Required);
        assert!(!format!("{c:?}").contains("s3cret"));
        let back = serde_json::to_string(&c).unwrap();
        assert!(back.contains(r#""security_protocol":"SASL_SSL""#), "{back}");
        assert_eq!(serde_json::from_str::<SecurityConfig>(&back).unwrap(), c);
        assert!(serde_json::from_str::<SecurityConfig>(r#"{"security_protocol": "TLS"}"#).is_err());
        assert!(serde_json::from_str::<SecurityConfig>(r#"{"sasl_user": []}"#).is_err());
    }
}
