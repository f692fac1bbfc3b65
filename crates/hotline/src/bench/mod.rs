//! `hotline bench`: a server on loopback, driven over HTTP by concurrent clients, with the
//! database's own ceiling measured in the same run. Results go to `bench/results/`.

mod ceiling;
mod compare;
mod load;
mod report;
mod server;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use hotline_app::demo::generate::GenOptions;
use hotline_app::{App, Clock, Config, Mode};
use hotline_store::{DbConfig, Store};
use sea_orm::ConnectionTrait as _;

use self::load::{Cast, Intake, Limits, Session};
use self::report::{Machine, Report};
use self::server::ServerProcess;

const PASSWORD: &str = hotline_app::demo::DEMO_PASSWORD;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Workload {
    W1,
    W2,
    W3,
    W4,
    /// Suggestions at intake.
    W5,
    /// Full-text search over tickets.
    W6,
    /// Unit figures (三率, scores, ranks) for the last 30 days, from the rollups, and the
    /// leader's overview.
    W7,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Database to run on (a fresh file or schema each run).
    #[arg(long, value_enum, default_value = "sqlite")]
    pub database: Backend,
    /// PostgreSQL server for `--database postgres`; the run uses a schema of its own.
    #[arg(
        long,
        env = "HOTLINE_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub pg_url: String,
    /// Concurrent clients (W1–W3).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub clients: u16,
    /// Seconds each workload runs.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub duration: u64,
    /// Stop a workload after this many requests, if sooner.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,
    /// Tickets generated into the database before the workloads (W3 wants 1 000 000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub tickets: u64,
    /// Arrival rate of W4, requests per second.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rate: u32,
    /// Workloads to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "w1,w2,w3,w4,w5,w6,w7")]
    pub workloads: Vec<Workload>,
    /// Where the markdown results go.
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
    /// Keep the run's data (SQLite only) in this directory instead of a temporary one; a later
    /// run given the same directory and `--tickets` reuses the generated tickets and their index
    /// instead of making them again, which saves minutes per run at a million.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// In a kept directory, the number of tickets generated into it.
const KEPT: &str = "bench-tickets";

/// Drops the PostgreSQL schema of a run, even when the run is interrupted.
struct Schema {
    base: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (base, name) = (self.base.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                if let Ok(store) = Store::connect(&DbConfig::new(base)).await {
                    let _ = store
                        .reader()
                        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .await;
                    let _ = store.close().await;
                }
            });
        })
        .join();
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    tokio::select! {
        result = run_inner(args) => result,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: the server is stopped and temporary data removed");
            Ok(())
        }
    }
}

