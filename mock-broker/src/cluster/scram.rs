//! The cluster's SCRAM credentials, as Kafka's controller keeps them (`ScramControlManager`):
//! per user and mechanism, the salt, iteration count and derived keys, never a password.
//!
//! The SASL layer logs users in against this store (it is a [`ScramCredentials`]), and the
//! admin APIs read and change it (`DescribeUserScramCredentials`,
//! `AlterUserScramCredentials`). Users named in the mock's configuration start with a
//! credential for each mechanism. Changes apply to every broker at once: Kafka's brokers see
//! them once they replay the metadata log, which clients already have to wait for.

use std::collections::BTreeMap;

use kwire_auth::Secret;
use kwire_auth::sasl::ScramCredentials;
use kwire_auth::sasl::scram::{MAX_ITERATIONS, MIN_ITERATIONS, ScramCredential, ScramHash};
use kwire_protocol::ErrorCode;

/// Iterations of the credentials made for configured users (Kafka's minimum, as
/// `kafka-configs.sh` uses by default).
pub const CONFIGURED_ITERATIONS: u32 = MIN_ITERATIONS;

/// Every user's SCRAM credentials, keyed by user name and mechanism code.
#[derive(Debug, Clone, Default)]
pub struct ScramStore {
    credentials: BTreeMap<String, BTreeMap<i8, ScramCredential>>,
}

/// One user's outcome in a describe or alter: Kafka's error code and message.
pub type UserError = (ErrorCode, Option<String>);

/// A user's mechanisms and iteration counts, as DescribeUserScramCredentials lists them.
pub type Described = Result<Vec<(i8, i32)>, UserError>;

/// A credential to delete, as AlterUserScramCredentials names it.
#[derive(Debug, Clone, Copy)]
pub struct Deletion<'a> {
    /// User name.
    pub name: &'a str,
    /// Mechanism code.
    pub mechanism: i8,
}

/// A credential to create or replace, as AlterUserScramCredentials carries it.
#[derive(Debug, Clone, Copy)]
pub struct Upsertion<'a> {
    /// User name.
    pub name: &'a str,
    /// Mechanism code.
    pub mechanism: i8,
    /// PBKDF2 iterations the client salted with.
    pub iterations: i32,
    /// The client's salt.
    pub salt: &'a [u8],
    /// `Hi(password, salt, iterations)`.
    pub salted_password: &'a [u8],
}

const DUPLICATE: &str = "A user credential cannot be altered twice in the same request";

