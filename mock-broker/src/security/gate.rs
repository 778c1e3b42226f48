//! The SASL gate of one connection, as Kafka's `SaslServerAuthenticator`, `KafkaChannel` and
//! `SocketServer` run it (KIP-43, KIP-152, KIP-368):
//!
//! * Before authentication a client may send one ApiVersions (at a version the broker serves;
//!   one it does not serve is answered UNSUPPORTED_VERSION and may be retried), then
//!   SaslHandshake. Anything else — a second ApiVersions included — closes the connection
//!   unanswered.
//! * After SaslHandshake v1 only SaslAuthenticate carries tokens during the exchange. Any other
//!   request is answered with its own error response carrying ILLEGAL_SASL_STATE, then the
//!   connection closes (the mock builds that response for ApiVersions, SaslHandshake, Metadata
//!   and Produce; for the other APIs, which no client sends then, it closes unanswered).
//! * After SaslHandshake v0 (KIP-43, before KIP-152) the tokens travel as bare size-prefixed
//!   frames, without a request header, both ways ([`Gate::wants_raw_token`],
//!   [`Gate::raw_token`]); a frame that does not step the exchange — a Kafka request included —
//!   and a failed login close the connection without an answer, as Kafka's authenticator has
//!   no response to send then. The session that results is the same as after v1.
//! * A failed exchange answers SASL_AUTHENTICATION_FAILED (an unknown mechanism
//!   UNSUPPORTED_SASL_MECHANISM) and closes.
//! * Once authenticated every request passes to the handlers until the session lifetime
//!   returned to the client has passed; after that any request but SaslHandshake closes the
//!   connection. SaslHandshake re-authenticates on the same connection — after expiry too —
//!   when the session has a lifetime and the last re-authentication began at least a second
//!   ago; otherwise it goes to the handlers like any request (which answer ILLEGAL_SASL_STATE),
//!   or closes the connection if the session expired.
//! * A re-authentication must keep the mechanism: with another one the SaslHandshake is
//!   answered without error and the next request closes the connection unanswered
//!   ([`SaslError::MechanismChanged`]). It must prove the same principal: another one answers
//!   SASL_AUTHENTICATION_FAILED and closes ([`SaslError::PrincipalChanged`]).
//!
//! The cluster's [`SecurityFaults`] can end sessions early (as if their lifetime had run out)
//! and refuse logins whose credentials are right, per broker.
//!
//! Plain data driven with the wall-clock time as an argument; the exchanges are kwire-auth's.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use kwire_auth::sasl::session::session_lifetime;
use kwire_auth::sasl::{
    Exchange, Mechanism, SaslError, SaslServer, SaslServerConfig, ScramCredentials, ServerStep,
};
use kwire_protocol::api::metadata::MetadataResponseTopic;
use kwire_protocol::api::produce::{PartitionProduceResponse, TopicProduceResponse};
use kwire_protocol::api::{
    ApiVersionsResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse,
    ResponseBody, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
    SaslHandshakeResponse,
};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::{ApiKey, ErrorCode, Message, RequestHeader};

use super::{SaslShared, SecurityFaults};
use crate::cluster::BrokerId;

/// Kafka's `KafkaChannel.MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS`: a SaslHandshake less than this
/// after the last re-authentication began does not start another one.
const MIN_REAUTH_INTERVAL: Duration = Duration::from_secs(1);

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

/// What the connection does with a bare SASL token frame (after SaslHandshake v0).
#[derive(Debug)]
pub enum RawVerdict {
    /// Send these bytes as one size-prefixed frame (possibly empty), read the next frame.
    Respond(Vec<u8>),
    /// Close without answering.
    Close(String),
}

/// One step of an exchange, before it is put in a SaslAuthenticate response or a bare frame.
enum Stepped {
    Challenge(Vec<u8>),
    Done {
        response: Vec<u8>,
        lifetime_ms: i64,
    },
    Failed {
        error: SaslError,
        exchange: Exchange,
    },
}

/// An authenticated session.
#[derive(Debug, Clone)]
struct Session {
    principal: String,
    mechanism: Mechanism,
    /// When it was authenticated.
    since: SystemTime,
    /// When it ends (KIP-368); `None`: never (no `connections.max.reauth.ms`, no expiring
    /// credential).
    expires: Option<SystemTime>,
}

#[derive(Debug)]
enum State {
    /// Nothing yet (Kafka's INITIAL_REQUEST and HANDSHAKE_OR_VERSIONS_REQUEST).
    Start,
    /// One ApiVersions answered: the next request must be SaslHandshake (HANDSHAKE_REQUEST).
    VersionsAnswered,
    /// SaslHandshake chose a mechanism; SaslAuthenticate requests (`raw`: bare frames, after
    /// SaslHandshake v0) step the exchange. With `previous`, it re-authenticates that session.
    Exchanging {
        server: Box<SaslServer>,
        previous: Option<Session>,
        raw: bool,
    },
    /// A re-authentication asked for another mechanism: the next request closes the
    /// connection (REAUTH_BAD_MECHANISM).
    BadMechanism(SaslError),
    /// Authenticated.
    Authenticated(Session),
}

