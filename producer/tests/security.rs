//! The producer over secured connections to kwire-mock: SASL (PLAIN, both SCRAMs, OAUTHBEARER)
//! over TLS and plain TCP, and the typed, non-retried failures: a wrong password, an unknown
//! mechanism, an untrusted CA and a certificate for another host.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kwire_auth::sasl::oauthbearer::UnsecuredJwtProvider;
use kwire_auth::tls::GeneratedCa;
use kwire_mock::{MockCluster, SecurityProtocol};
use kwire_producer::{AuthError, ProduceError, Producer, ProducerConfig, ProducerRecord};

async fn mock(protocol: SecurityProtocol) -> MockCluster {
    MockCluster::builder()
        .brokers(1)
        .topic("t", 2, 1)
        .security_protocol(protocol)
        .sasl_user("alice", "alice-secret")
        .start()
        .await
        .unwrap()
}

fn config(mock: &MockCluster, props: &[(&str, &str)]) -> ProducerConfig {
    let ca = mock.ca_location().map(|p| p.display().to_string());
    let mut b = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("security.protocol", mock.security_protocol().name())
        .set("max.block.ms", "5000")
        .set("delivery.timeout.ms", "8000")
        .set("request.timeout.ms", "3000");
    if let Some(ca) = &ca {
        b = b.set("ssl.ca.location", ca.as_str());
    }
    for (k, v) in props {
        b = b.set(*k, *v);
    }
    b.build().unwrap()
}

async fn send_some(producer: &Producer, n: usize) -> Result<(), ProduceError> {
    for i in 0..n {
        producer
            .send(ProducerRecord::new("t", format!("v{i}")).with_key(format!("k{i}")))
            .await?;
    }
    Ok(())
}

#[tokio::test]
async fn every_mechanism_over_sasl_ssl_and_sasl_plaintext() {
    for protocol in [SecurityProtocol::SaslSsl, SecurityProtocol::SaslPlaintext] {
        let mock = mock(protocol).await;
        for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
            let producer = Producer::new(config(
                &mock,
                &[
                    ("sasl.mechanism", mechanism),
                    ("sasl.username", "alice"),
                    ("sasl.password", "alice-secret"),
                ],
            ))
            .unwrap();
            send_some(&producer, 20)
                .await
                .unwrap_or_else(|e| panic!("{protocol} {mechanism}: {e}"));
            producer.close(Duration::from_secs(5)).await.unwrap();
        }
        let jaas = Producer::new(config(
            &mock,
            &[
                ("sasl.mechanism", "SCRAM-SHA-512"),
                (
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";",
                ),
            ],
        ))
        .unwrap();
        send_some(&jaas, 5).await.unwrap();
        let oauth = Producer::with_token_provider(
            config(&mock, &[("sasl.mechanism", "OAUTHBEARER")]),
            Arc::new(UnsecuredJwtProvider::new("svc")),
        )
        .unwrap();
        send_some(&oauth, 5).await.unwrap();
    }
}

/// The failure a first record gets, and how long it took.
async fn first_failure(config: ProducerConfig) -> (ProduceError, Duration) {
    let started = Instant::now();
    let producer = Producer::new(config).unwrap();
    let e = send_some(&producer, 1).await.expect_err("refused");
    (e, started.elapsed())
}

