//! Client against server for every mechanism, through the mechanism-independent types.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;

use super::oauthbearer::{
    BearerToken, KVSEP, TokenProvider, UnsecuredJwsValidator, UnsecuredJwtProvider,
};
use super::scram::{ScramClient, ScramHash};
use super::*;

const NOW: Duration = Duration::from_secs(1_800_000_000);

fn now() -> SystemTime {
    UNIX_EPOCH + NOW
}

/// Built once: PBKDF2 at 4096+ iterations per credential is too slow for every case.
fn config() -> SaslServerConfig {
    static CONFIG: std::sync::LazyLock<SaslServerConfig> = std::sync::LazyLock::new(build_config);
    CONFIG.clone()
}

fn build_config() -> SaslServerConfig {
    let mut config = SaslServerConfig::default();
    config
        .users
        .add_user("alice", Secret::new("alice-secret"), 4096)
        .unwrap();
    config
        .users
        .add_user("bob", Secret::new("bob-secret"), 8192)
        .unwrap();
    config
        .users
        .add_delegation_token("token1", "carol", &Secret::new("dG9rZW4taG1hYw=="))
        .unwrap();
    config
}

/// The outcome of a whole exchange: the server's verdict and the client's.
#[derive(Debug)]
struct Outcome {
    server: Result<Authenticated, SaslError>,
    client: Result<ClientStep, SaslError>,
}

fn exchange(config: &SaslServerConfig, mut client: SaslClient) -> Outcome {
    let mut server = SaslServer::start(config, client.mechanism().name()).unwrap();
    let mut to_server = client.initial_response().unwrap();
    for _ in 0..4 {
        match server.step(config, &to_server, now()) {
            Err(e) => {
                return Outcome {
                    server: Err(e),
                    client: Err(SaslError::ExchangeFinished {
                        mechanism: client.mechanism(),
                    }),
                };
            }
            Ok(ServerStep::Authenticated(done)) => {
                let client = client.step(&done.response);
                return Outcome {
                    server: Ok(done),
                    client,
                };
            }
            Ok(ServerStep::Challenge(bytes)) => match client.step(&bytes) {
                Ok(ClientStep::Respond(bytes)) | Ok(ClientStep::Fail { respond: bytes, .. }) => {
                    to_server = bytes
                }
                other => panic!("client gave up mid-exchange: {other:?}"),
            },
        }
    }
    panic!("exchange did not finish in 4 rounds")
}

fn password_client(mechanism: Mechanism, user: &str, password: &str) -> SaslClient {
    SaslClient::with_password(mechanism, user, Secret::new(password)).unwrap()
}

fn jwt(principal: &str, lifetime: Duration, issued: SystemTime) -> BearerToken {
    UnsecuredJwtProvider {
        lifetime,
        ..UnsecuredJwtProvider::new(principal)
    }
    .token(issued)
    .unwrap()
}

#[test]
fn every_password_mechanism_authenticates_every_user() {
    let config = config();
    for mechanism in [
        Mechanism::Plain,
        Mechanism::ScramSha256,
        Mechanism::ScramSha512,
    ] {
        for (user, password) in [("alice", "alice-secret"), ("bob", "bob-secret")] {
            let outcome = exchange(&config, password_client(mechanism, user, password));
            let done = outcome.server.unwrap();
            assert_eq!(done.principal, user, "{mechanism}");
            assert_eq!(done.credential_expires_at, None);
            assert_eq!(outcome.client, Ok(ClientStep::Done), "{mechanism}");
        }
    }
}

#[test]
fn a_wrong_password_is_bad_credentials_and_an_unknown_user_is_unknown() {
    let config = config();
    for mechanism in [
        Mechanism::Plain,
        Mechanism::ScramSha256,
        Mechanism::ScramSha512,
    ] {
        let wrong = exchange(&config, password_client(mechanism, "alice", "bob-secret"));
        assert_eq!(
            wrong.server,
            Err(SaslError::BadCredentials {
                user: "alice".into()
            }),
            "{mechanism}"
        );
        let unknown = exchange(
            &config,
            password_client(mechanism, "mallory", "alice-secret"),
        );
        assert_eq!(
            unknown.server,
            Err(SaslError::UnknownUser {
                user: "mallory".into()
            }),
            "{mechanism}"
        );
    }
}

