//! A certificate authority generated at start, for listeners that have no certificate of their
//! own (the mock's default) and for tests.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

use super::{TlsError, server_config_from_pem};
use crate::Secret;

/// A self-signed CA made in memory. Clients trust it through its PEM
/// ([`GeneratedCa::certificate_pem`], e.g. written to the file their `ssl.ca.location` names).
pub struct GeneratedCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate issued by a [`GeneratedCa`], with its key.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// The certificate followed by the CA's (a chain, leaf first), PEM.
    pub certificate_chain_pem: String,
    /// The private key, PKCS#8 PEM.
    pub private_key_pem: Secret,
}

impl fmt::Debug for GeneratedCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedCa").finish_non_exhaustive()
    }
}

impl GeneratedCa {
    /// A new CA whose subject is `common_name`, with a fresh key.
    pub fn new(common_name: &str) -> Result<Self, TlsError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        Ok(Self {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate()?)?,
        })
    }

    /// The CA certificate, PEM: what clients trust.
    pub fn certificate_pem(&self) -> String {
        self.issuer.pem()
    }

    /// Issues a server certificate valid for `hosts` (DNS names or IP addresses).
    pub fn issue_server(&self, hosts: &[&str]) -> Result<IssuedCertificate, TlsError> {
        self.issue(
            hosts.first().copied().unwrap_or("kwire"),
            hosts,
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// Issues a client certificate whose subject common name is `name` (the principal a
    /// broker derives from it).
    pub fn issue_client(&self, name: &str) -> Result<IssuedCertificate, TlsError> {
        self.issue(name, &[], ExtendedKeyUsagePurpose::ClientAuth)
    }

    /// A server configuration with a fresh certificate for `hosts`; with
    /// `require_client_certificate`, clients must present a certificate this CA issued.
    pub fn server_config(
        &self,
        hosts: &[&str],
        require_client_certificate: bool,
    ) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let issued = self.issue_server(hosts)?;
        let ca = self.certificate_pem();
        server_config_from_pem(
            &issued.certificate_chain_pem,
            issued.private_key_pem.expose(),
            require_client_certificate.then_some(ca.as_str()),
        )
    }

    fn issue(
        &self,
        common_name: &str,
        hosts: &[&str],
        usage: ExtendedKeyUsagePurpose,
    ) -> Result<IssuedCertificate, TlsError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.subject_alt_names = hosts
            .iter()
            .map(|host| match host.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName((*host).try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCertificate {
            certificate_chain_pem: format!("{}{}", cert.pem(), self.issuer.pem()),
            private_key_pem: Secret::new(key.serialize_pem()),
        })
    }
}
