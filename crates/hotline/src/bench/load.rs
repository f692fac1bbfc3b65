//! The load driver: concurrent HTTP clients, latency histograms, the four workloads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// What one workload measured.
pub struct Outcome {
    pub name: String,
    pub requests: u64,
    pub errors: u64,
    /// Completed units of work (tickets, lifecycles) when that differs from requests.
    pub units: Option<(u64, &'static str)>,
    pub seconds: f64,
    pub latency_us: Histogram<u64>,
    pub first_error: Option<String>,
    pub rss_mib: (f64, f64),
    /// The server's CPU milliseconds per request.
    pub cpu_ms: Option<f64>,
}

impl Outcome {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            requests: 0,
            errors: 0,
            units: None,
            seconds: 0.0,
            latency_us: histogram(),
            first_error: None,
            rss_mib: (0.0, 0.0),
            cpu_ms: None,
        }
    }

    pub fn per_sec(&self) -> f64 {
        if self.seconds > 0.0 { self.requests as f64 / self.seconds } else { 0.0 }
    }

    pub fn ms(&self, quantile: f64) -> f64 {
        self.latency_us.value_at_quantile(quantile) as f64 / 1000.0
    }

    fn merge(&mut self, part: Part) {
        self.requests += part.requests;
        self.errors += part.errors;
        let _ = self.latency_us.add(&part.latency_us);
        if self.first_error.is_none() {
            self.first_error = part.first_error;
        }
    }
}

/// Microseconds from 1 µs to 2 minutes, three significant digits.
#[expect(clippy::expect_used, reason = "constant bounds that are valid")]
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds")
}

/// One client's share of a workload.
struct Part {
    requests: u64,
    errors: u64,
    latency_us: Histogram<u64>,
    first_error: Option<String>,
}

impl Part {
    fn new() -> Self {
        Self { requests: 0, errors: 0, latency_us: histogram(), first_error: None }
    }

    /// Sends `request`, records its latency from `since`, returns the JSON body on success.
    async fn record(&mut self, request: reqwest::RequestBuilder, since: Instant) -> Option<Value> {
        let result = request.send().await;
        self.requests += 1;
        let outcome = match result {
            Ok(res) if res.status().is_success() => res.json::<Value>().await.ok(),
            Ok(res) => {
                let status = res.status();
                let body = res.text().await.unwrap_or_default();
                self.fail(format!("{status}: {}", body.chars().take(300).collect::<String>()));
                None
            }
            Err(e) => {
                self.fail(e.to_string());
                None
            }
        };
        let _ = self
            .latency_us
            .record(u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX).max(1));
        outcome
    }

    fn fail(&mut self, error: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error);
        }
    }
}

/// A signed-in HTTP client.
#[derive(Clone)]
pub struct Session {
    client: reqwest::Client,
    base: String,
}

impl Session {
    pub async fn login(base: &str, username: &str, password: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .pool_max_idle_per_host(4)
            .timeout(Duration::from_secs(60))
            .build()?;
        let res = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .context("login request")?;
        anyhow::ensure!(res.status().is_success(), "login as {username} failed: {}", res.status());
        Ok(Self { client, base: base.to_owned() })
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.base)).json(body)
    }
}

/// When a workload stops: after `duration`, or after `requests` requests.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub duration: Duration,
    pub requests: Option<u64>,
}

impl Limits {
    fn take(&self, started: Instant, issued: &AtomicU64) -> bool {
        if started.elapsed() >= self.duration {
            return false;
        }
        let n = issued.fetch_add(1, Ordering::Relaxed);
        self.requests.is_none_or(|max| n < max)
    }
}

/// Inputs for new tickets.
pub struct Intake {
    pub category_ids: Vec<String>,
    pub titles: Vec<String>,
}

impl Intake {
    fn body(&self, i: u64) -> Value {
        let n = usize::try_from(i).unwrap_or(0);
        json!({
            "caller_phone": format!("139{:08}", i % 100_000_000),
            "caller_name": "压测市民",
            "title": self.titles[n % self.titles.len()],
            "content": format!("{}（第{i}号来电）", self.titles[(n * 7) % self.titles.len()]),
            "category_id": self.category_ids[(n * 13) % self.category_ids.len()],
            "appeal_type": "complaint",
            "urgency": "normal",
            "address": "东城区东华门大街1号",
            "channel": "phone",
        })
    }
}