#[test]
fn broker_messages_do_not_tell_unknown_users_from_wrong_passwords() {
    for mechanism in [Mechanism::Plain, Mechanism::ScramSha256] {
        let unknown = SaslError::UnknownUser { user: "x".into() }.broker_message(mechanism);
        let wrong = SaslError::BadCredentials { user: "x".into() }.broker_message(mechanism);
        assert_eq!(unknown, wrong);
        assert!(!unknown.contains('x'));
    }
}

#[test]
fn a_delegation_token_authenticates_as_its_owner_only_with_tokenauth() {
    let config = config();
    for hash in [ScramHash::Sha256, ScramHash::Sha512] {
        let token = ScramClient::delegation_token(hash, "token1", Secret::new("dG9rZW4taG1hYw=="));
        let outcome = exchange(&config, SaslClient::Scram(token));
        assert_eq!(outcome.server.unwrap().principal, "carol");
        assert_eq!(outcome.client, Ok(ClientStep::Done));
        let as_user = password_client(hash.mechanism(), "token1", "dG9rZW4taG1hYw==");
        assert!(matches!(
            exchange(&config, as_user).server,
            Err(SaslError::UnknownUser { .. })
        ));
    }
}

#[test]
fn oauthbearer_accepts_a_valid_unsecured_jwt_and_reports_its_expiry() {
    let token = jwt("dave", Duration::from_secs(60), now());
    let expiry = token.expires_at;
    let outcome = exchange(&config(), SaslClient::oauthbearer(token));
    let done = outcome.server.unwrap();
    assert_eq!(done.principal, "dave");
    assert_eq!(done.credential_expires_at, Some(expiry));
    assert_eq!(outcome.client, Ok(ClientStep::Done));
}

