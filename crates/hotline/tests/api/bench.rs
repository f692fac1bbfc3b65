//! `hotline bench` as a user runs it: a short run on each database writes a report with its
//! ceiling and ratio and leaves nothing behind, an interrupted run cleans up too, and nonsense
//! arguments are refused before anything starts.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hotline_store::{DbConfig, Store};
use sea_orm::ConnectionTrait as _;

use crate::harness::{Backend, both_backends, pg_base_url as pg_url};

/// `hotline bench` with a temporary directory of its own (`TMPDIR`), so a test can see what a
/// run leaves behind.
fn bench(backend: Backend, tmp: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.arg("bench").args(args).env("TMPDIR", tmp).env("HOTLINE_LOG", "warn");
    if let Backend::Postgres = backend {
        cmd.args(["--database", "postgres", "--pg-url", &pg_url()]);
    }
    cmd
}

/// Whether PostgreSQL still has `schema`.
async fn schema_exists(schema: &str) -> bool {
    let store = Store::connect(&DbConfig::new(pg_url())).await.expect("connect to PostgreSQL");
    let row = store
        .reader()
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            store.backend(),
            "SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = $1",
            [schema.into()],
        ))
        .await
        .expect("look up the schema")
        .expect("a count");
    store.close().await.expect("close");
    row.try_get::<i64>("", "n").expect("n") > 0
}

/// Nothing of the run is left: no temporary files, no server process, and no schema of its own
/// (named on the run's stderr).
async fn assert_cleaned_up(backend: Backend, tmp: &Path, stderr: &str) {
    let left: Vec<_> = std::fs::read_dir(tmp).expect("read tmp").flatten().collect();
    assert!(left.is_empty(), "temporary data left behind: {left:?}");
    let tmp = tmp.display().to_string();
    let servers: Vec<_> = std::fs::read_dir("/proc")
        .expect("read /proc")
        .flatten()
        .filter_map(|p| std::fs::read(p.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&tmp) && c.contains("serve"))
        .collect();
    assert!(servers.is_empty(), "server still running: {servers:?}");
    if let Backend::Postgres = backend {
        let schema = stderr
            .lines()
            .find_map(|l| l.strip_prefix("database: PostgreSQL schema "))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("the run did not name its schema:\n{stderr}"));
        assert!(!schema_exists(schema).await, "schema {schema} left behind");
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The numbers in the report's line that starts with `prefix`, after the prefix.
fn figures(report: &str, prefix: &str) -> Vec<f64> {
    let line = report.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| {
        panic!("no line starting with {prefix:?} in:\n{report}");
    });
    line[prefix.len()..]
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|s| s.trim_matches('.').parse().ok())
        .collect()
}

