//! Command-line interface.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// hotline — the 12345 government service hotline platform.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Configuration file (TOML). Defaults to ./hotline.toml when it exists; HOTLINE_* variables
    /// override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the API.
    Serve,
    /// Create a data directory, migrate, seed the demo data once, and serve on plain HTTP.
    Demo(DemoArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Walk the audit hash chain; exits non-zero and names the first broken row if any.
    VerifyAudit,
    /// Administration from the server's command line (acts as `system` in the audit trail).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Fill the configured database with many realistic work orders (for benchmarks).
    Gen(GenArgs),
    /// Run a server on loopback and measure it under load; results go to bench/results/.
    Bench(crate::bench::BenchArgs),
    /// Rebuild the search index from the database (with the server stopped; a running server
    /// rebuilds through `POST /api/v1/search/index/rebuild` or the console).
    Reindex,
    /// Compare the search index with the database; exits non-zero and names the tickets whose
    /// documents are missing, out of date or left over.
    VerifyIndex,
    /// The category classifier behind intake's suggestions: evaluate it, cross-validate it, or
    /// train it on labelled history.
    #[command(subcommand)]
    Classifier(ClassifierCommand),
    /// The statistics rollups (unit figures, 三率): recompute or check them.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Early warning: measure the surge rule on generated history.
    #[command(subcommand)]
    Alerts(AlertsCommand),
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Replay the last DAYS of appeals window by window through the surge rule, as the server
    /// would have met them; print each surge `hotline gen --inject-surge` planted with how long
    /// it took to find, then `surges=… detected=… within_1h=… false_alarms_per_day=…`.
    Eval {
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=365))]
        days: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recompute every ticket's figures and the daily sums from the tickets, with a progress
    /// bar (a running server's rollup job carries on from where it began).
    Rebuild,
    /// Compare the daily sums with a recount from the tickets; exits non-zero and names the
    /// days, units and counts that differ.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ClassifierCommand {
    /// Train a fresh model on TRAIN only and score TEST at the first level: per-class precision,
    /// recall and F1, then `macro_f1=… accuracy=… n=…` as the last line.
    Eval {
        /// Labelled messages (columns as messages_train.csv: title, body, category_level1).
        #[arg(long, value_name = "FILE")]
        train: PathBuf,
        #[arg(long, value_name = "FILE")]
        test: PathBuf,
        /// The category tree (level1,level2,level3), used as extra training text.
        #[arg(long, value_name = "FILE")]
        taxonomy: Option<PathBuf>,
    },
    /// Stratified, repeated k-fold cross-validation on one labelled file.
    Cv {
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        #[arg(long, value_name = "FILE")]
        taxonomy: Option<PathBuf>,
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=20))]
        folds: u32,
        /// Comma-separated seeds, one repetition each.
        #[arg(long, default_value = "101,102,103,104,105", value_delimiter = ',')]
        seeds: Vec<u64>,
    },
    /// Train on labelled history (and the built-in category tree) and keep the model in the
    /// data directory, where the server loads it for intake's suggestions.
    Train {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Another category tree than the built-in one.
        #[arg(long, value_name = "FILE")]
        taxonomy: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// How many tickets to add.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub tickets: u64,
    /// Spread them over this many days before now.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Tickets per transaction.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(100..=50_000))]
    pub batch: u32,
    /// Plant a surge for `hotline alerts eval` to find: FACTOR times the usual appeals of a
    /// category in a district for six hours of a day in the last month (repeatable), e.g.
    /// `城乡建设:东城区:3`. What was planted goes to `<data_dir>/planted-surges.json`.
    #[arg(long = "inject-surge", value_name = "CATEGORY:REGION:FACTOR")]
    pub inject_surge: Vec<hotline_app::demo::generate::SurgeSpec>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value = "hotline-data", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Defaults to 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Seed the org tree and accounts only, without the 60 days of demo work orders.
    #[arg(long)]
    pub without_tickets: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an org (the first one must be the center: --kind center, no parent).
    CreateOrg {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// center, district, bureau, street or community.
        #[arg(long)]
        kind: String,
        /// Code of the parent org.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Create a user; they must change the password at first sign-in.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Code of the user's org.
        #[arg(long)]
        org: String,
        /// A role (repeat for several): agent, dispatcher, unit_handler, unit_manager,
        /// supervisor, qa, leader, admin, auditor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Read the password from the first line of stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password, unlock the account and end its sessions; forces a change at next sign-in.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn the_cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
