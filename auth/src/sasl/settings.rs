//! A client's SASL settings from Kafka's config names: `sasl.mechanism`, librdkafka's
//! `sasl.username`/`sasl.password`, and Java's `sasl.jaas.config` for the PLAIN, SCRAM and
//! OAUTHBEARER (unsecured) login modules.

use std::time::{Duration, SystemTime};

use super::oauthbearer::{TokenProvider, UnsecuredJwtProvider};
use super::scram::{ScramClient, TOKEN_AUTH_EXTENSION};
use super::{Mechanism, SaslClient, SaslError, jaas};
use crate::Secret;

/// `sasl.mechanism`.
pub const SASL_MECHANISM: &str = "sasl.mechanism";
/// `sasl.username` (librdkafka).
pub const SASL_USERNAME: &str = "sasl.username";
/// `sasl.password` (librdkafka).
pub const SASL_PASSWORD: &str = "sasl.password";
/// `sasl.jaas.config` (Java).
pub const SASL_JAAS_CONFIG: &str = "sasl.jaas.config";

/// Where a client's credentials come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientCredentials {
    /// A user name and password (PLAIN, SCRAM); with `token_auth`, a delegation token id and
    /// its HMAC (SCRAM only).
    Password {
        /// The user name or token id.
        username: String,
        /// The password or token HMAC.
        password: Secret,
        /// SCRAM's `tokenauth=true` extension.
        token_auth: bool,
    },
    /// OAUTHBEARER with unsecured JWTs made locally (Java's `OAuthBearerLoginModule` with
    /// `unsecuredLoginStringClaim_sub`).
    UnsecuredJwt(UnsecuredJwtProvider),
    /// OAUTHBEARER with tokens from a provider the application supplies.
    TokenProvider,
}

/// The SASL part of a client's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSaslSettings {
    /// `sasl.mechanism`.
    pub mechanism: Mechanism,
    /// The credentials.
    pub credentials: ClientCredentials,
}

const PLAIN_MODULE: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
const OAUTHBEARER_MODULE: &str =
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

fn invalid(name: &'static str, reason: impl Into<String>) -> SaslError {
    SaslError::InvalidConfig {
        name,
        reason: reason.into(),
    }
}

impl ClientSaslSettings {
    /// Reads the SASL configs from `(name, value)` pairs, ignoring other names; for a client
    /// whose `security.protocol` is SASL_PLAINTEXT or SASL_SSL. `sasl.mechanism` defaults to
    /// Kafka's `GSSAPI`, which is unsupported. `sasl.jaas.config` wins over
    /// `sasl.username`/`sasl.password` when both are given, as in clients that read both.
    pub fn from_properties<'a>(
        properties: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SaslError> {
        let (mut mechanism, mut username, mut password, mut jaas_text) =
            ("GSSAPI", None, None, None);
        for (name, value) in properties {
            match name {
                SASL_MECHANISM => mechanism = value,
                SASL_USERNAME => username = Some(value),
                SASL_PASSWORD => password = Some(value),
                SASL_JAAS_CONFIG => jaas_text = Some(value),
                _ => {}
            }
        }
        let mechanism: Mechanism = mechanism.trim().parse()?;
        let credentials =
            match jaas_text {
                Some(text) => from_jaas(mechanism, &jaas::parse(text)?)?,
                None if mechanism == Mechanism::OAuthBearer => ClientCredentials::TokenProvider,
                None => ClientCredentials::Password {
                    username: username
                        .filter(|u| !u.is_empty())
                        .ok_or_else(|| invalid(SASL_USERNAME, format!("required for {mechanism}")))?
                        .to_owned(),
                    password: Secret::new(password.ok_or_else(|| {
                        invalid(SASL_PASSWORD, format!("required for {mechanism}"))
                    })?),
                    token_auth: false,
                },
            };
        Ok(Self {
            mechanism,
            credentials,
        })
    }

    /// A client for one new exchange (a fresh SCRAM nonce; a fresh unsecured JWT issued at
    /// `now`). [`ClientCredentials::TokenProvider`] needs the application's provider:
    /// [`ClientSaslSettings::client_with_provider`].
    pub fn client(&self, now: SystemTime) -> Result<SaslClient, SaslError> {
        match &self.credentials {
            ClientCredentials::Password {
                username,
                password,
                token_auth: true,
            } => {
                let hash = self.mechanism.scram_hash().ok_or_else(|| {
                    invalid(SASL_JAAS_CONFIG, "tokenauth needs a SCRAM mechanism")
                })?;
                Ok(SaslClient::Scram(ScramClient::delegation_token(
                    hash,
                    username.clone(),
                    password.clone(),
                )))
            }
            ClientCredentials::Password {
                username, password, ..
            } => SaslClient::with_password(self.mechanism, username.clone(), password.clone()),
            ClientCredentials::UnsecuredJwt(provider) => {
                Ok(SaslClient::oauthbearer(provider.token(now)?))
            }
            ClientCredentials::TokenProvider => Err(SaslError::TokenProvider {
                reason: "OAUTHBEARER without sasl.jaas.config needs a token provider".to_owned(),
            }),
        }
    }

    /// A client for one new OAUTHBEARER exchange with a token from `provider`.
    pub fn client_with_provider(
        &self,
        provider: &dyn TokenProvider,
        now: SystemTime,
    ) -> Result<SaslClient, SaslError> {
        Ok(SaslClient::oauthbearer(provider.token(now)?))
    }
}

