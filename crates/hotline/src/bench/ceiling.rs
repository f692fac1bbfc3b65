//! The physical limit: how fast this database takes durable single-row inserts (and, on
//! SQLite, batched ones) with the same settings as the application, on a scratch table.

use std::time::{Duration, Instant};

use hotline_store::Store;
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

pub struct Ceiling {
    pub single_row_per_sec: f64,
    pub batched_rows_per_sec: Option<f64>,
    /// The server's version and the settings that move these figures (on PostgreSQL, e.g.,
    /// autovacuum: off leaves a busy table's dead rows for every scan to visit).
    pub settings: String,
}

pub async fn measure(store: &Store, budget: Duration) -> anyhow::Result<Ceiling> {
    let db = store.reader();
    let key = match store.backend() {
        DbBackend::Postgres => "BIGINT PRIMARY KEY",
        _ => "INTEGER PRIMARY KEY",
    };
    db.execute_unprepared("DROP TABLE IF EXISTS bench_ceiling").await?;
    db.execute_unprepared(&format!("CREATE TABLE bench_ceiling (id {key}, payload TEXT NOT NULL)"))
        .await?;
    let payload = "x".repeat(200);

    let started = Instant::now();
    let mut n: u64 = 0;
    while started.elapsed() < budget {
        // One row, one transaction, one durable commit — through the write path the app uses.
        let txn = store.begin().await?;
        txn.execute_unprepared(&format!(
            "INSERT INTO bench_ceiling (id, payload) VALUES ({n}, '{payload}')"
        ))
        .await?;
        txn.commit().await?;
        n += 1;
    }
    let single = n as f64 / started.elapsed().as_secs_f64();

    let batched = if store.backend() == DbBackend::Sqlite {
        let started = Instant::now();
        let mut rows: u64 = 0;
        while started.elapsed() < budget {
            let txn = store.begin().await?;
            for _ in 0..10 {
                let values: Vec<String> = (0..100)
                    .map(|i| format!("({}, '{payload}')", 1_000_000_000 + rows + i))
                    .collect();
                txn.execute_unprepared(&format!(
                    "INSERT INTO bench_ceiling (id, payload) VALUES {}",
                    values.join(",")
                ))
                .await?;
                rows += 100;
            }
            txn.commit().await?;
        }
        Some(rows as f64 / started.elapsed().as_secs_f64())
    } else {
        None
    };
    db.execute_unprepared("DROP TABLE bench_ceiling").await?;
    let settings = settings(store).await?;
    Ok(Ceiling { single_row_per_sec: single, batched_rows_per_sec: batched, settings })
}

async fn settings(store: &Store) -> anyhow::Result<String> {
    let sql = match store.backend() {
        DbBackend::Postgres => {
            "SELECT 'PostgreSQL ' || current_setting('server_version') || ', autovacuum ' || \
             current_setting('autovacuum') || ', synchronous_commit ' || \
             current_setting('synchronous_commit') || ', shared_buffers ' || \
             current_setting('shared_buffers') AS s"
        }
        _ => "SELECT 'SQLite ' || sqlite_version() AS s",
    };
    let row = store
        .reader()
        .query_one_raw(Statement::from_string(store.backend(), sql))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database named no settings"))?;
    Ok(row.try_get::<String>("", "s")?)
}