impl ScramStore {
    /// A store holding, for each `(name, password)`, a credential for both mechanisms with a
    /// fresh salt.
    pub fn with_users<'a>(users: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut store = ScramStore::default();
        for (name, password) in users {
            let password = Secret::new(password);
            for hash in [ScramHash::Sha256, ScramHash::Sha512] {
                let credential =
                    ScramCredential::with_random_salt(hash, &password, CONFIGURED_ITERATIONS)
                        .expect("Kafka's minimum iteration count is within its bounds");
                store.insert(name, hash, credential);
            }
        }
        store
    }

    fn insert(&mut self, name: &str, hash: ScramHash, credential: ScramCredential) {
        self.credentials
            .entry(name.to_owned())
            .or_default()
            .insert(hash.code(), credential);
    }

    fn contains(&self, name: &str, mechanism: i8) -> bool {
        self.credentials
            .get(name)
            .is_some_and(|m| m.contains_key(&mechanism))
    }

    /// Describes `users` (`None` or empty: every user holding a credential, by name), as
    /// Kafka's `ScramImage.describe`: each user once, in the order first named; a user named
    /// twice is DUPLICATE_RESOURCE, one without credentials RESOURCE_NOT_FOUND.
    pub fn describe<'a>(&'a self, users: Option<Vec<&'a str>>) -> Vec<(&'a str, Described)> {
        let users = users.filter(|u| !u.is_empty());
        let Some(users) = users else {
            return self
                .credentials
                .iter()
                .filter(|(_, m)| !m.is_empty())
                .map(|(name, m)| (name.as_str(), Ok(infos(m))))
                .collect();
        };
        let mut order: Vec<&str> = Vec::new();
        let mut twice: Vec<&str> = Vec::new();
        for u in users {
            if order.contains(&u) {
                twice.push(u);
            } else {
                order.push(u);
            }
        }
        order
            .into_iter()
            .map(|name| {
                let outcome = if twice.contains(&name) {
                    Err((
                        ErrorCode::DuplicateResource,
                        Some(format!(
                            "Cannot describe SCRAM credentials for the same user twice in a single request: {name}"
                        )),
                    ))
                } else {
                    match self.credentials.get(name).filter(|m| !m.is_empty()) {
                        Some(m) => Ok(infos(m)),
                        None => Err((
                            ErrorCode::ResourceNotFound,
                            Some(format!(
                                "Attempt to describe a user credential that does not exist: {name}"
                            )),
                        )),
                    }
                };
                (name, outcome)
            })
            .collect()
    }

    /// Applies an AlterUserScramCredentials request as Kafka's `ScramControlManager` does:
    /// deletions are checked first, then upsertions; a user may be altered once per request
    /// (a second alteration, of any mechanism, fails that user as DUPLICATE_RESOURCE and drops
    /// the first); the first error of a user is its result. The valid alterations of the
    /// other users are applied. Returns one outcome per user: the deleted, then the upserted
    /// (each in request order), then the failed.
    pub fn alter<'a>(
        &mut self,
        deletions: &[Deletion<'a>],
        upsertions: &[Upsertion<'a>],
    ) -> Vec<(&'a str, Result<(), UserError>)> {
        let mut deleted: Vec<Deletion<'a>> = Vec::new();
        let mut upserted: Vec<Upsertion<'a>> = Vec::new();
        let mut failed: Vec<(&'a str, UserError)> = Vec::new();
        let has_failed =
            |failed: &[(&str, UserError)], name: &str| failed.iter().any(|(n, _)| *n == name);
        for d in deletions {
            if has_failed(&failed, d.name) {
                continue;
            }
            if let Some(at) = deleted.iter().position(|x| x.name == d.name) {
                deleted.remove(at);
                failed.push((
                    d.name,
                    (ErrorCode::DuplicateResource, Some(DUPLICATE.into())),
                ));
                continue;
            }
            let check = name_and_mechanism(d.name, d.mechanism).and_then(|()| {
                if self.contains(d.name, d.mechanism) {
                    Ok(())
                } else {
                    Err((
                        ErrorCode::ResourceNotFound,
                        Some("Attempt to delete a user credential that does not exist".into()),
                    ))
                }
            });
            match check {
                Ok(()) => deleted.push(*d),
                Err(e) => failed.push((d.name, e)),
            }
        }
        for u in upsertions {
            if has_failed(&failed, u.name) {
                continue;
            }
            let earlier_deletion = deleted.iter().position(|x| x.name == u.name);
            let earlier_upsertion = upserted.iter().position(|x| x.name == u.name);
            if earlier_deletion.is_some() || earlier_upsertion.is_some() {
                if let Some(at) = earlier_deletion {
                    deleted.remove(at);
                }
                if let Some(at) = earlier_upsertion {
                    upserted.remove(at);
                }
                failed.push((
                    u.name,
                    (ErrorCode::DuplicateResource, Some(DUPLICATE.into())),
                ));
                continue;
            }
            match check_upsertion(u) {
                Ok(()) => upserted.push(*u),
                Err(e) => failed.push((u.name, e)),
            }
        }
        let mut outcomes = Vec::with_capacity(deletions.len() + upsertions.len());
        for d in deleted {
            if let Some(m) = self.credentials.get_mut(d.name) {
                m.remove(&d.mechanism);
                if m.is_empty() {
                    self.credentials.remove(d.name);
                }
            }
            outcomes.push((d.name, Ok(())));
        }
        for u in upserted {
            // An empty salted password is no HMAC key: Kafka's controller fails the user
            // with an unknown server error, whose message it does not send.
            if u.salted_password.is_empty() {
                failed.push((u.name, (ErrorCode::UnknownServerError, None)));
                continue;
            }
            let hash = ScramHash::from_code(u.mechanism).expect("checked above");
            let iterations = u32::try_from(u.iterations).expect("checked above");
            let credential =
                ScramCredential::from_salted_password(hash, u.salt, u.salted_password, iterations);
            self.insert(u.name, hash, credential);
            outcomes.push((u.name, Ok(())));
        }
        outcomes.extend(failed.into_iter().map(|(name, e)| (name, Err(e))));
        outcomes
    }
}

impl ScramCredentials for ScramStore {
    fn scram_credential(&self, hash: ScramHash, user: &str) -> Option<ScramCredential> {
        self.credentials.get(user)?.get(&hash.code()).cloned()
    }
}

/// Mechanisms and iteration counts of one user's credentials, by mechanism code.
fn infos(m: &BTreeMap<i8, ScramCredential>) -> Vec<(i8, i32)> {
    m.iter()
        .map(|(&code, c)| (code, i32::try_from(c.iterations()).unwrap_or(i32::MAX)))
        .collect()
}

/// Kafka's `validateScramUsernameAndMechanism`.
fn name_and_mechanism(name: &str, mechanism: i8) -> Result<(), UserError> {
    if name.is_empty() {
        return Err((
            ErrorCode::UnacceptableCredential,
            Some("Username must not be empty".into()),
        ));
    }
    if ScramHash::from_code(mechanism).is_none() {
        return Err((
            ErrorCode::UnsupportedSaslMechanism,
            Some("Unknown SCRAM mechanism".into()),
        ));
    }
    Ok(())
}

/// Kafka's `validateUpsertion`: the name and mechanism, then the iteration bounds.
fn check_upsertion(u: &Upsertion<'_>) -> Result<(), UserError> {
    name_and_mechanism(u.name, u.mechanism)?;
    let too = |what: &str| Err((ErrorCode::UnacceptableCredential, Some(what.into())));
    if i64::from(u.iterations) < i64::from(MIN_ITERATIONS) {
        return too("Too few iterations");
    }
    if i64::from(u.iterations) > i64::from(MAX_ITERATIONS) {
        return too("Too many iterations");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert<'a>(
        name: &'a str,
        mechanism: i8,
        iterations: i32,
        salted: &'a [u8],
    ) -> Upsertion<'a> {
        Upsertion {
            name,
            mechanism,
            iterations,
            salt: b"salt",
            salted_password: salted,
        }
    }

    fn codes(outcomes: &[(&str, Result<(), UserError>)]) -> Vec<(String, ErrorCode)> {
        outcomes
            .iter()
            .map(|(n, r)| {
                (
                    n.to_string(),
                    r.as_ref().err().map_or(ErrorCode::None, |e| e.0),
                )
            })
            .collect()
    }

    /// Configured users hold both mechanisms at 4096 iterations; describing nobody lists
    /// every user by name, and a credential made from a client's salted password is the one
    /// its password derives.
    #[test]
    fn configured_users_are_described_and_upserted_credentials_match_the_password() {
        let mut s = ScramStore::with_users([("bob", "b"), ("alice", "a")]);
        let all = s.describe(None);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0, "alice");
        assert_eq!(all[0].1, Ok(vec![(1, 4096), (2, 4096)]));
        assert_eq!(s.describe(Some(vec![])).len(), 2);

        let password = Secret::new("pw");
        let salted = ScramHash::Sha512.salted_password(&password, b"salt", 8192);
        let r = s.alter(&[], &[upsert("carol", 2, 8192, &salted)]);
        assert_eq!(codes(&r), [("carol".into(), ErrorCode::None)]);
        let expected =
            ScramCredential::from_password(ScramHash::Sha512, &password, b"salt", 8192).unwrap();
        assert_eq!(
            s.scram_credential(ScramHash::Sha512, "carol"),
            Some(expected)
        );
        assert_eq!(s.scram_credential(ScramHash::Sha256, "carol"), None);
        assert_eq!(s.describe(Some(vec!["carol"]))[0].1, Ok(vec![(2, 8192)]));
    }

    /// Kafka's per-user rules: unknown and repeated users in a describe; empty names, unknown
    /// mechanisms, iteration bounds, missing credentials, a second alteration of a user and
    /// an empty salted password in an alter, each failing only its user.
    #[test]
    fn each_user_fails_alone_with_kafkas_error() {
        let mut s = ScramStore::with_users([("alice", "a")]);
        let d = s.describe(Some(vec!["zed", "alice", "zed"]));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, "zed");
        assert_eq!(d[0].1.as_ref().unwrap_err().0, ErrorCode::DuplicateResource);
        assert_eq!(d[1].1, Ok(vec![(1, 4096), (2, 4096)]));
        let d = s.describe(Some(vec!["nobody"]));
        assert_eq!(
            d[0].1,
            Err((
                ErrorCode::ResourceNotFound,
                Some("Attempt to describe a user credential that does not exist: nobody".into())
            ))
        );

        let k = [7u8; 32];
        let r = s.alter(
            &[
                Deletion {
                    name: "alice",
                    mechanism: 1,
                },
                Deletion {
                    name: "ghost",
                    mechanism: 1,
                },
                Deletion {
                    name: "",
                    mechanism: 1,
                },
                Deletion {
                    name: "alice",
                    mechanism: 3,
                },
            ],
            &[
                upsert("u0", 0, 4096, &k),
                upsert("low", 1, 4095, &k),
                upsert("high", 2, 16385, &k),
                upsert("twice", 1, 4096, &k),
                upsert("twice", 2, 4096, &k),
                upsert("empty", 1, 4096, &[]),
                upsert("ok", 1, 16384, &k),
            ],
        );
        assert_eq!(
            codes(&r),
            [
                ("ok".into(), ErrorCode::None),
                ("ghost".into(), ErrorCode::ResourceNotFound),
                ("".into(), ErrorCode::UnacceptableCredential),
                ("alice".into(), ErrorCode::DuplicateResource),
                ("u0".into(), ErrorCode::UnsupportedSaslMechanism),
                ("low".into(), ErrorCode::UnacceptableCredential),
                ("high".into(), ErrorCode::UnacceptableCredential),
                ("twice".into(), ErrorCode::DuplicateResource),
                ("empty".into(), ErrorCode::UnknownServerError),
            ]
        );
        let message = |n: &str| {
            r.iter()
                .find(|(u, _)| *u == n)
                .unwrap()
                .1
                .clone()
                .unwrap_err()
                .1
        };
        assert_eq!(message("low").as_deref(), Some("Too few iterations"));
        assert_eq!(message("high").as_deref(), Some("Too many iterations"));
        assert_eq!(message("empty"), None);
        // alice's first deletion was dropped with the duplicate: both credentials remain.
        assert_eq!(
            s.describe(Some(vec!["alice"]))[0].1,
            Ok(vec![(1, 4096), (2, 4096)])
        );
        assert!(s.scram_credential(ScramHash::Sha256, "twice").is_none());

        // Deleting a user's last credential removes the user from the listing.
        let r = s.alter(
            &[Deletion {
                name: "alice",
                mechanism: 1,
            }],
            &[upsert("ok", 2, 4096, &k)],
        );
        assert_eq!(
            codes(&r),
            [
                ("alice".into(), ErrorCode::None),
                ("ok".into(), ErrorCode::None)
            ]
        );
        s.alter(
            &[Deletion {
                name: "alice",
                mechanism: 2,
            }],
            &[],
        );
        let names: Vec<_> = s.describe(None).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["ok"]);
    }
}
