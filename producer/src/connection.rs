//! One broker connection: TCP connect, the ApiVersions handshake (KIP-511: a broker that does
//! not know our ApiVersions version answers in v0 with its own range, and we ask again), then
//! pipelined requests. One task per connection coalesces queued requests into few socket
//! writes and matches responses to requests in order (Kafka answers in order on a
//! connection); it hands each response to the engine itself. A failure ends the connection
//! with one `Disconnected` event.
//!
//! With SASL the connection also keeps the session alive (KIP-368): when the broker gave it a
//! lifetime, it re-authenticates on the same connection before the lifetime runs out (see
//! [`ClientSession`]). The re-authentication requests go out after the others, in order:
//! requests already written get their responses as usual (the broker answers in order, so
//! theirs come first), and new ones wait only for the SASL round trips.

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use kwire_auth::sasl::session::{ClientSession, SessionState};
use kwire_protocol::api::{
    ApiVersionsRequest, ApiVersionsResponse, ResponseBody, SaslAuthenticateRequest,
    SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kwire_protocol::api::{request_header_version, response_header_version};
use kwire_protocol::frame::{self, DEFAULT_MAX_FRAME_SIZE, FrameReader};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::{
    ApiKey, DecodeError, EncodeError, ErrorCode, Message, Request, RequestHeader, ResponseHeader,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{Instrument, debug, debug_span, trace};

use crate::engine::{Event, OutRequest, Versions};
use crate::partitioner::Rng;
use crate::security::{AuthError, ConnSecurity, SaslTurn, on_authenticate_response};

/// Decodes an ApiVersions response frame payload for a request sent at `version`. A broker
/// that does not know `version` answers in v0 with UNSUPPORTED_VERSION (KIP-511): as Kafka's
/// Java client does, an answer that does not decode at `version` is read again as v0, and
/// taken if it says so.
pub(crate) fn decode_api_versions(
    payload: &Bytes,
    version: i16,
) -> Result<ApiVersionsResponse, String> {
    match frame::decode_response::<ApiVersionsResponse>(payload, version) {
        Ok((_, r)) => Ok(r),
        Err(e) => match frame::decode_response::<ApiVersionsResponse>(payload, 0) {
            Ok((_, r)) if version > 0 && r.error_code == ErrorCode::UnsupportedVersion => Ok(r),
            _ => Err(format!("bad ApiVersions v{version} response: {e}")),
        },
    }
}

/// Checks that a response frame payload answers the request sent with `expected` (a broker
/// answers in order on a connection, so anything else is a protocol violation).
fn check_correlation_id(payload: &[u8], expected: i32) -> Result<(), String> {
    let got = frame::peek_correlation_id(payload).map_err(|e| format!("bad response: {e}"))?;
    if got != expected {
        return Err(format!("correlation id {got}, expected {expected}"));
    }
    Ok(())
}

/// Appends `req` to `buf` as a request frame with `correlation_id`.
fn encode_request(
    req: &OutRequest,
    buf: &mut BytesMut,
    correlation_id: i32,
    client_id: &str,
) -> Result<(), String> {
    let key = req.body.api_key();
    let fail = |e: EncodeError| format!("cannot encode {} v{}: {e}", key.name(), req.version);
    let header_version = request_header_version(key, req.version).ok_or_else(|| {
        fail(EncodeError::UnsupportedVersion {
            api_key: key.0,
            version: req.version,
        })
    })?;
    let h = RequestHeader::new(key, req.version, correlation_id, Some(client_id));
    frame::write_sized(buf, |buf| {
        h.encode(buf, header_version)?;
        req.body.encode(buf, req.version)
    })
    .map_err(fail)
}

/// Decodes a response frame payload to a `key` request sent at `version`: its correlation id
/// and body.
fn decode_response(
    key: ApiKey,
    payload: &Bytes,
    version: i16,
) -> Result<(i32, ResponseBody), String> {
    let fail = |e: DecodeError| format!("bad {} v{version} response: {e}", key.name());
    let header_version = response_header_version(key, version).ok_or_else(|| {
        fail(DecodeError::UnsupportedVersion {
            api_key: key.0,
            version,
        })
    })?;
    let mut d = Decoder::new(payload);
    let header = ResponseHeader::decode(&mut d, header_version).map_err(fail)?;
    let body = payload.slice(payload.len() - d.remaining()..);
    let body = ResponseBody::decode(key, version, &body).map_err(fail)?;
    Ok((header.correlation_id, body))
}

/// A running connection; dropping it closes the socket.
#[derive(Debug)]
pub(crate) struct ConnHandle {
    tx: mpsc::UnboundedSender<OutRequest>,
    task: JoinHandle<()>,
}

impl ConnHandle {
    /// Queues a request (silently dropped if the connection already died: its
    /// `Disconnected` event covers it).
    pub fn send(&self, req: OutRequest) {
        let _ = self.tx.send(req);
    }
}

impl Drop for ConnHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Settings of a connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnConfig {
    pub client_id: String,
    pub setup_timeout: Duration,
    pub max_frame_size: usize,
    /// TLS and SASL.
    pub security: Arc<ConnSecurity>,
}

/// Where a connection's events go, tagged with its id (so that those of a replaced
/// connection can be told apart): the engine, called from the connection's task.
pub(crate) type EventSink = Arc<dyn Fn(u64, Event) + Send + Sync>;

/// Starts connecting to `addr` as `node`; events go to `sink` tagged with `conn_id`.
pub(crate) fn spawn(
    node: i32,
    conn_id: u64,
    addr: String,
    cfg: ConnConfig,
    sink: EventSink,
) -> ConnHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let span = debug_span!("connection", node, %addr);
    let task = tokio::spawn(
        async move {
            match setup(&addr, &cfg).await {
                Ok(Setup {
                    stream,
                    versions,
                    rest,
                    session,
                }) => {
                    debug!(?versions, "connected");
                    sink(conn_id, Event::Connected { node, versions });
                    let session = session.map(|(session, versions)| Session {
                        session,
                        versions,
                        security: cfg.security.clone(),
                    });
                    match stream {
                        Stream::Plain(s) => {
                            let (r, w) = s.into_split();
                            Conn::new(node, conn_id, cfg.client_id, sink, r, w, rest, session)
                                .run(rx)
                                .await;
                        }
                        Stream::Tls(s) => {
                            let (r, w) = tokio::io::split(s);
                            Conn::new(node, conn_id, cfg.client_id, sink, r, w, rest, session)
                                .run(rx)
                                .await;
                        }
                    }
                }
                Err(SetupError::Transient(error)) => {
                    sink(conn_id, Event::ConnectFailed { node, error });
                }
                Err(SetupError::Auth(error)) => {
                    sink(conn_id, Event::AuthFailed { node, error });
                }
            }
        }
        .instrument(span),
    );
    ConnHandle { tx, task }
}

/// A connected socket, plain or TLS.
pub(crate) enum Stream {
    /// PLAINTEXT and SASL_PLAINTEXT.
    Plain(TcpStream),
    /// SSL and SASL_SSL.
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// Why a connection could not be set up: transient (retried after the reconnect backoff) or
/// an authentication failure (not retried).
#[derive(Debug)]
pub(crate) enum SetupError {
    Transient(String),
    Auth(AuthError),
}

impl From<String> for SetupError {
    fn from(e: String) -> Self {
        SetupError::Transient(e)
    }
}

impl From<&str> for SetupError {
    fn from(e: &str) -> Self {
        SetupError::Transient(e.to_owned())
    }
}

/// A connection ready for requests.
pub(crate) struct Setup {
    stream: Stream,
    versions: Versions,
    /// Whatever the broker sent after the last setup response (a well-behaved broker sends
    /// nothing before the next request, so the read loop judges these bytes instead of losing
    /// them).
    rest: FrameReader,
    /// With SASL: the session and the versions to re-authenticate with.
    session: Option<(ClientSession, SaslVersions)>,
}

/// Connects, negotiates versions and authenticates.
async fn setup(addr: &str, cfg: &ConnConfig) -> Result<Setup, SetupError> {
    let fut = async {
        let s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut reader = FrameReader::new(cfg.max_frame_size.min(DEFAULT_MAX_FRAME_SIZE));
        match &cfg.security.tls {
            None => {
                let mut s = s;
                let (versions, session) = handshake(&mut s, &mut reader, cfg).await?;
                Ok(Setup {
                    stream: Stream::Plain(s),
                    versions,
                    rest: reader,
                    session,
                })
            }
            Some(tls) => {
                let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
                let name = kwire_auth::tls::server_name(host.trim_matches(['[', ']']))
                    .map_err(|e| SetupError::Auth(AuthError::Tls(e.to_string())))?;
                let mut s = tokio_rustls::TlsConnector::from(tls.clone())
                    .connect(name, s)
                    .await
                    .map_err(|e| match AuthError::from_tls_io(&e) {
                        Some(auth) => SetupError::Auth(auth),
                        None => SetupError::Transient(format!("TLS handshake with {addr}: {e}")),
                    })?;
                let (versions, session) = handshake(&mut s, &mut reader, cfg).await?;
                Ok(Setup {
                    stream: Stream::Tls(Box::new(s)),
                    versions,
                    rest: reader,
                    session,
                })
            }
        }
    };
    tokio::time::timeout(cfg.setup_timeout, fut)
        .await
        .map_err(|_| SetupError::Transient(format!("connection setup to {addr} timed out")))?
}

/// ApiVersions (KIP-511), then SASL when configured.
async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    reader: &mut FrameReader,
    cfg: &ConnConfig,
) -> Result<(Versions, Option<(ClientSession, SaslVersions)>), SetupError> {
    let mut version = ApiVersionsRequest::VERSIONS.max;
    let mut buf = BytesMut::new();
    for attempt in 0..3 {
        let req = ApiVersionsRequest {
            client_software_name: "kwire-producer".into(),
            client_software_version: env!("CARGO_PKG_VERSION").into(),
            ..Default::default()
        };
        buf.clear();
        let h = RequestHeader::new(ApiKey::API_VERSIONS, version, attempt, Some(&cfg.client_id));
        frame::encode_request(&mut buf, &h, &req).map_err(|e| e.to_string())?;
        write_flush(s, &buf).await?;
        let payload = read_frame(s, reader).await?;
        check_correlation_id(&payload, attempt)?;
        let resp = decode_api_versions(&payload, version)?;
        if resp.error_code == ErrorCode::UnsupportedVersion {
            let (_, max) = resp
                .range_for(ApiKey::API_VERSIONS)
                .ok_or("UNSUPPORTED_VERSION without an ApiVersions range")?;
            let next = max.min(ApiVersionsRequest::VERSIONS.max);
            if next >= version || next < 0 {
                return Err(
                    format!("the broker supports no ApiVersions version we do ({max})").into(),
                );
            }
            version = next;
            continue;
        }
        if resp.error_code != ErrorCode::None {
            return Err(format!("ApiVersions failed: {}", resp.error_code.name()).into());
        }
        let versions = Versions::negotiate(&resp)?;
        if cfg.security.sasl.is_none() {
            return Ok((versions, None));
        }
        let sasl_versions = SaslVersions::negotiate(&resp)?;
        let mut direct = Direct {
            s,
            reader,
            client_id: &cfg.client_id,
            correlation_id: 10,
        };
        let session = authenticate(&mut direct, &cfg.security, sasl_versions).await?;
        return Ok((versions, Some((session, sasl_versions))));
    }
    Err("ApiVersions negotiation did not converge".into())
}

/// The SASL versions a connection uses, from the broker's ApiVersions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SaslVersions {
    handshake: i16,
    authenticate: i16,
}

