//! SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka speaks them: no channel
//! binding (GS2 header `n,,` or `n,a=authzid,`), SCRAM extensions after the client nonce
//! (`tokenauth=true` for delegation tokens), iteration counts between 4096 and 16384.

mod client;
mod message;
pub(crate) mod server;

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

pub use client::ScramClient;
pub(crate) use server::ScramServer;

use super::{Mechanism, SaslError};
use crate::Secret;

/// The fewest PBKDF2 iterations Kafka accepts for a SCRAM credential, on either side.
pub const MIN_ITERATIONS: u32 = 4096;
/// The most PBKDF2 iterations Kafka accepts when a SCRAM credential is created.
pub const MAX_ITERATIONS: u32 = 16384;

/// The SCRAM extension that marks the user name as a delegation token id and the password as
/// the token's HMAC.
pub const TOKEN_AUTH_EXTENSION: &str = "tokenauth";

/// The hash function of a SCRAM mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScramHash {
    /// SHA-256 (SCRAM-SHA-256).
    Sha256,
    /// SHA-512 (SCRAM-SHA-512).
    Sha512,
}

impl ScramHash {
    /// The mechanism that uses this hash.
    pub fn mechanism(self) -> Mechanism {
        match self {
            ScramHash::Sha256 => Mechanism::ScramSha256,
            ScramHash::Sha512 => Mechanism::ScramSha512,
        }
    }

    /// The hash of Kafka's mechanism code (`ScramMechanism` in its admin API: 1 SCRAM-SHA-256,
    /// 2 SCRAM-SHA-512); `None` for any other code (0 is UNKNOWN).
    pub fn from_code(code: i8) -> Option<Self> {
        match code {
            1 => Some(ScramHash::Sha256),
            2 => Some(ScramHash::Sha512),
            _ => None,
        }
    }

    /// Kafka's mechanism code for this hash (see [`from_code`](Self::from_code)).
    pub fn code(self) -> i8 {
        match self {
            ScramHash::Sha256 => 1,
            ScramHash::Sha512 => 2,
        }
    }

    /// `SaltedPassword = Hi(password, salt, iterations)`: what a client sends in
    /// `AlterUserScramCredentials` so that the password itself never crosses the wire.
    pub fn salted_password(self, password: &Secret, salt: &[u8], iterations: u32) -> Vec<u8> {
        self.hi(password.expose().as_bytes(), salt, iterations)
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
            ScramHash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
                .expect("HMAC accepts keys of any length");
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            ScramHash::Sha256 => run::<Hmac<Sha256>>(key, data),
            ScramHash::Sha512 => run::<Hmac<Sha512>>(key, data),
        }
    }

    /// `Hi(password, salt, i)` of RFC 5802: PBKDF2 with this hash's HMAC.
    fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => {
                pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec()
            }
            ScramHash::Sha512 => {
                pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password, salt, iterations).to_vec()
            }
        }
    }

    fn client_key(self, salted_password: &[u8]) -> Vec<u8> {
        self.hmac(salted_password, b"Client Key")
    }

    fn server_key(self, salted_password: &[u8]) -> Vec<u8> {
        self.hmac(salted_password, b"Server Key")
    }
}

/// What a server stores for a SCRAM user, as Kafka's `ScramCredential`: never the password,
/// only the salt, `StoredKey = H(ClientKey)`, `ServerKey` and the iteration count.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredential {
    salt: Vec<u8>,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
    iterations: u32,
}

impl ScramCredential {
    /// Derives the credential of `password` with `salt`, checking the iteration count against
    /// Kafka's bounds.
    pub fn from_password(
        hash: ScramHash,
        password: &Secret,
        salt: &[u8],
        iterations: u32,
    ) -> Result<Self, SaslError> {
        check_iterations(iterations)?;
        if iterations > MAX_ITERATIONS {
            return Err(SaslError::IterationCountTooHigh {
                iterations,
                maximum: MAX_ITERATIONS,
            });
        }
        let salted = hash.salted_password(password, salt, iterations);
        Ok(Self::from_salted_password(hash, salt, &salted, iterations))
    }

    /// The credential of a password a client salted itself (`SaltedPassword` in
    /// `AlterUserScramCredentials`), as Kafka's controller derives it: the bounds on
    /// `iterations` are the caller's to check.
    pub fn from_salted_password(
        hash: ScramHash,
        salt: &[u8],
        salted_password: &[u8],
        iterations: u32,
    ) -> Self {
        Self {
            salt: salt.to_vec(),
            stored_key: hash.hash(&hash.client_key(salted_password)),
            server_key: hash.server_key(salted_password),
            iterations,
        }
    }

    /// Derives a credential with a fresh random salt.
    pub fn with_random_salt(
        hash: ScramHash,
        password: &Secret,
        iterations: u32,
    ) -> Result<Self, SaslError> {
        let mut salt = [0u8; 24];
        getrandom::fill(&mut salt).expect("the operating system's random source is available");
        Self::from_password(hash, password, &salt, iterations)
    }

    /// The salt.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// The PBKDF2 iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }
}

impl fmt::Debug for ScramCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramCredential")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

fn check_iterations(iterations: u32) -> Result<(), SaslError> {
    if iterations < MIN_ITERATIONS {
        return Err(SaslError::IterationCountTooLow {
            iterations,
            minimum: MIN_ITERATIONS,
        });
    }
    Ok(())
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

#[cfg(test)]
mod tests;
