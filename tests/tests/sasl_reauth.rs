//! Kafka's SASL authenticator rules (KIP-43, KIP-152, KIP-368), sent as raw requests to real
//! Kafka and to kwire-mock, with the same outcome asserted on both: what may come before the
//! SaslHandshake, ILLEGAL_SASL_STATE during and after an exchange, re-authentication with the
//! same or another mechanism and principal, the once-a-second limit, what an expired
//! session may still do, another API (Produce) during an exchange, and SaslHandshake v0, after
//! which the SASL tokens travel as bare size-prefixed frames (KIP-43) instead of
//! SaslAuthenticate requests.
//!
//! * `the_mock_follows_kafkas_sasl_rules` runs always, against an in-process kwire-mock whose
//!   sessions last 3 s.
//! * `kafka_and_the_mock_agree` (ignored: it needs a secured Kafka) runs every scenario against
//!   Kafka's SASL_PLAINTEXT listener (`KWIRE_KAFKA_SASL_PLAINTEXT`, from
//!   `tests/interop/kafka.sh env` with `KWIRE_KAFKA_SECURITY=sasl`; users alice/alice-secret
//!   and, for PLAIN, bob/bob-secret) whose `connections.max.reauth.ms` is
//!   `KWIRE_KAFKA_REAUTH_MS` (at most 30 s), and against a kwire-mock with the same lifetime,
//!   and asserts both equal the expected outcomes. `tests/interop/security/run.sh` runs it.
//!
//! Every scenario has its own connection; they run at once, so the whole run takes about one
//! session lifetime.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kwire_auth::Secret;
use kwire_auth::sasl::{ClientStep, Mechanism, SaslClient};
use kwire_mock::{MockCluster, SecurityProtocol};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_protocol::api::produce::{PartitionProduceData, TopicProduceData};
use kwire_protocol::api::{
    ApiVersionsRequest, ApiVersionsResponse, ProduceRequest, ProduceResponse,
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kwire_protocol::frame::{FrameReader, decode_response, encode_request};
use kwire_protocol::{Request, RequestHeader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long an answer may take.
const WAIT: Duration = Duration::from_secs(10);

/// One connection; every step's outcome is written to `log` as one line.
struct Conn {
    tcp: TcpStream,
    frames: FrameReader,
    correlation: i32,
    closed: bool,
    log: Vec<String>,
}

impl Conn {
    async fn open(addr: &str) -> Conn {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        Conn {
            tcp,
            frames: FrameReader::new(1 << 20),
            correlation: 0,
            closed: false,
            log: Vec::new(),
        }
    }

    /// Sends a request; its response, or `None` (logged as "closed") when the broker closed
    /// the connection instead. Nothing is sent once it has closed.
    async fn call<R: Request>(&mut self, version: i16, req: &R) -> Option<R::Response> {
        if self.closed {
            return None;
        }
        self.correlation += 1;
        let header =
            RequestHeader::new(R::API_KEY, version, self.correlation, Some("kwire-reauth"));
        let mut buf = BytesMut::new();
        encode_request(&mut buf, &header, req).expect("encode");
        let sent = async { self.tcp.write_all(&buf).await.and(self.tcp.flush().await) }.await;
        let payload = match sent {
            Ok(()) => self.read_frame().await,
            Err(_) => None,
        };
        let Some(payload) = payload else {
            self.closed = true;
            self.log.push("closed".into());
            return None;
        };
        let (h, body) = decode_response::<R::Response>(&payload, version).expect("decode");
        assert_eq!(h.correlation_id, self.correlation);
        Some(body)
    }

    async fn read_frame(&mut self) -> Option<Bytes> {
        let read = async {
            loop {
                if let Some(frame) = self.frames.next_frame().ok()? {
                    return Some(frame);
                }
                match self.tcp.read_buf(self.frames.buf_for_read()).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(WAIT, read)
            .await
            .expect("neither an answer nor a close")
    }

    async fn api_versions(&mut self) {
        let req = ApiVersionsRequest {
            client_software_name: "kwire-tests".into(),
            client_software_version: "0.1".into(),
            ..Default::default()
        };
        if let Some(r) = self.call::<ApiVersionsRequest>(3, &req).await {
            let r: ApiVersionsResponse = r;
            self.log
                .push(format!("ApiVersions: {}", r.error_code.name()));
        }
    }

    async fn metadata(&mut self) {
        let req = MetadataRequest {
            topics: Some(vec![MetadataRequestTopic {
                name: Some("sasl-reauth".into()),
                ..Default::default()
            }]),
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        if let Some(r) = self.call::<MetadataRequest>(12, &req).await {
            let r: MetadataResponse = r;
            let errors: Vec<_> = r.topics.iter().map(|t| t.error_code.name()).collect();
            self.log.push(format!("Metadata: {}", errors.join(",")));
        }
    }

    /// A Produce (v9, one partition, an empty record set): what a broken client might send too
    /// early. (Null records would make Kafka's error response fail: it closes then.)
    async fn produce(&mut self) {
        let req = ProduceRequest {
            acks: -1,
            timeout_ms: 5000,
            topic_data: vec![TopicProduceData {
                name: "sasl-reauth".into(),
                partition_data: vec![PartitionProduceData {
                    index: 0,
                    records: Some(Bytes::new()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        if let Some(r) = self.call::<ProduceRequest>(9, &req).await {
            let r: ProduceResponse = r;
            let errors: Vec<_> = r
                .responses
                .iter()
                .flat_map(|t| t.partition_responses.iter())
                .map(|p| {
                    let m = p.error_message.as_deref().unwrap_or("null");
                    format!("{} ({m}) offset {}", p.error_code.name(), p.base_offset)
                })
                .collect();
            self.log.push(format!("Produce: {}", errors.join(",")));
        }
    }

    async fn handshake(&mut self, mechanism: &str) -> bool {
        self.handshake_at(1, mechanism).await
    }

    async fn handshake_at(&mut self, version: i16, mechanism: &str) -> bool {
        let req = SaslHandshakeRequest {
            mechanism: mechanism.into(),
            ..Default::default()
        };
        let Some(r) = self.call::<SaslHandshakeRequest>(version, &req).await else {
            return false;
        };
        let r: SaslHandshakeResponse = r;
        let v = if version == 1 {
            String::new()
        } else {
            format!(" v{version}")
        };
        self.log
            .push(format!("SaslHandshake{v}: {}", r.error_code.name()));
        r.error_code.is_ok()
    }

    /// Sends a bare size-prefixed SASL token (after SaslHandshake v0); the bare frame that
    /// answers it, logged as "token: empty" or "token: N bytes" (the length only where it is
    /// fixed: 0), or "closed".
    async fn raw_token(&mut self, bytes: &[u8]) -> Option<Bytes> {
        if self.closed {
            return None;
        }
        let mut buf = BytesMut::with_capacity(4 + bytes.len());
        buf.extend_from_slice(&i32::try_from(bytes.len()).unwrap().to_be_bytes());
        buf.extend_from_slice(bytes);
        let sent = async { self.tcp.write_all(&buf).await.and(self.tcp.flush().await) }.await;
        let answer = match sent {
            Ok(()) => self.read_frame().await,
            Err(_) => None,
        };
        match &answer {
            None => {
                self.closed = true;
                self.log.push("closed".into());
            }
            Some(b) if b.is_empty() => self.log.push("token: empty".into()),
            Some(_) => self.log.push("token: bytes".into()),
        }
        answer
    }

    /// SaslHandshake v0 and the exchange in bare tokens (each step logged).
    async fn login_v0(&mut self, mut client: SaslClient) {
        if !self.handshake_at(0, client.mechanism().name()).await {
            return;
        }
        let mut to_send = client.initial_response().expect("initial response");
        loop {
            let Some(answer) = self.raw_token(&to_send).await else {
                return;
            };
            match client.step(&answer).expect("client step") {
                ClientStep::Respond(bytes) => to_send = bytes,
                ClientStep::Done | ClientStep::Fail { .. } => return,
            }
        }
    }

    /// One SaslAuthenticate; its response, logged with its error, message and lifetime.
    async fn authenticate(&mut self, bytes: Vec<u8>) -> Option<SaslAuthenticateResponse> {
        let req = SaslAuthenticateRequest {
            auth_bytes: Bytes::from(bytes),
            ..Default::default()
        };
        let r: SaslAuthenticateResponse = self.call::<SaslAuthenticateRequest>(2, &req).await?;
        let mut line = format!("SaslAuthenticate: {}", r.error_code.name());
        if let Some(m) = &r.error_message {
            line += &format!(" ({m})");
        }
        if r.session_lifetime_ms > 0 {
            line += &format!(" lifetime {} ms", r.session_lifetime_ms);
        }
        self.log.push(line);
        Some(r)
    }

    /// Handshake and exchange (each step logged).
    async fn login(&mut self, mut client: SaslClient) {
        if !self.handshake(client.mechanism().name()).await {
            return;
        }
        let mut to_send = client.initial_response().expect("initial response");
        loop {
            let Some(r) = self.authenticate(to_send).await else {
                return;
            };
            if !r.error_code.is_ok() {
                return;
            }
            match client.step(&r.auth_bytes).expect("client step") {
                ClientStep::Respond(bytes) => to_send = bytes,
                ClientStep::Done | ClientStep::Fail { .. } => return,
            }
        }
    }
}

fn user(mechanism: Mechanism, name: &str, password: &str) -> SaslClient {
    SaslClient::with_password(mechanism, name, Secret::new(password)).expect("client")
}

fn alice(mechanism: Mechanism) -> SaslClient {
    user(mechanism, "alice", "alice-secret")
}

type Run = Pin<Box<dyn Future<Output = Vec<String>> + Send>>;

/// A scenario: its name, what it sends (given the address and the session lifetime), and the
/// outcome Kafka gives (`{L}` stands for the lifetime in ms).
struct Scenario {
    name: &'static str,
    run: fn(String, Duration) -> Run,
    expect: &'static [&'static str],
}

macro_rules! scenario {
    ($name:literal, |$c:ident, $life:ident| $body:block, [$($line:expr),* $(,)?]) => {
        Scenario {
            name: $name,
            run: |addr, lifetime| Box::pin(async move {
                let mut $c = Conn::open(&addr).await;
                let $life = lifetime;
                let _ = $life;
                $body
                $c.log
            }),
            expect: &[$($line),*],
        }
    };
}

/// A successful SaslAuthenticate: Kafka sends an empty error message (its generated code's
/// default for a string), not a null one.
const LOGIN_PLAIN: &str = "SaslAuthenticate: NONE () lifetime {L} ms";

fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "one ApiVersions before the handshake, a second closes",
            |c, l| {
                c.api_versions().await;
                c.api_versions().await;
            },
            ["ApiVersions: NONE", "closed"]
        ),
        scenario!(
            "ApiVersions then the handshake",
            |c, l| {
                c.api_versions().await;
                c.login(alice(Mechanism::Plain)).await;
                c.metadata().await;
            },
            [
                "ApiVersions: NONE",
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION"
            ]
        ),
        scenario!(
            "Metadata before authentication closes",
            |c, l| {
                c.metadata().await;
            },
            ["closed"]
        ),
        scenario!(
            "ApiVersions during the exchange",
            |c, l| {
                c.handshake("PLAIN").await;
                c.api_versions().await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                "ApiVersions: ILLEGAL_SASL_STATE",
                "closed"
            ]
        ),
        scenario!(
            "Metadata in the middle of a SCRAM exchange",
            |c, l| {
                c.handshake("SCRAM-SHA-256").await;
                let mut client = alice(Mechanism::ScramSha256);
                c.authenticate(client.initial_response().unwrap()).await;
                c.metadata().await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                "SaslAuthenticate: NONE ()",
                "Metadata: ILLEGAL_SASL_STATE",
                "closed"
            ]
        ),
        scenario!(
            "a second handshake during the exchange",
            |c, l| {
                c.handshake("PLAIN").await;
                c.handshake("PLAIN").await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                "SaslHandshake: ILLEGAL_SASL_STATE",
                "closed"
            ]
        ),
        scenario!(
            "SaslAuthenticate after authentication",
            |c, l| {
                c.login(alice(Mechanism::Plain)).await;
                c.authenticate(Vec::new()).await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "SaslAuthenticate: ILLEGAL_SASL_STATE (SaslAuthenticate request received after successful authentication)",
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION"
            ]
        ),
        scenario!(
            "re-authentication, then a handshake within a second",
            |c, l| {
                c.login(alice(Mechanism::ScramSha512)).await;
                c.login(alice(Mechanism::ScramSha512)).await;
                c.metadata().await;
                c.handshake("SCRAM-SHA-512").await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                "SaslAuthenticate: NONE ()",
                "SaslAuthenticate: NONE () lifetime {L} ms",
                "SaslHandshake: NONE",
                "SaslAuthenticate: NONE ()",
                "SaslAuthenticate: NONE () lifetime {L} ms",
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION",
                "SaslHandshake: ILLEGAL_SASL_STATE",
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION"
            ]
        ),
        scenario!(
            "re-authentication with another mechanism",
            |c, l| {
                c.login(alice(Mechanism::Plain)).await;
                c.login(alice(Mechanism::ScramSha256)).await;
            },
            [
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "SaslHandshake: NONE",
                "closed"
            ]
        ),
        scenario!(
            "re-authentication as another principal",
            |c, l| {
                c.login(alice(Mechanism::Plain)).await;
                c.login(user(Mechanism::Plain, "bob", "bob-secret")).await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "SaslHandshake: NONE",
                "SaslAuthenticate: SASL_AUTHENTICATION_FAILED (Cannot change principals during re-authentication from User.alice: User.bob)",
                "closed"
            ]
        ),
        scenario!(
            "re-authentication with a wrong password",
            |c, l| {
                c.login(alice(Mechanism::ScramSha256)).await;
                c.login(user(Mechanism::ScramSha256, "alice", "wrong"))
                    .await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                "SaslAuthenticate: NONE ()",
                "SaslAuthenticate: NONE () lifetime {L} ms",
                "SaslHandshake: NONE",
                "SaslAuthenticate: NONE ()",
                "SaslAuthenticate: SASL_AUTHENTICATION_FAILED (Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256)",
                "closed"
            ]
        ),
        scenario!(
            "Metadata after the session expired",
            |c, l| {
                c.login(alice(Mechanism::Plain)).await;
                c.metadata().await;
                tokio::time::sleep(l + Duration::from_millis(1500)).await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION",
                "closed"
            ]
        ),
        scenario!(
            "ApiVersions after the session expired",
            |c, l| {
                c.login(alice(Mechanism::Plain)).await;
                tokio::time::sleep(l + Duration::from_millis(1500)).await;
                c.api_versions().await;
            },
            ["SaslHandshake: NONE", LOGIN_PLAIN, "closed"]
        ),
        scenario!(
            "re-authentication after the session expired",
            |c, l| {
                c.login(alice(Mechanism::Plain)).await;
                tokio::time::sleep(l + Duration::from_millis(1500)).await;
                c.login(alice(Mechanism::Plain)).await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "SaslHandshake: NONE",
                LOGIN_PLAIN,
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION"
            ]
        ),
        scenario!(
            "Produce during the exchange",
            |c, l| {
                c.handshake("PLAIN").await;
                c.produce().await;
                c.metadata().await;
            },
            [
                "SaslHandshake: NONE",
                "Produce: ILLEGAL_SASL_STATE (Unexpected Kafka request of type PRODUCE during SASL authentication.) offset -1",
                "closed"
            ]
        ),
        scenario!(
            "SaslHandshake v0, PLAIN in a bare token",
            |c, l| {
                c.login_v0(alice(Mechanism::Plain)).await;
                c.metadata().await;
            },
            [
                "SaslHandshake v0: NONE",
                "token: empty",
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION"
            ]
        ),
        scenario!(
            "SaslHandshake v0, SCRAM-SHA-512 in bare tokens",
            |c, l| {
                c.login_v0(alice(Mechanism::ScramSha512)).await;
                c.metadata().await;
            },
            [
                "SaslHandshake v0: NONE",
                "token: bytes",
                "token: bytes",
                "Metadata: UNKNOWN_TOPIC_OR_PARTITION"
            ]
        ),
        scenario!(
            "SaslHandshake v0 with a wrong password",
            |c, l| {
                c.login_v0(user(Mechanism::ScramSha256, "alice", "wrong"))
                    .await;
                c.metadata().await;
            },
            ["SaslHandshake v0: NONE", "token: bytes", "closed"]
        ),
        scenario!(
            "SaslHandshake v0, then a request where the token belongs",
            |c, l| {
                c.handshake_at(0, "PLAIN").await;
                c.metadata().await;
            },
            ["SaslHandshake v0: NONE", "closed"]
        ),
        scenario!(
            "SaslHandshake v0, Metadata after the session expired",
            |c, l| {
                c.login_v0(alice(Mechanism::Plain)).await;
                tokio::time::sleep(l + Duration::from_millis(1500)).await;
                c.metadata().await;
            },
            ["SaslHandshake v0: NONE", "token: empty", "closed"]
        ),
    ]
}

/// Runs every scenario at once against `addr`; each one's outcome, in order.
async fn run_all(addr: &str, lifetime: Duration) -> Vec<(&'static str, Vec<String>)> {
    let tasks: Vec<_> = scenarios()
        .into_iter()
        .map(|s| (s.name, tokio::spawn((s.run)(addr.to_owned(), lifetime))))
        .collect();
    let mut out = Vec::new();
    for (name, task) in tasks {
        out.push((name, task.await.expect("scenario panicked")));
    }
    out
}

fn expected(lifetime: Duration) -> Vec<(&'static str, Vec<String>)> {
    let ms = lifetime.as_millis().to_string();
    scenarios()
        .into_iter()
        .map(|s| {
            let lines = s.expect.iter().map(|l| l.replace("{L}", &ms)).collect();
            (s.name, lines)
        })
        .collect()
}

fn assert_outcomes(peer: &str, got: &[(&str, Vec<String>)], want: &[(&str, Vec<String>)]) {
    let mut wrong = Vec::new();
    for ((name, g), (_, w)) in got.iter().zip(want) {
        if g != w {
            wrong.push(format!("{name}:\n    got  {g:?}\n    want {w:?}"));
        }
    }
    assert!(wrong.is_empty(), "{peer}:\n  {}", wrong.join("\n  "));
    eprintln!("{peer}: {} scenarios as expected", got.len());
}

async fn mock(lifetime: Duration) -> MockCluster {
    MockCluster::builder()
        .brokers(1)
        .security_protocol(SecurityProtocol::SaslPlaintext)
        .sasl_user("alice", "alice-secret")
        .sasl_user("bob", "bob-secret")
        .connections_max_reauth(lifetime)
        .start()
        .await
        .expect("mock starts")
}

#[tokio::test]
async fn the_mock_follows_kafkas_sasl_rules() {
    let lifetime = Duration::from_secs(3);
    let mock = mock(lifetime).await;
    let got = run_all(&mock.bootstrap(), lifetime).await;
    assert_outcomes("kwire-mock", &got, &expected(lifetime));
}

#[tokio::test]
#[ignore = "needs Kafka with SASL listeners: KWIRE_KAFKA_SASL_PLAINTEXT, KWIRE_KAFKA_REAUTH_MS"]
async fn kafka_and_the_mock_agree() {
    let kafka = std::env::var("KWIRE_KAFKA_SASL_PLAINTEXT").expect(
        "KWIRE_KAFKA_SASL_PLAINTEXT (tests/interop/kafka.sh env, KWIRE_KAFKA_SECURITY=sasl)",
    );
    let ms: u64 = std::env::var("KWIRE_KAFKA_REAUTH_MS")
        .expect("KWIRE_KAFKA_REAUTH_MS: Kafka's connections.max.reauth.ms")
        .parse()
        .expect("KWIRE_KAFKA_REAUTH_MS is a number");
    assert!(
        (1..=30_000).contains(&ms),
        "connections.max.reauth.ms {ms} is too long to wait for"
    );
    let lifetime = Duration::from_millis(ms);
    let mock = mock(lifetime).await;
    let want = expected(lifetime);
    let bootstrap = mock.bootstrap();
    let (from_kafka, from_mock) =
        tokio::join!(run_all(&kafka, lifetime), run_all(&bootstrap, lifetime));
    assert_outcomes("Kafka", &from_kafka, &want);
    assert_outcomes("kwire-mock", &from_mock, &want);
    assert_eq!(from_kafka, from_mock);
}
