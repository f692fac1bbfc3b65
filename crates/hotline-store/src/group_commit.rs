//! Group commit on SQLite: the write jobs of concurrent requests share one transaction and one
//! fsync.
//!
//! SQLite has one writer. When every request holds the write lock across its own statements
//! and its own durable commit, the lock is held through every wait for a turn on the CPU, and
//! every commit writes and syncs the pages it touched on its own (see
//! `bench/results/2026-11-24-epyc-sqlite-w1-profile.md`). Here one thread owns a runtime of its
//! own and takes the queued jobs in batches: each job runs in a savepoint of the batch's
//! transaction (a failing job rolls back alone), the batch commits once, and only then does
//! each job's caller get its answer — so an answer still means the change is durable.

use std::future::Future;
use std::pin::Pin;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait as _};
use tokio::sync::{mpsc, oneshot};

/// The future of a job's work, borrowing its transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// Hands a job's result to its caller once the batch's fate is known.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A queued job: runs in the given savepoint (or learns why there is none) and says whether
/// its savepoint is to be kept.
type Job = Box<
    dyn for<'t> FnOnce(Result<&'t DatabaseTransaction, String>) -> TxFuture<'t, (bool, Finish)>
        + Send,
>;

/// Most jobs in one transaction.
const MAX_BATCH: usize = 128;

#[derive(Clone, Debug)]
pub(crate) struct GroupCommit {
    jobs: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the writer thread for `write`, the pool of the one write connection.
    pub(crate) fn start(
        write: DatabaseConnection,
        begin: fn(&DatabaseConnection) -> TxFuture<'_, Result<DatabaseTransaction, DbErr>>,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("hotline-writer".to_owned())
            .spawn(move || runtime.block_on(run(write, begin, queue)))?;
        Ok(Self { jobs })
    }

    /// Queues `work` and waits until it is committed (or failed).
    pub(crate) async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> TxFuture<'t, Result<T, E>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |txn: Result<&DatabaseTransaction, String>| {
            Box::pin(async move {
                let result = match txn {
                    Ok(txn) => work(txn).await,
                    Err(reason) => Err(E::from(DbErr::Custom(reason))),
                };
                let keep = result.is_ok();
                let finish: Finish = Box::new(move |committed| {
                    let result = match (result, committed) {
                        (Err(e), _) => Err(e),
                        (Ok(value), Ok(())) => Ok(value),
                        (Ok(_), Err(e)) => Err(E::from(DbErr::Custom(e))),
                    };
                    // The caller may have gone away (request cancelled); the change stands.
                    let _ = answer.send(result);
                });
                (keep, finish)
            })
        });
        self.jobs.send(job).map_err(|_| E::from(DbErr::Custom(STOPPED.into())))?;
        answered.await.map_err(|_| E::from(DbErr::Custom(STOPPED.into())))?
    }
}

const STOPPED: &str = "the database writer has stopped";

async fn run(
    write: DatabaseConnection,
    begin: fn(&DatabaseConnection) -> TxFuture<'_, Result<DatabaseTransaction, DbErr>>,
    mut queue: mpsc::UnboundedReceiver<Job>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Ends when the last `Store` clone is dropped.
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut finishes = Vec::with_capacity(batch.len());
        let txn = match begin(&write).await {
            Ok(txn) => txn,
            Err(e) => {
                // Each caller gets the error (and logs it at its boundary).
                for job in batch.drain(..) {
                    let (_, finish) = job(Err(e.to_string())).await;
                    finish(Err(e.to_string()));
                }
                continue;
            }
        };
        for job in batch.drain(..) {
            let outcome = match txn.begin().await {
                Ok(savepoint) => {
                    let (keep, finish) = job(Ok(&savepoint)).await;
                    let closed =
                        if keep { savepoint.commit().await } else { savepoint.rollback().await };
                    (finish, closed.map_err(|e| e.to_string()))
                }
                Err(e) => (job(Err(e.to_string())).await.1, Err(e.to_string())),
            };
            finishes.push(outcome);
        }
        let committed = txn.commit().await.map_err(|e| e.to_string());
        for (finish, closed) in finishes {
            finish(closed.and_then(|()| committed.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait as _, Statement};

    use crate::{DbConfig, Store};

    fn insert(n: i64) -> Statement {
        Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            "INSERT INTO probe (n) VALUES (?)",
            [n.into()],
        )
    }

    /// Concurrent writers share batches; one that fails leaves no trace and takes nobody down.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_rolls_back_alone() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("probe.db").display());
        let store = Store::connect(&DbConfig::new(url)).await?;
        store
            .write(|txn| {
                Box::pin(async move {
                    txn.execute_unprepared("CREATE TABLE probe (n INTEGER PRIMARY KEY)").await?;
                    Ok::<_, sea_orm::DbErr>(())
                })
            })
            .await?;
        let jobs = (1..=200_i64).map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(move |txn| {
                        Box::pin(async move {
                            txn.execute_raw(insert(n)).await?;
                            if n % 7 == 0 {
                                return Err(sea_orm::DbErr::Custom(format!("job {n} refused")));
                            }
                            Ok(n)
                        })
                    })
                    .await
            })
        });
        let mut answers = Vec::new();
        for job in jobs {
            answers.push(job.await?);
        }
        let refused = answers.iter().filter(|a| a.is_err()).count();
        assert_eq!(refused, 200 / 7);
        let row = store
            .reader()
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT COUNT(*) AS c, SUM(n % 7 = 0) AS bad FROM probe",
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no row"))?;
        assert_eq!(row.try_get::<i64>("", "c")?, 200 - 200 / 7);
        assert_eq!(row.try_get::<i64>("", "bad")?, 0);
        Ok(())
    }
}
