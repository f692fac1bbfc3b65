//! The server under test, as a child process: its memory is its own, and it dies with the bench.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::load::Outcome;

pub struct ServerProcess {
    child: Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `hotline serve` with `config` and waits until it answers `/readyz`.
    pub async fn start(config: &Path) -> anyhow::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let exe = std::env::current_exe().context("cannot find the hotline binary")?;
        let child = Command::new(exe)
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("HOTLINE_LISTEN", format!("127.0.0.1:{port}"))
            .env("HOTLINE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the server")?;
        let server = Self { child, base: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if client
                .get(format!("{}/readyz", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(server);
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not become ready in 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// CPU seconds the server has used so far (user and system), from `/proc/<pid>/stat`.
    pub fn cpu_secs(&self) -> f64 {
        // utime and stime, the 14th and 15th fields, in clock ticks of 1/100 s (USER_HZ, which
        // Linux fixes at 100 for user space); the name before them may hold spaces, so count
        // from its closing parenthesis.
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let ticks: Vec<f64> =
            after_name.split_whitespace().skip(11).take(2).filter_map(|f| f.parse().ok()).collect();
        ticks.iter().sum::<f64>() / 100.0
    }

    /// Records what the server used during a workload that began when it had used
    /// `cpu_before` seconds: its memory now and its CPU per request (robust to the machine's
    /// noise where throughput is not: a neighbour's load lowers req/s, not CPU per request).
    pub fn measured(&self, outcome: &mut Outcome, cpu_before: f64) {
        outcome.rss_mib = self.memory_mib();
        outcome.cpu_ms = (outcome.requests > 0)
            .then(|| (self.cpu_secs() - cpu_before) * 1000.0 / outcome.requests as f64);
    }

    /// `(current, peak)` resident memory in MiB, from `/proc`.
    pub fn memory_mib(&self) -> (f64, f64) {
        let field = self.status_mib();
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Resident memory now, split: the process's own (heap, stacks) and mapped files (the
    /// search index's pages, shared with the page cache and given back under pressure).
    pub fn memory_split_mib(&self) -> (f64, f64) {
        let field = self.status_mib();
        (field("RssAnon:"), field("RssFile:") + field("RssShmem:"))
    }

    /// The server's `/proc/<pid>/status`, read once: a field's kB value in MiB (0 if absent).
    fn status_mib(&self) -> impl Fn(&str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        move |name| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