async fn run_inner(args: BenchArgs) -> anyhow::Result<()> {
    let machine = Machine::read();
    eprintln!("machine: {} cores, {:.1} GiB, {}", machine.cores, machine.memory_gib, machine.cpu);
    let dir = match &args.dir {
        Some(_) if args.database == Backend::Postgres => {
            anyhow::bail!("--dir keeps SQLite data only; PostgreSQL runs use a fresh schema")
        }
        Some(path) => {
            std::fs::create_dir_all(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            DataDir::Kept(path.canonicalize()?)
        }
        None => {
            DataDir::Temporary(tempfile::tempdir().context("cannot create a temporary directory")?)
        }
    };
    let kept: Option<u64> = std::fs::read_to_string(dir.path().join(KEPT))
        .ok()
        .map(|text| text.trim().parse())
        .transpose()
        .context("the kept directory's bench-tickets file is unreadable")?;
    if kept.is_none() && matches!(dir, DataDir::Kept(_)) && dir.path().join("hotline.db").exists() {
        anyhow::bail!(
            "{} holds a database but no finished generation (an interrupted run?); remove it or \
             pass another --dir",
            dir.path().display(),
        );
    }
    if let Some(kept) = kept
        && kept != args.tickets
    {
        anyhow::bail!(
            "{} holds {kept} generated tickets; pass --tickets {kept} or another --dir",
            dir.path().display(),
        );
    }
    let mut _schema = None;
    let database_url = match args.database {
        Backend::Sqlite => {
            eprintln!(
                "database: SQLite in {} ({})",
                dir.path().display(),
                match (&dir, &kept) {
                    (DataDir::Temporary(_), _) => "removed at the end",
                    (DataDir::Kept(_), None) => "kept for later runs",
                    (DataDir::Kept(_), Some(_)) => "reused: no generation",
                }
            );
            format!("sqlite://{}", dir.path().join("hotline.db").display())
        }
        Backend::Postgres => {
            let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
            let admin = Store::connect(&DbConfig::new(args.pg_url.clone()))
                .await
                .context("cannot reach PostgreSQL")?;
            admin.reader().execute_unprepared(&format!("CREATE SCHEMA {name}")).await?;
            admin.close().await?;
            _schema = Some(Schema { base: args.pg_url.clone(), name: name.clone() });
            eprintln!("database: PostgreSQL schema {name} (dropped at the end)");
            let sep = if args.pg_url.contains('?') { '&' } else { '?' };
            format!("{}{sep}options[search_path]={name}", args.pg_url)
        }
    };
    let key = hotline_app::crypto::random_token(32);
    let key = hotline_app::crypto::base64_key(&key);
    let config_path = dir.path().join("hotline.toml");
    // The load comes from one machine's clients on a few sessions: the per-session rate limit
    // would measure itself, not the server. A reused directory keeps its config (and data key).
    if kept.is_none() {
        std::fs::write(
            &config_path,
            format!(
                "data_dir = {:?}\ndatabase_url = {:?}\ndatabase_max_connections = 4\nmetrics_enabled = false\n\
             [http]\nrequest_timeout_secs = 120\n\
             [security]\ncookie_secure = false\ntotp_required_roles = []\ndata_key = {key:?}\n\
             [security.rate_limit]\nsession_per_minute = 0\ntoken_per_minute = 0\n",
                dir.path().display().to_string(),
                database_url
            ),
        )?;
    }

    let config = Config::load(Some(&config_path))?;
    let app = App::open(config, Clock::System, Mode::Demo).await?;
    app.prepare().await?;
    let mut gen_rate = None;
    if kept.is_none() {
        app.seed_demo().await?;
    }
    if args.tickets > 0 && kept.is_none() {
        eprintln!("generating {} tickets…", args.tickets);
        let options = GenOptions {
            tickets: args.tickets,
            days: 365,
            seed: 42,
            batch: 2_000,
            surges: Vec::new(),
        };
        let stats = app
            .generate(options, |s| {
                eprint!(
                    "\r  {} tickets, {} rows, {:.0} rows/s   ",
                    s.tickets,
                    s.rows,
                    s.rows_per_sec()
                )
            })
            .await?;
        eprintln!();
        gen_rate = Some(stats.rows_per_sec());
    }
    eprintln!("measuring the database ceiling…");
    let ceiling = ceiling::measure(&app.store, Duration::from_secs(3)).await?;
    let categories = app
        .list_categories(
            &demo_ctx(&app, "agent").await?,
            hotline_app::reference::categories::CategoryQuery::default(),
        )
        .await?;
    let leaves: Vec<String> = categories
        .iter()
        .flat_map(|l1| {
            l1.children.iter().flat_map(|l2| l2.children.iter().map(|l3| l3.id.to_string()))
        })
        .collect();
    let urban = categories
        .iter()
        .find(|c| c.name == "城乡建设")
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let zjw = app.org_id_by_code("ZJW").await?.map(|o| o.to_string()).unwrap_or_default();
    let mut notes = Vec::new();
    // The index the server opens is built here, as `hotline reindex` builds it, and timed.
    if let DataDir::Kept(path) = &dir
        && kept.is_none()
    {
        std::fs::write(path.join(KEPT), args.tickets.to_string())?;
    }
    if workloads_search(&args.workloads)
        && (kept.is_none() || !dir.path().join("search").join("current.json").exists())
    {
        eprintln!("indexing {} tickets for search…", args.tickets);
        let started = std::time::Instant::now();
        let indexed = app.rebuild_index(&|done, total| eprint!("\r  {done} / {total}   ")).await?;
        let secs = started.elapsed().as_secs_f64();
        eprintln!();
        app.close_search();
        notes.push(format!(
            "**Reindex** (`hotline reindex`'s path, in process): {indexed} tickets in {secs:.1} s = \
             **{:.0} tickets/s** (target ≥ 20 000/s), index on disk {:.0} MiB.",
            indexed as f64 / secs.max(1e-9),
            dir_mib(&dir.path().join("search"))
        ));
    }
    // The rollups a starting server would fill in the background are filled here and timed,
    // with the raw recount a report would otherwise run beside them.
    let (from, to) = last_30_days(&app);
    let year_from = to - chrono::Duration::days(364);
    if args.workloads.contains(&Workload::W7) || args.workloads.contains(&Workload::W1) {
        if !hotline_store::stats::any_counted(app.store.reader()).await? {
            eprintln!("counting {} tickets into the statistics…", args.tickets);
            let started = std::time::Instant::now();
            let counted =
                app.rebuild_stats(|done, total| eprint!("\r  {done} / {total}   ")).await?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!();
            notes.push(format!(
                "**Statistics rebuild** (`hotline stats rebuild`'s path, in process): {counted} \
                 tickets in {secs:.1} s = {:.0} tickets/s.",
                counted as f64 / secs.max(1e-9)
            ));
        }
        notes.push(compare::raw_unit_figures(&app, from, to).await?);
    }
    let pg_comparison = match args.database {
        Backend::Postgres if args.workloads.contains(&Workload::W6) => Some(app.clone()),
        _ => None,
    };
    if pg_comparison.is_none() {
        app.store.clone().close().await?;
    }

    eprintln!("starting the server…");
    let server = ServerProcess::start(&config_path).await?;
    let base = server.base.clone();
    let clients = usize::from(args.clients);
    let limits = Limits { duration: Duration::from_secs(args.duration), requests: args.requests };
    let intake = Arc::new(Intake {
        category_ids: leaves,
        titles: vec![
            "小区楼下自来水管爆裂".to_owned(),
            "夜间施工噪音扰民".to_owned(),
            "公交站台广告牌破损".to_owned(),
            "商户占道经营".to_owned(),
            "拖欠农民工工资".to_owned(),
        ],
    });
    let mut outcomes = Vec::new();
    let mut created = Vec::new();
    let workloads = &args.workloads;
    if workloads.contains(&Workload::W1)
        || workloads.contains(&Workload::W2)
        || workloads.contains(&Workload::W4)
    {
        eprintln!("W1 intake: {clients} clients…");
        let mut sessions = Vec::with_capacity(clients);
        for _ in 0..clients {
            sessions.push(Session::login(&base, "agent", PASSWORD).await?);
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let rollup_probe = {
            let (stop, base) = (Arc::clone(&stop), base.clone());
            tokio::spawn(async move {
                let admin = Session::login(&base, "admin", PASSWORD).await.ok()?;
                Some(load::job_lag(admin, "stats.rollup", stop).await)
            })
        };
        let probe = workloads_search(workloads).then(|| {
            let (intake, stop) = (Arc::clone(&intake), Arc::clone(&stop));
            let base = base.clone();
            tokio::spawn(async move {
                let session = Session::login(&base, "agent", PASSWORD).await.ok()?;
                Some(load::index_lag(session, intake, stop).await)
            })
        });
        let cpu = server.cpu_secs();
        let (mut outcome, ids) = load::intake(sessions, Arc::clone(&intake), limits).await;
        server.measured(&mut outcome, cpu);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(probe) = probe
            && let Ok(Some((lags, lost))) = probe.await
        {
            notes.push(format!(
                "**Index lag under W1** (a probe registers a ticket with a word of its own and \
                 searches for it until found, {} times during W1): p50 {:.0} ms, p99 {:.0} ms, \
                 max {:.0} ms (target p99 < 2 s); not found within 30 s: {lost}.",
                lags.len(),
                lags.value_at_quantile(0.5) as f64 / 1000.0,
                lags.value_at_quantile(0.99) as f64 / 1000.0,
                lags.max() as f64 / 1000.0,
            ));
        }
        if let Ok(Some(lags)) = rollup_probe.await
            && !lags.is_empty()
        {
            notes.push(format!(
                "**Rollup lag under W1** (the `stats.rollup` job's lag after each of its {} runs \
                 during W1: the longest an event waited to be counted): p50 {:.0} ms, p99 {:.0} ms, \
                 max {:.0} ms (target < 5 s).",
                lags.len(),
                lags.value_at_quantile(0.5) as f64 / 1000.0,
                lags.value_at_quantile(0.99) as f64 / 1000.0,
                lags.max() as f64 / 1000.0,
            ));
        }
        created = ids;
        if workloads.contains(&Workload::W1) {
            outcomes.push(outcome);
        }
    }
    if workloads.contains(&Workload::W2) {
        eprintln!("W2 lifecycle on {} tickets…", created.len());
        let cast = Arc::new(Cast {
            dispatcher: Session::login(&base, "dispatcher", PASSWORD).await?,
            handler: Session::login(&base, "bureau_a", PASSWORD).await?,
            supervisor: Session::login(&base, "supervisor", PASSWORD).await?,
            agent: Session::login(&base, "agent", PASSWORD).await?,
            unit_id: zjw.clone(),
        });
        let cpu = server.cpu_secs();
        let mut outcome = load::lifecycle(cast, created.clone(), clients, limits).await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
    }
    if workloads.contains(&Workload::W3) {
        eprintln!("W3 work lists…");
        let unit = Session::login(&base, "bureau_a", PASSWORD).await?;
        let cpu = server.cpu_secs();
        let mut outcome = load::lists(
            "W3 unit inbox",
            unit,
            "/api/v1/tickets?view=inbox_in_progress&per_page=20".to_owned(),
            clients,
            limits,
        )
        .await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
        let dispatcher = Session::login(&base, "dispatcher", PASSWORD).await?;
        let path = format!(
            "/api/v1/tickets?state=closed&category_id={urban}&q=%E5%B0%8F%E5%8C%BA&per_page=20&page=2&sort=newest"
        );
        let cpu = server.cpu_secs();
        let mut outcome =
            load::lists("W3 filtered search", dispatcher, path, clients, limits).await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
    }
    if workloads.contains(&Workload::W4) {
        eprintln!("W4 mixed shift at {} req/s…", args.rate);
        let mut sessions = Vec::new();
        for _ in 0..16 {
            sessions.push(Session::login(&base, "agent", PASSWORD).await?);
        }
        let cpu = server.cpu_secs();
        let mut outcome = load::mixed(
            sessions,
            Arc::clone(&intake),
            Arc::new(created.clone()),
            f64::from(args.rate),
            limits.duration,
        )
        .await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
    }
    if workloads.contains(&Workload::W5) {
        eprintln!("W5 suggestions: {clients} clients…");
        let agent = Session::login(&base, "agent", PASSWORD).await?;
        let appeals: Vec<serde_json::Value> = hotline_app::suggest::sample_appeals()
            .into_iter()
            .enumerate()
            .map(|(i, (title, content))| {
                serde_json::json!({"title": title, "content": content, "caller_phone": format!("139{:08}", i % 1000)})
            })
            .collect();
        let cpu = server.cpu_secs();
        let mut outcome = load::suggestions(agent, Arc::new(appeals), clients, limits).await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
    }
    if workloads.contains(&Workload::W6) {
        eprintln!("W6 search: {clients} clients…");
        let sessions = vec![
            Session::login(&base, "dispatcher", PASSWORD).await?,
            Session::login(&base, "bureau_a", PASSWORD).await?,
        ];
        let paths: Vec<String> = SEARCHES
            .iter()
            .map(|q| {
                let q: String = url_encode(q);
                format!("/api/v1/search/tickets?q={q}&per_page=20")
            })
            .collect();
        let cpu = server.cpu_secs();
        let mut outcome = load::searches(sessions, Arc::new(paths), clients, limits).await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
        let (own, mapped) = server.memory_split_mib();
        notes.push(format!(
            "**Server memory after W6**: {own:.0} MiB of its own (heap, stacks) and {mapped:.0} MiB \
             of mapped files (the index's pages it touched, shared with the page cache and given \
             back under memory pressure); RSS counts both."
        ));
    }
    if workloads.contains(&Workload::W7) {
        eprintln!("W7 unit figures: {clients} clients…");
        let leader = Session::login(&base, "leader", PASSWORD).await?;
        let cpu = server.cpu_secs();
        let mut outcome = load::lists(
            "W7 unit figures (30 days)",
            leader.clone(),
            format!("/api/v1/stats/units?from={from}&to={to}"),
            clients,
            limits,
        )
        .await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
        // The leaders' dashboard (30 days), from the rollups: the now-counts, the trend, the
        // category mix, the districts and the ranking.
        let cpu = server.cpu_secs();
        let mut outcome = load::lists(
            "W7 leader's overview",
            leader.clone(),
            "/api/v1/stats/overview?days=30".to_owned(),
            clients.min(8),
            limits,
        )
        .await;
        server.measured(&mut outcome, cpu);
        outcomes.push(outcome);
        // The report builder over a whole year: first-level units by month with 三率, and the
        // top categories beside the year before (a year of rollup rows each).
        for (name, definition) in [
            (
                "W7 report: a year by first-level unit × month, 三率",
                serde_json::json!({"range": "custom", "from": year_from, "to": to,
                    "dimensions": ["first_level_unit", "month"],
                    "figures": ["assigned", "response_rate", "resolution_rate",
                                "satisfaction_rate", "on_time_rate"]}),
            ),
            (
                "W7 report: a year by category, against the year before",
                serde_json::json!({"range": "custom", "from": year_from, "to": to,
                    "dimensions": ["category"], "figures": ["intake"], "compare": true,
                    "sort_by_change": true}),
            ),
        ] {
            let cpu = server.cpu_secs();
            let mut outcome =
                load::reports(name, leader.clone(), definition, clients.min(8), limits).await;
            server.measured(&mut outcome, cpu);
            outcomes.push(outcome);
        }
    }
    drop(server);
    if let Some(app) = pg_comparison {
        eprintln!("comparing with PostgreSQL's own full-text search…");
        notes.push(compare::postgres(&app).await?);
        app.store.clone().close().await?;
    }

    let backend = match args.database {
        Backend::Sqlite => "SQLite (WAL, synchronous=FULL)",
        Backend::Postgres => "PostgreSQL",
    };
    let report = Report {
        backend,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        machine,
        tickets_in_db: args.tickets,
        gen_rows_per_sec: gen_rate,
        ceiling,
        outcomes,
        notes: {
            notes.push(
                "Every ticket read writes an audit row (the audit trail records every read of personal data), \
                 so reads are writes too; on SQLite all writes share one connection."
                    .to_owned(),
            );
            notes
        },
    };
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let markdown = report.markdown(&date);
    println!("{markdown}");
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let name = format!(
        "{date}-{}-{}-{}c.md",
        match args.database {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        },
        // 1000k for a million; a small run keeps its exact size instead of "0k".
        if args.tickets > 0 && args.tickets.is_multiple_of(1000) {
            format!("{}k", args.tickets / 1000)
        } else {
            args.tickets.to_string()
        },
        args.clients
    );
    let path = args.out.join(name);
    std::fs::write(&path, markdown)?;
    eprintln!("results written to {}", path.display());
    Ok(())
}

/// Where a run keeps its database, config and index.
enum DataDir {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

impl DataDir {
    fn path(&self) -> &std::path::Path {
        match self {
            Self::Temporary(dir) => dir.path(),
            Self::Kept(path) => path,
        }
    }
}

/// What W6 asks: words of the generated appeals, alone, together, as a phrase, left out.
const SEARCHES: [&str; 8] =
    ["噪音", "停车 收费", "物业 维修", "\"占道经营\"", "小区 -噪音", "拖欠 工资", "垃圾", "供暖"];

/// The last 30 days in the calendar's time zone: what W7 and the raw recount report on.
fn last_30_days(app: &App) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let today = app.calendar().local_date(chrono::Utc::now());
    (today - chrono::Duration::days(29), today)
}

fn workloads_search(workloads: &[Workload]) -> bool {
    workloads.contains(&Workload::W6) || workloads.contains(&Workload::W1)
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The size of a directory tree, in MiB.
fn dir_mib(path: &std::path::Path) -> f64 {
    fn walk(path: &std::path::Path) -> u64 {
        std::fs::read_dir(path).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
    }
    walk(path) as f64 / 1024.0 / 1024.0
}

async fn demo_ctx(app: &App, username: &str) -> anyhow::Result<hotline_app::Ctx> {
    Ok(app.ctx_for_user(username).await?)
}