/// One connection's SASL gate.
pub struct Gate {
    broker: BrokerId,
    config: Arc<SaslServerConfig>,
    /// Where SCRAM logins find users' credentials (the cluster's store).
    scram: Arc<dyn ScramCredentials + Send + Sync>,
    max_reauth: Duration,
    state: State,
    /// When the last re-authentication began (at most one a second).
    last_reauth_start: Option<SystemTime>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("broker", &self.broker)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Gate {
    /// A gate for a new connection to `broker`, checking SCRAM logins against `scram`.
    pub fn new(
        broker: BrokerId,
        config: Arc<SaslServerConfig>,
        scram: Arc<dyn ScramCredentials + Send + Sync>,
        max_reauth: Duration,
    ) -> Self {
        Self {
            broker,
            config,
            scram,
            max_reauth,
            state: State::Start,
            last_reauth_start: None,
        }
    }

    /// The authenticated principal, once there is one.
    pub fn principal(&self) -> Option<&str> {
        match &self.state {
            State::Authenticated(s) => Some(&s.principal),
            _ => None,
        }
    }

    /// Whether the next frame is a bare SASL token (the exchange began with SaslHandshake v0)
    /// rather than a request: the connection hands it to [`Gate::raw_token`] undecoded.
    pub fn wants_raw_token(&self) -> bool {
        matches!(self.state, State::Exchanging { raw: true, .. })
    }

    /// Steps a SaslHandshake v0 exchange with a bare token that arrived at `now`. Kafka's
    /// authenticator feeds the frame to the SASL server as it is: a success or a challenge is
    /// sent back as a bare frame; a failure closes the connection unanswered (a v0 client has
    /// no SaslAuthenticate response to read an error from).
    pub fn raw_token(
        &mut self,
        token: &[u8],
        now: SystemTime,
        shared: &mut SaslShared,
    ) -> RawVerdict {
        if !self.wants_raw_token() {
            return RawVerdict::Close(
                "a bare SASL token outside a SaslHandshake v0 exchange".into(),
            );
        }
        let mechanism = self.mechanism_in_exchange();
        match self.step(token, now, shared) {
            Stepped::Challenge(bytes) => RawVerdict::Respond(bytes),
            Stepped::Done { response, .. } => RawVerdict::Respond(response),
            Stepped::Failed { error, exchange } => {
                RawVerdict::Close(format!("{mechanism} {exchange} failed: {error}"))
            }
        }
    }

    /// Decides what happens to a request that arrived at `now`, without faults.
    pub fn check(&mut self, header: &RequestHeader, body: &Bytes, now: SystemTime) -> Verdict {
        self.check_with(header, body, now, &mut SaslShared::default())
    }

    /// Decides what happens to a request that arrived at `now`, with the cluster's faults
    /// (a refused login counts against them) and counters.
    pub fn check_with(
        &mut self,
        header: &RequestHeader,
        body: &Bytes,
        now: SystemTime,
        shared: &mut SaslShared,
    ) -> Verdict {
        let (api, version) = (header.api_key, header.api_version);
        match &self.state {
            State::Authenticated(session) => {
                let session = session.clone();
                if api == ApiKey::SASL_HANDSHAKE
                    && self.may_reauthenticate(&session, now, &shared.faults)
                {
                    self.last_reauth_start = Some(now);
                    return self.handshake(body, version, Some(session), &mut shared.stats);
                }
                if self.expired(&session, now, &shared.faults) {
                    shared.stats.expired_sessions_closed += 1;
                    return Verdict::Close(format!(
                        "{} after the session expired without re-authentication",
                        api.name()
                    ));
                }
                Verdict::Pass
            }
            State::Start if api == ApiKey::API_VERSIONS => {
                // One the broker cannot read is answered UNSUPPORTED_VERSION and may be
                // retried at another version (KIP-511).
                if crate::api::served(api, version) {
                    self.state = State::VersionsAnswered;
                }
                Verdict::Pass
            }
            State::Start | State::VersionsAnswered if api == ApiKey::SASL_HANDSHAKE => {
                self.handshake(body, version, None, &mut shared.stats)
            }
            State::Start | State::VersionsAnswered => Verdict::Close(format!(
                "unexpected {} request before SaslHandshake",
                api.name()
            )),
            State::Exchanging { .. } if api == ApiKey::SASL_AUTHENTICATE => {
                self.authenticate(body, version, now, shared)
            }
            State::Exchanging { .. } => {
                let why = format!(
                    "unexpected {} request during SASL authentication",
                    api.name()
                );
                match illegal_sasl_state(api, version, body) {
                    Some(response) => {
                        shared.stats.illegal_state += 1;
                        Verdict::RespondAndClose(response, version, why)
                    }
                    None => Verdict::Close(why),
                }
            }
            State::BadMechanism(e) => {
                shared.stats.failed += 1;
                Verdict::Close(e.to_string())
            }
        }
    }

    /// Whether a SaslHandshake on an authenticated connection starts a re-authentication, as
    /// `KafkaChannel.maybeBeginServerReauthentication` decides: only for a session with a
    /// lifetime (or one a fault ended), at most once a second.
    fn may_reauthenticate(&self, s: &Session, now: SystemTime, faults: &SecurityFaults) -> bool {
        let has_lifetime = s.expires.is_some() || faults.ended(self.broker, s.since);
        let too_soon = self.last_reauth_start.is_some_and(|t| {
            now.duration_since(t)
                .is_ok_and(|elapsed| elapsed < MIN_REAUTH_INTERVAL)
                || now < t
        });
        has_lifetime && !too_soon
    }

    /// Whether the session is over at `now` (Kafka: strictly past its end).
    fn expired(&self, s: &Session, now: SystemTime, faults: &SecurityFaults) -> bool {
        s.expires.is_some_and(|at| now > at) || faults.ended(self.broker, s.since)
    }

    fn handshake(
        &mut self,
        body: &Bytes,
        version: i16,
        previous: Option<Session>,
        stats: &mut super::SaslStats,
    ) -> Verdict {
        let Some(request) = read::<SaslHandshakeRequest>(body, version) else {
            return Verdict::Close("malformed SaslHandshake request".into());
        };
        let mechanisms = self
            .config
            .mechanism_names()
            .into_iter()
            .map(String::from)
            .collect();
        match SaslServer::start(&self.config, &request.mechanism) {
            Ok(server) => {
                self.state = match previous {
                    Some(p) if p.mechanism != server.mechanism() => {
                        State::BadMechanism(SaslError::MechanismChanged {
                            original: p.mechanism,
                            requested: server.mechanism(),
                        })
                    }
                    previous => State::Exchanging {
                        server: Box::new(server),
                        previous,
                        // v0: the tokens follow as bare frames (Kafka's
                        // enableKafkaSaslAuthenticateHeaders only for v1+)
                        raw: version < 1,
                    },
                };
                let response = SaslHandshakeResponse {
                    mechanisms,
                    ..Default::default()
                };
                Verdict::Respond(response.into(), version)
            }
            Err(e) => {
                stats.failed += 1;
                let response = SaslHandshakeResponse {
                    error_code: ErrorCode::UnsupportedSaslMechanism,
                    mechanisms,
                    ..Default::default()
                };
                Verdict::RespondAndClose(response.into(), version, e.to_string())
            }
        }
    }

    /// The mechanism of the exchange under way.
    fn mechanism_in_exchange(&self) -> Mechanism {
        match &self.state {
            State::Exchanging { server, .. } => server.mechanism(),
            _ => unreachable!("only during an exchange"),
        }
    }

    fn authenticate(
        &mut self,
        body: &Bytes,
        version: i16,
        now: SystemTime,
        shared: &mut SaslShared,
    ) -> Verdict {
        let Some(request) = read::<SaslAuthenticateRequest>(body, version) else {
            return Verdict::Close("malformed SaslAuthenticate request".into());
        };
        let mechanism = self.mechanism_in_exchange();
        match self.step(&request.auth_bytes, now, shared) {
            Stepped::Challenge(bytes) => {
                let response = SaslAuthenticateResponse {
                    auth_bytes: bytes.into(),
                    // Kafka's generated default for the string: empty, not null.
                    error_message: Some(String::new()),
                    ..Default::default()
                };
                Verdict::Respond(response.into(), version)
            }
            Stepped::Done {
                response,
                lifetime_ms,
            } => {
                let response = SaslAuthenticateResponse {
                    auth_bytes: response.into(),
                    error_message: Some(String::new()),
                    // v0 cannot carry it; such a client is closed at expiry all the same.
                    session_lifetime_ms: if version >= 1 { lifetime_ms } else { 0 },
                    ..Default::default()
                };
                Verdict::Respond(response.into(), version)
            }
            Stepped::Failed { error, exchange } => {
                let response = SaslAuthenticateResponse {
                    error_code: ErrorCode::SaslAuthenticationFailed,
                    error_message: Some(error.broker_message_during(mechanism, exchange)),
                    ..Default::default()
                };
                Verdict::RespondAndClose(
                    response.into(),
                    version,
                    format!("{mechanism} {exchange} failed: {error}"),
                )
            }
        }
    }

    /// Steps the exchange under way with the client's `bytes`: on success the connection is
    /// authenticated (its session starts at `now`) and counted; a failure is counted.
    fn step(&mut self, bytes: &[u8], now: SystemTime, shared: &mut SaslShared) -> Stepped {
        let State::Exchanging {
            server, previous, ..
        } = &mut self.state
        else {
            unreachable!("checked by the caller")
        };
        let mechanism = server.mechanism();
        let exchange = if previous.is_some() {
            Exchange::Reauthentication
        } else {
            Exchange::Authentication
        };
        let step = match server.step_with(&self.config, self.scram.as_ref(), bytes, now) {
            Ok(ServerStep::Authenticated(done)) => match previous {
                Some(p) if p.principal != done.principal => Err(SaslError::PrincipalChanged {
                    from: p.principal.clone(),
                    to: done.principal,
                }),
                _ if shared.faults.take_rejection(
                    self.broker,
                    &done.principal,
                    mechanism.name(),
                ) =>
                {
                    tracing::info!(principal = %done.principal, %mechanism, "fault: refusing the login");
                    Err(SaslError::BadCredentials {
                        user: done.principal,
                    })
                }
                _ => Ok(ServerStep::Authenticated(done)),
            },
            step => step,
        };
        match step {
            Ok(ServerStep::Challenge(bytes)) => Stepped::Challenge(bytes),
            Ok(ServerStep::Authenticated(done)) => {
                let lifetime = session_lifetime(self.max_reauth, done.credential_expires_at, now);
                let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
                tracing::debug!(principal = %done.principal, %mechanism, lifetime_ms, %exchange, "authenticated");
                match exchange {
                    Exchange::Authentication => shared.stats.authentications += 1,
                    Exchange::Reauthentication => shared.stats.reauthentications += 1,
                }
                self.state = State::Authenticated(Session {
                    principal: done.principal,
                    mechanism,
                    since: now,
                    expires: (!lifetime.is_zero()).then(|| now + lifetime),
                });
                Stepped::Done {
                    response: done.response,
                    lifetime_ms,
                }
            }
            Err(error) => {
                shared.stats.failed += 1;
                Stepped::Failed { error, exchange }
            }
        }
    }
}

/// The error response Kafka's `getErrorResponse` builds with ILLEGAL_SASL_STATE for a request
/// that came during an exchange, for the requests a client may send then by mistake
/// (ApiVersions, SaslHandshake, Metadata, Produce); `None` for the others, for a Produce with
/// acks=0 (Kafka builds no response for it) and for a version or body the broker cannot read
/// (Kafka closes unanswered for those too).
fn illegal_sasl_state(api: ApiKey, version: i16, body: &Bytes) -> Option<ResponseBody> {
    let error_code = ErrorCode::IllegalSaslState;
    if !crate::api::served(api, version) {
        return None;
    }
    Some(match api {
        ApiKey::API_VERSIONS => ApiVersionsResponse {
            error_code,
            ..Default::default()
        }
        .into(),
        ApiKey::SASL_HANDSHAKE => {
            read::<SaslHandshakeRequest>(body, version)?;
            SaslHandshakeResponse {
                error_code,
                ..Default::default()
            }
            .into()
        }
        ApiKey::METADATA => {
            let request = read::<MetadataRequest>(body, version)?;
            MetadataResponse {
                topics: request
                    .topics
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| MetadataResponseTopic {
                        error_code,
                        name: Some(t.name.unwrap_or_default()),
                        topic_id: t.topic_id,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }
            .into()
        }
        ApiKey::PRODUCE => {
            let request = read::<ProduceRequest>(body, version)?;
            if request.acks == 0 {
                return None;
            }
            // Kafka's ApiKeys name
            let message = "Unexpected Kafka request of type PRODUCE during SASL authentication.";
            ProduceResponse {
                responses: request
                    .topic_data
                    .into_iter()
                    .map(|t| TopicProduceResponse {
                        name: t.name,
                        topic_id: t.topic_id,
                        partition_responses: t
                            .partition_data
                            .into_iter()
                            .map(|p| PartitionProduceResponse {
                                index: p.index,
                                error_code,
                                base_offset: -1,
                                log_append_time_ms: -1,
                                log_start_offset: -1,
                                error_message: Some(message.into()),
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }
            .into()
        }
        _ => return None,
    })
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
    use kwire_auth::sasl::{ClientStep, SaslClient};
    use kwire_protocol::api::metadata::MetadataRequestTopic;
    use kwire_protocol::api::produce::{PartitionProduceData, TopicProduceData};

    use super::*;

    const BROKER: BrokerId = 1;

    fn config() -> Arc<SaslServerConfig> {
        let mut c = SaslServerConfig::default();
        for (user, pw) in [("alice", "alice-secret"), ("bob", "bob-secret")] {
            c.users.add_user(user, Secret::new(pw), 4096).unwrap();
        }
        Arc::new(c)
    }

    fn gate(max_reauth: Duration) -> Gate {
        gate_on(BROKER, max_reauth)
    }

    /// A gate whose SCRAM users are the config's.
    fn gate_on(broker: BrokerId, max_reauth: Duration) -> Gate {
        let config = config();
        let scram = Arc::new(config.users.clone());
        Gate::new(broker, config, scram, max_reauth)
    }

    fn header(api: ApiKey, version: i16) -> RequestHeader {
        RequestHeader::new(api, version, 1, Some("test"))
    }

    fn request(gate: &mut Gate, api: ApiKey, now: SystemTime, shared: &mut SaslShared) -> Verdict {
        let (version, body) = match api {
            ApiKey::METADATA => (
                12,
                MetadataRequest {
                    topics: Some(vec![MetadataRequestTopic {
                        name: Some("t".into()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }
                .to_bytes(12)
                .unwrap(),
            ),
            ApiKey::API_VERSIONS => (3, Bytes::new()),
            _ => panic!("{api}"),
        };
        gate.check_with(&header(api, version), &body, now, shared)
    }

    fn handshake(
        gate: &mut Gate,
        mechanism: &str,
        now: SystemTime,
        shared: &mut SaslShared,
    ) -> Verdict {
        let body = SaslHandshakeRequest {
            mechanism: mechanism.into(),
            ..Default::default()
        }
        .to_bytes(1)
        .unwrap();
        gate.check_with(&header(ApiKey::SASL_HANDSHAKE, 1), &body, now, shared)
    }

    fn authenticate(
        gate: &mut Gate,
        bytes: &[u8],
        now: SystemTime,
        shared: &mut SaslShared,
    ) -> Verdict {
        let body = SaslAuthenticateRequest {
            auth_bytes: Bytes::copy_from_slice(bytes),
            ..Default::default()
        }
        .to_bytes(2)
        .unwrap();
        gate.check_with(&header(ApiKey::SASL_AUTHENTICATE, 2), &body, now, shared)
    }

    /// Runs a whole exchange (handshake included): the last verdict.
    fn login_with(
        gate: &mut Gate,
        mut client: SaslClient,
        now: SystemTime,
        shared: &mut SaslShared,
    ) -> Verdict {
        let hs = handshake(gate, client.mechanism().name(), now, shared);
        let Verdict::Respond(ResponseBody::SaslHandshake(r), _) = &hs else {
            return hs;
        };
        assert_eq!(r.error_code, ErrorCode::None);
        let mut to_send = client.initial_response().unwrap();
        loop {
            let verdict = authenticate(gate, &to_send, now, shared);
            let Verdict::Respond(ResponseBody::SaslAuthenticate(r), _) = &verdict else {
                return verdict;
            };
            match client.step(&r.auth_bytes).unwrap() {
                ClientStep::Respond(bytes) => to_send = bytes,
                ClientStep::Done | ClientStep::Fail { .. } => return verdict,
            }
        }
    }

    fn login(gate: &mut Gate, client: SaslClient, now: SystemTime) -> Verdict {
        login_with(gate, client, now, &mut SaslShared::default())
    }

    fn password(mechanism: Mechanism, pw: &str) -> SaslClient {
        SaslClient::with_password(mechanism, "alice", Secret::new(pw)).unwrap()
    }

    fn user(mechanism: Mechanism, user: &str, pw: &str) -> SaslClient {
        SaslClient::with_password(mechanism, user, Secret::new(pw)).unwrap()
    }

    fn alice(mechanism: Mechanism) -> SaslClient {
        password(mechanism, "alice-secret")
    }

    fn passes(v: &Verdict) -> bool {
        matches!(v, Verdict::Pass)
    }

    fn closes(v: &Verdict) -> bool {
        matches!(v, Verdict::Close(_))
    }

    /// The final SaslAuthenticate response of a successful login.
    fn authenticated(v: Verdict) -> SaslAuthenticateResponse {
        match v {
            Verdict::Respond(ResponseBody::SaslAuthenticate(r), _)
                if r.error_code == ErrorCode::None =>
            {
                r
            }
            v => panic!("not authenticated: {v:?}"),
        }
    }

    /// The SaslAuthenticate failure answered before the close.
    fn refused(v: Verdict) -> SaslAuthenticateResponse {
        match v {
            Verdict::RespondAndClose(ResponseBody::SaslAuthenticate(r), ..) => r,
            v => panic!("not refused: {v:?}"),
        }
    }

    #[test]
    fn only_api_versions_and_the_handshake_come_before_authentication() {
        let now = SystemTime::now();
        let s = &mut SaslShared::default();
        let mut g = gate(Duration::ZERO);
        assert!(passes(&request(&mut g, ApiKey::API_VERSIONS, now, s)));
        let mut g = gate(Duration::ZERO);
        assert!(closes(&request(&mut g, ApiKey::METADATA, now, s)));
        let mut g = gate(Duration::ZERO);
        assert!(closes(&authenticate(
            &mut g,
            b"\0alice\0alice-secret",
            now,
            s
        )));
    }

    #[test]
    fn one_api_versions_before_the_handshake_a_second_closes() {
        let now = SystemTime::now();
        let s = &mut SaslShared::default();
        let mut g = gate(Duration::ZERO);
        assert!(passes(&request(&mut g, ApiKey::API_VERSIONS, now, s)));
        assert!(closes(&request(&mut g, ApiKey::API_VERSIONS, now, s)));
        // The handshake may follow the one ApiVersions.
        let mut g = gate(Duration::ZERO);
        assert!(passes(&request(&mut g, ApiKey::API_VERSIONS, now, s)));
        authenticated(login(&mut g, alice(Mechanism::Plain), now));
        // One the broker cannot read is answered UNSUPPORTED_VERSION and may be retried.
        let mut g = gate(Duration::ZERO);
        let unknown = header(ApiKey::API_VERSIONS, 99);
        assert!(passes(&g.check_with(&unknown, &Bytes::new(), now, s)));
        assert!(passes(&request(&mut g, ApiKey::API_VERSIONS, now, s)));
        assert!(closes(&request(&mut g, ApiKey::API_VERSIONS, now, s)));
    }

    #[test]
    fn other_requests_during_the_exchange_answer_illegal_sasl_state_and_close() {
        let now = SystemTime::now();
        let s = &mut SaslShared::default();
        let mut g = gate(Duration::ZERO);
        assert!(matches!(
            handshake(&mut g, "PLAIN", now, s),
            Verdict::Respond(..)
        ));
        let v = request(&mut g, ApiKey::API_VERSIONS, now, s);
        let Verdict::RespondAndClose(ResponseBody::ApiVersions(r), 3, _) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::IllegalSaslState);
        assert!(r.api_keys.is_empty());

        let mut g = gate(Duration::ZERO);
        handshake(&mut g, "SCRAM-SHA-256", now, s);
        let v = request(&mut g, ApiKey::METADATA, now, s);
        let Verdict::RespondAndClose(ResponseBody::Metadata(r), 12, _) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.topics.len(), 1);
        assert_eq!(r.topics[0].name.as_deref(), Some("t"));
        assert_eq!(r.topics[0].error_code, ErrorCode::IllegalSaslState);

        let mut g = gate(Duration::ZERO);
        handshake(&mut g, "PLAIN", now, s);
        let v = handshake(&mut g, "PLAIN", now, s);
        let Verdict::RespondAndClose(ResponseBody::SaslHandshake(r), ..) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::IllegalSaslState);
        assert_eq!(s.stats.illegal_state, 3);

        // A Produce is answered per partition, as Kafka's getErrorResponse does.
        let mut g = gate(Duration::ZERO);
        handshake(&mut g, "PLAIN", now, s);
        let produce = ProduceRequest {
            acks: -1,
            topic_data: vec![TopicProduceData {
                name: "t".into(),
                partition_data: vec![PartitionProduceData {
                    index: 2,
                    records: Some(Bytes::new()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let v = g.check_with(
            &header(ApiKey::PRODUCE, 9),
            &produce.to_bytes(9).unwrap(),
            now,
            s,
        );
        let Verdict::RespondAndClose(ResponseBody::Produce(r), 9, _) = v else {
            panic!("{v:?}")
        };
        let p = &r.responses[0].partition_responses[0];
        assert_eq!(
            (p.index, p.error_code, p.base_offset),
            (2, ErrorCode::IllegalSaslState, -1)
        );
        // With acks=0 Kafka builds no response: closed unanswered. So are requests whose error
        // answer the mock does not build.
        let mut g = gate(Duration::ZERO);
        handshake(&mut g, "PLAIN", now, s);
        let produce = ProduceRequest { acks: 0, ..produce };
        let body = produce.to_bytes(9).unwrap();
        assert!(closes(&g.check_with(
            &header(ApiKey::PRODUCE, 9),
            &body,
            now,
            s
        )));
        let mut g = gate(Duration::ZERO);
        handshake(&mut g, "PLAIN", now, s);
        let fetch = header(ApiKey::FETCH, 12);
        assert!(closes(&g.check_with(&fetch, &Bytes::new(), now, s)));
    }

    #[test]
    fn every_password_mechanism_authenticates_and_then_passes_requests() {
        let now = SystemTime::now();
        for mechanism in [
            Mechanism::Plain,
            Mechanism::ScramSha256,
            Mechanism::ScramSha512,
        ] {
            let s = &mut SaslShared::default();
            let mut g = gate(Duration::ZERO);
            let r = authenticated(login_with(&mut g, alice(mechanism), now, s));
            assert_eq!(r.session_lifetime_ms, 0);
            assert_eq!(g.principal(), Some("alice"));
            assert!(passes(&request(&mut g, ApiKey::METADATA, now, s)));
            assert_eq!(s.stats.authentications, 1);
        }
    }

    #[test]
    fn a_wrong_password_or_mechanism_answers_and_closes() {
        let now = SystemTime::now();
        let mut g = gate(Duration::ZERO);
        let r = refused(login(
            &mut g,
            password(Mechanism::ScramSha512, "wrong"),
            now,
        ));
        assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
        assert_eq!(
            r.error_message.as_deref(),
            Some(
                "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"
            )
        );

        let mut g = gate(Duration::ZERO);
        let v = handshake(&mut g, "GSSAPI", now, &mut SaslShared::default());
        let Verdict::RespondAndClose(ResponseBody::SaslHandshake(r), ..) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::UnsupportedSaslMechanism);
        assert_eq!(r.mechanisms.len(), 4);
    }

    #[test]
    fn a_session_ends_at_its_lifetime_unless_the_client_reauthenticates() {
        let now = SystemTime::now();
        let s = &mut SaslShared::default();
        let mut g = gate(Duration::from_secs(10));
        let r = authenticated(login_with(&mut g, alice(Mechanism::Plain), now, s));
        assert_eq!(r.session_lifetime_ms, 10_000);
        let later = now + Duration::from_secs(9);
        assert!(passes(&request(&mut g, ApiKey::METADATA, later, s)));
        // Re-authentication on the same connection renews the session.
        authenticated(login_with(&mut g, alice(Mechanism::Plain), later, s));
        assert_eq!((s.stats.authentications, s.stats.reauthentications), (1, 1));
        let after_first = now + Duration::from_secs(15);
        assert!(passes(&request(&mut g, ApiKey::METADATA, after_first, s)));
        // Exactly at its end a session still serves (Kafka: strictly past it).
        let end = later + Duration::from_secs(10);
        assert!(passes(&request(&mut g, ApiKey::METADATA, end, s)));
        let past = end + Duration::from_millis(1);
        assert!(closes(&request(&mut g, ApiKey::METADATA, past, s)));
        assert_eq!(s.stats.expired_sessions_closed, 1);
    }

    #[test]
    fn after_expiry_anything_but_the_handshake_closes_and_the_handshake_reauthenticates() {
        let t0 = SystemTime::now();
        let past = t0 + Duration::from_secs(11);
        for api in [ApiKey::API_VERSIONS, ApiKey::METADATA] {
            let mut g = gate(Duration::from_secs(10));
            authenticated(login(&mut g, alice(Mechanism::ScramSha256), t0));
            assert!(
                closes(&request(&mut g, api, past, &mut SaslShared::default())),
                "{api}"
            );
        }
        let mut g = gate(Duration::from_secs(10));
        authenticated(login(&mut g, alice(Mechanism::ScramSha256), t0));
        let body = SaslAuthenticateRequest::default().to_bytes(2).unwrap();
        let sasl_authenticate = header(ApiKey::SASL_AUTHENTICATE, 2);
        assert!(closes(&g.check(&sasl_authenticate, &body, past)));

        let mut g = gate(Duration::from_secs(10));
        authenticated(login(&mut g, alice(Mechanism::ScramSha256), t0));
        let r = authenticated(login(&mut g, alice(Mechanism::ScramSha256), past));
        assert_eq!(r.session_lifetime_ms, 10_000);
        let s = &mut SaslShared::default();
        assert!(passes(&request(&mut g, ApiKey::METADATA, past, s)));
    }

    #[test]
    fn a_handshake_without_a_session_lifetime_or_within_a_second_goes_to_the_handlers() {
        let t0 = SystemTime::now();
        let s = &mut SaslShared::default();
        // No lifetime: the handlers answer ILLEGAL_SASL_STATE, the session stays.
        let mut g = gate(Duration::ZERO);
        authenticated(login(&mut g, alice(Mechanism::Plain), t0));
        assert!(passes(&handshake(&mut g, "PLAIN", t0, s)));
        assert!(passes(&request(&mut g, ApiKey::METADATA, t0, s)));
        // The first re-authentication may come at once; the next one only a second after it.
        let mut g = gate(Duration::from_secs(10));
        authenticated(login(&mut g, alice(Mechanism::Plain), t0));
        authenticated(login(&mut g, alice(Mechanism::Plain), t0));
        let soon = t0 + Duration::from_millis(999);
        assert!(passes(&handshake(&mut g, "PLAIN", soon, s)));
        assert!(passes(&request(&mut g, ApiKey::METADATA, soon, s)));
        let second = t0 + Duration::from_secs(1);
        authenticated(login(&mut g, alice(Mechanism::Plain), second));
        // Too soon and expired: the handshake closes it like any request.
        let mut g = gate(Duration::from_millis(500));
        authenticated(login(&mut g, alice(Mechanism::Plain), t0));
        authenticated(login(&mut g, alice(Mechanism::Plain), t0));
        let expired_soon = t0 + Duration::from_millis(600);
        assert!(closes(&handshake(&mut g, "PLAIN", expired_soon, s)));
    }

    #[test]
    fn reauthentication_with_another_mechanism_answers_the_handshake_then_closes() {
        let t0 = SystemTime::now();
        let s = &mut SaslShared::default();
        let mut g = gate(Duration::from_secs(10));
        authenticated(login_with(&mut g, alice(Mechanism::Plain), t0, s));
        let v = handshake(&mut g, "SCRAM-SHA-256", t0, s);
        let Verdict::Respond(ResponseBody::SaslHandshake(r), 1) = v else {
            panic!("{v:?}")
        };
        assert_eq!(r.error_code, ErrorCode::None);
        let mut client = alice(Mechanism::ScramSha256);
        let Verdict::Close(why) = authenticate(&mut g, &client.initial_response().unwrap(), t0, s)
        else {
            panic!("not closed")
        };
        assert_eq!(
            why,
            "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'"
        );
        assert_eq!(s.stats.failed, 1);
        // A mechanism the listener does not enable is refused as at the first login.
        let mut g = gate(Duration::from_secs(10));
        authenticated(login(&mut g, alice(Mechanism::Plain), t0));
        let v = handshake(&mut g, "GSSAPI", t0, s);
        assert!(matches!(
            v,
            Verdict::RespondAndClose(ResponseBody::SaslHandshake(_), ..)
        ));
    }

    #[test]
    fn reauthentication_as_another_principal_is_refused_and_closes() {
        let t0 = SystemTime::now();
        for mechanism in [Mechanism::Plain, Mechanism::ScramSha512] {
            let s = &mut SaslShared::default();
            let mut g = gate(Duration::from_secs(10));
            authenticated(login_with(&mut g, alice(mechanism), t0, s));
            let r = refused(login_with(
                &mut g,
                user(mechanism, "bob", "bob-secret"),
                t0,
                s,
            ));
            assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
            assert_eq!(
                r.error_message.as_deref(),
                Some("Cannot change principals during re-authentication from User.alice: User.bob"),
                "{mechanism}"
            );
            assert_eq!((s.stats.reauthentications, s.stats.failed), (0, 1));
        }
        // A wrong password on re-authentication names the re-authentication.
        let mut g = gate(Duration::from_secs(10));
        authenticated(login(&mut g, alice(Mechanism::ScramSha256), t0));
        let r = refused(login(&mut g, password(Mechanism::ScramSha256, "wrong"), t0));
        assert_eq!(
            r.error_message.as_deref(),
            Some(
                "Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"
            )
        );
    }

    #[test]
    fn faults_end_sessions_now_and_refuse_right_passwords_per_broker() {
        let t0 = SystemTime::now();
        let s = &mut SaslShared::default();
        let mut g = gate(Duration::ZERO);
        authenticated(login_with(&mut g, alice(Mechanism::Plain), t0, s));
        let t1 = t0 + Duration::from_secs(1);
        assert!(passes(&request(&mut g, ApiKey::METADATA, t1, s)));
        // Another broker's sessions end: this one's go on.
        s.faults.expire_sessions(Some(BROKER + 1), t1);
        assert!(passes(&request(&mut g, ApiKey::METADATA, t1, s)));
        // Ended now: only a re-authentication keeps the connection, although the session
        // had no lifetime of its own.
        s.faults.expire_sessions(Some(BROKER), t1);
        let mut other = gate(Duration::ZERO);
        authenticated(login_with(&mut other, alice(Mechanism::Plain), t0, s));
        assert!(closes(&request(&mut other, ApiKey::METADATA, t1, s)));
        let t2 = t1 + Duration::from_millis(1);
        authenticated(login_with(&mut g, alice(Mechanism::Plain), t2, s));
        assert!(passes(&request(&mut g, ApiKey::METADATA, t2, s)));

        // The next SCRAM-SHA-512 login of alice on this broker fails, with Kafka's answer;
        // one on another broker does not count against it.
        s.faults.reject_logins(
            Some(BROKER),
            Some("alice".into()),
            Some("SCRAM-SHA-512".into()),
            1,
        );
        let mut elsewhere = gate_on(BROKER + 1, Duration::ZERO);
        authenticated(login_with(
            &mut elsewhere,
            alice(Mechanism::ScramSha512),
            t2,
            s,
        ));
        authenticated(login_with(
            &mut gate(Duration::ZERO),
            alice(Mechanism::ScramSha256),
            t2,
            s,
        ));
        let r = refused(login_with(
            &mut gate(Duration::ZERO),
            alice(Mechanism::ScramSha512),
            t2,
            s,
        ));
        assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
        assert!(r.error_message.unwrap().contains("invalid credentials"));
        authenticated(login_with(
            &mut gate(Duration::ZERO),
            alice(Mechanism::ScramSha512),
            t2,
            s,
        ));
    }

    fn handshake_v0(gate: &mut Gate, mechanism: &str, s: &mut SaslShared) -> Verdict {
        let body = SaslHandshakeRequest {
            mechanism: mechanism.into(),
            ..Default::default()
        }
        .to_bytes(0)
        .unwrap();
        gate.check_with(
            &header(ApiKey::SASL_HANDSHAKE, 0),
            &body,
            SystemTime::now(),
            s,
        )
    }

    /// A whole exchange after SaslHandshake v0, with bare tokens: the last verdict.
    fn login_v0(gate: &mut Gate, mut client: SaslClient, now: SystemTime) -> RawVerdict {
        let s = &mut SaslShared::default();
        let hs = handshake_v0(gate, client.mechanism().name(), s);
        assert!(
            matches!(&hs, Verdict::Respond(ResponseBody::SaslHandshake(r), 0) if r.error_code.is_ok()),
            "{hs:?}"
        );
        assert!(gate.wants_raw_token());
        let mut to_send = client.initial_response().unwrap();
        loop {
            let verdict = gate.raw_token(&to_send, now, s);
            let RawVerdict::Respond(bytes) = &verdict else {
                return verdict;
            };
            match client.step(bytes).unwrap() {
                ClientStep::Respond(next) => to_send = next,
                ClientStep::Done | ClientStep::Fail { .. } => return verdict,
            }
        }
    }

    #[test]
    fn after_a_v0_handshake_the_tokens_are_bare_frames() {
        let now = SystemTime::now();
        for mechanism in [
            Mechanism::Plain,
            Mechanism::ScramSha256,
            Mechanism::ScramSha512,
        ] {
            let mut g = gate(Duration::from_secs(10));
            let last = login_v0(&mut g, alice(mechanism), now);
            // PLAIN's success is an empty frame, SCRAM's the server-final message.
            match (&last, mechanism) {
                (RawVerdict::Respond(b), Mechanism::Plain) => assert!(b.is_empty()),
                (RawVerdict::Respond(b), _) => assert!(b.starts_with(b"v="), "{b:?}"),
                (v, _) => panic!("{mechanism}: {v:?}"),
            }
            assert!(!g.wants_raw_token());
            assert_eq!(g.principal(), Some("alice"));
            let s = &mut SaslShared::default();
            assert!(passes(&request(&mut g, ApiKey::METADATA, now, s)));
            // The session ends at the broker's lifetime as after v1.
            let late = now + Duration::from_secs(11);
            assert!(closes(&request(&mut g, ApiKey::METADATA, late, s)));
        }
    }

    #[test]
    fn a_failed_v0_login_closes_unanswered() {
        let now = SystemTime::now();
        for mechanism in [Mechanism::Plain, Mechanism::ScramSha512] {
            let mut g = gate(Duration::ZERO);
            let v = login_v0(&mut g, password(mechanism, "wrong"), now);
            assert!(matches!(v, RawVerdict::Close(_)), "{mechanism}: {v:?}");
            assert_eq!(g.principal(), None);
        }
        // A Kafka request where the token belongs is a token that does not parse.
        let mut g = gate(Duration::ZERO);
        handshake_v0(&mut g, "PLAIN", &mut SaslShared::default());
        let metadata = MetadataRequest::default().to_bytes(1).unwrap();
        let v = g.raw_token(&metadata, now, &mut SaslShared::default());
        assert!(matches!(v, RawVerdict::Close(_)), "{v:?}");
        // Outside a v0 exchange a bare token is never read.
        let mut g = gate(Duration::ZERO);
        assert!(!g.wants_raw_token());
        handshake(&mut g, "PLAIN", now, &mut SaslShared::default());
        assert!(!g.wants_raw_token());
        let v = g.raw_token(b"\0alice\0alice-secret", now, &mut SaslShared::default());
        assert!(matches!(v, RawVerdict::Close(_)), "{v:?}");
        assert_eq!(g.principal(), None);
    }
}
