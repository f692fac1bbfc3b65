//! Typed configuration: defaults, then an optional TOML file, then `HOTLINE_*` environment
//! variables (nested keys with `__`, e.g. `HOTLINE_SECURITY__COOKIE_SECURE=false`). It travels
//! in the application state; nothing reads it from a global.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{FixedOffset, NaiveTime};
use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use hotline_domain::auth::{Backoff, LockoutPolicy, SessionPolicy};
use hotline_domain::calendar::WorkingHours;
use hotline_domain::password::PasswordPolicy;
use hotline_domain::role::Role;
use serde::{Deserialize, Serialize};

/// A setting that must never show in logs or `Debug` output: a key, a URL with a password.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the HTTP API and console listen.
    pub listen: SocketAddr,
    /// Holds the SQLite database and the data key file.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `<data_dir>/hotline.db`.
    /// Set with `HOTLINE_DATABASE_URL`. May hold a password.
    pub database_url: Option<Secret>,
    pub database_max_connections: u32,
    /// Prometheus metrics are served here, apart from the public API (keep it on loopback or
    /// a management network).
    pub metrics_listen: SocketAddr,
    pub metrics_enabled: bool,
    /// How the outside world reaches this server (`https://12345.example.gov.cn`), for links
    /// handed out in Open311 answers; unset, the request's `Host` is used.
    pub public_url: Option<String>,
    pub http: HttpConfig,
    pub security: SecurityConfig,
    pub tickets: TicketSettings,
    pub open311: Open311Settings,
    pub webhooks: WebhookSettings,
    pub search: SearchSettings,
    pub stats: StatsSettings,
    pub alerts: AlertSettings,
    pub callcenter: CallcenterSettings,
}

/// The call center (呼叫中心).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallcenterSettings {
    /// The SIP domain agents' extensions register in: an offer goes to `sip:<ext>@<domain>`.
    pub sip_domain: String,
    /// The reasons an agent may give for not being ready (code → label), beside the system's
    /// own (login, RONA, device unregistered, forced by a supervisor).
    pub not_ready_reasons: Vec<NotReadyReason>,
    /// A caller who hangs up within this many seconds is a short abandon, not held against
    /// the center.
    pub short_abandon_seconds: i64,
    /// A caller who called this often in `repeat_caller_days` days is a repeat caller.
    pub repeat_caller_calls: u64,
    pub repeat_caller_days: i64,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotReadyReason {
    pub code: String,
    pub label: String,
    pub label_en: String,
}

impl Default for CallcenterSettings {
    fn default() -> Self {
        let reason = |code: &str, label: &str, label_en: &str| NotReadyReason {
            code: code.to_owned(),
            label: label.to_owned(),
            label_en: label_en.to_owned(),
        };
        Self {
            sip_domain: "127.0.0.1".to_owned(),
            not_ready_reasons: vec![
                reason("break", "小休", "Break"),
                reason("meal", "就餐", "Meal"),
                reason("training", "培训", "Training"),
                reason("meeting", "会议", "Meeting"),
                reason("ticket_work", "工单处理", "Ticket work"),
            ],
            short_abandon_seconds: 5,
            repeat_caller_calls: 2,
            repeat_caller_days: 7,
        }
    }
}