impl SaslVersions {
    fn negotiate(versions: &ApiVersionsResponse) -> Result<Self, SetupError> {
        let handshake = match versions.range_for(ApiKey::SASL_HANDSHAKE) {
            Some((_, max)) if max >= 1 => 1,
            _ => return Err("the broker does not serve SaslHandshake v1".into()),
        };
        let authenticate = match versions.range_for(ApiKey::SASL_AUTHENTICATE) {
            Some((min, max)) if min <= 2 && max >= 0 => max.min(2),
            _ => return Err("the broker does not serve SaslAuthenticate".into()),
        };
        Ok(Self {
            handshake,
            authenticate,
        })
    }
}

/// Sends one SASL request and waits for its response: on the bare socket during setup, or
/// on a running connection.
trait SaslCalls {
    async fn call<R: Request>(
        &mut self,
        request: &R,
        version: i16,
    ) -> Result<R::Response, SetupError>;
}

/// SaslHandshake v1 and the SaslAuthenticate exchange; the session the broker granted.
async fn authenticate<T: SaslCalls>(
    calls: &mut T,
    security: &ConnSecurity,
    versions: SaslVersions,
) -> Result<ClientSession, SetupError> {
    let Some(client) = security.sasl_client(SystemTime::now()) else {
        return Ok(ClientSession::UNLIMITED);
    };
    let mut client = client.map_err(SetupError::Auth)?;
    let mechanism = client.mechanism().name();
    let handshake = SaslHandshakeRequest {
        mechanism: mechanism.to_owned(),
        ..Default::default()
    };
    let r: SaslHandshakeResponse = calls.call(&handshake, versions.handshake).await?;
    if r.error_code == ErrorCode::UnsupportedSaslMechanism {
        return Err(SetupError::Auth(AuthError::UnsupportedMechanism {
            mechanism: mechanism.to_owned(),
            offered: r.mechanisms,
        }));
    }
    if r.error_code != ErrorCode::None {
        return Err(format!("SaslHandshake failed: {}", r.error_code.name()).into());
    }
    let mut to_send = Bytes::from(client.initial_response().map_err(|e| {
        SetupError::Auth(AuthError::Sasl {
            mechanism: mechanism.to_owned(),
            reason: e.to_string(),
        })
    })?);
    // PLAIN takes one round, SCRAM two, OAUTHBEARER one (two when refused).
    for _ in 0..4 {
        let request = SaslAuthenticateRequest {
            auth_bytes: to_send,
            ..Default::default()
        };
        let sent_at = tokio::time::Instant::now().into_std();
        let r: SaslAuthenticateResponse = calls.call(&request, versions.authenticate).await?;
        match on_authenticate_response(
            &mut client,
            r.error_code,
            r.error_message.as_deref(),
            &r.auth_bytes,
        )
        .map_err(SetupError::Auth)?
        {
            SaslTurn::Send(bytes) => to_send = bytes,
            SaslTurn::Done => {
                debug!(
                    mechanism,
                    session_lifetime_ms = r.session_lifetime_ms,
                    "authenticated"
                );
                // Each session draws its own point, so that connections spread out.
                let jitter = Rng::new(RandomState::new().hash_one(sent_at)).next_f64();
                return Ok(ClientSession::new(sent_at, r.session_lifetime_ms, jitter));
            }
        }
    }
    Err(format!("the SASL {mechanism} exchange did not finish").into())
}

