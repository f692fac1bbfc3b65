//! Uploaded files on disk, named by their SHA-256 so the same photo sent twice is kept once.
//! Rows in `attachment` point at them by that hash; a file is written before its row commits,
//! so a failed transaction leaves at most an unreferenced file, never a row without its file.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Keeps `bytes`; returns their SHA-256 (hex), the name to fetch them by.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hash = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&hash);
        if tokio::fs::try_exists(&path).await? {
            return Ok(hash);
        }
        let dir = path.parent().unwrap_or(&self.root);
        tokio::fs::create_dir_all(dir).await?;
        // Write aside, then rename: a reader never sees half a file.
        let partial = dir.join(format!(".{hash}.{}", uuid::Uuid::now_v7()));
        tokio::fs::write(&partial, bytes).await?;
        if let Err(e) = tokio::fs::rename(&partial, &path).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        Ok(hash)
    }

    /// The bytes stored under `hash`, if any.
    pub async fn get(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match tokio::fs::read(self.path_of(hash)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn path_of(&self, hash: &str) -> PathBuf {
        self.root.join(Path::new(&hash[..2])).join(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_bytes_are_kept_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::new(dir.path());
        let a = files.put(b"photo").await.unwrap();
        let b = files.put(b"photo").await.unwrap();
        assert_eq!(a, b);
        assert_eq!(files.get(&a).await.unwrap().as_deref(), Some(&b"photo"[..]));
        assert_eq!(std::fs::read_dir(dir.path().join(&a[..2])).unwrap().count(), 1);
        assert_eq!(files.get(&"0".repeat(64)).await.unwrap(), None);
        assert_eq!(files.get("../../etc/passwd").await.unwrap(), None);
    }
}
