//! Handshakes between the client and server configurations over an in-memory pipe.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

/// A PEM file in a fresh temporary directory, removed when dropped.
struct TempPem {
    dir: PathBuf,
}

impl TempPem {
    fn new(tag: &str) -> Self {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).unwrap();
        let dir =
            std::env::temp_dir().join(format!("kwire-auth-{tag}-{}", u64::from_le_bytes(nonce)));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempPem {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a handshake and one request/response; returns each side's outcome.
async fn exchange(
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
    host: &str,
) -> (Result<(), TlsError>, Result<(), TlsError>) {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let name = server_name(host).unwrap();
    let server_side = async move {
        let mut tls = tokio_rustls::TlsAcceptor::from(server)
            .accept(server_io)
            .await?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"ping");
        tls.write_all(b"pong").await?;
        tls.flush().await?;
        Ok::<_, std::io::Error>(())
    };
    let client_side = async move {
        let mut tls = tokio_rustls::TlsConnector::from(client)
            .connect(name, client_io)
            .await?;
        tls.write_all(b"ping").await?;
        tls.flush().await?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"pong");
        Ok::<_, std::io::Error>(())
    };
    let (client, server) = tokio::join!(client_side, server_side);
    let typed = |r: std::io::Result<()>| {
        r.map_err(|e| TlsError::from_io(&e).unwrap_or_else(|| panic!("not a TLS error: {e}")))
    };
    (typed(client), typed(server))
}

