//! The SASL gate of one connection, as Kafka's `SaslServerAuthenticator` runs it: before
//! authentication a client may send ApiVersions (any number) and then SaslHandshake v1, after
//! which only SaslAuthenticate requests carry the exchange; anything else closes the
//! connection unanswered. A failed exchange answers SASL_AUTHENTICATION_FAILED (an unknown
//! mechanism UNSUPPORTED_SASL_MECHANISM) and closes. Once authenticated every request passes to
//! the handlers until the session lifetime returned to the client (KIP-368) has passed; then a
//! SaslHandshake re-authenticates on the same connection and any other request closes it.
//!
//! The cluster's [`SecurityFaults`] can end sessions early (as if their lifetime had run out)
//! and refuse logins whose credentials are right.
//!
//! Plain data driven with the wall-clock time as an argument; the exchanges are kwire-auth's.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use kwire_auth::sasl::session::session_lifetime;
use kwire_auth::sasl::{SaslServer, SaslServerConfig, ServerStep};
use kwire_protocol::api::{
    ResponseBody, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
    SaslHandshakeResponse,
};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::{ApiKey, ErrorCode, Message, RequestHeader};

use super::SecurityFaults;

/// What the connection does with a request.
#[derive(Debug)]
pub enum Verdict {
    /// Hand it to the API handlers.
    Pass,
    /// Send this response (encoded at this version) and read the next request.
    Respond(ResponseBody, i16),
    /// Send this response, then close: the exchange failed.
    RespondAndClose(ResponseBody, i16, String),
    /// Close without answering.
    Close(String),
}

#[derive(Debug)]
enum State {
    /// Nothing but ApiVersions so far (or a session that is re-authenticating from here).
    Start,
    /// SaslHandshake chose a mechanism; SaslAuthenticate requests step the exchange.
    Exchanging(Box<SaslServer>),
    /// Authenticated as `principal` at `since`; the session ends at `expires` (KIP-368).
    Authenticated {
        principal: String,
        since: SystemTime,
        expires: Option<SystemTime>,
    },
}

/// One connection's SASL gate.
#[derive(Debug)]
pub struct Gate {
    config: Arc<SaslServerConfig>,
    max_reauth: Duration,
    state: State,
    /// Whether the connection has authenticated once (a SaslHandshake after that starts a
    /// re-authentication).
    reauthenticating: bool,
}

impl Gate {
    /// A gate for a new connection.
    pub fn new(config: Arc<SaslServerConfig>, max_reauth: Duration) -> Self {
        Self {
            config,
            max_reauth,
            state: State::Start,
            reauthenticating: false,
        }
    }

    /// The authenticated principal, once there is one.
    pub fn principal(&self) -> Option<&str> {
        match &self.state {
            State::Authenticated { principal, .. } => Some(principal),
            _ => None,
        }
    }

    /// Decides what happens to a request that arrived at `now`, without faults.
    pub fn check(&mut self, header: &RequestHeader, body: &Bytes, now: SystemTime) -> Verdict {
        self.check_with(header, body, now, &mut SecurityFaults::default())
    }

    /// Decides what happens to a request that arrived at `now`, with the cluster's faults
    /// (a refused login counts against them).
    pub fn check_with(
        &mut self,
        header: &RequestHeader,
        body: &Bytes,
        now: SystemTime,
        faults: &mut SecurityFaults,
    ) -> Verdict {
        let (api, version) = (header.api_key, header.api_version);
        match (&mut self.state, api) {
            (State::Authenticated { expires, since, .. }, _) if api != ApiKey::SASL_HANDSHAKE => {
                let expired = expires.is_some_and(|at| now >= at) || faults.ended(*since);
                if expired {
                    Verdict::Close(format!(
                        "{} after the session expired without re-authentication",
                        api.name()
                    ))
                } else {
                    Verdict::Pass
                }
            }
            (State::Start, ApiKey::API_VERSIONS) if !self.reauthenticating => Verdict::Pass,
            (State::Start | State::Authenticated { .. }, ApiKey::SASL_HANDSHAKE) => {
                self.handshake(body, version)
            }
            (State::Exchanging(_), ApiKey::SASL_AUTHENTICATE) => {
                self.authenticate(body, version, now, faults)
            }
            _ => Verdict::Close(format!(
                "unexpected {} request during SASL authentication",
                api.name()
            )),
        }
    }

