//! Storage for hotline on embedded SQLite (default) or PostgreSQL, from one code base (SeaORM).
//!
//! Query functions take any `ConnectionTrait`, so the application decides what runs inside one
//! transaction: a change, its audit rows and its outbox entries commit together or not at all.

pub mod alerts;
pub mod audit;
pub mod briefings;
pub mod callcenter;
pub mod duty;
pub mod entity;
pub mod federation;
pub mod files;
mod group_commit;
pub mod kb;
pub mod migration;
pub mod orgs;
pub mod outbox;
pub mod phrases;
pub mod reference;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod stats;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod words;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use hotline_domain::audit::AuditRecord;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqlxPostgresConnector, SqlxSqliteConnector, TransactionOptions, TransactionTrait,
};
use sea_orm::{SqlErr, SqliteTransactionMode};
use sea_orm_migration::MigratorTrait;

use group_commit::GroupCommit;
pub use group_commit::{TxFuture, WriteTx};

use sea_orm::sea_query::LikeExpr;
pub use sea_orm::{DbErr as Error, sea_query};

/// `BEGIN IMMEDIATE`: a SQLite transaction that takes the write lock at once, so it never fails
/// half-way when it upgrades from reading to writing.
fn begin_immediate(db: &DatabaseConnection) -> TxFuture<'_, Result<DatabaseTransaction, DbErr>> {
    Box::pin(db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    }))
}

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct DbConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// Connections for readers (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    /// How long a SQLite connection waits for a lock before giving up.
    pub busy_timeout: Duration,
}

impl DbConfig {
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 8, busy_timeout: Duration::from_secs(5) }
    }
}

/// The database handle. On SQLite all writes go through one connection (SQLite has one writer;
/// queuing in the pool is cheaper than lock retries), reads through a pool of their own. On
/// PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Store {
    read: DatabaseConnection,
    write: DatabaseConnection,
    /// SQLite: the writer thread behind [`Store::write`].
    group: Option<GroupCommit>,
    /// The writer behind [`Store::audit`]: `group` on SQLite, a task of its own on PostgreSQL.
    sealer: GroupCommit,
}

/// The write connection's page cache (negative: KiB), 32 MiB instead of SQLite's 2 MiB. A new
/// ticket touches a dozen indexes at scattered places; at 1M tickets their inner pages no longer
/// fit in 2 MiB, so inserts kept re-reading them from the OS (intake +15–25 % in alternating
/// runs, see `bench/results/2026-11-25-epyc-intake-cache-and-closed-search.md`). Readers keep
/// the default: each commit of the writer empties their caches anyway.
const WRITER_CACHE_KIB: &str = "-32768";

impl Store {
    pub async fn connect(config: &DbConfig) -> anyhow::Result<Self> {
        if config.url.starts_with("sqlite:") {
            Self::connect_sqlite(config).await
        } else if config.url.starts_with("postgres:") || config.url.starts_with("postgresql:") {
            Self::connect_postgres(config).await
        } else {
            anyhow::bail!("unsupported database URL: expected sqlite:// or postgres://")
        }
    }

