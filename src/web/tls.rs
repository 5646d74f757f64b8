//! HTTPS without a reverse proxy (`server.tls_cert_file`, `server.tls_key_file`): the PEM
//! files read into a rustls server configuration. Read at start and by `check-config`, so a
//! wrong file is reported before anything listens.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::config::Config;

/// Why the certificate or key could not be used; the text names the file and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

/// The server's TLS configuration, or `None` when HTTPS is not configured (both keys
/// empty; the loader refuses one without the other).
pub fn server_config(config: &Config) -> Result<Option<ServerConfig>, TlsError> {
    let (cert, key) = (&config.server.tls_cert_file, &config.server.tls_key_file);
    if cert.is_empty() || key.is_empty() {
        return Ok(None);
    }
    // Both files are read before either error is reported, so one run names every problem.
    let (chain, key) = match (certificate_chain(Path::new(cert)), private_key(Path::new(key))) {
        (Ok(chain), Ok(key)) => (chain, key),
        (chain, key) => {
            let errors: Vec<String> = [chain.err(), key.err()].into_iter().flatten().map(|e| e.0).collect();
            return Err(TlsError(errors.join("\n")));
        }
    };
    // ring, as for reqwest: one crypto provider in the binary, and none chosen by chance.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let built = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("TLS setup failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => TlsError(
                "server.tls_cert_file and server.tls_key_file do not make a usable pair: the key is not the \
                 certificate's private key"
                    .into(),
            ),
            other => TlsError(format!(
                "server.tls_cert_file and server.tls_key_file do not make a usable pair ({other}); check that \
                 the key is the certificate's private key, of a kind rustls supports (RSA, ECDSA or Ed25519)"
            )),
        })?;
    Ok(Some(built))
}

fn certificate_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path, "server.tls_cert_file")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError(format!("server.tls_cert_file {}: not valid PEM ({e})", path.display())))?;
    if chain.is_empty() {
        return Err(TlsError(format!(
            "server.tls_cert_file {}: no certificate found; it must hold \"-----BEGIN CERTIFICATE-----\" \
             blocks, the server's certificate first",
            path.display()
        )));
    }
    Ok(chain)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(path, "server.tls_key_file")?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        TlsError(format!(
            "server.tls_key_file {}: no usable private key ({e}); it must hold an unencrypted \
             PKCS#8, PKCS#1 (RSA) or SEC1 (EC) key in PEM",
            path.display()
        ))
    })
}

fn read(path: &Path, key: &str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError(format!("{key} {}: cannot read it ({e})", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_files(cert: &[u8], key: &[u8]) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
        std::fs::write(dir.path().join("key.pem"), key).unwrap();
        let mut config = Config::default();
        config.server.tls_cert_file = dir.path().join("cert.pem").display().to_string();
        config.server.tls_key_file = dir.path().join("key.pem").display().to_string();
        (dir, config)
    }

    const CERT: &[u8] = include_bytes!("../../tests/fixtures/tls/localhost.crt");
    const KEY: &[u8] = include_bytes!("../../tests/fixtures/tls/localhost.key");
    const OTHER_KEY: &[u8] = include_bytes!("../../tests/fixtures/tls/other.key");

    #[test]
    fn no_files_means_plain_http() {
        assert!(server_config(&Config::default()).unwrap().is_none());
    }

    #[test]
    fn a_matching_pair_gives_a_configuration() {
        let (_dir, config) = with_files(CERT, KEY);
        assert!(server_config(&config).unwrap().is_some());
    }

    #[test]
    fn each_wrong_file_is_named_with_the_fix() {
        let (_dir, mut config) = with_files(CERT, KEY);
        config.server.tls_key_file = "/nonexistent/key.pem".into();
        let missing = server_config(&config).unwrap_err().to_string();
        assert!(missing.contains("server.tls_key_file /nonexistent/key.pem: cannot read it"), "{missing}");

        let (_dir2, swapped) = with_files(KEY, CERT);
        let both = server_config(&swapped).unwrap_err().to_string();
        assert!(both.contains("server.tls_cert_file") && both.contains("no certificate found"), "{both}");
        assert!(both.contains("server.tls_key_file") && both.contains("no usable private key"), "both named: {both}");

        let (_dir3, mismatched) = with_files(CERT, OTHER_KEY);
        let pair = server_config(&mismatched).unwrap_err().to_string();
        assert!(pair.contains("do not make a usable pair: the key is not the certificate's private key"), "{pair}");
    }
}