    fn handshake(&mut self, body: &Bytes, version: i16) -> Verdict {
        let Some(request) = read::<SaslHandshakeRequest>(body, version) else {
            return Verdict::Close("malformed SaslHandshake request".into());
        };
        if version < 1 {
            // v0 is followed by raw, unframed tokens, which the mock does not read.
            return Verdict::Close("SaslHandshake v0 (unframed SASL tokens) is not served".into());
        }
        let mechanisms = self
            .config
            .mechanism_names()
            .into_iter()
            .map(String::from)
            .collect();
        let reauthenticating = matches!(self.state, State::Authenticated { .. });
        match SaslServer::start(&self.config, &request.mechanism) {
            Ok(server) => {
                self.reauthenticating |= reauthenticating;
                self.state = State::Exchanging(Box::new(server));
                let response = SaslHandshakeResponse {
                    mechanisms,
                    ..Default::default()
                };
                Verdict::Respond(response.into(), version)
            }
            Err(e) => {
                let response = SaslHandshakeResponse {
                    error_code: ErrorCode::UnsupportedSaslMechanism,
                    mechanisms,
                    ..Default::default()
                };
                Verdict::RespondAndClose(response.into(), version, e.to_string())
            }
        }
    }

    fn authenticate(
        &mut self,
        body: &Bytes,
        version: i16,
        now: SystemTime,
        faults: &mut SecurityFaults,
    ) -> Verdict {
        let State::Exchanging(server) = &mut self.state else {
            unreachable!("checked by the caller")
        };
        let Some(request) = read::<SaslAuthenticateRequest>(body, version) else {
            return Verdict::Close("malformed SaslAuthenticate request".into());
        };
        let mechanism = server.mechanism();
        let step = match server.step(&self.config, &request.auth_bytes, now) {
            Ok(ServerStep::Authenticated(done))
                if faults.take_rejection(&done.principal, mechanism.name()) =>
            {
                tracing::info!(principal = %done.principal, %mechanism, "fault: refusing the login");
                Err(kwire_auth::sasl::SaslError::BadCredentials {
                    user: done.principal,
                })
            }
            step => step,
        };
        match step {
            Ok(ServerStep::Challenge(bytes)) => {
                let response = SaslAuthenticateResponse {
                    auth_bytes: bytes.into(),
                    ..Default::default()
                };
                Verdict::Respond(response.into(), version)
            }
            Ok(ServerStep::Authenticated(done)) => {
                let lifetime = session_lifetime(self.max_reauth, done.credential_expires_at, now);
                let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
                tracing::debug!(principal = %done.principal, %mechanism, lifetime_ms, "authenticated");
                self.state = State::Authenticated {
                    principal: done.principal,
                    since: now,
                    expires: (!lifetime.is_zero()).then(|| now + lifetime),
                };
                let response = SaslAuthenticateResponse {
                    auth_bytes: done.response.into(),
                    // v0 cannot carry it; such a client is closed at expiry all the same.
                    session_lifetime_ms: if version >= 1 { lifetime_ms } else { 0 },
                    ..Default::default()
                };
                Verdict::Respond(response.into(), version)
            }
            Err(e) => {
                let response = SaslAuthenticateResponse {
                    error_code: ErrorCode::SaslAuthenticationFailed,
                    error_message: Some(e.broker_message(mechanism)),
                    ..Default::default()
                };
                Verdict::RespondAndClose(
                    response.into(),
                    version,
                    format!("{mechanism} authentication failed: {e}"),
                )
            }
        }
    }
}

/// Reads a body as Kafka's request parser does (bytes after it are ignored).
fn read<M: Message>(body: &Bytes, version: i16) -> Option<M> {
    if !M::VERSIONS.contains(version) {
        return None;
    }
    M::decode_from(&mut Decoder::new(body), version).ok()
}

#[cfg(test)]
mod tests {
    use kwire_auth::Secret;
    use kwire_auth::sasl::{ClientStep, Mechanism, SaslClient};

    use super::*;

    fn config() -> Arc<SaslServerConfig> {
        let mut c = SaslServerConfig::default();
        c.users
            .add_user("alice", Secret::new("alice-secret"), 4096)
            .unwrap();
        Arc::new(c)
    }

    fn header(api: ApiKey, version: i16) -> RequestHeader {
        RequestHeader::new(api, version, 1, Some("test"))
    }

