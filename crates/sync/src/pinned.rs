//! The server's certificate, pinned: a TLS connection is accepted only if the server's
//! certificate has the SHA-256 fingerprint the device was given at enrolment (the TLS
//! handshake's signatures are still checked, so the server must hold the key).

use crate::SyncError;
use crate::protocol::{colon_hex, fingerprint};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// Accepts exactly one certificate, by fingerprint.
#[derive(Debug)]
pub struct PinnedCertificate {
    expected: [u8; 32],
    provider: Arc<CryptoProvider>,
    /// The fingerprint of a certificate refused, for the message the user reads.
    refused: Mutex<Option<String>>,
}

impl PinnedCertificate {
    pub fn new(fingerprint: &str) -> Result<PinnedCertificate, SyncError> {
        let hex_digits: String = fingerprint
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        let mut expected = [0u8; 32];
        hex::decode_to_slice(&hex_digits, &mut expected).map_err(|_| {
            SyncError::Bad(format!(
                "'{fingerprint}' is not a certificate fingerprint (64 hex digits, as the server prints it)"
            ))
        })?;
        Ok(PinnedCertificate {
            expected,
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            refused: Mutex::new(None),
        })
    }

    fn expected_text(&self) -> String {
        colon_hex(&self.expected)
    }

    /// The refusal, if a connection met a different certificate.
    pub fn mismatch(&self) -> Option<SyncError> {
        let got = self.refused.lock().ok()?.clone()?;
        Some(SyncError::WrongCertificate {
            expected: self.expected_text(),
            got,
        })
    }

    /// A TLS client configuration that trusts this certificate alone.
    pub fn client_config(self: &Arc<Self>) -> rustls::ClientConfig {
        let mut config = rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder_with_provider(self.provider.clone())
                    .with_protocol_versions(&[&rustls::version::TLS13])
                    .unwrap_or_else(|_| unreachable_config())
            })
            .dangerous()
            .with_custom_certificate_verifier(self.clone())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// The default provider always supports TLS 1.3; this is never reached.
#[allow(clippy::panic)]
fn unreachable_config() -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier> {
    panic!("the TLS provider supports no protocol version")
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if got == self.expected {
            Ok(ServerCertVerified::assertion())
        } else {
            if let Ok(mut r) = self.refused.lock() {
                *r = Some(fingerprint(end_entity.as_ref()));
            }
            Err(rustls::Error::General(
                "the server's certificate is not the pinned one".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
