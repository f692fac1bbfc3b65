//! Group commit: the write jobs of concurrent requests share one transaction and one fsync. On
//! SQLite every write goes this way; on PostgreSQL only audit records that belong to no other
//! change (reads, refusals), so the chain's head is locked once per batch, not per read.
//!
//! SQLite has one writer. When every request holds the write lock across its own statements
//! and its own durable commit, the lock is held through every wait for a turn on the CPU, and
//! every commit writes and syncs the pages it touched on its own (see
//! `bench/results/2026-11-24-epyc-sqlite-w1-profile.md`). Here one thread owns a runtime of its
//! own and takes the queued jobs in batches: each job runs in a savepoint of the batch's
//! transaction (a failing job rolls back alone), the audit records of the kept jobs are sealed
//! onto the chain together (one read and one update of its head per batch), the batch commits
//! once, and only then does each job's caller get its answer — so an answer still means the
//! change is durable.

use std::collections::VecDeque;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use hotline_domain::audit::AuditRecord;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use tokio::sync::{mpsc, oneshot};

/// The future of a job's work, borrowing its transaction.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// The transaction a [`crate::Store::write`] job works in. Statements go to the transaction it
/// derefs to; audit records are handed to [`WriteTx::audit`] and sealed onto the chain when the
/// work is kept, after the last statement of the job (and, on SQLite, of its batch).
pub struct WriteTx<'t> {
    txn: &'t DatabaseTransaction,
    audit: Mutex<Vec<AuditRecord>>,
}

impl<'t> WriteTx<'t> {
    pub(crate) fn new(txn: &'t DatabaseTransaction) -> Self {
        Self { txn, audit: Mutex::new(Vec::new()) }
    }

    /// Records to seal onto the audit chain with this work.
    pub fn audit(&self, records: impl IntoIterator<Item = AuditRecord>) {
        self.audit.lock().unwrap_or_else(PoisonError::into_inner).extend(records);
    }

    pub(crate) fn into_audit(self) -> Vec<AuditRecord> {
        self.audit.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Deref for WriteTx<'_> {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        self.txn
    }
}

/// Statements run in the job's transaction, so store functions take the `WriteTx` itself.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTx<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

/// Hands a job's result to its caller once the batch's fate is known.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;

/// What a job leaves for its batch: whether to keep its savepoint, the audit records to seal
/// if it is kept, and how to answer its caller.
type Done = (bool, Vec<AuditRecord>, Finish);

/// Work that runs in the given savepoint (or learns why there is none).
type Work =
    Box<dyn for<'t> FnOnce(Result<&'t DatabaseTransaction, String>) -> TxFuture<'t, Done> + Send>;

/// A queued job.
enum Job {
    Work(Work),
    /// Audit records alone: nothing to roll back, so no savepoint.
    Seal(Vec<AuditRecord>, Finish),
}

impl Job {
    /// Answers a job the batch never reached.
    async fn refuse(self, reason: String) {
        let finish = match self {
            Self::Work(work) => work(Err(reason.clone())).await.2,
            Self::Seal(_, finish) => finish,
        };
        finish(Err(reason));
    }
}

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

    /// Starts the writer as a task of the current runtime: for PostgreSQL, whose connections
    /// belong to that runtime's reactor and whose writes need no thread to themselves.
    pub(crate) fn spawn(
        write: DatabaseConnection,
        begin: fn(&DatabaseConnection) -> TxFuture<'_, Result<DatabaseTransaction, DbErr>>,
    ) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(write, begin, queue));
        Self { jobs }
    }

    /// Queues `work` and waits until it is committed (or failed).
    pub(crate) async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
        F: for<'t> FnOnce(&'t WriteTx<'t>) -> TxFuture<'t, Result<T, E>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let work: Work = Box::new(move |txn: Result<&DatabaseTransaction, String>| {
            Box::pin(async move {
                let (result, audit) = match txn {
                    Ok(txn) => {
                        let tx = WriteTx::new(txn);
                        let result = work(&tx).await;
                        (result, tx.into_audit())
                    }
                    Err(reason) => (Err(E::from(DbErr::Custom(reason))), Vec::new()),
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
                (keep, audit, finish)
            })
        });
        self.jobs.send(Job::Work(work)).map_err(|_| E::from(DbErr::Custom(STOPPED.into())))?;
        answered.await.map_err(|_| E::from(DbErr::Custom(STOPPED.into())))?
    }

    /// Queues audit records and waits until they are sealed and committed.
    pub(crate) async fn seal(&self, records: Vec<AuditRecord>) -> Result<(), DbErr> {
        let (answer, answered) = oneshot::channel();
        let finish: Finish = Box::new(move |committed| {
            let _ = answer.send(committed);
        });
        self.jobs.send(Job::Seal(records, finish)).map_err(|_| DbErr::Custom(STOPPED.into()))?;
        answered.await.map_err(|_| DbErr::Custom(STOPPED.into()))?.map_err(DbErr::Custom)
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
        let mut jobs: VecDeque<Job> = batch.drain(..).collect();
        let mut finishes = Vec::with_capacity(jobs.len());
        let committed = match begin(&write).await {
            Ok(txn) => run_batch(txn, &mut jobs, &mut finishes).await,
            Err(e) => Err(e),
        }
        .map_err(|e| e.to_string());
        for finish in finishes {
            finish(committed.clone());
        }
        // The jobs a failed batch did not reach get its error (each caller logs it at its
        // boundary).
        let reason = committed.err().unwrap_or_default();
        for job in jobs {
            job.refuse(reason.clone()).await;
        }
    }
}