/// W1: create tickets (with idempotency keys) as fast as the server takes them.
pub async fn intake(
    sessions: Vec<Session>,
    intake: Arc<Intake>,
    limits: Limits,
) -> (Outcome, Vec<String>) {
    let started = Instant::now();
    let issued = Arc::new(AtomicU64::new(0));
    let created = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for session in sessions {
        let (issued, created, intake) =
            (Arc::clone(&issued), Arc::clone(&created), Arc::clone(&intake));
        tasks.push(tokio::spawn(async move {
            let mut part = Part::new();
            while limits.take(started, &issued) {
                let i = issued.load(Ordering::Relaxed);
                let request = session
                    .post("/api/v1/tickets", &intake.body(i))
                    .header("idempotency-key", uuid::Uuid::now_v7().to_string());
                if let Some(body) = part.record(request, Instant::now()).await
                    && let Some(id) = body["id"].as_str()
                {
                    created.lock().await.push(id.to_owned());
                }
            }
            part
        }));
    }
    let mut outcome = Outcome::new("W1 intake");
    for task in tasks {
        if let Ok(part) = task.await {
            outcome.merge(part);
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    let ids = std::mem::take(&mut *created.lock().await);
    outcome.units = Some((ids.len() as u64, "tickets"));
    (outcome, ids)
}

/// The people of the lifecycle workload.
pub struct Cast {
    pub dispatcher: Session,
    pub handler: Session,
    pub supervisor: Session,
    pub agent: Session,
    pub unit_id: String,
}

/// W2: dispatch → accept → reply → approve → callback on existing tickets.
pub async fn lifecycle(
    cast: Arc<Cast>,
    tickets: Vec<String>,
    clients: usize,
    limits: Limits,
) -> Outcome {
    let started = Instant::now();
    let queue = Arc::new(tickets);
    let next = Arc::new(AtomicUsize::new(0));
    let issued = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (cast, queue, next, issued, done) = (
            Arc::clone(&cast),
            Arc::clone(&queue),
            Arc::clone(&next),
            Arc::clone(&issued),
            Arc::clone(&done),
        );
        tasks.push(tokio::spawn(async move {
            let mut part = Part::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = queue.get(i) else { break };
                if !limits.take(started, &issued) {
                    break;
                }
                let act = |who: &Session, action: &str, body: Value| {
                    who.post(&format!("/api/v1/tickets/{id}/actions/{action}"), &body)
                };
                let steps = [
                    act(&cast.dispatcher, "dispatch", json!({"org_id": cast.unit_id})),
                    act(&cast.handler, "accept", json!({})),
                    act(&cast.handler, "reply", json!({"content": "已处理完毕并答复市民"})),
                    act(&cast.supervisor, "approve_reply", json!({})),
                    act(
                        &cast.agent,
                        "callback",
                        json!({"reachable": true, "resolved": true, "satisfaction": "satisfied"}),
                    ),
                ];
                let mut ok = true;
                for step in steps {
                    if part.record(step, Instant::now()).await.is_none() {
                        ok = false;
                        break;
                    }
                }
                if ok {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            part
        }));
    }
    let mut outcome = Outcome::new("W2 lifecycle");
    for task in tasks {
        if let Ok(part) = task.await {
            outcome.merge(part);
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.units = Some((done.load(Ordering::Relaxed), "lifecycles"));
    outcome
}

/// W3: one list page, requested by every client in a loop.
pub async fn lists(
    name: &str,
    session: Session,
    path: String,
    clients: usize,
    limits: Limits,
) -> Outcome {
    repeat(name, clients, limits, Arc::new(move |_| session.get(&path))).await
}

/// The same report asked again and again by every client (the report builder's `POST`).
pub async fn reports(
    name: &str,
    session: Session,
    definition: Value,
    clients: usize,
    limits: Limits,
) -> Outcome {
    repeat(
        name,
        clients,
        limits,
        Arc::new(move |_| session.post("/api/v1/reports/run", &definition)),
    )
    .await
}

/// W6: full-text searches, every client in a loop over `paths` (queries of several callers:
/// request `i` goes out on session `i % sessions`).
pub async fn searches(
    sessions: Vec<Session>,
    paths: Arc<Vec<String>>,
    clients: usize,
    limits: Limits,
) -> Outcome {
    let request = move |i: u64| {
        let n = usize::try_from(i).unwrap_or(0);
        sessions[n % sessions.len()].get(&paths[n % paths.len()])
    };
    repeat("W6 search", clients, limits, Arc::new(request)).await
}

/// How long a new ticket takes to become searchable while other load runs: a probe registers a
/// ticket with a word of its own and asks search for it until it is found, again and again
/// until `stop`. Returns the delays, from the registration's answer to the first finding.
pub async fn index_lag(
    session: Session,
    intake: Arc<Intake>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> (Histogram<u64>, u64) {
    let mut lags = histogram();
    let mut lost = 0;
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let token = format!(
            "probe{}x{n}",
            uuid::Uuid::now_v7().simple().to_string().get(..12).unwrap_or("0")
        );
        let mut body = intake.body(n);
        body["title"] = json!(format!("{} {token}", body["title"].as_str().unwrap_or_default()));
        let Ok(res) = session.post("/api/v1/tickets", &body).send().await else { continue };
        if !res.status().is_success() {
            continue;
        }
        let registered = Instant::now();
        let path = format!("/api/v1/search/tickets?q={token}&per_page=1");
        let mut found = false;
        while registered.elapsed() < Duration::from_secs(30) {
            if let Ok(res) = session.get(&path).send().await
                && let Ok(page) = res.json::<Value>().await
                && page["total"].as_u64().unwrap_or(0) > 0
            {
                found = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if found {
            let _ = lags
                .record(u64::try_from(registered.elapsed().as_micros()).unwrap_or(u64::MAX).max(1));
        } else {
            lost += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (lags, lost)
}

/// How far behind a background job is while other load runs: its lag after each of its runs,
/// read from `GET /api/v1/jobs` every 100 ms until `stop`.
pub async fn job_lag(
    admin: Session,
    job: &str,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Histogram<u64> {
    let mut lags = histogram();
    let mut last_run = None;
    while !stop.load(Ordering::Relaxed) {
        if let Ok(res) = admin.get("/api/v1/jobs").send().await
            && let Ok(list) = res.json::<Value>().await
            && let Some(status) = list.as_array().and_then(|l| l.iter().find(|j| j["name"] == job))
            && last_run != Some(status["runs"].clone())
        {
            last_run = Some(status["runs"].clone());
            if let Some(secs) = status["lag_secs"].as_f64() {
                let micros = (secs * 1e6).round().max(1.0);
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "positive, far below u64::MAX"
                )]
                let _ = lags.record(micros as u64);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    lags
}

/// W5: intake's suggestions for appeals as agents type them, every client in a loop over
/// real citizen messages.
pub async fn suggestions(
    session: Session,
    appeals: Arc<Vec<Value>>,
    clients: usize,
    limits: Limits,
) -> Outcome {
    let request = move |i: u64| {
        let n = usize::try_from(i).unwrap_or(0) % appeals.len().max(1);
        session.post("/api/v1/suggestions", &appeals[n])
    };
    repeat("W5 suggestions", clients, limits, Arc::new(request)).await
}

/// Every client sends `request(i)` (the i-th request of the run) in a loop until `limits`.
async fn repeat<F>(name: &str, clients: usize, limits: Limits, request: Arc<F>) -> Outcome
where
    F: Fn(u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let started = Instant::now();
    let issued = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (request, issued) = (Arc::clone(&request), Arc::clone(&issued));
        tasks.push(tokio::spawn(async move {
            let mut part = Part::new();
            while limits.take(started, &issued) {
                let i = issued.load(Ordering::Relaxed);
                part.record(request(i), Instant::now()).await;
            }
            part
        }));
    }
    let mut outcome = Outcome::new(name);
    for task in tasks {
        if let Ok(part) = task.await {
            outcome.merge(part);
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

/// W4: a shift's mix (90% reads, 10% writes) at a fixed arrival rate. Latency counts from when
/// a request was due, not when it was sent, so a slow server cannot hide its queue.
pub async fn mixed(
    sessions: Vec<Session>,
    intake: Arc<Intake>,
    ticket_ids: Arc<Vec<String>>,
    rate: f64,
    duration: Duration,
) -> Outcome {
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let results = Arc::new(Mutex::new(Outcome::new("W4 mixed shift")));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(2048));
    let mut tasks = Vec::new();
    let mut i: u64 = 0;
    while started.elapsed() < duration {
        let due = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else { break };
        let session = sessions[usize::try_from(i).unwrap_or(0) % sessions.len()].clone();
        let (intake, ids, results) =
            (Arc::clone(&intake), Arc::clone(&ticket_ids), Arc::clone(&results));
        tasks.push(tokio::spawn(async move {
            let mut part = Part::new();
            let request = match i % 10 {
                0 => session
                    .post("/api/v1/tickets", &intake.body(i))
                    .header("idempotency-key", uuid::Uuid::now_v7().to_string()),
                1..=5 if !ids.is_empty() => session.get(&format!(
                    "/api/v1/tickets/{}",
                    ids[usize::try_from(i).unwrap_or(0) % ids.len()]
                )),
                _ => session.get("/api/v1/tickets?view=to_dispatch&per_page=20"),
            };
            part.record(request, due).await;
            results.lock().await.merge(part);
            drop(permit);
        }));
        i += 1;
    }
    for task in tasks {
        let _ = task.await;
    }
    let mut outcome = std::mem::replace(&mut *results.lock().await, Outcome::new(""));
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}