/// Early warning (预警).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// How often the surge rule looks at the last window (and how often the window moves on).
    pub surge_step_minutes: i64,
    /// The window of appeals counted per level-1 category × district.
    pub surge_window_minutes: i64,
    /// The past each cell's share is taken from.
    pub surge_baseline_days: i64,
    /// How unlikely (Poisson) a window's count must be to alarm.
    pub surge_p_value: f64,
    pub surge_min_count: u64,
    /// A window must hold at least this many times what is expected.
    pub surge_min_ratio: f64,
    /// A cell that alarmed stays quiet this long.
    pub surge_quiet_hours: i64,
    /// The same address and category this many times within `hotspot_days` is a hotspot.
    pub hotspot_count: u64,
    pub hotspot_days: i64,
    /// One caller this many times within `repeat_caller_days`.
    pub repeat_caller_count: u64,
    pub repeat_caller_days: i64,
    /// Words that put an appeal on the watch list at once.
    pub sensitive_words: Vec<String>,
    /// A unit is in deadline trouble with at least this many overdue work orders …
    pub deadline_overdue_count: i64,
    /// … that are at least this share of the work orders it holds (0–1).
    pub deadline_overdue_share: f64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        let defaults = hotline_domain::alerts::SurgeSettings::default();
        Self {
            surge_step_minutes: defaults.step_minutes,
            surge_window_minutes: defaults.window_minutes,
            surge_baseline_days: defaults.baseline_days,
            surge_p_value: defaults.p_value,
            surge_min_count: defaults.min_count,
            surge_min_ratio: defaults.min_ratio,
            surge_quiet_hours: defaults.quiet_hours,
            hotspot_count: 3,
            hotspot_days: 7,
            repeat_caller_count: 3,
            repeat_caller_days: 30,
            sensitive_words: [
                "群体",
                "上访",
                "自杀",
                "轻生",
                "跳楼",
                "爆炸",
                "堵路",
                "聚集",
                "媒体曝光",
            ]
            .map(str::to_owned)
            .to_vec(),
            deadline_overdue_count: 5,
            deadline_overdue_share: 0.2,
        }
    }
}

impl AlertSettings {
    #[must_use]
    pub const fn surge(&self) -> hotline_domain::alerts::SurgeSettings {
        hotline_domain::alerts::SurgeSettings {
            window_minutes: self.surge_window_minutes,
            step_minutes: self.surge_step_minutes,
            baseline_days: self.surge_baseline_days,
            p_value: self.surge_p_value,
            min_count: self.surge_min_count,
            min_ratio: self.surge_min_ratio,
            quiet_hours: self.surge_quiet_hours,
        }
    }
}

/// Statistics and the monthly assessment (考核).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatsSettings {
    /// How often the rollups take in new ticket events.
    pub interval_ms: u64,
    /// What 满意 and 基本满意 count towards 满意率 (some cities count 基本满意 as half, or not).
    pub satisfied_weight: f64,
    pub basically_satisfied_weight: f64,
    /// The score's weights over 响应率, 解决率, 满意率 and 按时办结率, out of their sum, and its
    /// automatic deductions.
    pub scheme: hotline_domain::stats::Scheme,
    /// A group's own scheme (`[stats.groups.street]` …), where it differs from `scheme`.
    pub groups:
        std::collections::BTreeMap<hotline_domain::org::OrgKind, hotline_domain::stats::Scheme>,
    /// The hotline's shifts for the on-duty figures (`[[stats.shifts]] name = "早班" from = 8
    /// to = 16`); by default three of eight hours from 08:00.
    pub shifts: Vec<hotline_domain::duty::Shift>,
}

impl Default for StatsSettings {
    fn default() -> Self {
        Self {
            interval_ms: 1000,
            satisfied_weight: 1.0,
            basically_satisfied_weight: 1.0,
            scheme: hotline_domain::stats::Scheme::default(),
            groups: std::collections::BTreeMap::new(),
            shifts: hotline_domain::duty::default_shifts(),
        }
    }
}

impl StatsSettings {
    /// The scheme a unit of `kind` is scored by.
    #[must_use]
    pub fn scheme_of(&self, kind: hotline_domain::org::OrgKind) -> hotline_domain::stats::Scheme {
        self.groups.get(&kind).copied().unwrap_or(self.scheme)
    }

    #[must_use]
    pub const fn weights(&self) -> hotline_domain::stats::SatisfactionWeights {
        hotline_domain::stats::SatisfactionWeights {
            satisfied: self.satisfied_weight,
            basically_satisfied: self.basically_satisfied_weight,
        }
    }
}

/// Full-text search and the intake desk's suggestions.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// How often the index takes in new ticket events (its lag is about this plus a commit).
    pub interval_ms: u64,
    /// Memory for a rebuild's writer, in MiB (the follower takes 32).
    pub rebuild_heap_mib: usize,
    /// Suggestions name the same caller's tickets of this many days back…
    pub similar_same_caller_days: i64,
    /// …and open tickets of the same category and region with similar words, this many days.
    pub similar_text_days: i64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            interval_ms: 500,
            rebuild_heap_mib: 128,
            similar_same_caller_days: 30,
            similar_text_days: 7,
        }
    }
}