    fn handshake(gate: &mut Gate, mechanism: &str, now: SystemTime) -> Verdict {
        let body = SaslHandshakeRequest {
            mechanism: mechanism.into(),
            ..Default::default()
        }
        .to_bytes(1)
        .unwrap();
        gate.check(&header(ApiKey::SASL_HANDSHAKE, 1), &body, now)
    }

    fn authenticate(gate: &mut Gate, bytes: &[u8], now: SystemTime) -> Verdict {
        let body = SaslAuthenticateRequest {
            auth_bytes: Bytes::copy_from_slice(bytes),
            ..Default::default()
        }
        .to_bytes(2)
        .unwrap();
        gate.check(&header(ApiKey::SASL_AUTHENTICATE, 2), &body, now)
    }

    /// Runs a whole exchange; the last SaslAuthenticate response.
    fn login(gate: &mut Gate, mut client: SaslClient, now: SystemTime) -> Verdict {
        assert!(matches!(
            handshake(gate, client.mechanism().name(), now),
            Verdict::Respond(..)
        ));
        let mut to_send = client.initial_response().unwrap();
        loop {
            let verdict = authenticate(gate, &to_send, now);
            let Verdict::Respond(ResponseBody::SaslAuthenticate(r), _) = &verdict else {
                return verdict;
            };
            match client.step(&r.auth_bytes).unwrap() {
                ClientStep::Respond(bytes) => to_send = bytes,
                ClientStep::Done => return verdict,
                ClientStep::Fail { .. } => return verdict,
            }
        }
    }

    fn password(mechanism: Mechanism, pw: &str) -> SaslClient {
        SaslClient::with_password(mechanism, "alice", Secret::new(pw)).unwrap()
    }

    #[test]
    fn only_api_versions_and_the_handshake_come_before_authentication() {
        let now = SystemTime::now();
        let mut gate = Gate::new(config(), Duration::ZERO);
        let empty = Bytes::new();
        assert!(matches!(
            gate.check(&header(ApiKey::API_VERSIONS, 3), &empty, now),
            Verdict::Pass
        ));
        assert!(matches!(
            gate.check(&header(ApiKey::METADATA, 12), &empty, now),
            Verdict::Close(_)
        ));
        let mut gate = Gate::new(config(), Duration::ZERO);
        assert!(matches!(
            authenticate(&mut gate, b"\0alice\0alice-secret", now),
            Verdict::Close(_)
        ));
        // After the handshake, ApiVersions is no longer accepted.
        let mut gate = Gate::new(config(), Duration::ZERO);
        assert!(matches!(
            handshake(&mut gate, "PLAIN", now),
            Verdict::Respond(..)
        ));
        assert!(matches!(
            gate.check(&header(ApiKey::API_VERSIONS, 3), &empty, now),
            Verdict::Close(_)
        ));
    }

    #[test]
    fn every_password_mechanism_authenticates_and_then_passes_requests() {
        let now = SystemTime::now();
        for mechanism in [
            Mechanism::Plain,
            Mechanism::ScramSha256,
            Mechanism::ScramSha512,
        ] {
            let mut gate = Gate::new(config(), Duration::ZERO);
            let v = login(&mut gate, password(mechanism, "alice-secret"), now);
            let Verdict::Respond(ResponseBody::SaslAuthenticate(r), _) = v else {
                panic!("{mechanism}: {v:?}")
            };
            assert_eq!(r.error_code, ErrorCode::None);
            assert_eq!(r.session_lifetime_ms, 0);
            assert_eq!(gate.principal(), Some("alice"));
            assert!(matches!(
                gate.check(&header(ApiKey::METADATA, 12), &Bytes::new(), now),
                Verdict::Pass
            ));
        }
    }

