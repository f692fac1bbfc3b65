//! Operations: the running system's figures for admins (系统统计): who is signed in now, the
//! background jobs and their lag, and what the data takes on disk. The HTTP layer adds the
//! API's own request counts.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::role::Permission;
use serde::Serialize;
use std::path::Path;

use crate::jobs::JobStatus;
use crate::{App, Ctx, Error, Result};

/// A session used within this long counts as someone online.
pub const ONLINE_WINDOW_MINUTES: i64 = 15;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SystemFigures {
    pub at: DateTime<Utc>,
    pub version: &'static str,
    /// People with a session used in the last [`ONLINE_WINDOW_MINUTES`] minutes.
    pub users_online: u64,
    pub sessions_active: u64,
    pub jobs: Vec<JobStatus>,
    pub storage: Storage,
}

/// Bytes on disk; `None` where the system could not tell.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Storage {
    pub database_bytes: Option<u64>,
    pub search_index_bytes: u64,
    pub files_bytes: u64,
    /// The file system holding the data directory.
    pub data_dir_available_bytes: Option<u64>,
    pub data_dir_total_bytes: Option<u64>,
}

/// The bytes of every file under `path` (none when it does not exist).
fn dir_bytes(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(std::result::Result::ok)
        .filter_map(|entry| entry.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|meta| meta.len())
        .sum()
}

impl App {
    /// The system's figures, for admins.
    pub async fn system_figures(&self, ctx: &Ctx) -> Result<SystemFigures> {
        self.authorize(ctx, Permission::SystemRead, None).await?;
        let now = self.now();
        let since = now - Duration::minutes(ONLINE_WINDOW_MINUTES);
        let (users_online, sessions_active) =
            hotline_store::sessions::in_use_since(self.store.reader(), since).await?;
        let database_bytes = self.store.database_bytes().await?;
        let dir = self.config.data_dir.clone();
        let storage = tokio::task::spawn_blocking(move || Storage {
            database_bytes,
            search_index_bytes: dir_bytes(&dir.join("search")),
            files_bytes: dir_bytes(&dir.join("files")),
            data_dir_available_bytes: fs4::available_space(&dir).ok(),
            data_dir_total_bytes: fs4::total_space(&dir).ok(),
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
        Ok(SystemFigures {
            at: now,
            version: env!("CARGO_PKG_VERSION"),
            users_online,
            sessions_active,
            jobs: self.job_snapshot(),
            storage,
        })
    }
}
