use super::message::{ClientFirst, ServerFirst};
use super::*;
use crate::sasl::{ClientStep, SaslClient};

const RFC7677_CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const RFC7677_SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const RFC7677_SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
const RFC7677_SERVER_FIRST: &str =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const RFC7677_CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const RFC7677_SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn salt() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(RFC7677_SALT)
        .unwrap()
}

fn rfc_client() -> ScramClient {
    ScramClient::with_nonce(
        ScramHash::Sha256,
        "user",
        Secret::new("pencil"),
        RFC7677_CLIENT_NONCE.into(),
    )
}

fn rfc_server() -> ScramServer {
    ScramServer::new(ScramHash::Sha256, RFC7677_SERVER_NONCE.into())
}

fn pencil(name: &str, token: bool) -> Option<server::ScramIdentity> {
    (name == "user" && !token).then(|| server::ScramIdentity {
        principal: "user".into(),
        credential: ScramCredential::from_password(
            ScramHash::Sha256,
            &Secret::new("pencil"),
            &salt(),
            4096,
        )
        .unwrap(),
    })
}

#[test]
fn rfc7677_client_side() {
    let mut client = rfc_client();
    assert_eq!(
        client.initial_response().unwrap(),
        b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    );
    assert_eq!(
        client.step(RFC7677_SERVER_FIRST.as_bytes()).unwrap(),
        ClientStep::Respond(RFC7677_CLIENT_FINAL.as_bytes().to_vec())
    );
    assert_eq!(
        client.step(RFC7677_SERVER_FINAL.as_bytes()).unwrap(),
        ClientStep::Done
    );
}

