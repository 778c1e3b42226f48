//! The broker side: which mechanisms are enabled, the users and their credentials, and one
//! exchange's state.

use std::collections::HashMap;
use std::time::SystemTime;

use super::oauthbearer::server::OAuthBearerServerStep;
use super::oauthbearer::{OAuthBearerServer, UnsecuredJwsValidator};
use super::scram::server::{ScramIdentity, ScramServerStep};
use super::scram::{ScramCredential, ScramHash, ScramServer};
use super::{Mechanism, SaslError, plain, random_nonce};
use crate::Secret;

/// The users a server knows: PLAIN passwords (as Kafka's `user_NAME` JAAS options), SCRAM
/// credentials per hash (as Kafka's SCRAM credential store) and delegation tokens.
#[derive(Debug, Clone, Default)]
pub struct Users {
    plain: HashMap<String, Secret>,
    scram: HashMap<(String, ScramHash), ScramCredential>,
    tokens: HashMap<(String, ScramHash), (String, ScramCredential)>,
}

impl Users {
    /// No users.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user for every mechanism: its PLAIN password and a SCRAM-SHA-256 and a
    /// SCRAM-SHA-512 credential with fresh salts and `iterations` (4096..=16384).
    pub fn add_user(
        &mut self,
        name: impl Into<String>,
        password: Secret,
        iterations: u32,
    ) -> Result<(), SaslError> {
        let name = name.into();
        for hash in [ScramHash::Sha256, ScramHash::Sha512] {
            let credential = ScramCredential::with_random_salt(hash, &password, iterations)?;
            self.scram.insert((name.clone(), hash), credential);
        }
        self.plain.insert(name, password);
        Ok(())
    }

    /// Adds or replaces one SCRAM credential (a user known to SCRAM only, as in Kafka).
    pub fn add_scram_credential(
        &mut self,
        name: impl Into<String>,
        hash: ScramHash,
        credential: ScramCredential,
    ) {
        self.scram.insert((name.into(), hash), credential);
    }

    /// Adds a delegation token: SCRAM with `tokenauth=true` and `token_id` as the user name
    /// authenticates as `owner` when the password is the token's HMAC.
    pub fn add_delegation_token(
        &mut self,
        token_id: impl Into<String>,
        owner: impl Into<String>,
        hmac: &Secret,
    ) -> Result<(), SaslError> {
        let (token_id, owner) = (token_id.into(), owner.into());
        for hash in [ScramHash::Sha256, ScramHash::Sha512] {
            let credential =
                ScramCredential::with_random_salt(hash, hmac, super::scram::MIN_ITERATIONS)?;
            self.tokens
                .insert((token_id.clone(), hash), (owner.clone(), credential));
        }
        Ok(())
    }

    /// Adds a user for PLAIN only (its SCRAM credentials, if any, kept elsewhere: see
    /// [`ScramCredentials`]).
    pub fn add_plain_user(&mut self, name: impl Into<String>, password: Secret) {
        self.plain.insert(name.into(), password);
    }

    /// Removes a user from every mechanism.
    pub fn remove_user(&mut self, name: &str) {
        self.plain.remove(name);
        self.scram.retain(|(user, _), _| user != name);
    }

    fn scram_identity(
        &self,
        scram: &dyn ScramCredentials,
        hash: ScramHash,
        name: &str,
        token_auth: bool,
    ) -> Option<ScramIdentity> {
        if token_auth {
            let (owner, credential) = self.tokens.get(&(name.to_owned(), hash))?;
            Some(ScramIdentity {
                principal: owner.clone(),
                credential: credential.clone(),
            })
        } else {
            Some(ScramIdentity {
                principal: name.to_owned(),
                credential: scram.scram_credential(hash, name)?,
            })
        }
    }
}

/// Where a server finds users' SCRAM credentials when they log in: [`Users`], or a store that
/// changes while the server runs (a broker's, which `AlterUserScramCredentials` edits).
pub trait ScramCredentials {
    /// The credential `user` holds for `hash`, if any.
    fn scram_credential(&self, hash: ScramHash, user: &str) -> Option<ScramCredential>;
}

impl ScramCredentials for Users {
    fn scram_credential(&self, hash: ScramHash, user: &str) -> Option<ScramCredential> {
        self.scram.get(&(user.to_owned(), hash)).cloned()
    }
}

/// What a broker's SASL listener accepts.
#[derive(Debug, Clone)]
pub struct SaslServerConfig {
    /// The enabled mechanisms, in the order SaslHandshake lists them (Kafka's
    /// `sasl.enabled.mechanisms`).
    pub mechanisms: Vec<Mechanism>,
    /// The users and their credentials.
    pub users: Users,
    /// How OAUTHBEARER tokens are validated.
    pub oauthbearer: UnsecuredJwsValidator,
}

impl Default for SaslServerConfig {
    /// Every mechanism enabled, no users, Kafka's default unsecured-JWT validation.
    fn default() -> Self {
        Self {
            mechanisms: Mechanism::ALL.to_vec(),
            users: Users::new(),
            oauthbearer: UnsecuredJwsValidator::default(),
        }
    }
}

impl SaslServerConfig {
    /// The enabled mechanism names, for the SaslHandshake response.
    pub fn mechanism_names(&self) -> Vec<&'static str> {
        self.mechanisms.iter().map(|m| m.name()).collect()
    }
}

