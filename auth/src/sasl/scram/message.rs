//! The four SCRAM messages: parsing and formatting, one function each way.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::super::{Mechanism, SaslError};

/// `saslname` escaping: `,` and `=` become `=2C` and `=3D`.
pub(super) fn escape_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

fn unescape_name(name: &str, mechanism: Mechanism) -> Result<String, SaslError> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        match rest.get(at..at + 3) {
            Some("=2C") => out.push(','),
            Some("=3D") => out.push('='),
            _ => return Err(SaslError::malformed(mechanism, "bad escape in user name")),
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    if out.is_empty() {
        return Err(SaslError::malformed(mechanism, "empty user name"));
    }
    Ok(out)
}

/// A `key=value` pair.
fn attribute<'a>(item: &'a str, key: &str, mechanism: Mechanism) -> Result<&'a str, SaslError> {
    item.strip_prefix(key)
        .and_then(|rest| rest.strip_prefix('='))
        .ok_or_else(|| SaslError::malformed(mechanism, format!("expected attribute {key}")))
}

fn printable(value: &str, what: &str, mechanism: Mechanism) -> Result<(), SaslError> {
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
    {
        return Err(SaslError::malformed(
            mechanism,
            format!("{what} is not printable ASCII"),
        ));
    }
    Ok(())
}

fn base64_value(value: &str, what: &str, mechanism: Mechanism) -> Result<Vec<u8>, SaslError> {
    BASE64
        .decode(value)
        .map_err(|_| SaslError::malformed(mechanism, format!("{what} is not base64")))
}

/// SCRAM extensions: `key=value` with an alphabetic key, after the fixed attributes.
fn extensions<'a>(
    items: impl Iterator<Item = &'a str>,
    mechanism: Mechanism,
) -> Result<Vec<(String, String)>, SaslError> {
    items
        .map(|item| {
            let (key, value) = item
                .split_once('=')
                .filter(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphabetic()))
                .ok_or_else(|| SaslError::malformed(mechanism, "bad extension"))?;
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// The GS2 header Kafka's SCRAM uses: no channel binding, optional authorization id.
pub(super) fn gs2_header(authzid: &str) -> String {
    if authzid.is_empty() {
        "n,,".to_owned()
    } else {
        format!("n,a={},", escape_name(authzid))
    }
}

/// `client-first-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ClientFirst {
    pub authzid: String,
    pub username: String,
    pub nonce: String,
    pub extensions: Vec<(String, String)>,
}

impl ClientFirst {
    /// The message without its GS2 header, as it enters the AuthMessage.
    pub fn bare(&self) -> String {
        let mut out = format!("n={},r={}", escape_name(&self.username), self.nonce);
        for (k, v) in &self.extensions {
            out.push_str(&format!(",{k}={v}"));
        }
        out
    }

    pub fn encode(&self) -> String {
        format!("{}{}", gs2_header(&self.authzid), self.bare())
    }

    /// Parses the message and returns it with its GS2 header.
    pub fn parse(text: &str, mechanism: Mechanism) -> Result<(Self, String), SaslError> {
        let bad = |why: &str| SaslError::malformed(mechanism, why.to_owned());
        let rest = text
            .strip_prefix("n,")
            .ok_or_else(|| bad("GS2 header must be n (no channel binding)"))?;
        let (authz, bare) = rest
            .split_once(',')
            .ok_or_else(|| bad("truncated GS2 header"))?;
        let authzid = if authz.is_empty() {
            String::new()
        } else {
            unescape_name(attribute(authz, "a", mechanism)?, mechanism)?
        };
        let header = text[..text.len() - bare.len()].to_owned();
        let mut items = bare.split(',');
        let username = unescape_name(
            attribute(items.next().unwrap_or(""), "n", mechanism)?,
            mechanism,
        )?;
        let nonce = attribute(items.next().unwrap_or(""), "r", mechanism)?;
        printable(nonce, "nonce", mechanism)?;
        let extensions = extensions(items, mechanism)?;
        Ok((
            Self {
                authzid,
                username,
                nonce: nonce.to_owned(),
                extensions,
            },
            header,
        ))
    }
}

/// `server-first-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServerFirst {
    pub nonce: String,
    pub salt: Vec<u8>,
    pub iterations: u32,
}

