//! Background work: every job in one list ([`all`]), one place that runs them
//! ([`App::start_jobs`]), and what admins and Prometheus see of each (last run, last error,
//! items done, lag).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hotline_domain::role::Permission;
use serde::Serialize;

use crate::config::Config;
use crate::integrations::outbox::Consumer;
use crate::{App, Ctx, Result};

type Run = for<'a> fn(&'a App) -> Pin<Box<dyn Future<Output = Result<Progress>> + Send + 'a>>;

/// One kind of background work, run every `every`.
#[derive(Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    /// How long after start-up the first run waits: zero for work that may be due already,
    /// one period for heavy work (retraining) that must not compete with the server starting.
    pub starts_after: Duration,
    run: Run,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("name", &self.name).field("every", &self.every).finish()
    }
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub items: u64,
    /// How long the oldest work still waiting has waited, where the job can tell.
    pub lag: Option<chrono::Duration>,
}

impl Progress {
    fn items(items: u64) -> Self {
        Self { items, lag: None }
    }
}

/// Every job the server runs.
#[must_use]
pub fn all(config: &Config) -> Vec<Job> {
    let outbox = Duration::from_millis(config.webhooks.interval_ms);
    vec![
        Job {
            name: "tickets.timers",
            every: Duration::from_secs(config.tickets.timer_interval_secs),
            starts_after: Duration::ZERO,
            run: |app| Box::pin(async move { app.run_due_timers().await.map(Progress::items) }),
        },
        Job {
            name: "outbox.webhooks",
            every: outbox,
            starts_after: Duration::ZERO,
            run: |app| Box::pin(consume(app, Consumer::Webhooks)),
        },
        Job {
            name: "outbox.federation",
            every: outbox,
            starts_after: Duration::ZERO,
            run: |app| Box::pin(consume(app, Consumer::Federation)),
        },
        Job {
            name: "search.index",
            every: Duration::from_millis(config.search.interval_ms),
            starts_after: Duration::ZERO,
            run: |app| Box::pin(app.follow_outbox_into_index()),
        },
        Job {
            name: "stats.rollup",
            every: Duration::from_millis(config.stats.interval_ms),
            starts_after: Duration::ZERO,
            run: |app| Box::pin(app.follow_outbox_into_stats()),
        },
        Job {
            name: "outbox.alerts",
            every: outbox,
            starts_after: Duration::ZERO,
            run: |app| Box::pin(consume(app, Consumer::Alerts)),
        },
        Job {
            name: "alerts.surges",
            every: Duration::from_secs(
                u64::try_from(config.alerts.surge_step_minutes).unwrap_or(10).max(1) * 60,
            ),
            starts_after: Duration::ZERO,
            run: |app| Box::pin(async move { app.check_surges().await.map(Progress::items) }),
        },
        Job {
            name: "alerts.deadlines",
            every: Duration::from_secs(
                u64::try_from(config.alerts.surge_step_minutes).unwrap_or(10).max(1) * 60,
            ),
            starts_after: Duration::ZERO,
            run: |app| Box::pin(async move { app.check_deadlines().await.map(Progress::items) }),
        },
        Job {
            name: "webhooks.deliver",
            every: outbox,
            starts_after: Duration::ZERO,
            run: |app| {
                Box::pin(async move { app.deliver_due_webhooks().await.map(Progress::items) })
            },
        },
        Job {
            name: "federation.report",
            every: outbox,
            starts_after: Duration::ZERO,
            run: |app| {
                Box::pin(async move { app.send_federation_reports().await.map(Progress::items) })
            },
        },
        Job {
            name: "kb.expiry",
            every: Duration::from_secs(600),
            starts_after: Duration::ZERO,
            run: |app| Box::pin(async move { app.run_kb_expiry().await.map(Progress::items) }),
        },
        Job {
            name: "classifier.retrain",
            every: Duration::from_secs(3600),
            run: |app| Box::pin(async move { app.retrain_classifier().await.map(Progress::items) }),
            starts_after: Duration::from_secs(3600),
        },
        Job {
            name: "sessions.purge",
            every: Duration::from_secs(300),
            starts_after: Duration::ZERO,
            run: |app| {
                Box::pin(async move { app.purge_expired_sessions().await.map(Progress::items) })
            },
        },
    ]
}

