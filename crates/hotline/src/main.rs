//! `hotline`: the one binary. Serves the API, seeds the demo, migrates, administers.

mod bench;
mod cli;
mod server;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use hotline_app::identity::orgs::NewOrg;
use hotline_app::identity::users::{NewUser, PasswordReset};
use hotline_app::stats::StatsDifference;
use hotline_app::{App, Clock, Config, Ctx, Mode};

use crate::cli::{AdminCommand, AlertsCommand, ClassifierCommand, Cli, Command, StatsCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HOTLINE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("HOTLINE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            server::run(app).await?;
        }
        Command::Demo(args) => {
            config.data_dir = args.data_dir;
            if let Some(listen) = args.listen {
                config.listen = listen;
            }
            // The demo runs on plain HTTP on this machine, and its accounts have no second factor.
            config.security.cookie_secure = false;
            config.security.totp_required_roles.clear();
            let app = App::open(config, Clock::System, Mode::Demo).await?;
            app.prepare().await?;
            let seeded = app.seed_demo().await?;
            app.seed_demo_articles().await?;
            if !args.without_tickets {
                eprintln!("preparing demo work orders (first start only; takes a little while)…");
                let tickets = app.seed_demo_tickets().await?;
                if tickets > 0 {
                    eprintln!("seeded {tickets} demo work orders over the last 60 days");
                }
            }
            print_demo_banner(&app, seeded);
            server::run(app).await?;
        }
        Command::Migrate => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            let pending = app.migrate().await?;
            println!("applied {} migration(s)", pending.len());
            for name in pending {
                println!("  {name}");
            }
        }
        Command::VerifyAudit => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            let result = app.verify_audit().await?;
            if result.ok {
                println!(
                    "audit trail OK: {} rows, chain intact up to row {}",
                    result.rows, result.head_seq
                );
            } else {
                println!(
                    "audit trail BROKEN at row {}: {}",
                    result.first_bad_seq.unwrap_or_default(),
                    result.problem.as_deref().unwrap_or("unknown problem")
                );
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Gen(args) => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            if app.seed_demo().await? {
                eprintln!("the database had no orgs: seeded the demo org tree and accounts");
            }
            let options = hotline_app::demo::generate::GenOptions {
                tickets: args.tickets,
                days: args.days,
                seed: args.seed,
                batch: usize::try_from(args.batch).unwrap_or(2_000),
                surges: args.inject_surge,
            };
            let stats = app
                .generate(options, |s| {
                    eprint!(
                        "\r{} tickets, {} rows, {:.0} rows/s   ",
                        s.tickets,
                        s.rows,
                        s.rows_per_sec()
                    );
                })
                .await?;
            eprintln!();
            println!(
                "generated {} tickets ({} rows) in {:.1} s: {:.0} rows/s",
                stats.tickets,
                stats.rows,
                stats.seconds,
                stats.rows_per_sec()
            );
            println!(
                "bulk-loaded tickets reach search after `hotline reindex`, and the statistics \
                 after `hotline stats rebuild` (a starting server counts them too)"
            );
        }
        Command::Reindex => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            if app.index_in_use().await? {
                eprintln!(
                    "a running server has this search index open: rebuild it from the console \
                     (系统 → 检索索引) or with POST /api/v1/search/index/rebuild, or stop the server"
                );
                return Ok(ExitCode::FAILURE);
            }
            let bar = progress_bar("indexing");
            let started = std::time::Instant::now();
            let count = app.rebuild_index(&|done, total| bar.update(done, total)).await?;
            bar.finish();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "indexed {count} tickets in {secs:.1} s ({:.0} tickets/s)",
                count as f64 / secs.max(0.001)
            );
        }
        Command::VerifyIndex => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            let bar = progress_bar("verifying");
            let diff = app.verify_index(&|done, total| bar.update(done, total)).await?;
            bar.finish();
            println!("{} tickets, {} documents", diff.tickets, diff.documents);
            if diff.is_clean() {
                println!("search index OK");
            } else {
                let show = |what: &str, items: Vec<String>| {
                    if !items.is_empty() {
                        let more = items.len().saturating_sub(20);
                        let shown: Vec<String> = items.into_iter().take(20).collect();
                        let tail =
                            if more > 0 { format!(" … and {more} more") } else { String::new() };
                        println!("{what}: {}{tail}", shown.join(", "));
                    }
                };
                show("missing from the index", diff.missing);
                show("out of date in the index", diff.stale);
                show(
                    "in the index but not in the database",
                    diff.extra.iter().map(ToString::to_string).collect(),
                );
                println!("run `hotline reindex` (server stopped) or rebuild from the console");
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Bench(args) => bench::run(args).await?,
        Command::Classifier(command) => return run_classifier(config, command).await,
        Command::Alerts(AlertsCommand::Eval { days }) => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            return run_alerts_eval(&app, days).await;
        }
        Command::Stats(command) => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            return run_stats(&app, command).await;
        }
        Command::Admin(admin) => {
            let app = App::open(config, Clock::System, Mode::Production).await?;
            app.prepare().await?;
            run_admin(&app, admin).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr (hidden when stderr is not a terminal, as in CI).
struct Progress(indicatif::ProgressBar);

fn progress_bar(what: &'static str) -> Progress {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} tickets ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(what);
    Progress(bar)
}

impl Progress {
    fn update(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

async fn run_admin(app: &App, command: AdminCommand) -> anyhow::Result<()> {
    let ctx = Ctx::system();
    match command {
        AdminCommand::CreateOrg { code, name, kind, parent } => {
            let parent_id = match parent {
                Some(code) => Some(find_org(app, &code).await?),
                None => None,
            };
            let org = app
                .create_org(&ctx, NewOrg { code, name, kind, parent_id, reviews_replies: None })
                .await
                .map_err(explain)?;
            println!("created org {} ({}) id {}", org.code, org.name, org.id);
        }
        AdminCommand::CreateUser { username, display_name, org, roles, password_stdin } => {
            let org_id = find_org(app, &org).await?;
            let password = read_password(password_stdin)?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let user = app
                .create_user(&ctx, NewUser { username, display_name, org_id, roles, password })
                .await
                .map_err(explain)?;
            println!(
                "created user {} (id {}); they must change the password at first sign-in",
                user.username, user.id
            );
        }
        AdminCommand::ResetPassword { username, password_stdin } => {
            let user = app
                .user_id_by_username(&username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
            let password = read_password(password_stdin)?;
            let user = app
                .reset_password(&ctx, user, PasswordReset { password })
                .await
                .map_err(explain)?;
            println!(
                "password of {} reset; unlocked; must be changed at next sign-in",
                user.username
            );
        }
    }
    Ok(())
}

async fn find_org(app: &App, code: &str) -> anyhow::Result<hotline_domain::OrgId> {
    app.org_id_by_code(code).await?.ok_or_else(|| anyhow::anyhow!("no org with code {code}"))
}

/// Field errors in words, for the terminal.
fn explain(err: hotline_app::Error) -> anyhow::Error {
    let fields: Vec<String> = err
        .fields()
        .iter()
        .map(|f| match &f.detail {
            Some(d) => format!("{}: {} ({d})", f.field, f.issue.code()),
            None => format!("{}: {}", f.field, f.issue.code()),
        })
        .collect();
    if fields.is_empty() {
        anyhow::anyhow!("{}", err.code())
    } else {
        anyhow::anyhow!("{}: {}", err.code(), fields.join("; "))
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("New password: ")?;
    let second = rpassword::prompt_password("Repeat it: ")?;
    anyhow::ensure!(first == second, "the two passwords differ");
    Ok(first)
}

fn print_demo_banner(app: &App, seeded: bool) {
    let listen = app.config.listen;
    println!();
    println!(
        "  hotline demo — {}",
        if seeded { "demo data seeded" } else { "existing demo data kept" }
    );
    println!("  data directory: {}", app.config.data_dir.display());
    println!("  URL:            http://{listen}/");
    println!("  API:            http://{listen}/api/v1/  (POST /api/v1/auth/login)");
    println!("  password of every demo account: {}", hotline_app::demo::DEMO_PASSWORD);
    println!("  accounts:");
    for (username, name, org, roles) in hotline_app::demo::USERS {
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        println!("    {username:<20} {:<16} {org:<14} {name}", roles.join(","));
    }
    println!();
}

async fn run_alerts_eval(app: &App, days: i64) -> anyhow::Result<ExitCode> {
    let report = app.evaluate_alerts(days).await?;
    println!(
        "replayed {} to {}: {} windows over {} cells (level-1 category × district)",
        report.from.format("%Y-%m-%d %H:%M"),
        report.to.format("%Y-%m-%d %H:%M"),
        report.windows,
        report.cells
    );
    let mut within = 0;
    for d in &report.detections {
        let p = &d.planted;
        let found = match (d.delay_minutes, d.count, d.expected) {
            (Some(delay), Some(count), Some(expected)) => {
                if delay <= 60 {
                    within += 1;
                }
                format!("found after {delay} min ({count} in the window, {expected:.1} expected)")
            }
            _ => "NOT FOUND".to_owned(),
        };
        println!(
            "surge {}@{} ×{} from {} for {} h ({:.1} usual, {} added): {found}",
            p.category,
            p.region,
            p.factor,
            p.start.format("%Y-%m-%d %H:%M"),
            p.hours,
            p.usual,
            p.added
        );
    }
    for alarm in report.false_alarms.iter().take(20) {
        println!(
            "false alarm at {}: {} in the window, {:.1} expected (p = {:.1e})",
            alarm.at.format("%Y-%m-%d %H:%M"),
            alarm.count,
            alarm.expected,
            alarm.p
        );
    }
    let detected = report.detections.iter().filter(|d| d.delay_minutes.is_some()).count();
    println!(
        "surges={} detected={detected} within_1h={within} false_alarms={} false_alarms_per_day={:.2}",
        report.detections.len(),
        report.false_alarms.len(),
        report.false_alarms_per_day()
    );
    Ok(ExitCode::SUCCESS)
}

async fn run_stats(app: &App, command: StatsCommand) -> anyhow::Result<ExitCode> {
    match command {
        StatsCommand::Rebuild => {
            let bar = progress_bar("counting");
            let started = std::time::Instant::now();
            let count = app.rebuild_stats(|done, total| bar.update(done, total)).await?;
            bar.finish();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "counted {count} tickets into the statistics in {secs:.1} s ({:.0} tickets/s)",
                count as f64 / secs.max(0.001)
            );
        }
        StatsCommand::Verify => {
            let differences = app.verify_stats().await?;
            if differences.is_empty() {
                println!("statistics OK: the daily sums equal a recount from the tickets");
                return Ok(ExitCode::SUCCESS);
            }
            println!("{} sums differ from a recount:", differences.len());
            for d in differences.iter().take(20) {
                match d {
                    StatsDifference::Sum { day, org_id, of, stored, recount } => {
                        let counts: Vec<String> = hotline_domain::stats::Measure::ALL
                            .iter()
                            .filter(|m| stored.get(**m) != recount.get(**m))
                            .map(|m| {
                                format!("{} {} ≠ {}", m.as_str(), stored.get(*m), recount.get(*m))
                            })
                            .collect();
                        let of = of.map_or_else(
                            || "all categories and channels".to_owned(),
                            |(category, channel)| {
                                format!(
                                    "category {} channel {channel}",
                                    category.unwrap_or_default()
                                )
                            },
                        );
                        println!("  {day} org {org_id} ({of}): {}", counts.join(", "));
                    }
                    StatsDifference::Now { key, stored, recount } => println!(
                        "  now: state {} holder {} overdue {} rating {}: {stored} ≠ {recount}",
                        key.state,
                        key.holder.unwrap_or_default(),
                        key.overdue,
                        key.satisfaction.map_or("-", |s| s.as_str()),
                    ),
                    StatsDifference::Duty { key, stored, recount } => println!(
                        "  on duty: {} {:02}:00 agent {} channel {}: {:?} ≠ {:?}",
                        key.day,
                        key.hour,
                        key.agent_id,
                        key.channel,
                        stored.values(),
                        recount.values(),
                    ),
                    StatsDifference::Word { day, word, stored, recount } => {
                        println!("  word {day} {word}: {stored} ≠ {recount}");
                    }
                }
            }
            println!("run `hotline stats rebuild`");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_classifier(config: Config, command: ClassifierCommand) -> anyhow::Result<ExitCode> {
    use hotline_classify::{Taxonomy, TrainConfig, cross_validate, evaluate, read_messages};
    let taxonomy = |path: Option<&std::path::Path>| -> anyhow::Result<Taxonomy> {
        Ok(match path {
            Some(path) => Taxonomy::from_csv(path)?,
            None => hotline_app::suggest::builtin_taxonomy(),
        })
    };
    match command {
        ClassifierCommand::Eval { train, test, taxonomy } => {
            println!("{}", evaluate(&train, &test, taxonomy.as_deref())?);
        }
        ClassifierCommand::Cv { data, taxonomy: tree, folds, seeds } => {
            let examples = read_messages(&data, "category_level1")?;
            let tree = taxonomy(tree.as_deref())?;
            let folds = usize::try_from(folds)?;
            println!(
                "{}",
                cross_validate(&examples, &tree, &TrainConfig::default(), folds, &seeds)?
            );
        }
        ClassifierCommand::Train { from, taxonomy: tree } => {
            let examples = read_messages(&from, "category_level1")?;
            let tree = taxonomy(tree.as_deref())?;
            let path = hotline_app::suggest::model_path(&config);
            let model = tokio::task::spawn_blocking(move || {
                hotline_classify::Classifier::train(&examples, &tree, &TrainConfig::default())
            })
            .await??;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            model.save(&path)?;
            println!(
                "trained on {} labels, {} features; saved to {}",
                model.labels().len(),
                model.features(),
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