fn client(ca: Option<PathBuf>, verify_hostname: bool) -> Arc<rustls::ClientConfig> {
    ClientTlsSettings {
        ca_location: ca,
        verify_hostname,
        ..Default::default()
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn client_trusting_the_generated_ca_connects_by_name_and_by_ip() {
    let ca = GeneratedCa::new("kwire test CA").unwrap();
    let files = TempPem::new("ok");
    let ca_file = files.write("ca.pem", &ca.certificate_pem());
    let server = ca
        .server_config(&["localhost", "127.0.0.1"], false)
        .unwrap();
    for host in ["localhost", "127.0.0.1"] {
        let (c, s) = exchange(client(Some(ca_file.clone()), true), server.clone(), host).await;
        assert!(c.is_ok() && s.is_ok(), "{host}: {c:?} {s:?}");
    }
}

#[tokio::test]
async fn a_certificate_for_another_host_is_a_name_mismatch_unless_verification_is_off() {
    let ca = GeneratedCa::new("kwire test CA").unwrap();
    let files = TempPem::new("name");
    let ca_file = files.write("ca.pem", &ca.certificate_pem());
    let server = ca.server_config(&["broker.example"], false).unwrap();
    let (c, _) = exchange(
        client(Some(ca_file.clone()), true),
        server.clone(),
        "localhost",
    )
    .await;
    assert!(matches!(c, Err(TlsError::NameMismatch { .. })), "{c:?}");
    let settings = ClientTlsSettings::from_properties([
        ("ssl.ca.location", ca_file.to_str().unwrap()),
        ("ssl.endpoint.identification.algorithm", ""),
    ])
    .unwrap();
    let (c, s) = exchange(settings.build().unwrap(), server, "localhost").await;
    assert!(c.is_ok() && s.is_ok(), "{c:?} {s:?}");
}

#[tokio::test]
async fn a_server_from_an_unknown_ca_is_untrusted_even_without_host_verification() {
    let trusted = GeneratedCa::new("trusted").unwrap();
    let other = GeneratedCa::new("other").unwrap();
    let files = TempPem::new("ca");
    let ca_file = files.write("ca.pem", &trusted.certificate_pem());
    let server = other.server_config(&["localhost"], false).unwrap();
    for verify_hostname in [true, false] {
        let (c, _) = exchange(
            client(Some(ca_file.clone()), verify_hostname),
            server.clone(),
            "localhost",
        )
        .await;
        assert!(
            matches!(c, Err(TlsError::UntrustedCertificate { .. })),
            "{c:?}"
        );
    }
}

#[tokio::test]
async fn mutual_tls_from_pem_files_and_a_required_client_certificate() {
    let ca = GeneratedCa::new("kwire test CA").unwrap();
    let files = TempPem::new("mtls");
    let ca_file = files.write("ca.pem", &ca.certificate_pem());
    let server_cert = ca.issue_server(&["localhost"]).unwrap();
    let server = ServerTlsSettings {
        certificate_location: files.write("server.pem", &server_cert.certificate_chain_pem),
        key_location: files.write("server.key", server_cert.private_key_pem.expose()),
        client_ca_location: Some(ca_file.clone()),
    }
    .build()
    .unwrap();
    let alice = ca.issue_client("alice").unwrap();
    let with_cert = ClientTlsSettings::from_properties([
        ("ssl.ca.location", ca_file.to_str().unwrap()),
        (
            "ssl.certificate.location",
            files
                .write("alice.pem", &alice.certificate_chain_pem)
                .to_str()
                .unwrap(),
        ),
        (
            "ssl.key.location",
            files
                .write("alice.key", alice.private_key_pem.expose())
                .to_str()
                .unwrap(),
        ),
    ])
    .unwrap();
    let (c, s) = exchange(with_cert.build().unwrap(), server.clone(), "localhost").await;
    assert!(c.is_ok() && s.is_ok(), "{c:?} {s:?}");

    let (c, s) = exchange(
        client(Some(ca_file.clone()), true),
        server.clone(),
        "localhost",
    )
    .await;
    assert!(
        matches!(s, Err(TlsError::ClientCertificateRequired)),
        "{s:?}"
    );
    assert!(
        matches!(c, Err(TlsError::ClientCertificateRequired)),
        "{c:?}"
    );

    let stranger = GeneratedCa::new("other")
        .unwrap()
        .issue_client("mallory")
        .unwrap();
    let with_foreign_cert = ClientTlsSettings {
        ca_location: Some(ca_file),
        certificate_location: Some(files.write("m.pem", &stranger.certificate_chain_pem)),
        key_location: Some(files.write("m.key", stranger.private_key_pem.expose())),
        verify_hostname: true,
    };
    let (c, s) = exchange(with_foreign_cert.build().unwrap(), server, "localhost").await;
    assert!(
        matches!(s, Err(TlsError::UntrustedCertificate { .. })),
        "{s:?}"
    );
    assert!(
        matches!(c, Err(TlsError::ClientCertificateRejected { .. })),
        "{c:?}"
    );
}

#[test]
fn settings_follow_kafkas_names_and_defaults() {
    let defaults = ClientTlsSettings::from_properties([("bootstrap.servers", "x:9093")]).unwrap();
    assert_eq!(defaults, ClientTlsSettings::default());
    assert!(defaults.verify_hostname);
    let https =
        ClientTlsSettings::from_properties([("ssl.endpoint.identification.algorithm", "HTTPS")])
            .unwrap();
    assert!(https.verify_hostname);
    assert!(matches!(
        ClientTlsSettings::from_properties([("ssl.endpoint.identification.algorithm", "ldap")]),
        Err(TlsError::InvalidConfig { .. })
    ));
    assert!(matches!(
        ClientTlsSettings::from_properties([("ssl.key.password", "pw")]),
        Err(TlsError::Unsupported { .. })
    ));
}

#[test]
fn unreadable_or_empty_pem_files_and_half_a_client_certificate_are_refused() {
    let files = TempPem::new("bad");
    let missing = ClientTlsSettings {
        ca_location: Some(files.dir.join("missing.pem")),
        ..Default::default()
    };
    assert!(matches!(
        missing.build(),
        Err(TlsError::UnreadablePem { .. })
    ));
    let garbage = ClientTlsSettings {
        ca_location: Some(files.write("garbage.pem", "not a certificate")),
        ..Default::default()
    };
    assert!(matches!(
        garbage.build(),
        Err(TlsError::UnreadablePem { .. })
    ));
    let ca = GeneratedCa::new("ca").unwrap();
    let half = ClientTlsSettings {
        ca_location: Some(files.write("ca.pem", &ca.certificate_pem())),
        certificate_location: Some(files.write(
            "c.pem",
            &ca.issue_client("x").unwrap().certificate_chain_pem,
        )),
        ..Default::default()
    };
    assert!(matches!(
        half.build(),
        Err(TlsError::InvalidConfig {
            name: "ssl.key.location",
            ..
        })
    ));
    let key_as_cert = ClientTlsSettings {
        ca_location: Some(files.write(
            "key.pem",
            ca.issue_client("x").unwrap().private_key_pem.expose(),
        )),
        ..Default::default()
    };
    assert!(matches!(
        key_as_cert.build(),
        Err(TlsError::UnreadablePem { .. })
    ));
}

#[test]
fn issued_keys_do_not_print() {
    let issued = GeneratedCa::new("ca").unwrap().issue_client("x").unwrap();
    let printed = format!("{issued:?}");
    assert!(!printed.contains("PRIVATE KEY"), "{printed}");
}