/// SASL calls on the bare socket, before the connection's tasks start.
struct Direct<'a, S> {
    s: &'a mut S,
    reader: &'a mut FrameReader,
    client_id: &'a str,
    correlation_id: i32,
}

impl<S: AsyncRead + AsyncWrite + Unpin> SaslCalls for Direct<'_, S> {
    async fn call<R: Request>(
        &mut self,
        request: &R,
        version: i16,
    ) -> Result<R::Response, SetupError> {
        self.correlation_id += 1;
        let mut buf = BytesMut::new();
        let h = RequestHeader::new(
            R::API_KEY,
            version,
            self.correlation_id,
            Some(self.client_id),
        );
        frame::encode_request(&mut buf, &h, request).map_err(|e| e.to_string())?;
        write_flush(self.s, &buf).await?;
        let payload = read_frame(self.s, self.reader).await?;
        Ok(decode_setup_response::<R>(
            &payload,
            version,
            self.correlation_id,
        )?)
    }
}

/// Decodes the response to a setup request sent with `correlation_id`.
fn decode_setup_response<R: Request>(
    payload: &Bytes,
    version: i16,
    correlation_id: i32,
) -> Result<R::Response, String> {
    let (header, body) = frame::decode_response::<R::Response>(payload, version)
        .map_err(|e| format!("bad {} response: {e}", R::API_KEY.name()))?;
    if header.correlation_id != correlation_id {
        return Err(format!(
            "correlation id {}, expected {correlation_id}",
            header.correlation_id
        ));
    }
    Ok(body)
}

