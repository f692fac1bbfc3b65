//! The results as markdown, with the machine they were measured on.

use std::fmt::Write as _;

use super::ceiling::Ceiling;
use super::load::Outcome;

pub struct Machine {
    pub cores: usize,
    pub memory_gib: f64,
    pub cpu: String,
    pub kernel: String,
}

impl Machine {
    pub fn read() -> Self {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned());
        Self {
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            memory_gib: memory_kib / 1024.0 / 1024.0,
            cpu,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        }
    }
}

pub struct Report<'a> {
    pub backend: &'a str,
    pub command: String,
    pub machine: Machine,
    pub tickets_in_db: u64,
    pub gen_rows_per_sec: Option<f64>,
    pub ceiling: Ceiling,
    pub outcomes: Vec<Outcome>,
    pub notes: Vec<String>,
}

impl Report<'_> {
    pub fn markdown(&self, date: &str) -> String {
        let m = &self.machine;
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmark — {} — {date}\n", self.backend);
        let _ = writeln!(
            out,
            "Machine: {} cores ({}), {:.1} GiB RAM, Linux {}.",
            m.cores, m.cpu, m.memory_gib, m.kernel
        );
        let _ = writeln!(out, "Server and load driver share the machine (loopback).\n");
        let _ = writeln!(out, "Command: `{}`\n", self.command);
        let _ = writeln!(out, "Tickets in the database during W3/W4: {}.", self.tickets_in_db);
        if let Some(rate) = self.gen_rows_per_sec {
            let _ = writeln!(
                out,
                "`hotline gen` loaded them at {rate:.0} rows/s (tickets, contacts, timeline events)."
            );
        }
        let _ = writeln!(out, "Database: {}.", self.ceiling.settings);
        let _ = writeln!(out, "\n## Ceiling (same database, same settings)\n");
        let _ = writeln!(out, "| measure | rate |\n| --- | ---: |");
        let _ = writeln!(
            out,
            "| durable single-row INSERT, one per transaction | {:.0} rows/s |",
            self.ceiling.single_row_per_sec
        );
        if let Some(b) = self.ceiling.batched_rows_per_sec {
            let _ = writeln!(out, "| batched INSERT (1000 rows per transaction) | {b:.0} rows/s |");
        }
        let _ = writeln!(out, "\n## Workloads\n");
        let _ = writeln!(
            out,
            "| workload | requests | errors | req/s | done | p50 ms | p95 ms | p99 ms | max ms | server CPU ms / req | server RSS MiB (now / peak) |"
        );
        let _ = writeln!(
            out,
            "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"
        );
        for o in &self.outcomes {
            let done = o.units.map_or_else(String::new, |(n, what)| {
                format!("{n} {what} ({:.0}/s)", n as f64 / o.seconds.max(1e-9))
            });
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.0} / {:.0} |",
                o.name,
                o.requests,
                o.errors,
                o.per_sec(),
                done,
                o.ms(0.50),
                o.ms(0.95),
                o.ms(0.99),
                o.latency_us.max() as f64 / 1000.0,
                o.cpu_ms.map_or_else(String::new, |ms| format!("{ms:.2}")),
                o.rss_mib.0,
                o.rss_mib.1
            );
        }
        if let Some(w1) = self.outcomes.iter().find(|o| o.name.starts_with("W1")) {
            let tickets = w1.units.map_or(0.0, |(n, _)| n as f64 / w1.seconds.max(1e-9));
            let _ = writeln!(
                out,
                "\nW1 / ceiling: {tickets:.0} tickets/s ÷ {:.0} single-row inserts/s = **{:.2}**.",
                self.ceiling.single_row_per_sec,
                tickets / self.ceiling.single_row_per_sec.max(1e-9)
            );
        }
        let errors: Vec<_> = self
            .outcomes
            .iter()
            .filter_map(|o| o.first_error.as_ref().map(|e| format!("- {}: {e}", o.name)))
            .collect();
        if !errors.is_empty() {
            let _ = writeln!(out, "\nFirst error per workload:\n{}", errors.join("\n"));
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n{note}");
        }
        out
    }
}