#[test]
fn oauthbearer_refuses_an_expired_token_through_the_error_status_flow() {
    let config = config();
    let token = jwt(
        "dave",
        Duration::from_secs(60),
        now() - Duration::from_secs(120),
    );
    let mut client = SaslClient::oauthbearer(token);
    let mut server = SaslServer::start(&config, "OAUTHBEARER").unwrap();
    let ServerStep::Challenge(error) = server
        .step(&config, &client.initial_response().unwrap(), now())
        .unwrap()
    else {
        panic!("expected an error challenge")
    };
    assert_eq!(error, br#"{"status":"invalid_token"}"#);
    let ClientStep::Fail { respond, error } = client.step(&error).unwrap() else {
        panic!("expected the client to fail")
    };
    assert_eq!(respond, [KVSEP]);
    assert!(matches!(&error, SaslError::InvalidToken { status, .. } if status == "invalid_token"));
    let refusal = server.step(&config, &respond, now()).unwrap_err();
    assert!(matches!(refusal, SaslError::InvalidToken { .. }));
    assert_eq!(
        refusal.broker_message(Mechanism::OAuthBearer),
        r#"{"status":"invalid_token"}"#
    );
}

#[test]
fn oauthbearer_insufficient_scope_names_the_required_scope() {
    let mut config = config();
    config.oauthbearer = UnsecuredJwsValidator {
        required_scope: vec!["kafka".into()],
        ..Default::default()
    };
    let mut server = SaslServer::start(&config, "OAUTHBEARER").unwrap();
    let mut client = SaslClient::oauthbearer(jwt("dave", Duration::from_secs(60), now()));
    let ServerStep::Challenge(error) = server
        .step(&config, &client.initial_response().unwrap(), now())
        .unwrap()
    else {
        panic!()
    };
    let ClientStep::Fail { error, .. } = client.step(&error).unwrap() else {
        panic!()
    };
    assert_eq!(
        error,
        SaslError::InvalidToken {
            status: "insufficient_scope".into(),
            scope: Some("[kafka]".into()),
            reason: "the server rejected the token".into()
        }
    );
}

#[test]
fn disabled_and_unknown_mechanisms_are_unsupported() {
    let mut config = config();
    config.mechanisms = vec![Mechanism::ScramSha512];
    assert_eq!(config.mechanism_names(), ["SCRAM-SHA-512"]);
    for name in ["PLAIN", "GSSAPI", "scram-sha-512", ""] {
        assert!(matches!(
            SaslServer::start(&config, name),
            Err(SaslError::UnsupportedMechanism { .. })
        ));
    }
    assert!(SaslServer::start(&config, "SCRAM-SHA-512").is_ok());
}

#[test]
fn a_finished_exchange_refuses_more_bytes() {
    let config = config();
    let mut server = SaslServer::start(&config, "PLAIN").unwrap();
    server
        .step(&config, b"\0alice\0alice-secret", now())
        .unwrap();
    assert!(matches!(
        server.step(&config, b"\0alice\0alice-secret", now()),
        Err(SaslError::ExchangeFinished { .. })
    ));
}

#[test]
fn no_debug_output_shows_a_password_or_token() {
    let config = config();
    let token = jwt("dave", Duration::from_secs(60), now());
    let token_text = token.value.expose().to_owned();
    let mut clients = vec![
        password_client(Mechanism::Plain, "alice", "alice-secret"),
        password_client(Mechanism::ScramSha256, "alice", "alice-secret"),
        SaslClient::oauthbearer(token),
    ];
    let mut printed = format!("{config:?}");
    for client in &mut clients {
        printed.push_str(&format!("{client:?}"));
        client.initial_response().unwrap();
        printed.push_str(&format!("{client:?}"));
    }
    assert!(!printed.contains("alice-secret"), "{printed}");
    assert!(!printed.contains("dG9rZW4taG1hYw"), "{printed}");
    assert!(!printed.contains(&token_text), "{printed}");
}

fn any_mechanism() -> impl Strategy<Value = Mechanism> {
    prop::sample::select(Mechanism::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A server fed arbitrary messages, at any point of an exchange, answers or fails; it
    /// never panics.
    #[test]
    fn a_server_survives_arbitrary_bytes(
        mechanism in any_mechanism(),
        valid_prefix in any::<bool>(),
        messages in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..4),
    ) {
        let config = config();
        let mut server = SaslServer::with_scram_nonce(mechanism, "srv".into());
        if valid_prefix {
            let first: &[u8] = match mechanism {
                Mechanism::Plain => b"",
                Mechanism::ScramSha256 | Mechanism::ScramSha512 => b"n,,n=alice,r=abc",
                Mechanism::OAuthBearer => b"n,,\x01auth=Bearer x.y.\x01\x01",
            };
            let _ = server.step(&config, first, now());
        }
        for message in &messages {
            let _ = server.step(&config, message, now());
        }
    }

    /// A client fed arbitrary server bytes after its first message never panics.
    #[test]
    fn a_client_survives_arbitrary_bytes(
        mechanism in any_mechanism(),
        messages in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..4),
    ) {
        let mut client = match mechanism {
            Mechanism::OAuthBearer => SaslClient::oauthbearer(jwt("dave", Duration::from_secs(60), now())),
            m => password_client(m, "alice", "alice-secret"),
        };
        client.initial_response().unwrap();
        for message in &messages {
            let _ = client.step(message);
        }
    }

    /// SCRAM messages built from arbitrary text in each attribute never panic the server.
    #[test]
    fn scram_server_survives_arbitrary_attributes(
        name in "[ -~]{0,12}", nonce in "[ -~]{0,12}", proof in "[ -~]{0,20}", cb in "[ -~]{0,8}",
    ) {
        let config = config();
        let mut server = SaslServer::with_scram_nonce(Mechanism::ScramSha256, "srv".into());
        let _ = server.step(&config, format!("n,,n={name},r={nonce}").as_bytes(), now());
        let _ = server.step(&config, format!("c={cb},r={nonce}srv,p={proof}").as_bytes(), now());
    }
}

#[test]
fn reauthentication_failures_read_as_kafka_words_them() {
    let wrong = SaslError::BadCredentials { user: "x".into() };
    assert_eq!(
        wrong.broker_message_during(Mechanism::ScramSha256, Exchange::Reauthentication),
        "Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"
    );
    // PLAIN's own text does not name the exchange.
    assert_eq!(
        wrong.broker_message_during(Mechanism::Plain, Exchange::Reauthentication),
        wrong.broker_message(Mechanism::Plain)
    );
    let changed = SaslError::PrincipalChanged {
        from: "alice".into(),
        to: "bob".into(),
    };
    assert_eq!(
        changed.broker_message_during(Mechanism::Plain, Exchange::Reauthentication),
        "Cannot change principals during re-authentication from User.alice: User.bob"
    );
    let mechanism = SaslError::MechanismChanged {
        original: Mechanism::Plain,
        requested: Mechanism::ScramSha256,
    };
    assert_eq!(
        mechanism.to_string(),
        "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'"
    );
}