async fn write_flush<S: AsyncWrite + Unpin>(s: &mut S, buf: &[u8]) -> Result<(), String> {
    s.write_all(buf).await.map_err(|e| format!("write: {e}"))?;
    s.flush().await.map_err(|e| format!("write: {e}"))
}

/// Reads one frame; bytes after it stay in `reader`. A TLS alert is an authentication
/// failure: with TLS 1.3 a broker that wants a client certificate says so only after the
/// handshake, on the first read.
async fn read_frame<S: AsyncRead + Unpin>(
    s: &mut S,
    reader: &mut FrameReader,
) -> Result<Bytes, SetupError> {
    loop {
        if let Some(f) = reader.next_frame().map_err(|e| e.to_string())? {
            return Ok(f);
        }
        let n =
            s.read_buf(reader.buf_for_read()).await.map_err(|e| {
                match AuthError::from_tls_io(&e) {
                    Some(auth) => SetupError::Auth(auth),
                    None => SetupError::Transient(format!("read: {e}")),
                }
            })?;
        if n == 0 {
            return Err("connection closed by the broker".into());
        }
    }
}

/// A response the connection expects next: to an `api_key` request at `version`, for the
/// engine's request `id` (`None`: for the SASL call this task is waiting in).
struct Expect {
    correlation_id: i32,
    api_key: ApiKey,
    version: i16,
    id: Option<u64>,
}