async fn consume(app: &App, consumer: Consumer) -> Result<Progress> {
    let done = app.consume_outbox(consumer).await?;
    Ok(Progress { items: done.events, lag: done.lag })
}

/// How a job has been doing, for `GET /api/v1/jobs` and `/metrics`.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    pub name: String,
    pub every_ms: u64,
    pub runs: u64,
    pub failures: u64,
    /// Items handled over all runs (events, deliveries, timers, sessions).
    pub items_total: u64,
    pub last_items: u64,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_duration_ms: Option<u64>,
    /// The last failure's message; cleared by the next success.
    pub last_error: Option<String>,
    /// How long the oldest waiting work has waited, in seconds.
    pub lag_secs: Option<f64>,
}

/// The jobs' statuses, kept in memory per instance.
#[derive(Debug, Default)]
pub(crate) struct JobBoard(Mutex<BTreeMap<&'static str, JobStatus>>);

impl JobBoard {
    fn update(&self, job: &Job, change: impl FnOnce(&mut JobStatus)) {
        let mut board = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let status = board.entry(job.name).or_insert_with(|| JobStatus {
            name: job.name.to_owned(),
            every_ms: u64::try_from(job.every.as_millis()).unwrap_or(u64::MAX),
            ..JobStatus::default()
        });
        change(status);
    }

    fn snapshot(&self) -> Vec<JobStatus> {
        let board = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        board.values().cloned().collect()
    }
}

impl App {
    /// Runs `job` once and records how it went.
    pub async fn run_job(&self, job: &Job) -> Result<Progress> {
        let started = self.now();
        let clock = std::time::Instant::now();
        self.jobs.update(job, |s| s.last_started_at = Some(started));
        let outcome = (job.run)(self).await;
        let finished = self.now();
        let took = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.jobs.update(job, |s| {
            s.runs += 1;
            s.last_finished_at = Some(finished);
            s.last_duration_ms = Some(took);
            match &outcome {
                Ok(progress) => {
                    s.items_total += progress.items;
                    s.last_items = progress.items;
                    s.last_success_at = Some(finished);
                    s.last_error = None;
                    s.lag_secs = progress.lag.map(|l| l.num_milliseconds() as f64 / 1000.0);
                }
                Err(e) => {
                    s.failures += 1;
                    s.last_error = Some(e.to_string());
                }
            }
        });
        outcome
    }

    /// Runs the job called `name` once (tests, and the CLI, do what the server's loop does).
    pub async fn run_job_named(&self, name: &str) -> Result<Progress> {
        let job = all(&self.config)
            .into_iter()
            .find(|j| j.name == name)
            .ok_or(crate::Error::NotFound("job"))?;
        self.run_job(&job).await
    }

    /// Starts every job on its schedule; each failure is logged once, here.
    pub fn start_jobs(&self) -> Vec<tokio::task::JoinHandle<()>> {
        all(&self.config)
            .into_iter()
            .map(|job| {
                let app = self.clone();
                tokio::spawn(async move {
                    let first = tokio::time::Instant::now() + job.starts_after;
                    let mut tick = tokio::time::interval_at(first, job.every);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tick.tick().await;
                        match app.run_job(&job).await {
                            Ok(p) if p.items > 0 => {
                                tracing::debug!(job = job.name, items = p.items, "job ran");
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(job = job.name, error = %e, "job failed"),
                        }
                    }
                })
            })
            .collect()
    }

    /// Every job's status, for admins.
    pub async fn job_statuses(&self, ctx: &Ctx) -> Result<Vec<JobStatus>> {
        self.authorize(ctx, Permission::SystemRead, None).await?;
        Ok(self.job_snapshot())
    }

    /// Every job's status, for the metrics listener (not exposed with the API).
    #[must_use]
    pub fn job_snapshot(&self) -> Vec<JobStatus> {
        let mut known = self.jobs.snapshot();
        for job in all(&self.config) {
            if !known.iter().any(|s| s.name == job.name) {
                known.push(JobStatus {
                    name: job.name.to_owned(),
                    every_ms: u64::try_from(job.every.as_millis()).unwrap_or(u64::MAX),
                    ..JobStatus::default()
                });
            }
        }
        known.sort_by(|a, b| a.name.cmp(&b.name));
        known
    }
}
