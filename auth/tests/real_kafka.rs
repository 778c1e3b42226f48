//! kwire-auth's SASL clients against a real Kafka broker with a SASL_PLAINTEXT listener
//! offering PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (Kafka's unsecured validator),
//! with user `alice`/`alice-secret` for all three password mechanisms.
//!
//! Ignored by default: `KWIRE_SASL_KAFKA=127.0.0.1:PORT cargo test -p kwire-auth --test
//! real_kafka -- --ignored`. SaslHandshake v1 and SaslAuthenticate v2 go through kwire-protocol.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use kwire_auth::Secret;
use kwire_auth::sasl::oauthbearer::{TokenProvider, UnsecuredJwtProvider};
use kwire_auth::sasl::scram::{ScramClient, ScramHash};
use kwire_auth::sasl::{ClientStep, Mechanism, SaslClient, SaslError};
use kwire_protocol::api::{
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest,
};
use kwire_protocol::frame::{self, FrameReader};
use kwire_protocol::{ErrorCode, Request, RequestHeader};

struct Conn {
    stream: TcpStream,
    reader: FrameReader,
    correlation_id: i32,
}

impl Conn {
    fn open() -> Conn {
        let addr =
            std::env::var("KWIRE_SASL_KAFKA").unwrap_or_else(|_| "127.0.0.1:19892".to_owned());
        let stream = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            stream,
            reader: FrameReader::new(1 << 20),
            correlation_id: 0,
        }
    }

    /// Sends a request at `version` and returns the response body.
    fn call<R: Request>(&mut self, request: &R, version: i16) -> R::Response {
        self.correlation_id += 1;
        let header = RequestHeader::new(
            R::API_KEY,
            version,
            self.correlation_id,
            Some("kwire-auth-test"),
        );
        let mut out = BytesMut::new();
        frame::encode_request(&mut out, &header, request).unwrap();
        self.stream.write_all(&out).unwrap();
        let payload = self.reader.read_frame_from(&mut self.stream).unwrap();
        let (header, body) = frame::decode_response::<R::Response>(&payload, version).unwrap();
        assert_eq!(header.correlation_id, self.correlation_id);
        body
    }

    fn handshake(&mut self, mechanism: &str) -> (ErrorCode, Vec<String>) {
        let request = SaslHandshakeRequest {
            mechanism: mechanism.into(),
            ..Default::default()
        };
        let response = self.call(&request, 1);
        (response.error_code, response.mechanisms)
    }

    fn authenticate(&mut self, auth_bytes: &[u8]) -> SaslAuthenticateResponse {
        let request = SaslAuthenticateRequest {
            auth_bytes: Bytes::copy_from_slice(auth_bytes),
            ..Default::default()
        };
        self.call(&request, 2)
    }
}

/// The outcome of a whole exchange as the client saw it.
#[derive(Debug)]
enum Outcome {
    Authenticated {
        session_lifetime_ms: i64,
    },
    Refused {
        client_error: Option<String>,
        broker_message: Option<String>,
    },
}

fn run(mut client: SaslClient) -> Outcome {
    let mut conn = Conn::open();
    let (error, mechanisms) = conn.handshake(client.mechanism().name());
    assert_eq!(
        error,
        ErrorCode::None,
        "handshake refused {}; broker offers {mechanisms:?}",
        client.mechanism()
    );
    let mut to_send = client.initial_response().unwrap();
    let mut client_error = None;
    for _ in 0..4 {
        let response = conn.authenticate(&to_send);
        if response.error_code != ErrorCode::None {
            assert_eq!(
                response.error_code,
                ErrorCode::SaslAuthenticationFailed,
                "{response:?}"
            );
            return Outcome::Refused {
                client_error,
                broker_message: response.error_message,
            };
        }
        match client.step(&response.auth_bytes) {
            Ok(ClientStep::Done) => {
                return Outcome::Authenticated {
                    session_lifetime_ms: response.session_lifetime_ms,
                };
            }
            Ok(ClientStep::Respond(bytes)) => to_send = bytes,
            Ok(ClientStep::Fail { respond, error }) => {
                client_error = Some(error.to_string());
                to_send = respond;
            }
            Err(e) => panic!("client refused the broker's answer: {e}"),
        }
    }
    panic!("exchange did not finish")
}