/// A SASL session the connection keeps alive.
struct Session {
    session: ClientSession,
    versions: SaslVersions,
    security: Arc<ConnSecurity>,
}

/// How a running connection ended.
enum Ended {
    /// The handle was dropped: nothing to report.
    Closed,
    /// The connection failed; requests without a response got none.
    Failed(SetupError),
}

impl From<String> for Ended {
    fn from(e: String) -> Self {
        Ended::Failed(SetupError::Transient(e))
    }
}

impl From<SetupError> for Ended {
    fn from(e: SetupError) -> Self {
        Ended::Failed(e)
    }
}

/// Largest run of queued requests coalesced into one write.
const COALESCE_BYTES: usize = 1 << 20;

/// A running connection: one task writes the queued requests (coalesced into few socket
/// writes) and reads the responses, matching them to the requests in order (Kafka answers in
/// order on a connection). Each response goes to the engine from this task, and what the
/// engine sends next on this connection comes back through the queue to the same task: no
/// other task is woken on the way.
struct Conn<R, W> {
    node: i32,
    conn_id: u64,
    client_id: String,
    sink: EventSink,
    r: R,
    w: W,
    reader: FrameReader,
    /// The responses expected, in the order the requests went into `out`.
    expects: VecDeque<Expect>,
    /// Encoded requests; `out[written..]` is not yet written.
    out: BytesMut,
    written: usize,
    /// Requests in `out` that get no response (acks=0), reported written once `out` is
    /// flushed.
    unanswered: Vec<u64>,
    correlation_id: i32,
    /// With SASL: the session to keep alive (KIP-368).
    session: Option<Session>,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> Conn<R, W> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        node: i32,
        conn_id: u64,
        client_id: String,
        sink: EventSink,
        r: R,
        w: W,
        reader: FrameReader,
        session: Option<Session>,
    ) -> Self {
        Conn {
            node,
            conn_id,
            client_id,
            sink,
            r,
            w,
            reader,
            expects: VecDeque::new(),
            out: BytesMut::with_capacity(64 * 1024),
            written: 0,
            unanswered: Vec::new(),
            correlation_id: 100,
            session,
        }
    }

    fn next_correlation_id(&mut self) -> i32 {
        self.correlation_id = self.correlation_id.wrapping_add(1).max(1);
        self.correlation_id
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<OutRequest>) {
        let node = self.node;
        let event = match self.serve(&mut rx).await {
            Ended::Closed => return,
            Ended::Failed(SetupError::Transient(error)) => Event::Disconnected { node, error },
            Ended::Failed(SetupError::Auth(error)) => Event::AuthFailed { node, error },
        };
        (self.sink)(self.conn_id, event);
    }

    /// Writes requests and reads responses until the handle is dropped or the socket fails.
    async fn serve(&mut self, rx: &mut mpsc::UnboundedReceiver<OutRequest>) -> Ended {
        loop {
            // Frames already read (after the setup responses, or several in one read).
            if let Err(e) = self.deliver_frames() {
                return e;
            }
            let idle = self.out.is_empty();
            if idle && let Err(e) = self.keep_session().await {
                return e.into();
            }
            let reauth_at = if idle {
                self.session
                    .as_ref()
                    .and_then(|s| s.session.reauthenticate_at())
            } else {
                None
            };
            let unwritten = self.written < self.out.len();
            let room = self.out.len() < COALESCE_BYTES;
            tokio::select! {
                biased;
                n = self.r.read_buf(self.reader.buf_for_read()) => match n {
                    Ok(0) => return "connection closed by the broker".to_owned().into(),
                    Ok(_) => {}
                    Err(e) => return format!("read: {e}").into(),
                },
                n = push(&mut self.w, &self.out[self.written..]), if !idle => match n {
                    Ok(0) if unwritten => {
                        return "write: the socket accepts no more".to_owned().into();
                    }
                    Ok(0) => self.flushed(),
                    Ok(n) => self.written += n,
                    Err(e) => return format!("write: {e}").into(),
                },
                req = rx.recv(), if room => match req {
                    Some(req) => {
                        if let Err(e) = self.queue(req) {
                            return e.into();
                        }
                        while self.out.len() < COALESCE_BYTES {
                            let Ok(req) = rx.try_recv() else { break };
                            if let Err(e) = self.queue(req) {
                                return e.into();
                            }
                        }
                    }
                    None => return Ended::Closed,
                },
                () = sleep_until_some(reauth_at) => {}
            }
        }
    }

    /// Encodes `req` into `out` and notes the response it expects.
    fn queue(&mut self, req: OutRequest) -> Result<(), String> {
        let correlation_id = self.next_correlation_id();
        encode_request(&req, &mut self.out, correlation_id, &self.client_id)?;
        let api_key = req.body.api_key();
        trace!(
            id = req.id,
            correlation_id,
            api = api_key.name(),
            version = req.version,
            "send"
        );
        if req.expect_response {
            self.expects.push_back(Expect {
                correlation_id,
                api_key,
                version: req.version,
                id: Some(req.id),
            });
        } else {
            self.unanswered.push(req.id);
        }
        Ok(())
    }

    /// Everything in `out` reached the socket.
    fn flushed(&mut self) {
        self.out.clear();
        self.written = 0;
        let (sink, conn_id, node) = (&self.sink, self.conn_id, self.node);
        for id in self.unanswered.drain(..) {
            sink(conn_id, Event::Written { node, id });
        }
    }

    /// Hands the complete frames read so far to the engine.
    fn deliver_frames(&mut self) -> Result<(), Ended> {
        while let Some(f) = self.next_frame()? {
            let Some(expect) = self.expects.pop_front() else {
                return Err("a response nobody asked for".to_owned().into());
            };
            self.deliver(expect, &f)?;
        }
        Ok(())
    }

    fn next_frame(&mut self) -> Result<Option<Bytes>, String> {
        self.reader
            .next_frame()
            .map_err(|e| format!("bad frame: {e}"))
    }

    /// Decodes a response to the engine's request and passes it on.
    fn deliver(&self, expect: Expect, f: &Bytes) -> Result<(), String> {
        let Some(id) = expect.id else {
            return Err("a SASL response nobody waits for".to_owned());
        };
        match decode_response(expect.api_key, f, expect.version)? {
            (corr, body) if corr == expect.correlation_id => {
                let node = self.node;
                (self.sink)(self.conn_id, Event::Response { node, id, body });
                Ok(())
            }
            (corr, _) => Err(format!(
                "correlation id {corr}, expected {}",
                expect.correlation_id
            )),
        }
    }

    /// Re-authenticates when the session is due (KIP-368). A session that has already
    /// expired (the connection was held up past it) ends the connection: the broker closes
    /// it on any request but a SaslHandshake, and a new connection needs no guess about
    /// whether the broker would take one now (Kafka takes at most one re-authentication a
    /// second).
    async fn keep_session(&mut self) -> Result<(), SetupError> {
        let Some(s) = &self.session else {
            return Ok(());
        };
        let now = tokio::time::Instant::now().into_std();
        match s.session.state(now) {
            SessionState::Valid => Ok(()),
            SessionState::Expired => {
                Err("the SASL session expired before it could be renewed".into())
            }
            SessionState::Reauthenticate => {
                let (security, versions) = (s.security.clone(), s.versions);
                debug!("re-authenticating (KIP-368)");
                let session = authenticate(self, &security, versions).await?;
                if let Some(s) = &mut self.session {
                    s.session = session;
                }
                Ok(())
            }
        }
    }
}