/// Deliveries to subscribers' URLs.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// How often the worker looks for new events and due deliveries.
    pub interval_ms: u64,
    /// How long one delivery attempt may take.
    pub timeout_secs: u64,
    /// Retries back off from `first_retry_secs`, doubling up to `max_retry_secs`, and stop once
    /// a delivery is `retry_hours` old.
    pub first_retry_secs: i64,
    pub max_retry_secs: i64,
    pub retry_hours: i64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            interval_ms: 1000,
            timeout_secs: 10,
            first_retry_secs: 30,
            max_retry_secs: 3600,
            retry_hours: 24,
        }
    }
}

/// The public Open311 GeoReport v2 façade.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Open311Settings {
    /// Only this `jurisdiction_id` is served; unset, the parameter is ignored.
    pub jurisdiction_id: Option<String>,
    /// Discovery: who runs the endpoint, and how to get an API key.
    pub contact: String,
    pub key_service: String,
    /// `production` (requests are acted upon) or `test`.
    pub endpoint_type: String,
    /// Most requests in one `GET requests` answer (the spec's default is 1000).
    pub max_requests: u64,
    /// Largest `media` upload accepted.
    pub max_media_bytes: usize,
}

impl Default for Open311Settings {
    fn default() -> Self {
        Self {
            jurisdiction_id: None,
            contact: "12345政务服务便民热线".to_owned(),
            key_service: "请向热线管理员申请 API 令牌（角色 intake_app）".to_owned(),
            endpoint_type: "production".to_owned(),
            max_requests: 1000,
            max_media_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Work-order rules that differ between cities.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TicketSettings {
    /// The city's offset from UTC (China: 8; no daylight saving).
    pub utc_offset_hours: i32,
    /// Office hours, `HH:MM` local time; "N working days" ends at `work_end`.
    pub work_start: String,
    pub work_end: String,
    /// Warn when this share of a clock's time is left.
    pub warning_share_left: f64,
    /// Overdue tickets go under supervision after this many working days.
    pub escalate_after_working_days: u32,
    /// Callback attempts before an unreachable citizen's ticket closes.
    pub callback_max_attempts: u32,
    /// Completes local landline numbers (without the trunk 0, e.g. `10` for Beijing).
    pub default_area_code: String,
    /// How often the timer worker looks for due deadlines.
    pub timer_interval_secs: u64,
}

impl Default for TicketSettings {
    fn default() -> Self {
        Self {
            utc_offset_hours: 8,
            work_start: "08:30".to_owned(),
            work_end: "17:30".to_owned(),
            warning_share_left: 0.2,
            escalate_after_working_days: 2,
            callback_max_attempts: 3,
            default_area_code: "10".to_owned(),
            timer_interval_secs: 30,
        }
    }
}

impl TicketSettings {
    /// The office day and the city's UTC offset.
    pub fn working_hours(&self) -> anyhow::Result<(WorkingHours, FixedOffset)> {
        let parse = |s: &str| {
            NaiveTime::parse_from_str(s, "%H:%M")
                .with_context(|| format!("invalid time {s:?}: expected HH:MM"))
        };
        let hours = WorkingHours { start: parse(&self.work_start)?, end: parse(&self.work_end)? };
        anyhow::ensure!(
            hours.start < hours.end,
            "tickets.work_start must be before tickets.work_end"
        );
        let offset = FixedOffset::east_opt(self.utc_offset_hours * 3600)
            .context("tickets.utc_offset_hours must be within ±23")?;
        Ok((hours, offset))
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    /// Proxies whose `X-Forwarded-For` is believed; otherwise the peer address is the client.
    pub trusted_proxies: Vec<IpAddr>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Mark the session cookie `Secure`. Turn off only for plain-HTTP local evaluation.
    pub cookie_secure: bool,
    pub session: SessionSettings,
    pub lockout: LockoutSettings,
    pub sign_in: SignInSettings,
    pub rate_limit: RateLimitSettings,
    pub password: PasswordSettings,
    /// Roles that must sign in with a TOTP second factor.
    pub totp_required_roles: Vec<Role>,
    pub argon2: Argon2Settings,
    /// Base64 of 32 random bytes. When unset the key lives in `<data_dir>/keys/data.key`,
    /// created on first start.
    pub data_key: Option<Secret>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSettings {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LockoutSettings {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

/// Throttling of failed sign-ins from one place, answered 429 with `Retry-After`. It stops
/// guessing from one address long before an account's lockout (`lockout`), so a lockout
/// cannot be forced cheaply from one place.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignInSettings {
    /// One account (known or not) from one client address.
    pub per_account_address: Backoff,
    /// One client address, whatever the accounts (password spraying). Set `trusted_proxies`
    /// behind a proxy, or every client shares the proxy's address.
    pub per_address: Backoff,
    /// Most places remembered at once; the quietest are forgotten first.
    pub max_tracked: usize,
}

/// Requests per minute with a burst, per session and per API token; 0 switches one off.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    pub session_per_minute: u32,
    pub session_burst: u32,
    pub token_per_minute: u32,
    pub token_burst: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordSettings {
    pub min_length: usize,
    pub min_classes: usize,
    pub max_length: usize,
}

/// Argon2id cost. The defaults (19 MiB, 2 passes) take about 40 ms on one core.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    /// Hashes computed at once; each holds `memory_kib` of RAM.
    pub max_concurrent: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("hotline-data"),
            database_url: None,
            database_max_connections: 8,
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], 9464)),
            metrics_enabled: true,
            public_url: None,
            http: HttpConfig::default(),
            security: SecurityConfig::default(),
            tickets: TicketSettings::default(),
            open311: Open311Settings::default(),
            webhooks: WebhookSettings::default(),
            search: SearchSettings::default(),
            stats: StatsSettings::default(),
            alerts: AlertSettings::default(),
            callcenter: CallcenterSettings::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self { body_limit_bytes: 1024 * 1024, request_timeout_secs: 30, trusted_proxies: vec![] }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            cookie_secure: true,
            session: SessionSettings::default(),
            lockout: LockoutSettings::default(),
            sign_in: SignInSettings::default(),
            rate_limit: RateLimitSettings::default(),
            password: PasswordSettings::default(),
            totp_required_roles: vec![Role::Admin, Role::Auditor],
            argon2: Argon2Settings::default(),
            data_key: None,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        let p = SessionPolicy::default();
        Self { idle_minutes: p.idle_minutes, absolute_hours: p.absolute_hours }
    }
}

impl Default for LockoutSettings {
    fn default() -> Self {
        let p = LockoutPolicy::default();
        Self { max_failures: p.max_failures, lock_minutes: p.lock_minutes }
    }
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            per_account_address: Backoff {
                free_failures: 3,
                first_delay_secs: 30,
                max_delay_secs: 3600,
            },
            per_address: Backoff { free_failures: 50, first_delay_secs: 1, max_delay_secs: 300 },
            max_tracked: 100_000,
        }
    }
}