    async fn connect_sqlite(config: &DbConfig) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(&config.url)
            .context("invalid SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Savepoints (one per group-committed job) journal the pages they change in a
            // temporary file unless told to keep it in memory.
            .pragma("temp_store", "memory")
            .busy_timeout(config.busy_timeout);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone().pragma("cache_size", WRITER_CACHE_KIB))
            .await
            .context("cannot open the SQLite database")?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        let write = SqlxSqliteConnector::from_sqlx_sqlite_pool(write);
        let group = GroupCommit::start(write.clone(), begin_immediate)
            .context("cannot start the database writer")?;
        Ok(Self {
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(read),
            write,
            sealer: group.clone(),
            group: Some(group),
        })
    }

    async fn connect_postgres(config: &DbConfig) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(&config.url).context("invalid PostgreSQL URL")?;
        // Two pools, as on SQLite: a use case may read (reference data, the caller's org) while
        // it holds a transaction. From one shared pool, enough concurrent transactions would take
        // every connection and then wait forever for one more to read with.
        let pool = || {
            PgPoolOptions::new()
                .max_connections(config.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options.clone())
        };
        let write = pool().await.context("cannot connect to PostgreSQL")?;
        let read = pool().await.context("cannot connect to PostgreSQL")?;
        let write = SqlxPostgresConnector::from_sqlx_postgres_pool(write);
        let sealer = GroupCommit::spawn(write.clone(), |db| Box::pin(db.begin()));
        Ok(Self {
            read: SqlxPostgresConnector::from_sqlx_postgres_pool(read),
            write,
            group: None,
            sealer,
        })
    }

    #[must_use]
    pub fn reader(&self) -> &DatabaseConnection {
        &self.read
    }

    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    /// What the database takes on disk, as the database counts it (SQLite: its pages; WAL
    /// and shared memory files aside).
    pub async fn database_bytes(&self) -> Result<Option<u64>, DbErr> {
        let sql = match self.backend() {
            DbBackend::Sqlite => {
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            }
            _ => "SELECT pg_database_size(current_database())",
        };
        let row =
            self.read.query_one_raw(sea_orm::Statement::from_string(self.backend(), sql)).await?;
        Ok(row.and_then(|r| r.try_get_by_index::<i64>(0).ok()).and_then(|n| u64::try_from(n).ok()))
    }

    /// Starts a write transaction for changes nobody audits (leases, touches, bulk loads); an
    /// audited change goes through [`Store::write`]. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so a transaction never fails half-way when it upgrades from reading
    /// to writing.
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.backend() {
            DbBackend::Sqlite => begin_immediate(&self.write).await,
            _ => self.write.begin().await,
        }
    }

    /// Runs `work` in a write transaction and answers once it is committed, or with its error
    /// (nothing of it is kept, its audit records included). On SQLite the work of concurrent
    /// callers is group-committed: one transaction, each caller's work in a savepoint of its
    /// own, the audit records of the batch sealed in one go, one fsync. `work` must not call
    /// `write` itself: it would wait for the batch it runs in.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
        F: for<'t> FnOnce(&'t WriteTx<'t>) -> TxFuture<'t, Result<T, E>> + Send + 'static,
    {
        match &self.group {
            Some(group) => group.write(work).await,
            None => {
                let txn = self.begin().await?;
                let tx = WriteTx::new(&txn);
                let value = work(&tx).await?;
                audit::append(&txn, tx.into_audit()).await?;
                txn.commit().await?;
                Ok(value)
            }
        }
    }

    /// Seals audit records that belong to no other change (reads, refusals, sign-ins) onto the
    /// chain and answers once they are durable. Concurrent callers share a transaction, so the
    /// chain's head is read and written once per batch rather than once per request.
    pub async fn audit(&self, records: Vec<AuditRecord>) -> Result<(), DbErr> {
        self.sealer.seal(records).await
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        migration::Migrator::up(&self.write, None).await
    }

    /// Applies at most `steps` pending migrations: a migration's test starts from the schema
    /// before it.
    pub async fn migrate_steps(&self, steps: u32) -> Result<(), DbErr> {
        migration::Migrator::up(&self.write, Some(steps)).await
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(migration::Migrator::get_pending_migrations(&self.write)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Refreshes the planner's statistics after a bulk load. On PostgreSQL it also vacuums every
    /// table of the schema, which marks the new pages all-visible: until (auto)vacuum does, every
    /// index-only scan visits the heap (a unit's inbox count at 1M tickets: 10.8 ms before,
    /// 1.2 ms after), and a server with autovacuum off would plan against no statistics at all
    /// (a filtered search at 1M: seconds instead of milliseconds).
    pub async fn analyze(&self) -> Result<(), DbErr> {
        let sql = match self.backend() {
            DbBackend::Postgres => {
                let tables = self
                    .write
                    .query_all_raw(sea_orm::Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT quote_ident(tablename) AS name FROM pg_tables \
                         WHERE schemaname = current_schema()",
                    ))
                    .await?
                    .iter()
                    .map(|row| row.try_get::<String>("", "name"))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("VACUUM (ANALYZE) {}", tables.join(", "))
            }
            _ => "ANALYZE".to_owned(),
        };
        self.write.execute_unprepared(&sql).await.map(|_| ())
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.read.ping().await
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.read.close().await?;
        self.write.close().await
    }
}

