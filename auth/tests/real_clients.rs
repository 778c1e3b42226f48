//! kwire-auth's SASL server state machine against real clients: librdkafka (confluent-kafka)
//! and kafka-python authenticate with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER
//! (librdkafka's unsecured JWT) against a minimal listener in this test that answers
//! ApiVersions, SaslHandshake and SaslAuthenticate only. A client that accepts the exchange
//! (for SCRAM: verifies this server's signature) goes on to its next request, which the
//! listener records; wrong passwords are refused.
//!
//! Ignored by default: `KWIRE_CACHE_DIR=... cargo test -p kwire-auth --test real_clients --
//! --ignored` (needs the interop Python venv with confluent-kafka and kafka-python).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use kwire_auth::Secret;
use kwire_auth::sasl::{SaslServer, SaslServerConfig, ServerStep};
use kwire_protocol::api::api_versions::{ApiVersion, ApiVersionsResponse};
use kwire_protocol::api::{RequestBody, SaslAuthenticateResponse, SaslHandshakeResponse};
use kwire_protocol::frame::{self, FrameReader};
use kwire_protocol::{ApiKey, ErrorCode, Message};

/// What the listener saw on one connection.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Authenticated {
        mechanism: String,
        principal: String,
    },
    Refused {
        mechanism: String,
        error: String,
    },
    /// A request after authentication: the client accepted the exchange.
    NextRequest {
        api_key: i16,
    },
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn send<M: Message>(stream: &mut TcpStream, correlation_id: i32, body: &M, version: i16) {
    let mut buf = BytesMut::new();
    frame::encode_response(&mut buf, correlation_id, body, version).unwrap();
    let _ = stream.write_all(&buf);
}

fn serve(mut stream: TcpStream, config: Arc<SaslServerConfig>, log: Log) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = FrameReader::new(1 << 20);
    let mut server: Option<SaslServer> = None;
    let mut authenticated = false;
    while let Ok(payload) = reader.read_frame_from(&mut stream) {
        let Ok((header, body)) = frame::decode_request_header(&payload) else {
            return;
        };
        let (key, version, cid) = (header.api_key, header.api_version, header.correlation_id);
        if authenticated {
            log.lock()
                .unwrap()
                .push(Seen::NextRequest { api_key: key.0 });
            return;
        }
        if key == ApiKey::API_VERSIONS {
            let range = |k: ApiKey, max| ApiVersion {
                api_key: k.0,
                min_version: 0,
                max_version: max,
                ..Default::default()
            };
            let (version, error_code) = if version > 4 {
                (0, ErrorCode::UnsupportedVersion)
            } else {
                (version, ErrorCode::None)
            };
            let response = ApiVersionsResponse {
                error_code,
                api_keys: vec![
                    range(ApiKey::METADATA, 12),
                    range(ApiKey::SASL_HANDSHAKE, 1),
                    range(ApiKey::API_VERSIONS, 4),
                    range(ApiKey::SASL_AUTHENTICATE, 2),
                ],
                ..Default::default()
            };
            send(&mut stream, cid, &response, version);
            continue;
        }
        match RequestBody::decode(key, version, &body) {
            Ok(RequestBody::SaslHandshake(request)) => {
                let error_code = match SaslServer::start(&config, &request.mechanism) {
                    Ok(s) => {
                        server = Some(s);
                        ErrorCode::None
                    }
                    Err(_) => ErrorCode::UnsupportedSaslMechanism,
                };
                let response = SaslHandshakeResponse {
                    error_code,
                    mechanisms: config
                        .mechanism_names()
                        .into_iter()
                        .map(String::from)
                        .collect(),
                    ..Default::default()
                };
                send(&mut stream, cid, &response, version);
            }
            Ok(RequestBody::SaslAuthenticate(request)) => {
                let Some(sasl) = server.as_mut() else { return };
                let mechanism = sasl.mechanism();
                let mut response = SaslAuthenticateResponse::default();
                match sasl.step(&config, &request.auth_bytes, SystemTime::now()) {
                    Ok(ServerStep::Challenge(bytes)) => response.auth_bytes = bytes.into(),
                    Ok(ServerStep::Authenticated(done)) => {
                        log.lock().unwrap().push(Seen::Authenticated {
                            mechanism: mechanism.name().into(),
                            principal: done.principal,
                        });
                        authenticated = true;
                        response.auth_bytes = done.response.into();
                    }
                    Err(e) => {
                        log.lock().unwrap().push(Seen::Refused {
                            mechanism: mechanism.name().into(),
                            error: e.to_string(),
                        });
                        response.error_code = ErrorCode::SaslAuthenticationFailed;
                        response.error_message = Some(e.broker_message(mechanism));
                        send(&mut stream, cid, &response, version);
                        return;
                    }
                }
                send(&mut stream, cid, &response, version);
            }
            _ => return,
        }
    }
}

