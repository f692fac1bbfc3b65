//! Password hashing, field encryption and random secrets.

use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context as _;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::config::Argon2Settings;

/// Argon2id hashing on a few threads of its own (`max_concurrent`, each holding ~19 MiB while
/// it works), so a burst of logins queues instead of exhausting memory. Not on tokio's blocking
/// pool: each of its many threads would keep its own allocator arena with a freed 19 MiB block
/// in it, and memory rose by hundreds of MiB after a few hundred failed sign-ins.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    jobs: std::sync::mpsc::Sender<Job>,
    /// Hash of a random password: verified against when the username is unknown, so the
    /// response time does not reveal which usernames exist.
    dummy: Arc<String>,
}

type Job = Box<dyn FnOnce() + Send>;

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", &self.params).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(settings: &Argon2Settings) -> anyhow::Result<Self> {
        let params = Params::new(settings.memory_kib, settings.iterations, 1, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let dummy = hash_blocking(&params, &random_token(16))?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..settings.max_concurrent {
            let queue = Arc::clone(&queue);
            // The threads end when the last clone of the hasher (the sender) is dropped.
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let next =
                            queue.lock().map_err(|_| ()).and_then(|q| q.recv().map_err(|_| ()));
                        match next {
                            Ok(job) => job(),
                            Err(()) => return,
                        }
                    }
                })
                .context("cannot start a hashing thread")?;
        }
        Ok(Self { params, jobs, dummy: Arc::new(dummy) })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the hashing threads stopped"))?;
        answered.await.context("a hashing thread failed")
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let (params, password) = (self.params.clone(), password.to_owned());
        self.run(move || hash_blocking(&params, &password)).await?
    }

    /// `Ok(false)` for a wrong password; `Err` only when the stored hash is unreadable.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy.as_str().to_owned(), str::to_owned);
        let password = password.to_owned();
        let ok = self
            .run(move || {
                Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
            })
            .await?;
        Ok(ok && known)
    }
}

fn hash_blocking(params: &Params, password: &str) -> anyhow::Result<String> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// The data key: AES-256-GCM for personal data and second-factor secrets at rest.
#[derive(Clone)]
pub struct DataKey {
    cipher: Aes256Gcm,
    /// Keys the blind index; derived from the data key so one secret covers both.
    blind: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// From `configured` (base64 of 32 bytes) or from `<data_dir>/keys/data.key`, which is
    /// created with mode 0600 on first start.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let encoded = match configured {
            Some(key) => key.trim().to_owned(),
            None => {
                let path = data_dir.join("keys").join("data.key");
                if !path.exists() {
                    create_key_file(&path)?;
                }
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?
                    .trim()
                    .to_owned()
            }
        };
        let bytes = STANDARD.decode(encoded).context("the data key is not valid base64")?;
        anyhow::ensure!(bytes.len() == 32, "the data key must be 32 bytes");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&bytes).context("data key")?;
        mac.update(b"hotline blind index v1");
        let blind = mac.finalize().into_bytes().into();
        Ok(Self { cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)), blind })
    }

    /// `base64(nonce ‖ ciphertext ‖ tag)`.
    pub fn encrypt(&self, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// A keyed hash that finds equal values (a caller's number) without storing them in clear.
    #[must_use]
    pub fn blind_index(&self, value: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.blind) else {
            return String::new();
        };
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn decrypt(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = STANDARD.decode(sealed).context("ciphertext is not base64")?;
        anyhow::ensure!(bytes.len() > 12, "ciphertext too short");
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| anyhow::anyhow!("ciphertext was tampered with or the key is wrong"))?;
        String::from_utf8(plain).context("decrypted data is not UTF-8")
    }
}

fn create_key_file(path: &Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(STANDARD.encode(key).as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// `bytes` random bytes, base64url: session ids, API tokens (≥ 128 bits, ASVS 7.2.3).
#[must_use]
pub fn random_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

#[must_use]
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    rand::rng().fill_bytes(&mut buf);
    buf
}

/// A data key in the configuration's format (base64 of 32 bytes) from any random material.
#[must_use]
pub fn base64_key(material: &str) -> String {
    STANDARD.encode(Sha256::digest(material.as_bytes()))
}

/// Hex SHA-256: how session ids and API tokens are stored.
#[must_use]
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_detects_tampering() -> anyhow::Result<()> {
        let key = DataKey::load(Some(&STANDARD.encode([7u8; 32])), Path::new("."))?;
        let sealed = key.encrypt("13800000000")?;
        assert!(!sealed.contains("13800000000"));
        assert_eq!(key.decrypt(&sealed)?, "13800000000");
        let mut bytes = STANDARD.decode(&sealed)?;
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        assert!(key.decrypt(&STANDARD.encode(bytes)).is_err());
        let index = key.blind_index("+8613800000000");
        assert_eq!(index, key.blind_index("+8613800000000"));
        assert_ne!(index, key.blind_index("+8613800000001"));
        assert!(!index.contains("13800000000"));
        Ok(())
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() -> anyhow::Result<()> {
        let hasher = PasswordHasher::new(&Argon2Settings {
            memory_kib: 1024,
            iterations: 1,
            max_concurrent: 1,
        })?;
        let hash = hasher.hash("Rk7#vLp2q").await?;
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify("Rk7#vLp2q", Some(&hash)).await?);
        assert!(!hasher.verify("Rk7#vLp2Q", Some(&hash)).await?);
        assert!(!hasher.verify("Rk7#vLp2q", None).await?);
        Ok(())
    }
}
