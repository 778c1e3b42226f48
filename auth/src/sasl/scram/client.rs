//! The client side of SCRAM: client-first, then client-final with the proof, then the server's
//! signature checked.

use super::message::{self, ClientFinal, ClientFirst, ServerFinal, ServerFirst};
use super::{ScramHash, TOKEN_AUTH_EXTENSION, check_iterations, xor};
use crate::Secret;
use crate::sasl::{ClientStep, SaslError, random_nonce};
use crate::secret::constant_time_eq;

/// The client side of one SCRAM exchange.
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    username: String,
    password: Secret,
    extensions: Vec<(String, String)>,
    nonce: String,
    state: State,
}

#[derive(Debug)]
enum State {
    Initial,
    SentFirst { client_first_bare: String },
    SentFinal { server_signature: Vec<u8> },
    Finished,
}

impl ScramClient {
    /// A client for `username` with a fresh random nonce.
    pub fn new(hash: ScramHash, username: impl Into<String>, password: Secret) -> Self {
        Self::with_nonce(hash, username, password, random_nonce())
    }

    /// A client with a given nonce: for test vectors and deterministic tests only, since a
    /// nonce must never repeat.
    pub fn with_nonce(
        hash: ScramHash,
        username: impl Into<String>,
        password: Secret,
        nonce: String,
    ) -> Self {
        Self {
            hash,
            username: username.into(),
            password,
            extensions: Vec::new(),
            nonce,
            state: State::Initial,
        }
    }

    /// Authenticates with a delegation token: `token_id` as the user name, the token's HMAC
    /// as the password and the `tokenauth=true` extension, as Kafka's clients do.
    pub fn delegation_token(
        hash: ScramHash,
        token_id: impl Into<String>,
        token_hmac: Secret,
    ) -> Self {
        Self::new(hash, token_id, token_hmac).with_extension(TOKEN_AUTH_EXTENSION, "true")
    }

    /// Adds a SCRAM extension (`key=value` after the nonce in client-first). The key must be
    /// alphabetic and the value must not contain `,`.
    pub fn with_extension(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extensions.push((key.into(), value.into()));
        self
    }

    /// The hash of this exchange.
    pub fn hash(&self) -> ScramHash {
        self.hash
    }

    fn mechanism(&self) -> crate::sasl::Mechanism {
        self.hash.mechanism()
    }

    /// `client-first-message`.
    pub fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        if !matches!(self.state, State::Initial) {
            return Err(SaslError::ExchangeFinished {
                mechanism: self.mechanism(),
            });
        }
        let first = ClientFirst {
            authzid: String::new(),
            username: self.username.clone(),
            nonce: self.nonce.clone(),
            extensions: self.extensions.clone(),
        };
        self.state = State::SentFirst {
            client_first_bare: first.bare(),
        };
        Ok(first.encode().into_bytes())
    }

    /// Reads server-first (answering with client-final) or server-final (checking the
    /// server's signature).
    pub fn step(&mut self, server_bytes: &[u8]) -> Result<ClientStep, SaslError> {
        let mechanism = self.mechanism();
        match std::mem::replace(&mut self.state, State::Finished) {
            State::SentFirst { client_first_bare } => {
                let server_first_text = message::text(server_bytes, mechanism)?;
                let server_first = ServerFirst::parse(server_first_text, mechanism)?;
                if server_first.nonce.len() <= self.nonce.len()
                    || !server_first.nonce.starts_with(&self.nonce)
                {
                    return Err(SaslError::NonceMismatch);
                }
                check_iterations(server_first.iterations)?;
                let salted = self.hash.salted_password(
                    &self.password,
                    &server_first.salt,
                    server_first.iterations,
                );
                let without_proof = ClientFinal::without_proof(
                    message::gs2_header("").as_bytes(),
                    &server_first.nonce,
                );
                let auth =
                    message::auth_message(&client_first_bare, server_first_text, &without_proof);
                let client_key = self.hash.client_key(&salted);
                let stored_key = self.hash.hash(&client_key);
                let proof = xor(&client_key, &self.hash.hmac(&stored_key, auth.as_bytes()));
                let server_key = self.hash.server_key(&salted);
                self.state = State::SentFinal {
                    server_signature: self.hash.hmac(&server_key, auth.as_bytes()),
                };
                Ok(ClientStep::Respond(
                    ClientFinal::encode(&without_proof, &proof).into_bytes(),
                ))
            }
            State::SentFinal { server_signature } => {
                match ServerFinal::parse(message::text(server_bytes, mechanism)?, mechanism)? {
                    ServerFinal::Error(message) => Err(SaslError::ServerError { message }),
                    ServerFinal::Verifier(v) if constant_time_eq(&v, &server_signature) => {
                        Ok(ClientStep::Done)
                    }
                    ServerFinal::Verifier(_) => Err(SaslError::ServerSignatureMismatch),
                }
            }
            State::Initial => Err(SaslError::malformed(
                mechanism,
                "server bytes before client-first",
            )),
            State::Finished => Err(SaslError::ExchangeFinished { mechanism }),
        }
    }
}