    #[test]
    fn a_wrong_password_or_mechanism_answers_and_closes() {
        let now = SystemTime::now();
        let mut gate = Gate::new(config(), Duration::ZERO);
        let v = login(&mut gate, password(Mechanism::ScramSha512, "wrong"), now);
        let Verdict::RespondAndClose(ResponseBody::SaslAuthenticate(r), ..) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
        assert!(r.error_message.unwrap().contains("invalid credentials"));

        let mut gate = Gate::new(config(), Duration::ZERO);
        let v = handshake(&mut gate, "GSSAPI", now);
        let Verdict::RespondAndClose(ResponseBody::SaslHandshake(r), ..) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::UnsupportedSaslMechanism);
        assert_eq!(r.mechanisms.len(), 4);
    }

    #[test]
    fn a_session_ends_at_its_lifetime_unless_the_client_reauthenticates() {
        let now = SystemTime::now();
        let mut gate = Gate::new(config(), Duration::from_secs(10));
        let v = login(&mut gate, password(Mechanism::Plain, "alice-secret"), now);
        let Verdict::Respond(ResponseBody::SaslAuthenticate(r), _) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.session_lifetime_ms, 10_000);
        let metadata = header(ApiKey::METADATA, 12);
        let later = now + Duration::from_secs(9);
        assert!(matches!(
            gate.check(&metadata, &Bytes::new(), later),
            Verdict::Pass
        ));
        // Re-authentication on the same connection renews the session.
        let v = login(
            &mut gate,
            password(Mechanism::ScramSha256, "alice-secret"),
            later,
        );
        assert!(matches!(v, Verdict::Respond(..)), "{v:?}");
        let after_first = now + Duration::from_secs(15);
        assert!(matches!(
            gate.check(&metadata, &Bytes::new(), after_first),
            Verdict::Pass
        ));
        let after_second = later + Duration::from_secs(10);
        assert!(matches!(
            gate.check(&metadata, &Bytes::new(), after_second),
            Verdict::Close(_)
        ));
    }

    #[test]
    fn faults_end_sessions_now_and_refuse_right_passwords() {
        let t0 = SystemTime::now();
        let mut faults = SecurityFaults::default();
        let mut gate = Gate::new(config(), Duration::ZERO);
        assert!(matches!(
            login(&mut gate, password(Mechanism::Plain, "alice-secret"), t0),
            Verdict::Respond(..)
        ));
        let metadata = header(ApiKey::METADATA, 12);
        let t1 = t0 + Duration::from_secs(1);
        assert!(matches!(
            gate.check_with(&metadata, &Bytes::new(), t1, &mut faults),
            Verdict::Pass
        ));
        // Ended now: only a re-authentication keeps the connection.
        faults.expire_sessions(t1);
        let mut other = Gate::new(config(), Duration::ZERO);
        assert!(matches!(
            login(&mut other, password(Mechanism::Plain, "alice-secret"), t0),
            Verdict::Respond(..)
        ));
        assert!(matches!(
            other.check_with(&metadata, &Bytes::new(), t1, &mut faults),
            Verdict::Close(_)
        ));
        let t2 = t1 + Duration::from_millis(1);
        assert!(matches!(
            login(
                &mut gate,
                password(Mechanism::ScramSha256, "alice-secret"),
                t2
            ),
            Verdict::Respond(..)
        ));
        assert!(matches!(
            gate.check_with(&metadata, &Bytes::new(), t2, &mut faults),
            Verdict::Pass
        ));

        // The next SCRAM-SHA-512 login of alice fails, with Kafka's answer, then they pass.
        faults.reject_logins(Some("alice".into()), Some("SCRAM-SHA-512".into()), 1);
        let mut login_with_faults = |mechanism| {
            let mut gate = Gate::new(config(), Duration::ZERO);
            let mut client = password(mechanism, "alice-secret");
            let body = SaslHandshakeRequest {
                mechanism: client.mechanism().name().into(),
                ..Default::default()
            }
            .to_bytes(1)
            .unwrap();
            let hs = header(ApiKey::SASL_HANDSHAKE, 1);
            gate.check_with(&hs, &body, t2, &mut faults);
            let mut to_send = client.initial_response().unwrap();
            loop {
                let body = SaslAuthenticateRequest {
                    auth_bytes: Bytes::from(to_send),
                    ..Default::default()
                }
                .to_bytes(2)
                .unwrap();
                let v = gate.check_with(
                    &header(ApiKey::SASL_AUTHENTICATE, 2),
                    &body,
                    t2,
                    &mut faults,
                );
                let Verdict::Respond(ResponseBody::SaslAuthenticate(r), _) = &v else {
                    return v;
                };
                match client.step(&r.auth_bytes).unwrap() {
                    ClientStep::Respond(bytes) => to_send = bytes,
                    _ => return v,
                }
            }
        };
        assert!(matches!(
            login_with_faults(Mechanism::ScramSha256),
            Verdict::Respond(..)
        ));
        let v = login_with_faults(Mechanism::ScramSha512);
        let Verdict::RespondAndClose(ResponseBody::SaslAuthenticate(r), ..) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
        assert!(r.error_message.unwrap().contains("invalid credentials"));
        assert!(matches!(
            login_with_faults(Mechanism::ScramSha512),
            Verdict::Respond(..)
        ));
    }
}