fn start_listener() -> (String, Log) {
    let mut config = SaslServerConfig::default();
    config
        .users
        .add_user("alice", Secret::new("alice-secret"), 4096)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let log = Log::default();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, log) = (config.clone(), log2.clone());
            std::thread::spawn(move || serve(stream, config, log));
        }
    });
    (addr, log)
}

const PYTHON_CLIENTS: &str = r#"
import sys, time
client, addr, mechanism, user, password = sys.argv[1:6]
if client == "librdkafka":
    from confluent_kafka.admin import AdminClient
    conf = {"bootstrap.servers": addr, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mechanism}
    if mechanism == "OAUTHBEARER":
        conf.update({"enable.sasl.oauthbearer.unsecure.jwt": True, "sasl.oauthbearer.config": "principal=" + user})
    else:
        conf.update({"sasl.username": user, "sasl.password": password})
    try:
        AdminClient(conf).list_topics(timeout=4)
    except Exception as e:
        print("client:", e)
else:
    from kafka import KafkaAdminClient
    try:
        KafkaAdminClient(bootstrap_servers=addr, security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                         sasl_plain_username=user, sasl_plain_password=password, request_timeout_ms=4000)
    except Exception as e:
        print("client:", type(e).__name__, e)
"#;

fn run_client(client: &str, addr: &str, mechanism: &str, user: &str, password: &str) {
    let cache = std::env::var("KWIRE_CACHE_DIR").expect("KWIRE_CACHE_DIR names the interop cache");
    let output = Command::new("timeout")
        .args([
            "20",
            &format!("{cache}/venv/bin/python"),
            "-c",
            PYTHON_CLIENTS,
            client,
            addr,
            mechanism,
            user,
            password,
        ])
        .output()
        .unwrap();
    eprintln!(
        "{client} {mechanism} {user}: {}",
        String::from_utf8_lossy(&output.stdout).trim()
    );
}

fn wait_for(log: &Log, n: usize) -> Vec<Seen> {
    for _ in 0..100 {
        if log.lock().unwrap().len() >= n {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::mem::take(&mut *log.lock().unwrap())
}

#[test]
#[ignore = "needs the interop Python venv (KWIRE_CACHE_DIR)"]
fn real_clients_authenticate_against_the_sasl_server() {
    let (addr, log) = start_listener();
    let cases: &[(&str, &[&str])] = &[
        (
            "librdkafka",
            &["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"],
        ),
        ("kafka-python", &["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
    ];
    for (client, mechanisms) in cases {
        for mechanism in *mechanisms {
            run_client(client, &addr, mechanism, "alice", "alice-secret");
            let seen = wait_for(&log, 2);
            eprintln!("  server saw {:?}", &seen[..seen.len().min(3)]);
            assert!(
                seen.contains(&Seen::Authenticated {
                    mechanism: mechanism.to_string(),
                    principal: "alice".into()
                }),
                "{client} {mechanism}: {seen:?}"
            );
            assert!(
                seen.iter().any(|s| matches!(s, Seen::NextRequest { .. })),
                "{client} {mechanism}: {seen:?}"
            );
            if *mechanism != "OAUTHBEARER" {
                run_client(client, &addr, mechanism, "alice", "wrong");
                let seen = wait_for(&log, 1);
                eprintln!(
                    "  server saw {} refusals, first {:?}",
                    seen.len(),
                    seen.first()
                );
                assert!(
                    matches!(seen.first(), Some(Seen::Refused { .. })),
                    "{client} {mechanism}: {seen:?}"
                );
                assert!(
                    !seen.iter().any(|s| matches!(s, Seen::Authenticated { .. })),
                    "{client} {mechanism}: {seen:?}"
                );
            }
        }
    }
}