fn password(mechanism: Mechanism, user: &str, password: &str) -> SaslClient {
    SaslClient::with_password(mechanism, user, Secret::new(password)).unwrap()
}

#[test]
#[ignore = "needs a Kafka broker with a SASL_PLAINTEXT listener (KWIRE_SASL_KAFKA)"]
fn real_kafka_accepts_our_password_mechanisms_and_refuses_wrong_passwords() {
    for mechanism in [
        Mechanism::Plain,
        Mechanism::ScramSha256,
        Mechanism::ScramSha512,
    ] {
        let ok = run(password(mechanism, "alice", "alice-secret"));
        eprintln!("{mechanism} alice/alice-secret: {ok:?}");
        assert!(
            matches!(ok, Outcome::Authenticated { .. }),
            "{mechanism}: {ok:?}"
        );
        for (user, pw) in [("alice", "wrong"), ("nobody", "alice-secret")] {
            let refused = run(password(mechanism, user, pw));
            eprintln!("{mechanism} {user}/{pw}: {refused:?}");
            let Outcome::Refused { broker_message, .. } = refused else {
                panic!("{mechanism} {user}: {refused:?}")
            };
            // The text kwire's server side gives for the same failure is Kafka's.
            let ours = SaslError::BadCredentials { user: user.into() }.broker_message(mechanism);
            assert_eq!(
                broker_message.as_deref(),
                Some(ours.as_str()),
                "{mechanism} {user}"
            );
        }
    }
}

#[test]
#[ignore = "needs a Kafka broker with a SASL_PLAINTEXT listener (KWIRE_SASL_KAFKA)"]
fn real_kafka_checks_our_scram_server_signature_verification_with_8192_iterations() {
    // The SCRAM-SHA-512 credential was made with 8192 iterations: the client derives it from
    // the server-first message and verifies the broker's signature (Done only if it matches).
    let client = SaslClient::Scram(ScramClient::new(
        ScramHash::Sha512,
        "alice",
        Secret::new("alice-secret"),
    ));
    assert!(matches!(run(client), Outcome::Authenticated { .. }));
}

#[test]
#[ignore = "needs a Kafka broker with a SASL_PLAINTEXT listener (KWIRE_SASL_KAFKA)"]
fn real_kafka_accepts_our_unsecured_jwt_and_refuses_an_expired_one() {
    let now = SystemTime::now();
    let token = UnsecuredJwtProvider::new("alice").token(now).unwrap();
    let ok = run(SaslClient::oauthbearer(token));
    eprintln!("OAUTHBEARER fresh token: {ok:?}");
    let Outcome::Authenticated {
        session_lifetime_ms,
    } = ok
    else {
        panic!("{ok:?}")
    };
    // connections.max.reauth.ms is 600000 and the token lives an hour: the broker caps the
    // session at the smaller.
    assert!(
        session_lifetime_ms > 0 && session_lifetime_ms <= 600_000,
        "{session_lifetime_ms}"
    );

    let expired = UnsecuredJwtProvider {
        lifetime: Duration::from_secs(60),
        ..UnsecuredJwtProvider::new("alice")
    }
    .token(now - Duration::from_secs(3600))
    .unwrap();
    let refused = run(SaslClient::oauthbearer(expired));
    eprintln!("OAUTHBEARER expired token: {refused:?}");
    let Outcome::Refused {
        client_error,
        broker_message,
    } = refused
    else {
        panic!("{refused:?}")
    };
    assert!(client_error.unwrap().contains("invalid_token"));
    assert!(broker_message.unwrap().contains("invalid_token"));
}