#[tokio::test]
async fn authentication_failures_are_typed_and_fail_fast() {
    let mock = mock(SecurityProtocol::SaslSsl).await;
    let (e, took) = first_failure(config(
        &mock,
        &[
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("sasl.username", "alice"),
            ("sasl.password", "wrong"),
        ],
    ))
    .await;
    assert!(
        matches!(
            &e,
            ProduceError::Authentication(AuthError::BadCredentials { mechanism, .. }) if mechanism == "SCRAM-SHA-512"
        ),
        "{e}"
    );
    assert!(took < Duration::from_secs(3), "not retried: {took:?}");
    assert!(!e.to_string().contains("wrong"));

    // The system roots do not trust the mock's generated CA.
    let untrusted = ProducerConfig::builder()
        .bootstrap_servers(mock.bootstrap())
        .set("security.protocol", "SASL_SSL")
        .set("sasl.mechanism", "PLAIN")
        .set("sasl.username", "alice")
        .set("sasl.password", "alice-secret")
        .set("max.block.ms", "5000")
        .build()
        .unwrap();
    let (e, _) = first_failure(untrusted).await;
    assert!(
        matches!(
            e,
            ProduceError::Authentication(AuthError::UntrustedCertificate(_))
        ),
        "{e}"
    );

    // A certificate for another host.
    let ca = GeneratedCa::new("other CA").unwrap();
    let issued = ca.issue_server(&["broker.example"]).unwrap();
    let dir = std::env::temp_dir().join(format!("kwire-producer-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, ca_path) = (dir.join("s.pem"), dir.join("s-key.pem"), dir.join("ca.pem"));
    std::fs::write(&cert, &issued.certificate_chain_pem).unwrap();
    std::fs::write(&key, issued.private_key_pem.expose()).unwrap();
    std::fs::write(&ca_path, ca.certificate_pem()).unwrap();
    let other = MockCluster::builder()
        .brokers(1)
        .security_protocol(SecurityProtocol::Ssl)
        .ssl_certificate(&cert, &key)
        .start()
        .await
        .unwrap();
    let mismatch = ProducerConfig::builder()
        .bootstrap_servers(other.bootstrap())
        .set("security.protocol", "SSL")
        .set("ssl.ca.location", ca_path.display().to_string())
        .set("max.block.ms", "5000")
        .build()
        .unwrap();
    let (e, _) = first_failure(mismatch.clone()).await;
    assert!(
        matches!(e, ProduceError::Authentication(AuthError::NameMismatch(_))),
        "{e}"
    );
    // Without host-name verification the same certificate is accepted.
    let mut unchecked = mismatch;
    unchecked.security.tls.as_mut().unwrap().verify_hostname = false;
    let producer = Producer::new(unchecked).unwrap();
    send_some(&producer, 3).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Records stored in the mock's partitions 0 and 1 of "t".
fn stored(mock: &MockCluster) -> usize {
    let mut stored = 0;
    for p in 0..2 {
        let log = mock.committed("t", p).unwrap();
        for batch in kwire_protocol::records::Batches::new(log) {
            stored += batch.unwrap().record_count();
        }
    }
    stored
}

#[tokio::test]
async fn sessions_are_renewed_on_the_open_connection_without_losing_a_record() {
    // A 2 s session (KIP-368): the mock closes a connection whose session ran out without a
    // re-authentication, so every reconnect shows up in `connections_total`.
    let lifetime = Duration::from_secs(2);
    let mock = MockCluster::builder()
        .brokers(1)
        .topic("t", 2, 1)
        .security_protocol(SecurityProtocol::SaslSsl)
        .sasl_user("alice", "alice-secret")
        .connections_max_reauth(lifetime)
        .start()
        .await
        .unwrap();
    let producer = Producer::new(config(
        &mock,
        &[
            ("sasl.mechanism", "SCRAM-SHA-256"),
            ("sasl.username", "alice"),
            ("sasl.password", "alice-secret"),
            ("linger.ms", "1"),
        ],
    ))
    .unwrap();
    // Produce for more than three lifetimes, with up to 50 records in flight at any time so
    // that re-authentications fall between pipelined Produce requests.
    let started = Instant::now();
    let mut waiting = std::collections::VecDeque::new();
    let mut offsets = std::collections::BTreeSet::new();
    let mut n = 0;
    while started.elapsed() < lifetime * 7 / 2 {
        let record = ProducerRecord::new("t", format!("v{n}")).with_key(format!("k{n}"));
        waiting.push_back(producer.enqueue(record).await.unwrap());
        n += 1;
        if waiting.len() >= 50 {
            let md = waiting.pop_front().unwrap().await.unwrap();
            offsets.insert((md.partition, md.offset));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    for f in waiting {
        let md = f.await.unwrap();
        offsets.insert((md.partition, md.offset));
    }
    producer.close(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        offsets.len(),
        n,
        "every record acknowledged at its own offset"
    );
    assert_eq!(stored(&mock), n, "every record once in the log");
    let stats = mock.server_stats();
    let handshakes = stats.requests.get("SaslHandshake").copied().unwrap_or(0);
    // One connection to the bootstrap address, one to broker 1 (which may be the same).
    assert!(
        stats.connections_total <= 2,
        "no connection was closed at session expiry: {stats:?}"
    );
    assert!(
        handshakes >= stats.connections_total + 3,
        "re-authenticated on the open connections: {handshakes} handshakes on {} connections",
        stats.connections_total
    );
    assert_eq!(stats.bad_requests, 0, "{stats:?}");
}

#[tokio::test]
async fn mock_security_faults_end_sessions_and_refuse_logins() {
    let mock = mock(SecurityProtocol::SaslPlaintext).await;
    let control = mock.controller();
    let producer = Producer::new(config(
        &mock,
        &[
            ("sasl.mechanism", "SCRAM-SHA-256"),
            ("sasl.username", "alice"),
            ("sasl.password", "alice-secret"),
        ],
    ))
    .unwrap();
    send_some(&producer, 50).await.unwrap();
    let before = mock.server_stats();
    // The mock ends the sessions: the next Produce closes the connection, the producer logs in
    // on a new one and delivers everything once.
    control
        .apply(&serde_json::from_str(r#"{"action": "expire_sessions"}"#).unwrap())
        .unwrap();
    send_some(&producer, 50).await.unwrap();
    let after = mock.server_stats();
    assert!(
        after.connections_total > before.connections_total,
        "the expired connection was closed: {before:?} -> {after:?}"
    );
    assert_eq!(stored(&mock), 100, "every record once in the log");

    // The next login of alice with SCRAM-SHA-256 is refused, although the password is right.
    control
        .apply(
            &serde_json::from_str(
                r#"{"action": "reject_logins", "user": "alice", "mechanism": "SCRAM-SHA-256"}"#,
            )
            .unwrap(),
        )
        .unwrap();
    control.expire_sessions(None);
    let e = send_some(&producer, 1).await.expect_err("refused");
    assert!(
        matches!(
            &e,
            ProduceError::Authentication(AuthError::BadCredentials { mechanism, .. }) if mechanism == "SCRAM-SHA-256"
        ),
        "{e}"
    );
    // Only one login was refused: a new producer gets in.
    let again = Producer::new(config(
        &mock,
        &[
            ("sasl.mechanism", "SCRAM-SHA-256"),
            ("sasl.username", "alice"),
            ("sasl.password", "alice-secret"),
        ],
    ))
    .unwrap();
    send_some(&again, 5).await.unwrap();
}

#[tokio::test]
async fn client_certificates_when_the_broker_requires_them() {
    let mock = MockCluster::builder()
        .brokers(1)
        .topic("t", 2, 1)
        .security_protocol(SecurityProtocol::Ssl)
        .ssl_client_auth_required()
        .start()
        .await
        .unwrap();
    let (cert, key) = mock
        .client_certificate()
        .expect("issued by the generated CA");
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let producer = Producer::new(config(
        &mock,
        &[
            ("ssl.certificate.location", &cert),
            ("ssl.key.location", &key),
        ],
    ))
    .unwrap();
    send_some(&producer, 20).await.unwrap();
    producer.close(Duration::from_secs(5)).await.unwrap();
    assert_eq!(stored(&mock), 20);
    // Without one, the broker's TLS 1.3 alert after the handshake is the typed cause, at once.
    let (e, took) = first_failure(config(&mock, &[])).await;
    assert!(
        matches!(&e, ProduceError::Authentication(AuthError::Tls(m)) if m.contains("certificate")),
        "{e}"
    );
    assert!(took < Duration::from_secs(3), "not retried: {took:?}");
}