/// A successful authentication.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticated {
    /// The authenticated principal (the user name; a token's owner; a JWT's principal claim).
    pub principal: String,
    /// The `auth_bytes` of the final SaslAuthenticate response (SCRAM's server-final; empty
    /// otherwise).
    pub response: Vec<u8>,
    /// When the credential itself stops being valid (an OAUTHBEARER token's expiry): a broker
    /// caps the session lifetime it returns (KIP-368) at this, with
    /// [`session_lifetime`](super::session::session_lifetime).
    pub credential_expires_at: Option<SystemTime>,
}

/// What the server does after reading the client's bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerStep {
    /// Answer with these `auth_bytes` and wait for another SaslAuthenticate.
    Challenge(Vec<u8>),
    /// The client is authenticated.
    Authenticated(Authenticated),
}

/// The server side of one SASL exchange. A failed step ends it: the broker answers
/// SASL_AUTHENTICATION_FAILED with [`SaslError::broker_message`] and closes the connection.
#[derive(Debug)]
pub struct SaslServer {
    mechanism: Mechanism,
    state: State,
}

#[derive(Debug)]
enum State {
    Plain,
    Scram(ScramServer),
    OAuthBearer(OAuthBearerServer),
    Finished,
}

impl SaslServer {
    /// Starts an exchange for the mechanism a client named in SaslHandshake; an unknown or
    /// disabled mechanism is [`SaslError::UnsupportedMechanism`] (Kafka's
    /// UNSUPPORTED_SASL_MECHANISM, answered with the enabled list).
    pub fn start(config: &SaslServerConfig, mechanism: &str) -> Result<Self, SaslError> {
        let mech: Mechanism = mechanism.parse()?;
        if !config.mechanisms.contains(&mech) {
            return Err(SaslError::UnsupportedMechanism {
                name: mechanism.to_owned(),
            });
        }
        Ok(Self::with_scram_nonce(mech, random_nonce()))
    }

    /// Starts an exchange with a given SCRAM server nonce: for test vectors only.
    pub fn with_scram_nonce(mechanism: Mechanism, server_nonce: String) -> Self {
        let state = match mechanism {
            Mechanism::Plain => State::Plain,
            Mechanism::ScramSha256 | Mechanism::ScramSha512 => State::Scram(ScramServer::new(
                mechanism.scram_hash().expect("a SCRAM mechanism"),
                server_nonce,
            )),
            Mechanism::OAuthBearer => State::OAuthBearer(OAuthBearerServer::default()),
        };
        Self { mechanism, state }
    }

    /// The mechanism of this exchange.
    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// Reads the `auth_bytes` of a SaslAuthenticate request. `now` is checked against token
    /// times.
    pub fn step(
        &mut self,
        config: &SaslServerConfig,
        client_bytes: &[u8],
        now: SystemTime,
    ) -> Result<ServerStep, SaslError> {
        self.step_with(config, &config.users, client_bytes, now)
    }

    /// [`step`](Self::step) with SCRAM users' credentials from `credentials` instead of
    /// `config.users` (delegation tokens and PLAIN passwords still come from `config`).
    pub fn step_with(
        &mut self,
        config: &SaslServerConfig,
        credentials: &dyn ScramCredentials,
        client_bytes: &[u8],
        now: SystemTime,
    ) -> Result<ServerStep, SaslError> {
        let mechanism = self.mechanism;
        let state = std::mem::replace(&mut self.state, State::Finished);
        let result = match state {
            State::Plain => {
                plain::authenticate(client_bytes, |user| config.users.plain.get(user).cloned()).map(
                    |principal| {
                        ServerStep::Authenticated(Authenticated {
                            principal,
                            response: Vec::new(),
                            credential_expires_at: None,
                        })
                    },
                )
            }
            State::Scram(mut scram) => {
                let hash = mechanism.scram_hash().expect("a SCRAM mechanism");
                match scram.step(client_bytes, |user, token| {
                    config.users.scram_identity(credentials, hash, user, token)
                }) {
                    Ok(ScramServerStep::Challenge(bytes)) => {
                        self.state = State::Scram(scram);
                        Ok(ServerStep::Challenge(bytes))
                    }
                    Ok(ScramServerStep::Authenticated {
                        principal,
                        server_final,
                    }) => Ok(ServerStep::Authenticated(Authenticated {
                        principal,
                        response: server_final,
                        credential_expires_at: None,
                    })),
                    Err(e) => Err(e),
                }
            }
            State::OAuthBearer(mut oauth) => {
                match oauth.step(&config.oauthbearer, client_bytes, now) {
                    Ok(OAuthBearerServerStep::Challenge(bytes)) => {
                        self.state = State::OAuthBearer(oauth);
                        Ok(ServerStep::Challenge(bytes))
                    }
                    Ok(OAuthBearerServerStep::Authenticated(token)) => {
                        Ok(ServerStep::Authenticated(Authenticated {
                            principal: token.principal,
                            response: Vec::new(),
                            credential_expires_at: Some(token.expires_at),
                        }))
                    }
                    Err(e) => Err(e),
                }
            }
            State::Finished => Err(SaslError::ExchangeFinished { mechanism }),
        };
        if let Err(e) = &result {
            tracing::debug!(%mechanism, error = %e, "SASL authentication failed");
        }
        result
    }
}
