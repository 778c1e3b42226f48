//! The server side of SCRAM: server-first with the stored salt and a fresh nonce, then the
//! client's proof verified against StoredKey and ServerKey.

use super::message::{self, ClientFinal, ClientFirst, ServerFinal, ServerFirst};
use super::{ScramCredential, ScramHash, TOKEN_AUTH_EXTENSION, xor};
use crate::sasl::SaslError;
use crate::secret::constant_time_eq;

/// Who a SCRAM user name names: a user, or (with `tokenauth=true`) a delegation token.
pub(crate) struct ScramIdentity {
    /// The principal the connection authenticates as (the token's owner for a token).
    pub principal: String,
    /// The credential to verify the proof against.
    pub credential: ScramCredential,
}

/// The server side of one SCRAM exchange.
#[derive(Debug)]
pub(crate) struct ScramServer {
    hash: ScramHash,
    server_nonce: String,
    state: State,
}

#[derive(Debug)]
enum State {
    AwaitFirst,
    AwaitFinal(Box<Pending>),
    Finished,
}

#[derive(Debug)]
struct Pending {
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    user: String,
    principal: String,
    credential: ScramCredential,
}

/// What the server does next.
pub(crate) enum ScramServerStep {
    /// Send server-first.
    Challenge(Vec<u8>),
    /// Authenticated as this principal; send server-final.
    Authenticated {
        principal: String,
        server_final: Vec<u8>,
    },
}

impl ScramServer {
    pub fn new(hash: ScramHash, server_nonce: String) -> Self {
        Self {
            hash,
            server_nonce,
            state: State::AwaitFirst,
        }
    }

    /// Steps the exchange with the client's bytes. `lookup` finds the credential of a user
    /// name (its second argument is true for a delegation token id).
    pub fn step(
        &mut self,
        client_bytes: &[u8],
        lookup: impl FnOnce(&str, bool) -> Option<ScramIdentity>,
    ) -> Result<ScramServerStep, SaslError> {
        let mechanism = self.hash.mechanism();
        match std::mem::replace(&mut self.state, State::Finished) {
            State::AwaitFirst => {
                let (first, gs2_header) =
                    ClientFirst::parse(message::text(client_bytes, mechanism)?, mechanism)?;
                let token_auth = first
                    .extensions
                    .iter()
                    .any(|(k, v)| k == TOKEN_AUTH_EXTENSION && v.eq_ignore_ascii_case("true"));
                let identity =
                    lookup(&first.username, token_auth).ok_or_else(|| SaslError::UnknownUser {
                        user: first.username.clone(),
                    })?;
                if !first.authzid.is_empty() && first.authzid != first.username {
                    return Err(SaslError::AuthorizationIdMismatch {
                        authzid: first.authzid,
                        user: first.username,
                    });
                }
                let nonce = format!("{}{}", first.nonce, self.server_nonce);
                let server_first = ServerFirst {
                    nonce: nonce.clone(),
                    salt: identity.credential.salt.clone(),
                    iterations: identity.credential.iterations,
                }
                .encode();
                self.state = State::AwaitFinal(Box::new(Pending {
                    gs2_header,
                    client_first_bare: first.bare(),
                    server_first: server_first.clone(),
                    nonce,
                    user: first.username,
                    principal: identity.principal,
                    credential: identity.credential,
                }));
                Ok(ScramServerStep::Challenge(server_first.into_bytes()))
            }
            State::AwaitFinal(pending) => {
                let (fin, without_proof) =
                    ClientFinal::parse(message::text(client_bytes, mechanism)?, mechanism)?;
                if fin.nonce != pending.nonce {
                    return Err(SaslError::NonceMismatch);
                }
                if fin.channel_binding != pending.gs2_header.as_bytes() {
                    return Err(SaslError::ChannelBindingMismatch);
                }
                let auth = message::auth_message(
                    &pending.client_first_bare,
                    &pending.server_first,
                    without_proof,
                );
                let client_signature = self
                    .hash
                    .hmac(&pending.credential.stored_key, auth.as_bytes());
                let valid = fin.proof.len() == client_signature.len()
                    && constant_time_eq(
                        &self.hash.hash(&xor(&fin.proof, &client_signature)),
                        &pending.credential.stored_key,
                    );
                if !valid {
                    return Err(SaslError::BadCredentials { user: pending.user });
                }
                let verifier = self
                    .hash
                    .hmac(&pending.credential.server_key, auth.as_bytes());
                Ok(ScramServerStep::Authenticated {
                    principal: pending.principal,
                    server_final: ServerFinal::Verifier(verifier).encode().into_bytes(),
                })
            }
            State::Finished => Err(SaslError::ExchangeFinished { mechanism }),
        }
    }
}
