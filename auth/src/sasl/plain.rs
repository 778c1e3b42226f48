//! PLAIN (RFC 4616): one message, `authzid NUL authcid NUL passwd`, answered by an empty
//! success.

use super::{ClientStep, Mechanism, SaslError};
use crate::Secret;
use crate::secret::constant_time_eq;

/// The client side of PLAIN. The authorization id is left empty, as Kafka's client sends it.
#[derive(Debug)]
pub struct PlainClient {
    username: String,
    password: Secret,
    sent: bool,
}

impl PlainClient {
    /// A client that will authenticate as `username`.
    pub fn new(username: impl Into<String>, password: Secret) -> Self {
        Self {
            username: username.into(),
            password,
            sent: false,
        }
    }

    /// `NUL username NUL password`.
    pub fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        if self.sent {
            return Err(SaslError::ExchangeFinished {
                mechanism: Mechanism::Plain,
            });
        }
        self.sent = true;
        let mut out = Vec::with_capacity(2 + self.username.len() + self.password.expose().len());
        out.push(0);
        out.extend_from_slice(self.username.as_bytes());
        out.push(0);
        out.extend_from_slice(self.password.expose().as_bytes());
        Ok(out)
    }

    /// The server's answer to PLAIN is empty; anything else is a protocol error.
    pub fn step(&mut self, server_bytes: &[u8]) -> Result<ClientStep, SaslError> {
        if !self.sent {
            return Err(SaslError::malformed(
                Mechanism::Plain,
                "server bytes before the client's message",
            ));
        }
        if server_bytes.is_empty() {
            Ok(ClientStep::Done)
        } else {
            Err(SaslError::malformed(
                Mechanism::Plain,
                "server sent a challenge, PLAIN has none",
            ))
        }
    }
}

/// The parts of a PLAIN message.
struct PlainMessage<'a> {
    authzid: &'a str,
    username: &'a str,
    password: &'a [u8],
}

fn parse(message: &[u8]) -> Result<PlainMessage<'_>, SaslError> {
    let mut parts = message.splitn(3, |&b| b == 0);
    let (Some(authzid), Some(username), Some(password)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::malformed(
            Mechanism::Plain,
            "expected authzid NUL username NUL password",
        ));
    };
    if password.contains(&0) {
        return Err(SaslError::malformed(
            Mechanism::Plain,
            "more than three NUL-separated fields",
        ));
    }
    let text = |bytes, what: &str| {
        std::str::from_utf8(bytes)
            .map_err(|_| SaslError::malformed(Mechanism::Plain, format!("{what} is not UTF-8")))
    };
    let authzid = text(authzid, "authzid")?;
    let username = text(username, "username")?;
    if username.is_empty() {
        return Err(SaslError::malformed(
            Mechanism::Plain,
            "username not specified",
        ));
    }
    if password.is_empty() {
        return Err(SaslError::malformed(
            Mechanism::Plain,
            "password not specified",
        ));
    }
    Ok(PlainMessage {
        authzid,
        username,
        password,
    })
}

/// Checks a PLAIN message against the users' passwords and returns the authenticated user.
/// As in Kafka, a non-empty authorization id must equal the user name.
pub(crate) fn authenticate(
    message: &[u8],
    password_of: impl FnOnce(&str) -> Option<Secret>,
) -> Result<String, SaslError> {
    let msg = parse(message)?;
    let Some(expected) = password_of(msg.username) else {
        return Err(SaslError::UnknownUser {
            user: msg.username.to_owned(),
        });
    };
    if !constant_time_eq(expected.expose().as_bytes(), msg.password) {
        return Err(SaslError::BadCredentials {
            user: msg.username.to_owned(),
        });
    }
    if !msg.authzid.is_empty() && msg.authzid != msg.username {
        return Err(SaslError::AuthorizationIdMismatch {
            authzid: msg.authzid.to_owned(),
            user: msg.username.to_owned(),
        });
    }
    Ok(msg.username.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice(name: &str) -> Option<Secret> {
        (name == "alice").then(|| Secret::new("alice-secret"))
    }

    #[test]
    fn client_message_is_nul_user_nul_password() {
        let mut client = PlainClient::new("alice", Secret::new("alice-secret"));
        let msg = client.initial_response().unwrap();
        assert_eq!(msg, b"\0alice\0alice-secret");
        assert_eq!(authenticate(&msg, alice).unwrap(), "alice");
        assert_eq!(client.step(b"").unwrap(), ClientStep::Done);
        assert!(client.initial_response().is_err());
    }

    #[test]
    fn server_rejects_wrong_password_unknown_user_and_other_authzid() {
        assert_eq!(
            authenticate(b"\0alice\0wrong", alice),
            Err(SaslError::BadCredentials {
                user: "alice".into()
            })
        );
        assert_eq!(
            authenticate(b"\0bob\0alice-secret", alice),
            Err(SaslError::UnknownUser { user: "bob".into() })
        );
        assert!(matches!(
            authenticate(b"bob\0alice\0alice-secret", alice),
            Err(SaslError::AuthorizationIdMismatch { .. })
        ));
        assert_eq!(
            authenticate(b"alice\0alice\0alice-secret", alice).unwrap(),
            "alice"
        );
    }

    #[test]
    fn server_rejects_malformed_messages() {
        for bad in [
            &b""[..],
            b"\0alice",
            b"\0\0pw",
            b"\0alice\0",
            b"\0alice\0pw\0x",
            b"\0\xff\0pw",
        ] {
            assert!(
                matches!(authenticate(bad, alice), Err(SaslError::Malformed { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn client_rejects_a_challenge() {
        let mut client = PlainClient::new("alice", Secret::new("pw"));
        client.initial_response().unwrap();
        assert!(matches!(
            client.step(b"x"),
            Err(SaslError::Malformed { .. })
        ));
    }
}
