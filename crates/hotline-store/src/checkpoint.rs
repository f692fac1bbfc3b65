//! SQLite checkpoints off the writer's path.
//!
//! In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside
//! the commit that takes the log past 1,000 pages. On the one write connection that stalls
//! every queued write, and every audited read waiting for its audit row, for as long as the
//! copy and its fsync take: tens of milliseconds of random writes into a large file, seen as
//! the p99 of every workload. Here the writer never checkpoints (`wal_autocheckpoint = 0`); a
//! connection of its own on a thread of its own does, passively, every [`EVERY`]: a passive
//! checkpoint waits for nobody and nobody waits for it.

use std::time::Duration;

use sea_orm::{ConnectionTrait as _, DatabaseConnection};
use tokio::sync::oneshot;

/// How often the log is copied back. Shorter keeps the log small; longer copies a page that
/// changed many times once.
const EVERY: Duration = Duration::from_millis(500);

/// Runs checkpoints until dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    _stop: oneshot::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing through `conn`, a pool of one connection to the database.
    pub(crate) fn start(conn: DatabaseConnection) -> std::io::Result<Self> {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name("hotline-checkpoint".to_owned()).spawn(move || {
            runtime.block_on(async move {
                let mut tick = tokio::time::interval(EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        _ = tick.tick() => {
                            // Passive: it copies what no reader still needs and never waits for
                            // a lock, so a failure here is worth a warning, not a retry loop.
                            if let Err(e) =
                                conn.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await
                            {
                                tracing::warn!(error = %e, "WAL checkpoint failed");
                            }
                        }
                    }
                }
                let _ = conn.close().await;
            });
        })?;
        Ok(Self { _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait as _, Statement};

    use crate::{DbConfig, Store};

    /// Committed pages reach the database file although the writer never copies them there.
    #[tokio::test]
    async fn the_checkpointer_copies_the_log_back() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("checkpoint.db");
        let store = Store::connect(&DbConfig::new(format!("sqlite://{}", file.display()))).await?;
        let txn = store.begin().await?;
        let autocheckpoint = txn
            .query_one_raw(Statement::from_string(
                txn.get_database_backend(),
                "PRAGMA wal_autocheckpoint",
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?;
        assert_eq!(autocheckpoint, Some(0), "the writer leaves checkpoints to the checkpointer");
        txn.execute_unprepared("CREATE TABLE filler (b BLOB)").await?;
        // About 2 MB: fewer pages than would make a commit checkpoint by default.
        for _ in 0..50 {
            txn.execute_unprepared("INSERT INTO filler VALUES (randomblob(40000))").await?;
        }
        txn.commit().await?;
        for _ in 0..100 {
            if std::fs::metadata(&file)?.len() >= 2_000_000 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the database file is still {} bytes", std::fs::metadata(&file)?.len())
    }
}