fn from_jaas(
    mechanism: Mechanism,
    module: &jaas::JaasModule,
) -> Result<ClientCredentials, SaslError> {
    let expected = match mechanism {
        Mechanism::Plain => PLAIN_MODULE,
        Mechanism::ScramSha256 | Mechanism::ScramSha512 => SCRAM_MODULE,
        Mechanism::OAuthBearer => OAUTHBEARER_MODULE,
    };
    if module.class != expected {
        return Err(invalid(
            SASL_JAAS_CONFIG,
            format!("{mechanism} needs {expected}, not {}", module.class),
        ));
    }
    let option = |name: &str| module.options.get(name).map(String::as_str);
    if mechanism == Mechanism::OAuthBearer {
        let Some(sub) = option("unsecuredLoginStringClaim_sub") else {
            return Ok(ClientCredentials::TokenProvider);
        };
        let mut provider = UnsecuredJwtProvider::new(sub);
        if let Some(seconds) = option("unsecuredLoginLifetimeSeconds") {
            let seconds: u64 = seconds.parse().map_err(|_| {
                invalid(
                    SASL_JAAS_CONFIG,
                    "unsecuredLoginLifetimeSeconds is not a number",
                )
            })?;
            provider.lifetime = Duration::from_secs(seconds);
        }
        if let Some(scope) = option("unsecuredLoginListClaim_scope") {
            // Kafka's list claims: the first character is the separator.
            let mut chars = scope.chars();
            if let Some(sep) = chars.next() {
                provider.scope = chars
                    .as_str()
                    .split(sep)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
        }
        return Ok(ClientCredentials::UnsecuredJwt(provider));
    }
    Ok(ClientCredentials::Password {
        username: option("username")
            .ok_or_else(|| invalid(SASL_JAAS_CONFIG, "username option missing"))?
            .to_owned(),
        password: Secret::new(
            option("password")
                .ok_or_else(|| invalid(SASL_JAAS_CONFIG, "password option missing"))?,
        ),
        token_auth: option(TOKEN_AUTH_EXTENSION).is_some_and(|v| v.eq_ignore_ascii_case("true")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<ClientSaslSettings, SaslError> {
        ClientSaslSettings::from_properties(pairs.iter().copied())
    }

    #[test]
    fn librdkafka_names_give_a_password_client() {
        let s = settings(&[
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("sasl.username", "alice"),
            ("sasl.password", "alice-secret"),
            ("acks", "all"),
        ])
        .unwrap();
        assert_eq!(s.mechanism, Mechanism::ScramSha512);
        let client = s.client(SystemTime::now()).unwrap();
        assert_eq!(client.mechanism(), Mechanism::ScramSha512);
        assert!(!format!("{s:?} {client:?}").contains("alice-secret"));
    }

    #[test]
    fn jaas_config_gives_plain_scram_token_and_unsecured_jwt_clients() {
        let plain = settings(&[
            ("sasl.mechanism", "PLAIN"),
            ("sasl.jaas.config", r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";"#),
        ])
        .unwrap();
        let mut client = plain.client(SystemTime::now()).unwrap();
        assert_eq!(client.initial_response().unwrap(), b"\0alice\0alice-secret");

        let token = settings(&[
            ("sasl.mechanism", "SCRAM-SHA-256"),
            ("sasl.jaas.config", r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="tok" password="hmac" tokenauth="true";"#),
        ])
        .unwrap();
        let mut client = token.client(SystemTime::now()).unwrap();
        let first = String::from_utf8(client.initial_response().unwrap()).unwrap();
        assert!(
            first.starts_with("n,,n=tok,r=") && first.ends_with(",tokenauth=true"),
            "{first}"
        );

        let jwt = settings(&[
            ("sasl.mechanism", "OAUTHBEARER"),
            ("sasl.jaas.config", r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="bob" unsecuredLoginLifetimeSeconds="60" unsecuredLoginListClaim_scope=",a,b";"#),
        ])
        .unwrap();
        let ClientCredentials::UnsecuredJwt(provider) = &jwt.credentials else {
            panic!()
        };
        assert_eq!(
            (provider.principal.as_str(), provider.lifetime),
            ("bob", Duration::from_secs(60))
        );
        assert_eq!(provider.scope, ["a", "b"]);
    }

    #[test]
    fn missing_or_mismatched_settings_are_config_errors() {
        assert!(matches!(
            settings(&[("sasl.username", "a"), ("sasl.password", "b")]),
            Err(SaslError::UnsupportedMechanism { .. })
        ));
        assert!(matches!(
            settings(&[("sasl.mechanism", "PLAIN"), ("sasl.password", "b")]),
            Err(SaslError::InvalidConfig {
                name: "sasl.username",
                ..
            })
        ));
        assert!(matches!(
            settings(&[
                ("sasl.mechanism", "PLAIN"),
                (
                    "sasl.jaas.config",
                    r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";"#
                ),
            ]),
            Err(SaslError::InvalidConfig {
                name: "sasl.jaas.config",
                ..
            })
        ));
        let oauth = settings(&[("sasl.mechanism", "OAUTHBEARER")]).unwrap();
        assert!(matches!(
            oauth.credentials,
            ClientCredentials::TokenProvider
        ));
        assert!(matches!(
            oauth.client(SystemTime::now()),
            Err(SaslError::TokenProvider { .. })
        ));
    }
}