impl Default for RateLimitSettings {
    /// A console page load makes a dozen requests; an office system syncing a backlog, more.
    fn default() -> Self {
        Self {
            session_per_minute: 600,
            session_burst: 120,
            token_per_minute: 3000,
            token_burst: 300,
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        let p = PasswordPolicy::default();
        Self { min_length: p.min_length, min_classes: p.min_classes, max_length: p.max_length }
    }
}

impl Default for Argon2Settings {
    fn default() -> Self {
        // One thread: each hashing thread's allocator arena keeps its 19 MiB blocks, and a
        // second one measured +100 MiB of resident memory for twice the sign-ins per second
        // (about 25/s on one thread is ample for a shift change).
        Self { memory_kib: 19 * 1024, iterations: 2, max_concurrent: 1 }
    }
}

impl SecurityConfig {
    #[must_use]
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle_minutes: self.session.idle_minutes,
            absolute_hours: self.session.absolute_hours,
        }
    }

    #[must_use]
    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.lockout.max_failures,
            lock_minutes: self.lockout.lock_minutes,
        }
    }

    #[must_use]
    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_length: self.password.min_length,
            min_classes: self.password.min_classes,
            max_length: self.password.max_length,
        }
    }
}

impl Config {
    /// Top-level keys, for picking our variables out of the environment.
    const KEYS: &'static [&'static str] = &[
        "listen",
        "data_dir",
        "database_url",
        "database_max_connections",
        "metrics_listen",
        "metrics_enabled",
        "public_url",
        "http",
        "security",
        "tickets",
        "open311",
        "webhooks",
        "search",
        "stats",
        "alerts",
        "callcenter",
    ];

    /// Defaults, then `file` (or `./hotline.toml` when present), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(path.exists(), "config file {} not found", path.display());
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("hotline.toml")),
        }
        // Only variables naming a config key: HOTLINE_LOG and friends belong to others.
        let keys = Self::KEYS;
        figment = figment.merge(Env::prefixed("HOTLINE_").split("__").filter(move |key| {
            let top = key.as_str().split('.').next().unwrap_or_default().to_ascii_lowercase();
            keys.contains(&top.as_str())
        }));
        let config: Self = figment.extract().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let s = &self.security;
        anyhow::ensure!(s.session.idle_minutes > 0, "security.session.idle_minutes must be > 0");
        anyhow::ensure!(
            s.session.absolute_hours > 0,
            "security.session.absolute_hours must be > 0"
        );
        anyhow::ensure!(s.lockout.max_failures > 0, "security.lockout.max_failures must be > 0");
        for (name, b) in [
            ("per_account_address", &s.sign_in.per_account_address),
            ("per_address", &s.sign_in.per_address),
        ] {
            anyhow::ensure!(
                b.free_failures > 0
                    && 0 < b.first_delay_secs
                    && b.first_delay_secs <= b.max_delay_secs,
                "security.sign_in.{name}: free_failures > 0 and 0 < first_delay_secs <= max_delay_secs"
            );
        }
        anyhow::ensure!(
            s.sign_in.max_tracked >= 100,
            "security.sign_in.max_tracked must be >= 100"
        );
        anyhow::ensure!(s.password.min_length >= 8, "security.password.min_length must be >= 8");
        anyhow::ensure!(
            (1..=4).contains(&s.password.min_classes),
            "security.password.min_classes must be 1..=4"
        );
        anyhow::ensure!(s.argon2.max_concurrent > 0, "security.argon2.max_concurrent must be > 0");
        anyhow::ensure!(
            self.http.body_limit_bytes >= 1024,
            "http.body_limit_bytes must be >= 1024"
        );
        if let Some(url) = &self.public_url {
            anyhow::ensure!(
                url.starts_with("http://") || url.starts_with("https://"),
                "public_url must start with http:// or https://"
            );
        }
        let o = &self.open311;
        anyhow::ensure!(
            matches!(o.endpoint_type.as_str(), "production" | "test"),
            "open311.endpoint_type must be production or test"
        );
        anyhow::ensure!(o.max_requests > 0, "open311.max_requests must be > 0");
        anyhow::ensure!(o.max_media_bytes >= 1024, "open311.max_media_bytes must be >= 1024");
        let w = &self.webhooks;
        anyhow::ensure!(w.interval_ms >= 10, "webhooks.interval_ms must be >= 10");
        anyhow::ensure!(w.timeout_secs > 0, "webhooks.timeout_secs must be > 0");
        anyhow::ensure!(
            0 < w.first_retry_secs && w.first_retry_secs <= w.max_retry_secs,
            "webhooks: 0 < first_retry_secs <= max_retry_secs"
        );
        anyhow::ensure!(w.retry_hours >= 1, "webhooks.retry_hours must be >= 1");
        let s = &self.search;
        anyhow::ensure!(s.interval_ms >= 10, "search.interval_ms must be >= 10");
        anyhow::ensure!(
            (16..=2048).contains(&s.rebuild_heap_mib),
            "search.rebuild_heap_mib must be between 16 and 2048"
        );
        anyhow::ensure!(
            s.similar_same_caller_days >= 1 && s.similar_text_days >= 1,
            "search.similar_same_caller_days and similar_text_days must be >= 1"
        );
        let st = &self.stats;
        anyhow::ensure!(st.interval_ms >= 10, "stats.interval_ms must be >= 10");
        let unit = 0.0..=1.0;
        anyhow::ensure!(
            unit.contains(&st.satisfied_weight) && unit.contains(&st.basically_satisfied_weight),
            "stats.satisfied_weight and basically_satisfied_weight must be between 0 and 1"
        );
        anyhow::ensure!(
            st.scheme.is_valid() && st.groups.values().all(hotline_domain::stats::Scheme::is_valid),
            "stats.scheme and stats.groups.*: weights >= 0 and not all 0, deductions >= 0"
        );
        anyhow::ensure!(
            st.shifts.iter().all(hotline_domain::duty::Shift::is_valid),
            "stats.shifts: each a name, from 0-23 and to 0-24, not equal"
        );
        let a = &self.alerts;
        anyhow::ensure!(
            (1..=1440).contains(&a.surge_step_minutes)
                && (a.surge_step_minutes..=1440).contains(&a.surge_window_minutes),
            "alerts: 1 <= surge_step_minutes <= surge_window_minutes <= 1440"
        );
        anyhow::ensure!(
            (1..=90).contains(&a.surge_baseline_days) && a.surge_quiet_hours >= 0,
            "alerts.surge_baseline_days must be 1..=90 and surge_quiet_hours >= 0"
        );
        anyhow::ensure!(
            a.surge_p_value > 0.0 && a.surge_p_value < 1.0 && a.surge_min_ratio >= 1.0,
            "alerts: 0 < surge_p_value < 1 and surge_min_ratio >= 1"
        );
        anyhow::ensure!(
            a.hotspot_count >= 2
                && a.repeat_caller_count >= 2
                && a.hotspot_days >= 1
                && a.repeat_caller_days >= 1,
            "alerts: hotspot_count and repeat_caller_count >= 2, their days >= 1"
        );
        anyhow::ensure!(
            a.deadline_overdue_count >= 1 && (0.0..=1.0).contains(&a.deadline_overdue_share),
            "alerts: deadline_overdue_count >= 1 and 0 <= deadline_overdue_share <= 1"
        );
        let c = &self.callcenter;
        anyhow::ensure!(
            c.short_abandon_seconds >= 0 && c.repeat_caller_calls >= 2 && c.repeat_caller_days >= 1,
            "callcenter: short_abandon_seconds >= 0, repeat_caller_calls >= 2, its days >= 1"
        );
        for reason in &c.not_ready_reasons {
            anyhow::ensure!(
                hotline_domain::callcenter::acd::check_skill("code", &reason.code).is_ok()
                    && !hotline_domain::callcenter::agent::SYSTEM_REASONS
                        .contains(&reason.code.as_str()),
                "callcenter.not_ready_reasons: {:?} is not a free lowercase code",
                reason.code
            );
        }
        Ok(())
    }

    /// The database URL in effect.
    #[must_use]
    pub fn database_url(&self) -> String {
        self.database_url.as_ref().map_or_else(
            || format!("sqlite://{}", self.data_dir.join("hotline.db").display()),
            |url| url.expose().to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_list_matches_the_fields() -> anyhow::Result<()> {
        let value = serde_json::to_value(Config::default())?;
        let mut fields: Vec<&str> =
            value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let mut keys = Config::KEYS.to_vec();
        fields.sort_unstable();
        keys.sort_unstable();
        assert_eq!(fields, keys);
        Ok(())
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut c = Config {
            database_url: Some("postgres://hotline:s3cret-pw@db/hotline".into()),
            ..Config::default()
        };
        c.security.data_key = Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-pw") && !shown.contains("AAECAwQF"), "{shown}");
        assert!(c.database_url().contains("s3cret-pw"), "still usable");
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::default();
        assert_eq!(c.security.session.idle_minutes, 30);
        assert_eq!(c.security.lockout.max_failures, 20);
        assert_eq!(c.security.lockout.lock_minutes, 15);
        assert!(c.security.cookie_secure);
        assert_eq!(c.security.totp_required_roles, vec![Role::Admin, Role::Auditor]);
        assert!(c.database_url().starts_with("sqlite://hotline-data"));
        assert!(c.validate().is_ok());
    }
}