async fn a_short_run_reports_every_workload_against_its_ceiling(backend: Backend) {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tempfile::tempdir().expect("out");
    let out =
        bench(backend, tmp.path(), &["--tickets", "300", "--duration", "1", "--clients", "4"])
            .arg("--out")
            .arg(out_dir.path())
            .output()
            .expect("run hotline bench");
    assert!(out.status.success(), "{}", text(&out));
    let reports: Vec<_> = std::fs::read_dir(out_dir.path()).expect("out").flatten().collect();
    assert_eq!(reports.len(), 1, "one report per run: {reports:?}");
    let name = reports[0].file_name().to_string_lossy().into_owned();
    let kind = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert!(name.ends_with(&format!("-{kind}-300-4c.md")), "{name}");
    let report = std::fs::read_to_string(reports[0].path()).expect("report");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), report.trim(), "printed as written");

    assert!(report.contains("Machine: "), "{report}");
    assert!(report.contains("Command: `"), "{report}");
    assert!(report.contains("Tickets in the database during W3/W4: 300."), "{report}");
    let [ceiling] = figures(&report, "| durable single-row INSERT, one per transaction |")[..]
    else {
        panic!("one ceiling figure expected in:\n{report}");
    };
    assert!(ceiling > 0.0, "{report}");
    for workload in [
        "W1 intake",
        "W2 lifecycle",
        "W3 unit inbox",
        "W3 filtered search",
        "W4 mixed",
        "W5 suggestions",
        "W7 unit figures",
    ] {
        let row = report
            .lines()
            .find(|l| l.starts_with(&format!("| {workload}")))
            .unwrap_or_else(|| panic!("no {workload} row in:\n{report}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (requests, errors) = (cells[2], cells[3]);
        assert!(requests.parse::<u64>().expect("requests") > 0, "{row}");
        assert_eq!(errors, "0", "{row}");
    }
    let [tickets_per_sec, line_ceiling, ratio] = figures(&report, "W1 / ceiling: ")[..] else {
        panic!("tickets/s, ceiling and ratio expected in:\n{report}");
    };
    assert!((line_ceiling - ceiling).abs() < 1.0, "{report}");
    assert!(tickets_per_sec > 0.0, "{report}");
    assert!((ratio - tickets_per_sec / ceiling).abs() < 0.01, "{report}");
    // The 300 generated tickets are counted into the statistics before the server starts, and
    // the rollup job's lag is read while W1 runs.
    let [counted, ..] = figures(
        &report,
        "**Statistics rebuild** (`hotline stats rebuild`'s path, in process): ",
    )[..] else {
        panic!("a statistics rebuild expected in:\n{report}");
    };
    assert!(counted >= 300.0, "{report}");
    assert!(report.contains("**Rollup lag under W1**"), "{report}");
    assert_cleaned_up(backend, tmp.path(), &String::from_utf8_lossy(&out.stderr)).await;
}

async fn an_interrupted_run_stops_its_server_and_removes_its_data(backend: Backend) {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tempfile::tempdir().expect("out");
    let mut child =
        bench(backend, tmp.path(), &["--tickets", "0", "--duration", "60", "--clients", "4"])
            .arg("--out")
            .arg(out_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hotline bench");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("stderr line");
        let started = line.starts_with("W1 intake");
        seen.push(line);
        if started {
            break;
        }
    }
    assert!(seen.last().is_some_and(|l| l.starts_with("W1 intake")), "{seen:?}");
    std::thread::sleep(Duration::from_millis(500));
    let sent =
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("send SIGINT");
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still running 30 s after SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_cleaned_up(backend, tmp.path(), &seen.join("\n")).await;
    // Every writer of the pipe is gone now, so this ends.
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "exit {status}: {rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("interrupted")), "{rest:?}");
    let reports = std::fs::read_dir(out_dir.path()).expect("out").count();
    assert_eq!(reports, 0, "an interrupted run writes no report");
}

#[test]
fn a_kept_directory_is_reused_by_the_next_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tempfile::tempdir().expect("out");
    let kept = tempfile::tempdir().expect("kept");
    let run = |tickets: &str, extra: &[&str]| {
        bench(Backend::Sqlite, tmp.path(), &["--tickets", tickets, "--duration", "1"])
            .args(["--clients", "2", "--workloads", "w1"])
            .args(extra)
            .arg("--dir")
            .arg(kept.path())
            .arg("--out")
            .arg(out_dir.path())
            .output()
            .expect("run hotline bench")
    };
    let first = run("40", &[]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("kept for later runs"), "{}", text(&first));
    assert!(text(&first).contains("generating 40 tickets"), "{}", text(&first));
    assert!(kept.path().join("hotline.db").exists() && kept.path().join("search").exists());
    let report = String::from_utf8_lossy(&first.stdout).into_owned();
    // The server's CPU per request is reported beside its throughput.
    let row = report.lines().find(|l| l.starts_with("| W1 intake")).expect("a W1 row");
    let cpu: f64 = row.split('|').map(str::trim).nth(10).and_then(|c| c.parse().ok()).expect("cpu");
    assert!(cpu > 0.0, "{row}");

    let second = run("40", &[]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("reused: no generation"), "{}", text(&second));
    assert!(!text(&second).contains("generating"), "{}", text(&second));
    assert!(!text(&second).contains("indexing"), "the kept index is used: {}", text(&second));

    let other = run("50", &[]);
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    assert!(text(&other).contains("--tickets 40"), "{}", text(&other));
    // A database without its finished generation is not filled a second time.
    std::fs::rename(kept.path().join("bench-tickets"), tmp.path().join("aside")).expect("aside");
    let unfinished = run("40", &[]);
    assert_eq!(unfinished.status.code(), Some(1), "{}", text(&unfinished));
    assert!(text(&unfinished).contains("no finished generation"), "{}", text(&unfinished));
    std::fs::rename(tmp.path().join("aside"), kept.path().join("bench-tickets")).expect("back");
    let pg = run("40", &["--database", "postgres"]);
    assert!(!pg.status.success() && text(&pg).contains("SQLite"), "{}", text(&pg));
    // Nothing went to the temporary directory: the kept one holds it all.
    assert_eq!(std::fs::read_dir(tmp.path()).expect("tmp").count(), 0);
}

both_backends!(
    a_short_run_reports_every_workload_against_its_ceiling,
    an_interrupted_run_stops_its_server_and_removes_its_data,
);

#[test]
fn nonsense_arguments_are_refused_before_anything_starts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out_dir = tmp.path().join("never");
    for (args, names) in [
        (&["--clients", "0"][..], "--clients"),
        (&["--duration", "0"], "--duration"),
        (&["--tickets", "20000000"], "--tickets"),
        (&["--workloads", "w9"], "--workloads"),
        (&["--database", "oracle"], "--database"),
        (&["--rate", "0"], "--rate"),
    ] {
        let out = bench(Backend::Sqlite, tmp.path(), args)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .expect("run hotline bench");
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains(names), "{args:?} should name {names}: {said}");
        assert!(!out_dir.exists(), "{args:?} created its output directory");
    }
    let left = std::fs::read_dir(tmp.path()).expect("tmp").count();
    assert_eq!(left, 0, "a refused run leaves nothing");
    for args in [&["--tickets", "0"][..], &["--tickets", "5", "--batch", "1"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
            .arg("gen")
            .args(args)
            .current_dir(tmp.path())
            .output()
            .expect("run hotline gen");
        assert_eq!(out.status.code(), Some(2), "gen {args:?}: {}", text(&out));
    }
    let left = std::fs::read_dir(tmp.path()).expect("tmp").count();
    assert_eq!(left, 0, "a refused gen creates no data directory");
}
