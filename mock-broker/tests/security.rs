//! Secured listeners over real sockets: TLS with the CA the mock generates, the SASL gate in
//! front of the handlers, failed logins answered then closed, KIP-368 session lifetimes, and
//! required client certificates.

mod common;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kwire_auth::Secret;
use kwire_auth::sasl::{ClientStep, Mechanism, SaslClient};
use kwire_auth::tls::{ClientTlsSettings, server_name};
use kwire_mock::{MockCluster, SecurityProtocol};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataResponse};
use kwire_protocol::api::{
    ApiVersionsRequest, SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
};
use kwire_protocol::frame::{FrameReader, decode_response, encode_request};
use kwire_protocol::{ApiKey, ErrorCode, Request, RequestHeader};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

struct Conn {
    stream: Box<dyn Stream>,
    frames: FrameReader,
    correlation: i32,
}

impl Conn {
    async fn plain(mock: &MockCluster) -> Conn {
        let broker = *mock.addresses().keys().next().unwrap();
        Conn::to_broker(mock, broker).await
    }

    async fn to_broker(mock: &MockCluster, broker: i32) -> Conn {
        let addr = mock.addresses()[&broker];
        let tcp = TcpStream::connect(addr).await.unwrap();
        Conn::over(Box::new(tcp))
    }

    async fn tls(mock: &MockCluster, settings: ClientTlsSettings) -> std::io::Result<Conn> {
        let addr = *mock.addresses().values().next().unwrap();
        let tcp = TcpStream::connect(addr).await?;
        let connector = tokio_rustls::TlsConnector::from(settings.build().unwrap());
        let mut tls = connector
            .connect(server_name("127.0.0.1").unwrap(), tcp)
            .await?;
        // With TLS 1.3 a refused client certificate shows on the first read, not in connect.
        tls.flush().await?;
        Ok(Conn::over(Box::new(tls)))
    }

    fn over(stream: Box<dyn Stream>) -> Conn {
        Conn {
            stream,
            frames: FrameReader::new(1 << 20),
            correlation: 0,
        }
    }

    /// Sends a request and reads its response; an error when the broker closed instead.
    async fn call<R: Request>(&mut self, version: i16, req: &R) -> std::io::Result<R::Response> {
        self.correlation += 1;
        let header = RequestHeader::new(R::API_KEY, version, self.correlation, Some("t"));
        let mut buf = BytesMut::new();
        encode_request(&mut buf, &header, req).unwrap();
        self.stream.write_all(&buf).await?;
        self.stream.flush().await?;
        let payload = tokio::time::timeout(WAIT, async {
            loop {
                // A TLS alert read as a size prefix is no answer either.
                let next = self.frames.next_frame().map_err(std::io::Error::other)?;
                if let Some(frame) = next {
                    return Ok(frame);
                }
                if self.stream.read_buf(self.frames.buf_for_read()).await? == 0 {
                    return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
                }
            }
        })
        .await
        .expect("no answer and no close")?;
        let (h, body) = decode_response::<R::Response>(&payload, version).unwrap();
        assert_eq!(h.correlation_id, self.correlation);
        Ok(body)
    }

    async fn metadata(&mut self) -> std::io::Result<MetadataResponse> {
        self.call(12, &MetadataRequest::default()).await
    }

    /// Handshake and exchange; the final SaslAuthenticate response.
    async fn login(&mut self, mut client: SaslClient) -> std::io::Result<SaslAuthenticateResponse> {
        let handshake = SaslHandshakeRequest {
            mechanism: client.mechanism().name().into(),
            ..Default::default()
        };
        let r = self.call(1, &handshake).await?;
        assert_eq!(r.error_code, ErrorCode::None);
        let mut to_send = client.initial_response().unwrap();
        loop {
            let request = SaslAuthenticateRequest {
                auth_bytes: Bytes::from(to_send.clone()),
                ..Default::default()
            };
            let r = self.call(2, &request).await?;
            if r.error_code != ErrorCode::None {
                return Ok(r);
            }
            match client.step(&r.auth_bytes).unwrap() {
                ClientStep::Respond(bytes) => to_send = bytes,
                ClientStep::Done | ClientStep::Fail { .. } => return Ok(r),
            }
        }
    }
}