/// SASL calls on a running connection (with nothing left to write): the request goes out
/// after the others, and the responses to those reach the engine before its own comes back.
impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> SaslCalls for Conn<R, W> {
    async fn call<Q: Request>(
        &mut self,
        request: &Q,
        version: i16,
    ) -> Result<Q::Response, SetupError> {
        let correlation_id = self.next_correlation_id();
        let mut buf = BytesMut::new();
        let h = RequestHeader::new(Q::API_KEY, version, correlation_id, Some(&self.client_id));
        frame::encode_request(&mut buf, &h, request).map_err(|e| e.to_string())?;
        self.expects.push_back(Expect {
            correlation_id,
            api_key: Q::API_KEY,
            version,
            id: None,
        });
        write_flush(&mut self.w, &buf).await?;
        loop {
            while let Some(f) = self.next_frame()? {
                let Some(expect) = self.expects.pop_front() else {
                    return Err("a response nobody asked for".into());
                };
                if expect.id.is_none() {
                    return Ok(decode_setup_response::<Q>(&f, version, correlation_id)?);
                }
                self.deliver(expect, &f)?;
            }
            match self.r.read_buf(self.reader.buf_for_read()).await {
                Ok(0) => return Err("connection closed by the broker".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("read: {e}").into()),
            }
        }
    }
}

