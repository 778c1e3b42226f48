//! The client's initial response: `n,[a=authzid],` KVSEP `auth=Bearer <token>` KVSEP
//! [`key=value` KVSEP]... KVSEP.

use super::KVSEP;
use crate::sasl::{Mechanism, SaslError};

/// A parsed client initial response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InitialResponse {
    pub authzid: String,
    pub token: String,
    pub extensions: Vec<(String, String)>,
}

fn bad(reason: &str) -> SaslError {
    SaslError::malformed(Mechanism::OAuthBearer, reason.to_owned())
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphabetic())
}

fn valid_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) || b" \t\r\n".contains(&b))
}

fn valid_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

impl InitialResponse {
    pub fn encode(token: &str, extensions: &[(String, String)]) -> Vec<u8> {
        let mut out = format!("n,,{}auth=Bearer {token}", KVSEP as char);
        for (k, v) in extensions {
            out.push(KVSEP as char);
            out.push_str(&format!("{k}={v}"));
        }
        out.push(KVSEP as char);
        out.push(KVSEP as char);
        out.into_bytes()
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, SaslError> {
        let text = std::str::from_utf8(bytes).map_err(|_| bad("message is not UTF-8"))?;
        let rest = text
            .strip_prefix("n,")
            .ok_or_else(|| bad("GS2 header must start with n,"))?;
        let (authz, rest) = rest
            .split_once(',')
            .ok_or_else(|| bad("truncated GS2 header"))?;
        let authzid = if authz.is_empty() {
            String::new()
        } else {
            let name = authz.strip_prefix("a=").ok_or_else(|| bad("bad authzid"))?;
            name.replace("=2C", ",").replace("=3D", "=")
        };
        let sep = KVSEP as char;
        let pairs = rest
            .strip_prefix(sep)
            .and_then(|r| r.strip_suffix(sep))
            .ok_or_else(|| bad("key-value pairs must be framed by 0x01"))?;
        if !pairs.is_empty() && !pairs.ends_with(sep) {
            return Err(bad("key-value pair not terminated by 0x01"));
        }
        let mut auth = None;
        let mut extensions = Vec::new();
        for pair in pairs.split_terminator(sep) {
            let (key, value) = pair
                .split_once('=')
                .filter(|(k, v)| valid_key(k) && valid_value(v))
                .ok_or_else(|| bad("bad key-value pair"))?;
            if key == "auth" {
                auth = Some(value);
            } else {
                extensions.push((key.to_owned(), value.to_owned()));
            }
        }
        let auth = auth.ok_or_else(|| bad("'auth' not specified"))?;
        let (scheme, token) = auth
            .split_once(' ')
            .ok_or_else(|| bad("invalid 'auth' format"))?;
        let token = token.trim_start_matches(' ');
        if !scheme.eq_ignore_ascii_case("bearer") || !valid_token(token) {
            return Err(bad("invalid 'auth' format"));
        }
        Ok(Self {
            authzid,
            token: token.to_owned(),
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_extensions() {
        let ext = vec![("traceId".to_owned(), "abc 123".to_owned())];
        let bytes = InitialResponse::encode("a.b.", &ext);
        assert_eq!(bytes, b"n,,\x01auth=Bearer a.b.\x01traceId=abc 123\x01\x01");
        let parsed = InitialResponse::parse(&bytes).unwrap();
        assert_eq!(parsed.token, "a.b.");
        assert_eq!(parsed.extensions, ext);
        assert_eq!(parsed.authzid, "");
    }

    #[test]
    fn accepts_authzid_and_any_case_scheme() {
        let parsed = InitialResponse::parse(b"n,a=alice,\x01auth=bearer  tok\x01\x01").unwrap();
        assert_eq!(
            (parsed.authzid.as_str(), parsed.token.as_str()),
            ("alice", "tok")
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            &b"n,,auth=Bearer t\x01\x01"[..],
            b"n,,\x01auth=Bearer t\x01",
            b"n,,\x01auth=Basic t\x01\x01",
            b"n,,\x01auth=Bearer t!\x01\x01",
            b"n,,\x01\x01",
            b"y,,\x01auth=Bearer t\x01\x01",
            b"n,,\x01auth=Bearer t\x011=2\x01\x01",
        ] {
            assert!(InitialResponse::parse(bad).is_err(), "{bad:?}");
        }
    }
}
