//! What a user would otherwise run, on the same data. For searching tickets on PostgreSQL: its
//! built-in full-text search (`to_tsvector('simple', …)` with a GIN index — PostgreSQL has no
//! Chinese parser without an extension) and `ILIKE '%…%'`, beside this platform's index. For
//! unit figures: a GROUP BY over the tickets themselves, beside the rollups.

use std::fmt::Write as _;
use std::time::Instant;

use hotline_app::App;
use hotline_app::tickets::TicketQuery;
use sea_orm::{ConnectionTrait as _, Statement};

/// Queries of one, two and three words.
const QUERIES: [&[&str]; 4] =
    [&["噪音"], &["物业", "维修"], &["拖欠", "工资"], &["小区", "停车", "收费"]];
/// Each measure is the median of this many runs.
const RUNS: usize = 5;

/// A month's unit figures counted straight from the tickets (dispatched in the period, by
/// holder: a simpler count than the rollups', and still a scan of the period's tickets),
/// beside the same figures summed from the rollups.
pub async fn raw_unit_figures(
    app: &App,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> anyhow::Result<String> {
    let db = app.store.reader();
    let backend = db.get_database_backend();
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = (to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let raw = "SELECT holder_org_id, COUNT(*) AS n, \
         SUM(CASE WHEN first_contact_at IS NOT NULL AND NOT response_overdue THEN 1 ELSE 0 END) AS responded, \
         SUM(CASE WHEN satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END) AS satisfied, \
         SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
         SUM(CASE WHEN resolved THEN 1 ELSE 0 END) AS resolved, \
         SUM(CASE WHEN overdue THEN 1 ELSE 0 END) AS late \
         FROM ticket WHERE parent_id IS NULL AND dispatched_at >= $1 AND dispatched_at < $2 \
         GROUP BY holder_org_id";
    let sql = match backend {
        sea_orm::DbBackend::Postgres => raw.to_owned(),
        _ => raw.replace("$1", "?").replace("$2", "?"),
    };
    let (rows, raw_ms) = timed(|| async {
        let found = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql.clone(),
                [start.into(), end.into()],
            ))
            .await?;
        Ok(found.len() as u64)
    })
    .await?;
    let ctx = app.ctx_for_user("leader").await?;
    let query = hotline_app::stats::UnitsQuery {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        ..Default::default()
    };
    let (units, rollup_ms) =
        timed(|| async { Ok(app.unit_figures(&ctx, &query).await?.items.len() as u64) }).await?;
    Ok(format!(
        "**Unit figures for {from} – {to}** (one client, median of {RUNS} runs): from the rollups \
         {rollup_ms:.1} ms for {units} units with sub-units summed; a raw GROUP BY over the \
         period's tickets {raw_ms:.1} ms for {rows} holders (fewer figures, no sub-units)."
    ))
}

pub async fn postgres(app: &App) -> anyhow::Result<String> {
    let db = app.store.reader();
    let backend = db.get_database_backend();
    let doc = "to_tsvector('simple', title || ' ' || content)";
    let started = Instant::now();
    db.execute_unprepared(&format!("CREATE INDEX bench_fts ON ticket USING gin ({doc})")).await?;
    let gin_secs = started.elapsed().as_secs_f64();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**Compared with PostgreSQL on the same data** (one client, median of {RUNS} runs; the \
         GIN index for `to_tsvector('simple', title || ' ' || content)` took {gin_secs:.0} s to \
         build). Matches counted over every ticket; the page is the 20 newest.\n"
    );
    let _ = writeln!(
        out,
        "| words | this index: matches / ms | PostgreSQL FTS (simple, GIN): matches / ms | ILIKE '%…%' on title and content: matches / ms |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- |");
    let ctx = app.ctx_for_user("dispatcher").await?;
    app.open_search().await?;
    for words in QUERIES {
        let ours = timed(|| async {
            let query = TicketQuery {
                q: Some(words.join(" ")),
                per_page: Some(20),
                sort: Some("newest".to_owned()),
                ..TicketQuery::default()
            };
            Ok(app.search_tickets(&ctx, query).await?.total)
        })
        .await?;
        let tsquery = words.join(" & ");
        let fts = timed(|| async {
            let sql = format!(
                "SELECT (SELECT count(*) FROM ticket WHERE {doc} @@ to_tsquery('simple', $1)) AS n, \
                 (SELECT count(*) FROM (SELECT id FROM ticket WHERE {doc} @@ to_tsquery('simple', $1) \
                 ORDER BY created_at DESC LIMIT 20) p) AS page"
            );
            let row = db
                .query_one_raw(Statement::from_sql_and_values(backend, sql, [tsquery.clone().into()]))
                .await?;
            Ok(row.map_or(0, |r| r.try_get::<i64>("", "n").unwrap_or(0)) as u64)
        })
        .await?;
        let like_where: Vec<String> = (1..=words.len())
            .map(|i| format!("(title ILIKE ${i} OR content ILIKE ${i})"))
            .collect();
        let like_where = like_where.join(" AND ");
        let values: Vec<sea_orm::Value> = words.iter().map(|w| format!("%{w}%").into()).collect();
        let like = timed(|| async {
            let sql = format!(
                "SELECT (SELECT count(*) FROM ticket WHERE {like_where}) AS n, \
                 (SELECT count(*) FROM (SELECT id FROM ticket WHERE {like_where} \
                 ORDER BY created_at DESC LIMIT 20) p) AS page"
            );
            let row = db
                .query_one_raw(Statement::from_sql_and_values(backend, sql, values.clone()))
                .await?;
            Ok(row.map_or(0, |r| r.try_get::<i64>("", "n").unwrap_or(0)) as u64)
        })
        .await?;
        let _ = writeln!(
            out,
            "| {} | {} / {:.1} | {} / {:.1} | {} / {:.1} |",
            words.join(" "),
            ours.0,
            ours.1,
            fts.0,
            fts.1,
            like.0,
            like.1
        );
    }
    app.close_search();
    let _ = writeln!(
        out,
        "\nPostgreSQL's parsers split on spaces and punctuation, so a run of Chinese is one \
         \"word\": its full-text search finds a Chinese word only where the text happens to \
         set it apart. `ILIKE` finds every substring but reads every row; the index finds the \
         same tickets from its postings."
    );
    Ok(out)
}

/// The median time of `RUNS` runs of `f`, in ms, with what the last run answered.
async fn timed<F, Fut>(f: F) -> anyhow::Result<(u64, f64)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    let mut times = Vec::with_capacity(RUNS);
    let mut answer = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        answer = f().await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((answer, times[RUNS / 2]))
}
