//! Secrets at rest. TOTP secrets are encrypted (XChaCha20-Poly1305) and recovery codes keyed
//! (HMAC-SHA-256) with a key kept in a file outside the database, so a copy of the database alone
//! yields neither. The store applies it on every write and read.

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Marks an encrypted value; anything else in a secret column is a plain value from before.
pub const ENCRYPTED_PREFIX: &str = "v1:";
/// Marks a keyed recovery-code digest; a bare SHA-256 is one from before.
pub const KEYED_PREFIX: &str = "h1:";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error("cannot read the secret key file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("cannot write the secret key file {path}: {error}")]
    Write { path: String, error: std::io::Error },
    #[error("the secret key file {0} must hold 64 hexadecimal characters (create one with `roster-server create-secret-key FILE`)")]
    Malformed(String),
    #[error("a stored secret cannot be decrypted: the secret key is not the one this database was written with")]
    WrongKey,
}

/// The server's secret key, and the two keys derived from it.
#[derive(Clone)]
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
    mac_key: [u8; KEY_BYTES],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// Reads the key from `path`: 64 hexadecimal characters (32 bytes), surrounding space ignored.
    pub fn load(path: &Path) -> Result<SecretKey, SecretKeyError> {
        let text = std::fs::read_to_string(path).map_err(|error| SecretKeyError::Read {
            path: path.display().to_string(),
            error,
        })?;
        let bytes = decode_hex(text.trim())
            .filter(|bytes| bytes.len() == KEY_BYTES)
            .ok_or_else(|| SecretKeyError::Malformed(path.display().to_string()))?;
        let mut master = [0u8; KEY_BYTES];
        master.copy_from_slice(&bytes);
        Ok(SecretKey::from_master(&master))
    }

    /// Writes a new random key to `path`, readable by its owner only; never replaces a key.
    pub fn create(path: &Path) -> Result<(), SecretKeyError> {
        let failed = |error| SecretKeyError::Write {
            path: path.display().to_string(),
            error,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(failed)?;
        let mut master = [0u8; KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut master);
        writeln!(file, "{}", crate::hex::encode(&master)).map_err(failed)
    }

    /// A random key that lives as long as the process (tests).
    pub fn ephemeral() -> SecretKey {
        let mut master = [0u8; KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut master);
        SecretKey::from_master(&master)
    }

    /// One key per purpose, derived from the master key, so no key ever serves two.
    fn from_master(master: &[u8; KEY_BYTES]) -> SecretKey {
        let derive = |purpose: &[u8]| -> [u8; KEY_BYTES] {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(purpose);
            mac.finalize().into_bytes().into()
        };
        SecretKey {
            cipher: XChaCha20Poly1305::new(&derive(b"roster totp secret encryption v1").into()),
            mac_key: derive(b"roster recovery code digest v1"),
        }
    }

    /// The stored form of a secret: encrypted under a fresh random nonce.
    pub fn encrypt(&self, plaintext: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .unwrap_or_else(|_| unreachable!("encryption of a short secret cannot fail"));
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{ENCRYPTED_PREFIX}{}", STANDARD_NO_PAD.encode(bytes))
    }

    /// A secret back from its stored form.
    pub fn decrypt(&self, stored: &str) -> Result<String, SecretKeyError> {
        let bytes = stored
            .strip_prefix(ENCRYPTED_PREFIX)
            .and_then(|text| STANDARD_NO_PAD.decode(text).ok())
            .filter(|bytes| bytes.len() > NONCE_BYTES)
            .ok_or(SecretKeyError::WrongKey)?;
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| SecretKeyError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SecretKeyError::WrongKey)
    }

    /// What the store keeps of a recovery code: a keyed digest of its (unkeyed) SHA-256.
    pub fn recovery_code_digest(&self, code_sha256: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(code_sha256.as_bytes());
        format!(
            "{KEYED_PREFIX}{}",
            crate::hex::encode(&mac.finalize().into_bytes())
        )
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_never_repeat_their_ciphertext() {
        let key = SecretKey::ephemeral();
        let a = key.encrypt("JBSWY3DPEHPK3PXP");
        let b = key.encrypt("JBSWY3DPEHPK3PXP");
        assert_ne!(a, b);
        assert!(!a.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(key.decrypt(&a).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(matches!(
            SecretKey::ephemeral().decrypt(&a),
            Err(SecretKeyError::WrongKey)
        ));
        assert!(a.starts_with(ENCRYPTED_PREFIX));
    }

    #[test]
    fn recovery_code_digests_depend_on_the_key() {
        let key = SecretKey::ephemeral();
        let digest = key.recovery_code_digest("abc");
        assert_eq!(digest, key.recovery_code_digest("abc"));
        assert_ne!(digest, SecretKey::ephemeral().recovery_code_digest("abc"));
        assert!(digest.starts_with(KEYED_PREFIX));
    }

    #[test]
    fn key_files_are_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        SecretKey::create(&path).unwrap();
        assert!(
            SecretKey::create(&path).is_err(),
            "an existing key is never replaced"
        );
        let key = SecretKey::load(&path).unwrap();
        let sealed = key.encrypt("s");
        assert_eq!(
            SecretKey::load(&path).unwrap().decrypt(&sealed).unwrap(),
            "s"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read the key");
        }
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            SecretKey::load(&path),
            Err(SecretKeyError::Malformed(_))
        ));
    }
}
