//! Reading certificates and keys from PEM files.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::TlsError;

fn unreadable(path: &Path, reason: impl ToString) -> TlsError {
    TlsError::UnreadablePem {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Every certificate in a PEM file, in order (a chain: leaf first); at least one.
pub(super) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    certificates_from(&bytes).map_err(|reason| unreadable(path, reason))
}

pub(super) fn certificates_from(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no CERTIFICATE section".to_owned());
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1, unencrypted).
pub(super) fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    private_key_from(&bytes).map_err(|reason| unreadable(path, reason))
}

pub(super) fn private_key_from(pem: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            "no unencrypted PRIVATE KEY section (encrypted keys are not supported)".to_owned()
        }
        other => other.to_string(),
    })
}

/// A root store holding every certificate of `certs`.
pub(super) fn root_store(
    certs: Vec<CertificateDer<'static>>,
    origin: &str,
) -> Result<rustls::RootCertStore, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsError::NoTrustAnchors {
            reason: format!("no usable CA certificate in {origin}"),
        });
    }
    Ok(roots)
}