/// Writes some of `rest`, or, once all is written, flushes (TLS holds its records back until
/// then; a no-op on TCP) and returns 0. Cancel-safe: a write either happened and was
/// returned, or did not happen.
async fn push<W: AsyncWrite + Unpin>(w: &mut W, rest: &[u8]) -> std::io::Result<usize> {
    if rest.is_empty() {
        w.flush().await.map(|()| 0)
    } else {
        w.write(rest).await
    }
}

/// Sleeps until `at`, or forever.
async fn sleep_until_some(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(ranges: &[(ApiKey, i16, i16)]) -> ApiVersionsResponse {
        ApiVersionsResponse::advertising(ranges.iter().copied())
    }

    #[test]
    fn unsupported_api_versions_version_is_read_as_v0() {
        let body = ApiVersionsResponse::unsupported_version(0, 3);
        let mut buf = BytesMut::new();
        frame::encode_response(&mut buf, 7, &body, 0).unwrap();
        let payload = frame::split_frame(&mut buf, 1 << 20).unwrap().unwrap();
        let r = decode_api_versions(&payload, 5).unwrap();
        assert_eq!(r.error_code, ErrorCode::UnsupportedVersion);
        assert_eq!(r.range_for(ApiKey::API_VERSIONS), Some((0, 3)));
    }

    /// A one-connection broker that answers each ApiVersions request with the right body,
    /// at the correlation id `corr(request's)`.
    async fn api_versions_broker(corr: fn(i32) -> i32) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut reader = FrameReader::new(1 << 20);
            loop {
                while let Some(f) = reader.next_frame().unwrap() {
                    let (h, _) = frame::decode_request_header(&f).unwrap();
                    let body = resp(&[(ApiKey::PRODUCE, 3, 11), (ApiKey::METADATA, 0, 12)]);
                    let mut out = BytesMut::new();
                    frame::encode_response(&mut out, corr(h.correlation_id), &body, h.api_version)
                        .unwrap();
                    s.write_all(&out).await.unwrap();
                }
                if s.read_buf(reader.buf_for_read()).await.unwrap_or(0) == 0 {
                    return;
                }
            }
        });
        addr
    }

    fn cfg() -> ConnConfig {
        ConnConfig {
            client_id: "t".into(),
            setup_timeout: Duration::from_secs(5),
            max_frame_size: 1 << 20,
            security: Arc::default(),
        }
    }

    #[tokio::test]
    async fn handshake_checks_the_correlation_id() {
        let good = api_versions_broker(|c| c).await;
        let Ok(Setup { rest, versions, .. }) = setup(&good, &cfg()).await else {
            panic!("a right answer is accepted")
        };
        assert_eq!(rest.buffered(), 0);
        assert_eq!((versions.produce, versions.metadata), (11, 12));
        // A valid ApiVersions body under another correlation id is not an answer.
        let bad = api_versions_broker(|c| c.wrapping_add(1000)).await;
        let Err(SetupError::Transient(e)) = setup(&bad, &cfg()).await else {
            panic!("a wrong correlation id is refused, as a transient failure")
        };
        assert!(e.contains("correlation id 1000, expected 0"), "{e}");
    }
}
