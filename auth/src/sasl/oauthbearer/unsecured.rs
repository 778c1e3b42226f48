//! Validation of unsecured JWTs (`alg: none`) with the rules of Kafka's
//! `OAuthBearerUnsecuredValidatorCallbackHandler`: the principal claim must be a string, `iat`
//! (optional) must not be in the future, `exp` (required) must be in the future, `exp` must
//! follow `iat`, and every required scope must be present — each time check widened by the
//! allowable clock skew.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::token::epoch_seconds;

/// RFC 7628 status for a token that is malformed, expired or not yet valid.
pub const INVALID_TOKEN: &str = "invalid_token";
/// RFC 7628 status for a token that lacks a required scope.
pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";

/// The validation settings, with Kafka's option names in the docs and its defaults in
/// [`Default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsecuredJwsValidator {
    /// `unsecuredValidatorPrincipalClaimName` (default `sub`).
    pub principal_claim_name: String,
    /// `unsecuredValidatorScopeClaimName` (default `scope`).
    pub scope_claim_name: String,
    /// `unsecuredValidatorRequiredScope` (default none).
    pub required_scope: Vec<String>,
    /// `unsecuredValidatorAllowableClockSkewMs` (default 0).
    pub allowable_clock_skew: Duration,
}

impl Default for UnsecuredJwsValidator {
    fn default() -> Self {
        Self {
            principal_claim_name: "sub".to_owned(),
            scope_claim_name: "scope".to_owned(),
            required_scope: Vec::new(),
            allowable_clock_skew: Duration::ZERO,
        }
    }
}

/// A token that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedToken {
    /// The principal claim.
    pub principal: String,
    /// The scope claim (a string claim is one scope element, as in Kafka).
    pub scope: Vec<String>,
    /// The `exp` claim.
    pub expires_at: SystemTime,
}

/// Why a token was refused: the RFC 7628 status and scope that go back to the client, and a
/// reason for the server's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRejection {
    /// `invalid_token` or `insufficient_scope`.
    pub status: &'static str,
    /// The required scope, for `insufficient_scope`.
    pub scope: Option<String>,
    /// What was wrong.
    pub reason: String,
}

fn invalid(reason: impl Into<String>) -> TokenRejection {
    TokenRejection {
        status: INVALID_TOKEN,
        scope: None,
        reason: reason.into(),
    }
}

fn decode_json(part: &str, what: &str) -> Result<Map<String, Value>, TokenRejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| invalid(format!("the {what} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid(format!("the {what} is not a JSON object"))),
    }
}

/// A NumericDate claim in seconds, or `None` when absent.
fn number_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, TokenRejection> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| invalid(format!("the {name} claim is not a number"))),
        Some(_) => Err(invalid(format!("the {name} claim had the incorrect type"))),
    }
}

fn to_time(seconds: f64) -> SystemTime {
    let ms = (seconds * 1000.0).clamp(-1e15, 1e15);
    if ms >= 0.0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis((-ms) as u64)
    }
}

impl UnsecuredJwsValidator {
    /// Validates a compact unsecured JWS (`header.payload.`) at time `now`.
    pub fn validate(&self, token: &str, now: SystemTime) -> Result<ValidatedToken, TokenRejection> {
        let parts: Vec<&str> = token.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(invalid("an unsecured JWS has three dot-separated parts"));
        };
        if !signature.is_empty() {
            return Err(invalid("an unsecured JWS must have an empty signature"));
        }
        let header = decode_json(header, "header")?;
        if header.get("alg").and_then(Value::as_str) != Some("none") {
            return Err(invalid("the header's alg is not none"));
        }
        let claims = decode_json(payload, "payload")?;

        let principal = match claims.get(&self.principal_claim_name) {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => {
                return Err(invalid(format!(
                    "required claim missing: {}",
                    self.principal_claim_name
                )));
            }
            Some(_) => {
                return Err(invalid(format!(
                    "the {} claim had the incorrect type",
                    self.principal_claim_name
                )));
            }
        };

        let now_s = epoch_seconds(now);
        let skew_s = self.allowable_clock_skew.as_millis() as f64 / 1000.0;
        let issued_at = number_claim(&claims, "iat")?;
        if let Some(iat) = issued_at
            && iat > now_s + skew_s
        {
            return Err(invalid(
                "the iat claim is after now plus the allowable clock skew",
            ));
        }
        let exp =
            number_claim(&claims, "exp")?.ok_or_else(|| invalid("required claim missing: exp"))?;
        if now_s - skew_s >= exp {
            return Err(invalid(
                "now minus the allowable clock skew is on or after the exp claim",
            ));
        }
        if let Some(iat) = issued_at
            && exp <= iat
        {
            return Err(invalid("the exp claim is not after the iat claim"));
        }