fn alice(mechanism: Mechanism, password: &str) -> SaslClient {
    SaslClient::with_password(mechanism, "alice", Secret::new(password)).unwrap()
}

fn trusting(mock: &MockCluster) -> ClientTlsSettings {
    ClientTlsSettings {
        ca_location: Some(mock.ca_location().expect("a generated CA").to_owned()),
        ..Default::default()
    }
}

async fn sasl_mock(protocol: SecurityProtocol) -> MockCluster {
    MockCluster::builder()
        .brokers(1)
        .security_protocol(protocol)
        .sasl_user("alice", "alice-secret")
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn sasl_ssl_serves_only_after_authentication_with_each_mechanism() {
    let mock = sasl_mock(SecurityProtocol::SaslSsl).await;
    for mechanism in [
        Mechanism::Plain,
        Mechanism::ScramSha256,
        Mechanism::ScramSha512,
    ] {
        let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
        let versions = conn.call(3, &ApiVersionsRequest::default()).await.unwrap();
        for key in [ApiKey::SASL_HANDSHAKE, ApiKey::SASL_AUTHENTICATE] {
            assert!(
                versions.api_keys.iter().any(|k| k.api_key == key.0),
                "{key}"
            );
        }
        let r = conn.login(alice(mechanism, "alice-secret")).await.unwrap();
        assert_eq!(r.error_code, ErrorCode::None, "{mechanism}: {r:?}");
        let metadata = conn.metadata().await.unwrap();
        assert_eq!(metadata.brokers.len(), 1);
    }
    let token = kwire_auth::sasl::oauthbearer::TokenProvider::token(
        &kwire_auth::sasl::oauthbearer::UnsecuredJwtProvider::new("bob"),
        std::time::SystemTime::now(),
    )
    .unwrap();
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    let r = conn.login(SaslClient::oauthbearer(token)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::None, "{r:?}");
    conn.metadata().await.unwrap();
}

/// SCRAM users made at run time, as `kafka-configs.sh --alter --add-config 'SCRAM-SHA-256=[…]'`
/// makes them: an authenticated client creates carol's credential on one broker, carol logs in
/// on the other with it (and not with the mechanism she has no credential for), a describe
/// lists her, and once her credential is deleted her next login fails.
#[tokio::test]
async fn scram_credentials_altered_at_run_time_apply_to_the_next_login_on_every_broker() {
    use kwire_auth::sasl::scram::ScramHash;
    use kwire_protocol::api::alter_user_scram_credentials::{
        AlterUserScramCredentialsRequest, ScramCredentialDeletion, ScramCredentialUpsertion,
    };
    use kwire_protocol::api::describe_user_scram_credentials::{
        DescribeUserScramCredentialsRequest, UserName,
    };

    let mock = MockCluster::builder()
        .brokers(2)
        .security_protocol(SecurityProtocol::SaslPlaintext)
        .sasl_user("alice", "alice-secret")
        .start()
        .await
        .unwrap();
    let carol = |mechanism| {
        SaslClient::with_password(mechanism, "carol", Secret::new("carol-secret")).unwrap()
    };
    let mut admin = Conn::to_broker(&mock, 1).await;
    let r = admin
        .login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::None);

    let mut refused = Conn::to_broker(&mock, 2).await;
    let r = refused.login(carol(Mechanism::ScramSha256)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);

    let salt = b"carol's salt".to_vec();
    let salted = ScramHash::Sha256.salted_password(&Secret::new("carol-secret"), &salt, 8192);
    let upsert = AlterUserScramCredentialsRequest {
        upsertions: vec![ScramCredentialUpsertion {
            name: "carol".into(),
            mechanism: ScramHash::Sha256.code(),
            iterations: 8192,
            salt: salt.into(),
            salted_password: salted.into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = admin.call(0, &upsert).await.unwrap();
    assert_eq!(r.results.len(), 1);
    assert_eq!(
        (r.results[0].user.as_str(), r.results[0].error_code),
        ("carol", ErrorCode::None)
    );

    let mut conn = Conn::to_broker(&mock, 2).await;
    let r = conn.login(carol(Mechanism::ScramSha256)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::None, "{r:?}");
    conn.metadata().await.unwrap();
    let mut conn = Conn::to_broker(&mock, 2).await;
    let r = conn.login(carol(Mechanism::ScramSha512)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);

    let describe = DescribeUserScramCredentialsRequest {
        users: Some(vec![UserName {
            name: "carol".into(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let r = admin.call(0, &describe).await.unwrap();
    let infos: Vec<_> = r.results[0]
        .credential_infos
        .iter()
        .map(|i| (i.mechanism, i.iterations))
        .collect();
    assert_eq!(infos, [(1, 8192)]);

    let delete = AlterUserScramCredentialsRequest {
        deletions: vec![ScramCredentialDeletion {
            name: "carol".into(),
            mechanism: 1,
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = admin.call(0, &delete).await.unwrap();
    assert_eq!(r.results[0].error_code, ErrorCode::None);
    let mut conn = Conn::to_broker(&mock, 1).await;
    let r = conn.login(carol(Mechanism::ScramSha256)).await.unwrap();
    assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
    let r = admin.call(0, &describe).await.unwrap();
    assert_eq!(r.results[0].error_code, ErrorCode::ResourceNotFound);
}

#[tokio::test]
async fn requests_before_authentication_and_wrong_passwords_close_the_connection() {
    let mock = sasl_mock(SecurityProtocol::SaslPlaintext).await;
    assert!(mock.ca_location().is_none());
    let mut conn = Conn::plain(&mock).await;
    assert!(conn.metadata().await.is_err(), "Metadata before SASL");

    let mut conn = Conn::plain(&mock).await;
    let r = conn
        .login(alice(Mechanism::ScramSha512, "wrong"))
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
    assert_eq!(
        r.error_message.as_deref(),
        Some(
            "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"
        )
    );
    assert!(conn.metadata().await.is_err(), "closed after the failure");

    let mut conn = Conn::plain(&mock).await;
    let r = conn
        .call(
            1,
            &SaslHandshakeRequest {
                mechanism: "GSSAPI".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::UnsupportedSaslMechanism);
    assert!(conn.metadata().await.is_err());
}

#[tokio::test]
async fn plaintext_listeners_answer_sasl_requests_with_illegal_sasl_state() {
    let mock = MockCluster::builder().brokers(1).start().await.unwrap();
    let mut conn = Conn::plain(&mock).await;
    let r = conn
        .call(
            1,
            &SaslHandshakeRequest {
                mechanism: "PLAIN".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::IllegalSaslState);
    conn.metadata().await.unwrap();
}

#[tokio::test]
async fn an_expired_session_closes_unless_the_client_reauthenticates() {
    let mock = MockCluster::builder()
        .brokers(1)
        .security_protocol(SecurityProtocol::SaslPlaintext)
        .sasl_user("alice", "alice-secret")
        .connections_max_reauth(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let mut renewing = Conn::plain(&mock).await;
    let r = renewing
        .login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    assert_eq!(r.session_lifetime_ms, 400);
    let mut lapsing = Conn::plain(&mock).await;
    lapsing
        .login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Re-authentication keeps the mechanism (another one closes, as in Kafka).
    renewing
        .login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    renewing.metadata().await.unwrap();
    assert!(lapsing.metadata().await.is_err(), "session expired");
}

#[tokio::test]
async fn ssl_with_required_client_certificates() {
    let mock = MockCluster::builder()
        .brokers(1)
        .security_protocol(SecurityProtocol::Ssl)
        .ssl_client_auth_required()
        .start()
        .await
        .unwrap();
    let (cert, key) = mock
        .client_certificate()
        .expect("an issued client certificate");
    let with_cert = ClientTlsSettings {
        certificate_location: Some(cert.to_owned()),
        key_location: Some(key.to_owned()),
        ..trusting(&mock)
    };
    let mut conn = Conn::tls(&mock, with_cert).await.unwrap();
    conn.metadata().await.unwrap();

    let refused = match Conn::tls(&mock, trusting(&mock)).await {
        Ok(mut conn) => conn.metadata().await.err(),
        Err(e) => Some(e),
    };
    assert!(refused.is_some(), "no client certificate");
}

/// Writes raw bytes as one frame (size prefix + payload).
async fn raw_frame(conn: &mut Conn, payload: &[u8]) {
    let mut out = (payload.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    conn.stream.write_all(&out).await.unwrap();
    conn.stream.flush().await.unwrap();
}

/// Whether the broker closed the connection (rather than answering) within the wait.
async fn closed(conn: &mut Conn) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(WAIT, conn.stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn garbage_before_during_and_after_authentication() {
    let mock = sasl_mock(SecurityProtocol::SaslSsl).await;
    // Before: a frame that is no request header, and a TLS client that speaks plain Kafka.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    raw_frame(&mut conn, &[0xff; 3]).await;
    assert!(closed(&mut conn).await, "garbage before authentication");
    let mut plain = Conn::plain(&mock).await;
    assert!(
        plain.metadata().await.is_err(),
        "plaintext on a TLS listener"
    );

    // During: a well-framed SaslAuthenticate whose body is garbage, and SCRAM bytes that are
    // not a client-first message.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    let handshake = SaslHandshakeRequest {
        mechanism: "SCRAM-SHA-256".into(),
        ..Default::default()
    };
    assert_eq!(
        conn.call(1, &handshake).await.unwrap().error_code,
        ErrorCode::None
    );
    let mut header = BytesMut::new();
    RequestHeader::new(ApiKey::SASL_AUTHENTICATE, 2, 9, Some("t"))
        .encode(&mut header, 2)
        .unwrap();
    header.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    raw_frame(&mut conn, &header).await;
    assert!(closed(&mut conn).await, "malformed SaslAuthenticate body");
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    assert_eq!(
        conn.call(1, &handshake).await.unwrap().error_code,
        ErrorCode::None
    );
    let r = conn
        .call(
            2,
            &SaslAuthenticateRequest {
                auth_bytes: Bytes::from_static(b"\x00\x01not scram at all,,,"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);
    assert!(conn.metadata().await.is_err(), "closed after the failure");

    // After: an authenticated connection is served like any other, and garbage closes it.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    conn.login(alice(Mechanism::ScramSha256, "alice-secret"))
        .await
        .unwrap();
    conn.metadata().await.unwrap();
    raw_frame(&mut conn, &[0xff; 3]).await;
    assert!(closed(&mut conn).await, "garbage after authentication");
    // The listener still serves new clients.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    conn.login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    conn.metadata().await.unwrap();
}

/// After SaslHandshake v0 the next frame is a bare token, not a request: hostile ones close
/// that connection only, without an answer, and a frame claiming more than the broker takes is
/// refused before anything is read into it.
#[tokio::test]
async fn garbage_bare_tokens_after_a_v0_handshake() {
    let mock = sasl_mock(SecurityProtocol::SaslSsl).await;
    let handshake = |mechanism: &str| SaslHandshakeRequest {
        mechanism: mechanism.into(),
        ..Default::default()
    };
    for (mechanism, token) in [
        ("PLAIN", &b"no separators"[..]),
        ("PLAIN", &b""[..]),
        ("SCRAM-SHA-512", &[0xff; 300][..]),
        ("OAUTHBEARER", &b"\x01\x02\x03"[..]),
    ] {
        let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
        let r = conn.call(0, &handshake(mechanism)).await.unwrap();
        assert_eq!(r.error_code, ErrorCode::None);
        raw_frame(&mut conn, token).await;
        assert!(closed(&mut conn).await, "{mechanism}: {token:?}");
    }
    // A token that is no JWT gets OAUTHBEARER's error challenge (RFC 7628), as a bare frame;
    // the client's %x01 after it ends the exchange.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    conn.call(0, &handshake("OAUTHBEARER")).await.unwrap();
    raw_frame(&mut conn, b"n,,\x01auth=Bearer not-a-jwt\x01\x01").await;
    let mut len = [0u8; 4];
    tokio::time::timeout(WAIT, conn.stream.read_exact(&mut len))
        .await
        .unwrap()
        .unwrap();
    let mut challenge = vec![0; i32::from_be_bytes(len) as usize];
    conn.stream.read_exact(&mut challenge).await.unwrap();
    let challenge = String::from_utf8(challenge).unwrap();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    raw_frame(&mut conn, b"\x01").await;
    assert!(
        closed(&mut conn).await,
        "OAUTHBEARER after its error challenge"
    );
    // A size prefix far past the limit: closed without waiting for the bytes.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    conn.call(0, &handshake("PLAIN")).await.unwrap();
    conn.stream
        .write_all(&i32::MAX.to_be_bytes())
        .await
        .unwrap();
    conn.stream.flush().await.unwrap();
    assert!(closed(&mut conn).await, "oversized bare token");
    // A right token after a v0 handshake logs in; the listener serves on.
    let mut conn = Conn::tls(&mock, trusting(&mock)).await.unwrap();
    conn.call(0, &handshake("PLAIN")).await.unwrap();
    raw_frame(&mut conn, b"\0alice\0alice-secret").await;
    let mut len = [0u8; 4];
    tokio::time::timeout(WAIT, conn.stream.read_exact(&mut len))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(len, [0; 4], "PLAIN's success is an empty bare frame");
    conn.metadata().await.unwrap();
}

#[tokio::test]
async fn security_faults_apply_per_broker_and_show_in_the_state() {
    let mock = MockCluster::builder()
        .brokers(2)
        .security_protocol(SecurityProtocol::SaslPlaintext)
        .sasl_user("alice", "alice-secret")
        .connections_max_reauth(Duration::from_secs(60))
        .control("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let control = mock.controller();
    let mut one = Conn::to_broker(&mock, 1).await;
    let mut two = Conn::to_broker(&mock, 2).await;
    for conn in [&mut one, &mut two] {
        let r = conn
            .login(alice(Mechanism::Plain, "alice-secret"))
            .await
            .unwrap();
        assert_eq!(r.error_code, ErrorCode::None);
    }
    let action = |json: &str| control.apply(&serde_json::from_str(json).unwrap());
    action(r#"{"action": "expire_sessions", "broker": 2}"#).unwrap();
    assert!(action(r#"{"action": "expire_sessions", "broker": 9}"#).is_err());
    let http = mock.control_addr().unwrap();
    let body = r#"{"broker": 1, "user": "alice", "count": 2}"#;
    let (status, b) = common::http(http, "POST", "/faults/reject-logins", body).await;
    assert_eq!(status, 200, "{b}");
    let (status, b) = common::http(http, "GET", "/state", "").await;
    assert_eq!(status, 200, "{b}");
    let state: serde_json::Value = serde_json::from_str(&b).unwrap();
    let security = &state["security"];
    assert_eq!(security["security_protocol"], "SASL_PLAINTEXT");
    assert_eq!(
        security["sasl_mechanisms"],
        serde_json::json!(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"])
    );
    assert_eq!(security["connections_max_reauth_ms"], 60_000);
    assert_eq!(security["expired_sessions"][0]["broker"], 2);
    assert_eq!(security["reject_logins"][0]["broker"], 1);
    assert_eq!(security["reject_logins"][0]["left"], 2);
    assert_eq!(security["counters"]["authentications"], 2);

    // Broker 1's session goes on; broker 2's closes at its next request.
    one.metadata().await.unwrap();
    assert!(two.metadata().await.is_err(), "broker 2's session ended");
    // A login on broker 2 is not refused; one on broker 1 is.
    let mut again = Conn::to_broker(&mock, 2).await;
    let r = again
        .login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::None);
    let mut refused = Conn::to_broker(&mock, 1).await;
    let r = refused
        .login(alice(Mechanism::Plain, "alice-secret"))
        .await
        .unwrap();
    assert_eq!(r.error_code, ErrorCode::SaslAuthenticationFailed);

    let counters = control.state().security.counters;
    assert_eq!(counters.authentications, 3);
    assert_eq!(counters.failed, 1);
    assert_eq!(counters.expired_sessions_closed, 1);
    assert_eq!(control.state().security.reject_logins[0].left, 1);
}
