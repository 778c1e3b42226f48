//! kwire-auth's SASL server state machine against real clients: librdkafka (confluent-kafka)
//! and kafka-python authenticate with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER
//! (librdkafka's unsecured JWT) against a minimal listener in this test that answers
//! ApiVersions, SaslHandshake and SaslAuthenticate only. A client that accepts the exchange
//! (for SCRAM: verifies this server's signature) goes on to its next request, which the
//! listener records; wrong passwords are refused.
//!
//! Ignored by default: `KWIRE_CACHE_DIR=... cargo test -p kwire-auth --test real_clients --
//! --ignored` (needs the interop Python venv with confluent-kafka and kafka-python).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use kwire_auth::Secret;
use kwire_auth::sasl::{SaslServer, SaslServerConfig, ServerStep};
use kwire_protocol::api::api_versions::{ApiVersion, ApiVersionsResponse};
use kwire_protocol::{ErrorCode, frame};

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

fn read_frame(stream: &mut TcpStream) -> Option<Bytes> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).ok()?;
    let mut payload = vec![0u8; i32::from_be_bytes(size).clamp(0, 1 << 20) as usize];
    stream.read_exact(&mut payload).ok()?;
    Some(Bytes::from(payload))
}

fn write_frame(stream: &mut TcpStream, body: &[u8]) {
    let mut out = (body.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    let _ = stream.write_all(&out);
}

fn uvarint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads SaslAuthenticate's `auth_bytes` (v0-1 classic bytes, v2 compact bytes). The codec
/// does not model SaslAuthenticate, so its header decoder leaves v2's (empty) header tag
/// buffer in front of the body.
fn auth_bytes(body: &[u8], version: i16) -> Vec<u8> {
    if version >= 2 {
        assert_eq!(body[0], 0, "no header tagged fields");
        let body = &body[1..];
        let (mut len, mut shift, mut i) = (0usize, 0, 0);
        loop {
            let b = body[i];
            len |= ((b & 0x7f) as usize) << shift;
            i += 1;
            shift += 7;
            if b < 0x80 {
                break;
            }
        }
        body[i..i + len - 1].to_vec()
    } else {
        let len = i32::from_be_bytes(body[..4].try_into().unwrap()) as usize;
        body[4..4 + len].to_vec()
    }
}

fn sasl_authenticate_response(
    correlation_id: i32,
    version: i16,
    error: i16,
    message: Option<&str>,
    bytes: &[u8],
) -> Vec<u8> {
    let mut out = correlation_id.to_be_bytes().to_vec();
    if version >= 2 {
        out.push(0); // response header v1 tag buffer
    }
    out.extend_from_slice(&error.to_be_bytes());
    match (message, version >= 2) {
        (None, true) => out.push(0),
        (Some(m), true) => {
            uvarint(&mut out, m.len() as u32 + 1);
            out.extend_from_slice(m.as_bytes());
        }
        (None, false) => out.extend_from_slice(&(-1i16).to_be_bytes()),
        (Some(m), false) => {
            out.extend_from_slice(&(m.len() as i16).to_be_bytes());
            out.extend_from_slice(m.as_bytes());
        }
    }
    if version >= 2 {
        uvarint(&mut out, bytes.len() as u32 + 1);
    } else {
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    }
    out.extend_from_slice(bytes);
    if version >= 1 {
        out.extend_from_slice(&0i64.to_be_bytes());
    }
    if version >= 2 {
        out.push(0);
    }
    out
}

fn serve(mut stream: TcpStream, config: Arc<SaslServerConfig>, log: Log) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut server: Option<SaslServer> = None;
    let mut authenticated = false;
    while let Some(payload) = read_frame(&mut stream) {
        let Ok((header, body)) = frame::decode_request_header(&payload) else {
            return;
        };
        let (key, version, cid) = (header.api_key.0, header.api_version, header.correlation_id);
        if authenticated {
            log.lock().unwrap().push(Seen::NextRequest { api_key: key });
            return;
        }
        match key {
            18 => {
                let range = |k, max| ApiVersion {
                    api_key: k,
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
                    api_keys: vec![range(3, 12), range(17, 1), range(18, 4), range(36, 2)],
                    ..Default::default()
                };
                let mut buf = BytesMut::new();
                frame::encode_response(&mut buf, cid, &response, version).unwrap();
                let _ = stream.write_all(&buf);
            }
            17 => {
                let len = i16::from_be_bytes(body[..2].try_into().unwrap()) as usize;
                let mechanism = String::from_utf8_lossy(&body[2..2 + len]).into_owned();
                let (error, names) = match SaslServer::start(&config, &mechanism) {
                    Ok(s) => {
                        server = Some(s);
                        (0i16, config.mechanism_names())
                    }
                    Err(_) => (33, config.mechanism_names()),
                };
                let mut out = cid.to_be_bytes().to_vec();
                out.extend_from_slice(&error.to_be_bytes());
                out.extend_from_slice(&(names.len() as i32).to_be_bytes());
                for n in names {
                    out.extend_from_slice(&(n.len() as i16).to_be_bytes());
                    out.extend_from_slice(n.as_bytes());
                }
                write_frame(&mut stream, &out);
            }
            36 => {
                let Some(sasl) = server.as_mut() else { return };
                let mechanism = sasl.mechanism();
                let client_bytes = auth_bytes(&body, version);
                match sasl.step(&config, &client_bytes, SystemTime::now()) {
                    Ok(ServerStep::Challenge(bytes)) => {
                        write_frame(
                            &mut stream,
                            &sasl_authenticate_response(cid, version, 0, None, &bytes),
                        );
                    }
                    Ok(ServerStep::Authenticated(done)) => {
                        log.lock().unwrap().push(Seen::Authenticated {
                            mechanism: mechanism.name().into(),
                            principal: done.principal,
                        });
                        authenticated = true;
                        write_frame(
                            &mut stream,
                            &sasl_authenticate_response(cid, version, 0, None, &done.response),
                        );
                    }
                    Err(e) => {
                        log.lock().unwrap().push(Seen::Refused {
                            mechanism: mechanism.name().into(),
                            error: e.to_string(),
                        });
                        let message = e.broker_message(mechanism);
                        write_frame(
                            &mut stream,
                            &sasl_authenticate_response(cid, version, 58, Some(&message), &[]),
                        );
                        return;
                    }
                }
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