/// Runs `jobs` in savepoints of `txn`, seals the kept jobs' audit records and commits. Each
/// job's savepoint is closed in the same round trip that opens the next one's: on the single
/// write path every round trip to the connection's thread counts. An error leaves the jobs it
/// did not reach in `jobs`.
async fn run_batch(
    txn: DatabaseTransaction,
    jobs: &mut VecDeque<Job>,
    finishes: &mut Vec<Finish>,
) -> Result<(), DbErr> {
    let mut audit = Vec::new();
    let mut close = "";
    while let Some(job) = jobs.pop_front() {
        let work = match job {
            Job::Seal(records, finish) => {
                audit.extend(records);
                finishes.push(finish);
                continue;
            }
            Job::Work(work) => work,
        };
        if let Err(e) = txn.execute_unprepared(&format!("{close}SAVEPOINT job")).await {
            jobs.push_front(Job::Work(work));
            return Err(e);
        }
        let (keep, records, finish) = work(Ok(&txn)).await;
        finishes.push(finish);
        close = if keep {
            audit.extend(records);
            "RELEASE job; "
        } else {
            "ROLLBACK TO job; RELEASE job; "
        };
    }
    if !close.is_empty() {
        txn.execute_unprepared(close).await?;
    }
    // No change without its audit row: if the records cannot be sealed, nothing commits.
    crate::audit::append(&txn, audit).await?;
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use hotline_domain::audit::AuditRecord;
    use sea_orm::{ConnectionTrait as _, Statement};

    use crate::{DbConfig, Store};

    fn insert(n: i64) -> Statement {
        Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            "INSERT INTO probe (n) VALUES (?)",
            [n.into()],
        )
    }

    fn probe_record(n: i64) -> AuditRecord {
        AuditRecord {
            seq: 0,
            at: chrono::Utc::now(),
            actor_id: None,
            actor_name: Some("probe".to_owned()),
            actor_org_id: None,
            source_ip: None,
            request_id: None,
            action: "probe".to_owned(),
            outcome: "success".to_owned(),
            subject_type: Some("probe".to_owned()),
            subject_id: Some(n.to_string()),
            detail: "{}".to_owned(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// Concurrent writers share batches; one that fails leaves no trace, its audit record
    /// included, and takes nobody down; the kept jobs' records and the records sealed alone
    /// form one unbroken chain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_rolls_back_alone() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("probe.db").display());
        let store = Store::connect(&DbConfig::new(url)).await?;
        store.migrate().await?;
        let (start, _) = crate::audit::head(store.reader()).await?;
        store
            .write(|txn| {
                Box::pin(async move {
                    txn.execute_unprepared("CREATE TABLE probe (n INTEGER PRIMARY KEY)").await?;
                    Ok::<_, sea_orm::DbErr>(())
                })
            })
            .await?;
        // Spawned all at once (collected), so that they queue up together.
        let jobs: Vec<_> = (1..=200_i64)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .write(move |txn| {
                            Box::pin(async move {
                                txn.execute_raw(insert(n)).await?;
                                txn.audit([probe_record(n)]);
                                if n % 7 == 0 {
                                    return Err(sea_orm::DbErr::Custom(format!("job {n} refused")));
                                }
                                Ok(n)
                            })
                        })
                        .await
                })
            })
            .collect();
        // Records alone, as reads leave them, queued among the jobs.
        let seals: Vec<_> = (201..=240_i64)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move { store.audit(vec![probe_record(n)]).await })
            })
            .collect();
        let mut answers = Vec::new();
        for job in jobs {
            answers.push(job.await?);
        }
        for seal in seals {
            seal.await??;
        }
        let refused = answers.iter().filter(|a| a.is_err()).count();
        assert_eq!(refused, 200 / 7);
        let kept = 200 - 200 / 7;
        let row = store
            .reader()
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT COUNT(*) AS c, SUM(n % 7 = 0) AS bad FROM probe",
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no row"))?;
        assert_eq!(row.try_get::<i64>("", "c")?, kept);
        assert_eq!(row.try_get::<i64>("", "bad")?, 0);

        let sealed = crate::audit::rows_after(store.reader(), start, 1_000).await?;
        assert_eq!(sealed.len(), usize::try_from(kept + 40)?);
        assert!(sealed.iter().all(|r| {
            r.subject_id
                .as_deref()
                .is_some_and(|n| n.parse::<i64>().is_ok_and(|n| n > 200 || n % 7 != 0))
        }));
        let (head_seq, head_hash) = crate::audit::head(store.reader()).await?;
        assert_eq!(head_seq, start + kept + 40);
        let mut prev = sealed[0].prev_hash.clone();
        for record in &sealed {
            assert_eq!(record.prev_hash, prev, "unlinked at {}", record.seq);
            assert_eq!(record.hash, record.compute_hash(), "altered at {}", record.seq);
            prev.clone_from(&record.hash);
        }
        assert_eq!(prev, head_hash);
        Ok(())
    }
}
