//! The physical limit: how fast this database takes durable single-row inserts (and, on
//! SQLite, batched ones) with the same settings as the application, on a scratch table.

use std::time::{Duration, Instant};

use hotline_store::Store;
use sea_orm::{ConnectionTrait as _, DbBackend};

pub struct Ceiling {
    pub single_row_per_sec: f64,
    pub batched_rows_per_sec: Option<f64>,
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
    Ok(Ceiling { single_row_per_sec: single, batched_rows_per_sec: batched })
}