        let scope = match claims.get(&self.scope_claim_name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.trim().to_owned()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    invalid(format!(
                        "the {} claim has a non-string element",
                        self.scope_claim_name
                    ))
                })?,
            Some(_) => {
                return Err(invalid(format!(
                    "the {} claim had the incorrect type",
                    self.scope_claim_name
                )));
            }
        };
        if let Some(missing) = self.required_scope.iter().find(|s| !scope.contains(s)) {
            return Err(TokenRejection {
                status: INSUFFICIENT_SCOPE,
                scope: Some(format!("[{}]", self.required_scope.join(", "))),
                reason: format!("the token's scope lacks the required {missing:?}"),
            });
        }
        Ok(ValidatedToken {
            principal,
            scope,
            expires_at: to_time(exp),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{TokenProvider, UnsecuredJwtProvider};
    use super::*;

    fn jws(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    const NONE: &str = r#"{"alg":"none"}"#;

    #[test]
    fn accepts_a_provider_token_until_it_expires() {
        let provider = UnsecuredJwtProvider {
            scope: vec!["produce".into()],
            ..UnsecuredJwtProvider::new("alice")
        };
        let token = provider.token(at(1_000_000)).unwrap();
        let v = UnsecuredJwsValidator {
            required_scope: vec!["produce".into()],
            ..Default::default()
        };
        let ok = v.validate(token.value.expose(), at(1_000_100)).unwrap();
        assert_eq!(ok.principal, "alice");
        assert_eq!(ok.expires_at, at(1_003_600));
        assert_eq!(token.expires_at, at(1_003_600));
        assert!(v.validate(token.value.expose(), at(1_003_600)).is_err());
    }

    #[test]
    fn clock_skew_widens_both_time_checks() {
        let token = jws(NONE, r#"{"sub":"a","iat":1000,"exp":2000}"#);
        let strict = UnsecuredJwsValidator::default();
        let lenient = UnsecuredJwsValidator {
            allowable_clock_skew: Duration::from_secs(10),
            ..Default::default()
        };
        assert!(
            strict.validate(&token, at(995)).is_err(),
            "issued in the future"
        );
        assert!(lenient.validate(&token, at(995)).is_ok());
        assert!(strict.validate(&token, at(2005)).is_err(), "expired");
        assert!(lenient.validate(&token, at(2005)).is_ok());
        assert!(lenient.validate(&token, at(2010)).is_err());
    }

    #[test]
    fn rejects_bad_claims_with_invalid_token() {
        let v = UnsecuredJwsValidator::default();
        for token in [
            jws(NONE, r#"{"exp":2000}"#),
            jws(NONE, r#"{"sub":7,"exp":2000}"#),
            jws(NONE, r#"{"sub":"a"}"#),
            jws(NONE, r#"{"sub":"a","exp":"2000"}"#),
            jws(NONE, r#"{"sub":"a","iat":1500,"exp":1500}"#),
            jws(r#"{"alg":"HS256"}"#, r#"{"sub":"a","exp":2000}"#),
            jws(NONE, "[1]"),
            format!("{}sig", jws(NONE, r#"{"sub":"a","exp":2000}"#)),
            "a.b".to_owned(),
            "!!.??.".to_owned(),
        ] {
            let err = v.validate(&token, at(1000)).unwrap_err();
            assert_eq!(err.status, INVALID_TOKEN, "{token}: {err:?}");
        }
    }

    #[test]
    fn missing_scope_is_insufficient_scope_naming_the_requirement() {
        let v = UnsecuredJwsValidator {
            required_scope: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        let token = jws(NONE, r#"{"sub":"x","exp":2000,"scope":["a"]}"#);
        let err = v.validate(&token, at(1000)).unwrap_err();
        assert_eq!(
            (err.status, err.scope.as_deref()),
            (INSUFFICIENT_SCOPE, Some("[a, b]"))
        );
        let token = jws(NONE, r#"{"sub":"x","exp":2000,"scope":["b","a"]}"#);
        assert_eq!(v.validate(&token, at(1000)).unwrap().scope, ["b", "a"]);
    }
}