#[test]
fn rfc7677_server_side() {
    let mut server = rfc_server();
    let Ok(server::ScramServerStep::Challenge(first)) =
        server.step(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO", pencil)
    else {
        panic!("expected server-first")
    };
    assert_eq!(first, RFC7677_SERVER_FIRST.as_bytes());
    let Ok(server::ScramServerStep::Authenticated {
        principal,
        server_final,
    }) = server.step(RFC7677_CLIENT_FINAL.as_bytes(), pencil)
    else {
        panic!("expected success")
    };
    assert_eq!(principal, "user");
    assert_eq!(server_final, RFC7677_SERVER_FINAL.as_bytes());
}

#[test]
fn server_refuses_a_tampered_proof() {
    let mut server = rfc_server();
    server
        .step(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO", pencil)
        .ok()
        .unwrap();
    let tampered = RFC7677_CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
    assert_eq!(
        server.step(tampered.as_bytes(), pencil).err(),
        Some(SaslError::BadCredentials {
            user: "user".into()
        })
    );
}

#[test]
fn server_refuses_a_final_nonce_other_than_the_combined_one() {
    let mut server = rfc_server();
    server
        .step(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO", pencil)
        .ok()
        .unwrap();
    let other = RFC7677_CLIENT_FINAL.replace("k0,p=", "k1,p=");
    assert_eq!(
        server.step(other.as_bytes(), pencil).err(),
        Some(SaslError::NonceMismatch)
    );
}

#[test]
fn server_refuses_a_channel_binding_other_than_the_gs2_header() {
    let mut server = rfc_server();
    server
        .step(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO", pencil)
        .ok()
        .unwrap();
    let other = RFC7677_CLIENT_FINAL.replace("c=biws", "c=eSws");
    assert_eq!(
        server.step(other.as_bytes(), pencil).err(),
        Some(SaslError::ChannelBindingMismatch)
    );
}

#[test]
fn client_refuses_a_server_nonce_that_does_not_extend_its_own() {
    for first in [
        "r=XOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    ] {
        let mut client = rfc_client();
        client.initial_response().unwrap();
        assert_eq!(
            client.step(first.as_bytes()),
            Err(SaslError::NonceMismatch),
            "{first}"
        );
    }
}

#[test]
fn client_refuses_fewer_iterations_than_kafka_allows() {
    let mut client = rfc_client();
    client.initial_response().unwrap();
    let first = RFC7677_SERVER_FIRST.replace("i=4096", "i=4095");
    assert_eq!(
        client.step(first.as_bytes()),
        Err(SaslError::IterationCountTooLow {
            iterations: 4095,
            minimum: 4096
        })
    );
}

#[test]
fn client_refuses_a_server_signature_that_does_not_verify_and_reports_server_errors() {
    let mut client = rfc_client();
    client.initial_response().unwrap();
    client.step(RFC7677_SERVER_FIRST.as_bytes()).unwrap();
    assert_eq!(
        client.step(b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
        Err(SaslError::ServerSignatureMismatch)
    );
    let mut client = rfc_client();
    client.initial_response().unwrap();
    client.step(RFC7677_SERVER_FIRST.as_bytes()).unwrap();
    assert_eq!(
        client.step(b"e=invalid-proof"),
        Err(SaslError::ServerError {
            message: "invalid-proof".into()
        })
    );
}

#[test]
fn credentials_respect_kafkas_iteration_bounds_and_hide_keys() {
    let pw = Secret::new("pw");
    assert!(matches!(
        ScramCredential::from_password(ScramHash::Sha512, &pw, b"salt", 4095),
        Err(SaslError::IterationCountTooLow { .. })
    ));
    assert!(matches!(
        ScramCredential::from_password(ScramHash::Sha512, &pw, b"salt", 16385),
        Err(SaslError::IterationCountTooHigh { .. })
    ));
    let credential = ScramCredential::from_password(ScramHash::Sha512, &pw, b"salt", 4096).unwrap();
    assert_eq!(credential.stored_key.len(), 64);
    assert_eq!(
        format!("{credential:?}"),
        "ScramCredential { iterations: 4096, .. }"
    );
}

#[test]
fn names_with_comma_and_equals_are_escaped_and_extensions_kept() {
    let first = ClientFirst {
        authzid: "a,b=c".into(),
        username: "a,b=c".into(),
        nonce: "n0nce".into(),
        extensions: vec![("tokenauth".into(), "true".into())],
    };
    let text = first.encode();
    assert_eq!(text, "n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=n0nce,tokenauth=true");
    let (parsed, header) = ClientFirst::parse(&text, Mechanism::ScramSha256).unwrap();
    assert_eq!(parsed, first);
    assert_eq!(header, "n,a=a=2Cb=3Dc,");
}

#[test]
fn malformed_messages_are_refused() {
    for bad in [
        "",
        "y,,n=user,r=abc",
        "p=tls-unique,,n=user,r=abc",
        "n,,n=,r=abc",
        "n,,n=us=er,r=abc",
        "n,,r=abc",
        "n,,n=user",
        "n,,n=user,r=",
        "n,,n=user,r=abc,1=2",
    ] {
        assert!(
            ClientFirst::parse(bad, Mechanism::ScramSha256).is_err(),
            "{bad:?}"
        );
    }
    for bad in [
        "",
        "r=abc,s=!!,i=4096",
        "r=abc,s=QQ==,i=-1",
        "r=abc,s=QQ==,i=+4096",
        "m=x,r=abc,s=QQ==,i=4096",
        "r=abc,s=QQ==",
    ] {
        assert!(
            ServerFirst::parse(bad, Mechanism::ScramSha256).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn sha512_round_trip_through_the_generic_client() {
    let mut client =
        SaslClient::with_password(Mechanism::ScramSha512, "u", Secret::new("p")).unwrap();
    let mut server = ScramServer::new(ScramHash::Sha512, "srv".into());
    let lookup = |name: &str, _| {
        (name == "u").then(|| server::ScramIdentity {
            principal: "u".into(),
            credential: ScramCredential::from_password(
                ScramHash::Sha512,
                &Secret::new("p"),
                b"s",
                4096,
            )
            .unwrap(),
        })
    };
    let Ok(server::ScramServerStep::Challenge(first)) =
        server.step(&client.initial_response().unwrap(), lookup)
    else {
        panic!()
    };
    let Ok(ClientStep::Respond(fin)) = client.step(&first) else {
        panic!()
    };
    let Ok(server::ScramServerStep::Authenticated { server_final, .. }) = server.step(&fin, lookup)
    else {
        panic!()
    };
    assert_eq!(client.step(&server_final), Ok(ClientStep::Done));
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn credential_equals_the_one_kafkas_storage_tool_made() {
    // `kafka-storage format --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]'`
    // (Kafka 4.3.1) wrote this salt, StoredKey and ServerKey.
    let credential = ScramCredential::from_password(
        ScramHash::Sha256,
        &Secret::new("alice-secret"),
        b"hm19uwp3c2wcaci70rg337qjr",
        4096,
    )
    .unwrap();
    assert_eq!(
        credential.stored_key,
        unhex("acb5cb2eb15c3f6d35243783405c3dd3b0ec98ff84a4e6b50a5b495b8573732e")
    );
    assert_eq!(
        credential.server_key,
        unhex("910d781d3975577e7dddfe313cff635de01e479d54e0e44f3edf6c29e5bad649")
    );
}

/// A credential made from a client's salted password (AlterUserScramCredentials) is the one the
/// password derives, for both hashes; Kafka's mechanism codes are 1 and 2 and nothing else.
#[test]
fn a_salted_password_gives_the_passwords_credential() {
    let password = Secret::new("pencil");
    for hash in [ScramHash::Sha256, ScramHash::Sha512] {
        let salted = hash.salted_password(&password, &salt(), 4096);
        assert_eq!(
            salted.len(),
            if hash == ScramHash::Sha256 { 32 } else { 64 }
        );
        assert_eq!(
            ScramCredential::from_salted_password(hash, &salt(), &salted, 4096),
            ScramCredential::from_password(hash, &password, &salt(), 4096).unwrap()
        );
        assert_eq!(ScramHash::from_code(hash.code()), Some(hash));
    }
    for code in [0, 3, -1, i8::MAX] {
        assert_eq!(ScramHash::from_code(code), None);
    }
}