/// Inserts `models`, skipping any whose `key` columns match a row that exists: for
/// at-least-once work (deliveries, reports) that may be queued twice. One statement per few
/// hundred rows.
pub(crate) async fn insert_once<A, C>(
    db: &impl ConnectionTrait,
    models: Vec<A>,
    key: [C; 2],
) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    C: sea_orm::sea_query::IntoIden + Copy,
{
    // Keeps a statement's parameters far below SQLite's limit (32,766).
    const ROWS_PER_STATEMENT: usize = 500;
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<A> = models.by_ref().take(ROWS_PER_STATEMENT).collect();
        let result = <A::Entity as sea_orm::EntityTrait>::insert_many(chunk)
            .on_conflict(sea_query::OnConflict::columns(key).do_nothing().to_owned())
            .exec_without_returning(db)
            .await;
        match result {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Runs writes (`INSERT`, `UPDATE`, `DELETE`) that need nothing from each other's results in
/// one round trip to the database: on the group-committed write path every round trip counts.
/// SQLite takes them as one multi-statement query; PostgreSQL cannot bind parameters in one, so
/// there they become one statement, all but the last as data-modifying `WITH` parts (foreign
/// keys are checked at the end of the statement, so a row may refer to one inserted before it).
pub async fn execute_all(
    db: &impl ConnectionTrait,
    statements: Vec<sea_orm::Statement>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let last = statements.len().saturating_sub(1);
    let mut sql = String::new();
    let mut values = Vec::new();
    for (i, statement) in statements.into_iter().enumerate() {
        match backend {
            DbBackend::Postgres => {
                let part = renumber_placeholders(&statement.sql, values.len());
                sql.push_str(&match (i, i == last) {
                    (_, true) if i == 0 => part,
                    (_, true) => format!(" {part}"),
                    (0, false) => format!("WITH s0 AS ({part})"),
                    (_, false) => format!(", s{i} AS ({part})"),
                });
            }
            _ => {
                sql.push_str(&statement.sql);
                sql.push_str(";\n");
            }
        }
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    if !sql.is_empty() {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values)).await?;
    }
    Ok(())
}

/// Shifts PostgreSQL's `$n` placeholders by `offset` (outside quoted text), so statements
/// built on their own can share one parameter list.
fn renumber_placeholders(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0_usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push('$');
                out.push_str(&(n + offset).to_string());
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Which unique constraint a write broke, if that is why it failed.
#[must_use]
pub fn unique_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) => Some(detail),
        _ => None,
    }
}

/// A `LIKE` pattern matching values that start with `raw` (`%` and `_` in it match themselves).
#[must_use]
pub(crate) fn starts_with(raw: &str) -> LikeExpr {
    LikeExpr::new(format!("{}%", like_escape(raw))).escape('\\')
}

/// A `LIKE` pattern matching values that contain `raw`.
#[must_use]
pub(crate) fn contains(raw: &str) -> LikeExpr {
    LikeExpr::new(format!("%{}%", like_escape(raw))).escape('\\')
}

fn like_escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A page of rows plus the total, for list endpoints.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// 1-based page number and size, already clamped by the caller.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    #[must_use]
    pub fn offset(self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::{DbConfig, Store, WRITER_CACHE_KIB, renumber_placeholders};

    async fn pragma(db: &impl sea_orm::ConnectionTrait, name: &str) -> anyhow::Result<String> {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("PRAGMA {name}"),
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("PRAGMA {name} answered nothing"))?;
        Ok(match row.try_get_by_index::<i64>(0) {
            Ok(n) => n.to_string(),
            Err(_) => row.try_get_by_index::<String>(0)?,
        })
    }

    /// Durability is a setting: a commit is on disk (WAL, synchronous=FULL) on every
    /// connection, and only the writer gets the larger page cache.
    #[tokio::test]
    async fn sqlite_connections_are_durable_and_the_writer_caches_more() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("probe.db").display());
        let store = Store::connect(&DbConfig::new(url)).await?;
        let writer = store
            .write(|tx| {
                Box::pin(async move {
                    let mut seen = Vec::new();
                    for name in ["journal_mode", "synchronous", "foreign_keys", "cache_size"] {
                        seen.push(
                            pragma(&**tx, name)
                                .await
                                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?,
                        );
                    }
                    Ok::<_, sea_orm::DbErr>(seen)
                })
            })
            .await?;
        assert_eq!(writer, ["wal", "2", "1", WRITER_CACHE_KIB]);
        let reader = store.reader();
        assert_eq!(pragma(reader, "synchronous").await?, "2");
        assert_eq!(pragma(reader, "cache_size").await?, "-2000", "readers keep the default");
        store.close().await?;
        Ok(())
    }

    #[test]
    fn placeholders_shift_but_quoted_text_does_not() {
        assert_eq!(
            renumber_placeholders(r#"INSERT INTO "t$1" ("a", "b") VALUES ($1, $12) -- '$3'"#, 4),
            r#"INSERT INTO "t$1" ("a", "b") VALUES ($5, $16) -- '$3'"#
        );
        assert_eq!(renumber_placeholders("SELECT $1", 0), "SELECT $1");
    }
}
