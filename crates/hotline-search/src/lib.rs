//! Full-text search in Chinese, in process: tantivy with a jieba tokenizer of our own.
//!
//! The index is derived data. It lives under the data directory, one generation per folder
//! (`tickets-<id>/`), with `current.json` naming the generation in use, the schema version and
//! the dictionary it was cut with: a rebuild fills a new generation while the old one still
//! answers, then switches. Nothing here reads the database; the application feeds documents in.

pub mod articles;
pub mod highlight;
pub mod query;
pub mod tickets;
pub mod tokenizer;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use articles::{ArticleDoc, ArticleIndex};
pub use highlight::Highlight;
pub use tickets::{Filters, Found, Highlighter, Search, Sort, TicketDoc, TicketIndex};
pub use tokenizer::Segmenter;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The person's query does not parse, or names a field that cannot be searched.
    #[error("query: {0}")]
    Query(String),
    /// The index was made by another version or with other words.
    #[error("index out of date: {0}")]
    Outdated(&'static str),
    #[error("index lock poisoned")]
    Poisoned,
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Open(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Another process (a running server) holds the index's writer.
    #[must_use]
    pub fn is_lock_busy(&self) -> bool {
        matches!(self, Self::Tantivy(tantivy::TantivyError::LockFailure(..)))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which generation is in use, and what it was made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Current {
    pub generation: String,
    pub schema_version: u32,
    pub dictionary: String,
}

/// The search folder under the data directory.
#[derive(Clone, Debug)]
pub struct SearchDir(PathBuf);

impl SearchDir {
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self(root.into())
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.0
    }

    fn pointer(&self) -> PathBuf {
        self.0.join("current.json")
    }

    /// The generation in use, if one was ever completed.
    pub fn current(&self) -> Result<Option<Current>> {
        match std::fs::read(self.pointer()) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the generation in use, provided it was made with this schema and these words.
    pub fn open(&self, segmenter: &Segmenter) -> Result<TicketIndex> {
        let current = self.current()?.ok_or(Error::Outdated("no index yet"))?;
        if current.schema_version != tickets::SCHEMA_VERSION {
            return Err(Error::Outdated("schema version"));
        }
        if current.dictionary != segmenter.fingerprint() {
            return Err(Error::Outdated("dictionary"));
        }
        TicketIndex::open(&self.0.join(&current.generation), segmenter)
    }

    /// A fresh generation to fill; it is not in use until [`switch`](Self::switch).
    pub fn create(&self, segmenter: &Segmenter) -> Result<(String, TicketIndex)> {
        let generation = format!("tickets-{}", uuid::Uuid::now_v7().simple());
        let index = TicketIndex::create(&self.0.join(&generation), segmenter)?;
        Ok((generation, index))
    }

    /// Puts `generation` in use (atomically: the pointer is renamed into place) and removes
    /// the other generations, which nothing reads any more.
    pub fn switch(&self, generation: &str, segmenter: &Segmenter) -> Result<()> {
        let current = Current {
            generation: generation.to_owned(),
            schema_version: tickets::SCHEMA_VERSION,
            dictionary: segmenter.fingerprint().to_owned(),
        };
        let staged = self.0.join("current.json.new");
        std::fs::write(&staged, serde_json::to_vec_pretty(&current)?)?;
        std::fs::rename(&staged, self.pointer())?;
        for entry in std::fs::read_dir(&self.0)?.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("tickets-") && name != generation {
                // A generation another process still has open is removed once it lets go;
                // failing here leaves a folder, never a wrong answer.
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        Ok(())
    }
}