impl ServerFirst {
    pub fn encode(&self) -> String {
        format!(
            "r={},s={},i={}",
            self.nonce,
            BASE64.encode(&self.salt),
            self.iterations
        )
    }

    pub fn parse(text: &str, mechanism: Mechanism) -> Result<Self, SaslError> {
        let mut items = text.split(',').peekable();
        if items.peek().is_some_and(|item| item.starts_with("m=")) {
            return Err(SaslError::malformed(
                mechanism,
                "unsupported mandatory extension m",
            ));
        }
        let nonce = attribute(items.next().unwrap_or(""), "r", mechanism)?;
        printable(nonce, "nonce", mechanism)?;
        let salt = base64_value(
            attribute(items.next().unwrap_or(""), "s", mechanism)?,
            "salt",
            mechanism,
        )?;
        let iterations = attribute(items.next().unwrap_or(""), "i", mechanism)?;
        let iterations = iterations
            .parse::<u32>()
            .ok()
            .filter(|_| iterations.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| SaslError::malformed(mechanism, "iteration count is not a number"))?;
        extensions(items, mechanism)?;
        Ok(Self {
            nonce: nonce.to_owned(),
            salt,
            iterations,
        })
    }
}

/// `client-final-message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ClientFinal {
    /// The decoded channel-binding attribute (the GS2 header, as no binding is used).
    pub channel_binding: Vec<u8>,
    pub nonce: String,
    pub proof: Vec<u8>,
}

impl ClientFinal {
    /// The message without its proof, as it enters the AuthMessage.
    pub fn without_proof(channel_binding: &[u8], nonce: &str) -> String {
        format!("c={},r={nonce}", BASE64.encode(channel_binding))
    }

    pub fn encode(without_proof: &str, proof: &[u8]) -> String {
        format!("{without_proof},p={}", BASE64.encode(proof))
    }

    /// Parses the message and returns it with its part before `,p=`.
    pub fn parse(text: &str, mechanism: Mechanism) -> Result<(Self, &str), SaslError> {
        let at = text
            .rfind(",p=")
            .ok_or_else(|| SaslError::malformed(mechanism, "missing proof"))?;
        let (without_proof, proof) = (&text[..at], &text[at + 3..]);
        let mut items = without_proof.split(',');
        let channel_binding = base64_value(
            attribute(items.next().unwrap_or(""), "c", mechanism)?,
            "channel binding",
            mechanism,
        )?;
        let nonce = attribute(items.next().unwrap_or(""), "r", mechanism)?;
        extensions(items, mechanism)?;
        let proof = base64_value(proof, "proof", mechanism)?;
        Ok((
            Self {
                channel_binding,
                nonce: nonce.to_owned(),
                proof,
            },
            without_proof,
        ))
    }
}

/// `server-final-message`: a verifier or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ServerFinal {
    Verifier(Vec<u8>),
    Error(String),
}

impl ServerFinal {
    pub fn encode(&self) -> String {
        match self {
            ServerFinal::Verifier(v) => format!("v={}", BASE64.encode(v)),
            ServerFinal::Error(e) => format!("e={e}"),
        }
    }

    pub fn parse(text: &str, mechanism: Mechanism) -> Result<Self, SaslError> {
        let mut items = text.split(',');
        let first = items.next().unwrap_or("");
        let result = if let Some(error) = first.strip_prefix("e=") {
            ServerFinal::Error(error.to_owned())
        } else {
            ServerFinal::Verifier(base64_value(
                attribute(first, "v", mechanism)?,
                "verifier",
                mechanism,
            )?)
        };
        extensions(items, mechanism)?;
        Ok(result)
    }
}

/// SCRAM messages are text; bytes that are not UTF-8 are malformed.
pub(super) fn text(bytes: &[u8], mechanism: Mechanism) -> Result<&str, SaslError> {
    std::str::from_utf8(bytes).map_err(|_| SaslError::malformed(mechanism, "message is not UTF-8"))
}

/// The AuthMessage both sides sign.
pub(super) fn auth_message(
    client_first_bare: &str,
    server_first: &str,
    client_final_without_proof: &str,
) -> String {
    format!("{client_first_bare},{server_first},{client_final_without_proof}")
}
