//! Application use cases, shared by every entry point: the HTTP API, the CLI and workers.
//!
//! A use case takes the caller's [`Ctx`], checks permission and scope through
//! [`App::authorize`], validates input into domain types, and commits its change together with
//! its audit rows in one transaction.

pub mod alerts;
pub mod audit;
pub mod briefings;
pub mod callcenter;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod events;
pub mod identity;
pub mod integrations;
pub mod jobs;
pub mod kb;
pub mod ops;
pub mod paging;
pub mod reference;
pub mod reports;
pub mod search;
pub mod stats;
pub mod suggest;
pub mod tickets;

use std::sync::{Arc, RwLock};

use hotline_domain::calendar::Calendar;

use chrono::{DateTime, Utc};
use hotline_domain::audit::{AuditAction, AuditRecord, Outcome};
use hotline_domain::org::OrgPath;
use hotline_domain::role::{Actor, Permission, Principal, Scope};
use hotline_store::files::FileStore;
use hotline_store::{DbConfig, Store};
use serde_json::json;

pub use clock::Clock;
pub use config::Config;
pub use error::{Error, Result};

use crate::crypto::{DataKey, PasswordHasher};

/// How the process was started. Demo mode seeds demo data and relaxes what only makes sense
/// for real accounts (forced password change of the demo users, TOTP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Production,
    Demo,
}

/// Everything a use case needs, cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub store: Store,
    /// Uploaded files (attachments), beside the database under `<data_dir>/files`.
    pub files: FileStore,
    /// For calls out: webhook deliveries and federation peers.
    pub(crate) http: reqwest::Client,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub mode: Mode,
    pub(crate) hasher: PasswordHasher,
    pub(crate) data_key: DataKey,
    /// The working-day calendar, loaded from the database and replaced when admins edit it.
    calendar: Arc<RwLock<Arc<Calendar>>>,
    reference_cache: Arc<reference::ReferenceCache>,
    events: tokio::sync::broadcast::Sender<events::LiveEvent>,
    pub(crate) sign_in: Arc<identity::throttle::SignInThrottle>,
    pub(crate) rate_limits: Arc<identity::throttle::RateLimits>,
    pub(crate) session_uses: Arc<identity::throttle::SessionUses>,
    pub(crate) recent_reads: Arc<tickets::RecentReads>,
    pub(crate) jobs: Arc<jobs::JobBoard>,
    pub(crate) classifier: suggest::ModelSlot,
    pub(crate) handlers: suggest::HandlerCache,
    pub(crate) search: Arc<search::index::SearchState>,
    /// The call center's floor, in memory for the ACD.
    pub(crate) floor: Arc<callcenter::FloorSlot>,
    /// This process, as the holder of outbox leases.
    pub(crate) instance: uuid::Uuid,
}

impl App {
    /// Connects to the database named by `config` and loads the keys.
    pub async fn open(config: Config, clock: Clock, mode: Mode) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!("cannot create data directory {}: {e}", config.data_dir.display())
        })?;
        let mut db = DbConfig::new(config.database_url());
        db.max_connections = config.database_max_connections;
        let store = Store::connect(&db).await?;
        Self::with_store(config, clock, mode, store)
    }

    /// Builds the application on an existing store (tests bring their own database).
    pub fn with_store(
        config: Config,
        clock: Clock,
        mode: Mode,
        store: Store,
    ) -> anyhow::Result<Self> {
        let hasher = PasswordHasher::new(&config.security.argon2)?;
        let data_key = DataKey::load(
            config.security.data_key.as_ref().map(config::Secret::expose),
            &config.data_dir,
        )?;
        let (hours, offset) = config.tickets.working_hours()?;
        let calendar = Arc::new(RwLock::new(Arc::new(Calendar::new([], [], hours, offset))));
        Ok(Self {
            store,
            files: FileStore::new(config.data_dir.join("files")),
            http: reqwest::Client::builder()
                .user_agent(concat!("hotline/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(std::time::Duration::from_secs(5))
                .build()?,
            clock,
            mode,
            hasher,
            data_key,
            calendar,
            reference_cache: Arc::default(),
            events: tokio::sync::broadcast::channel(events::BACKLOG).0,
            sign_in: Arc::new(identity::throttle::SignInThrottle::new(
                config.security.sign_in.clone(),
            )),
            rate_limits: Arc::new(identity::throttle::RateLimits::new(&config.security.rate_limit)),
            session_uses: Arc::default(),
            recent_reads: Arc::default(),
            classifier: suggest::ModelSlot::default(),
            handlers: suggest::HandlerCache::default(),
            search: Arc::default(),
            floor: Arc::default(),
            jobs: Arc::default(),
            instance: uuid::Uuid::now_v7(),
            config: Arc::new(config),
        })
    }

    /// Gets the database ready to serve: migrations, reference data on first start, the
    /// calendar into memory.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.store.migrate().await?;
        self.seed_reference().await?;
        self.reload_calendar().await?;
        self.invalidate_reference();
        Ok(())
    }

    /// Applies the migrations not applied yet; returns their names (`hotline migrate`).
    pub async fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let pending = self.store.pending_migrations().await?;
        self.store.migrate().await?;
        Ok(pending)
    }

    /// The same application seen through another clock (the demo writes history with it).
    #[must_use]
    pub fn with_clock(&self, clock: Clock) -> Self {
        Self { clock, ..self.clone() }
    }

    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Appends audit rows for events whose business change did not happen (denials, failed
    /// logins) or changed nothing (reads), before the caller answers. Batched across requests
    /// on both databases, as every read of personal data writes one.
    pub async fn audit_now(&self, records: Vec<AuditRecord>) -> Result<()> {
        Ok(self.store.audit(records).await?)
    }

    /// Checks that the caller may use `permission` on `target` (or at all, when `target` is
    /// `None`) and returns the caller's scope for it. A refusal is audited.
    pub async fn authorize(
        &self,
        ctx: &Ctx,
        permission: Permission,
        target: Option<&OrgPath>,
    ) -> Result<(Principal, Scope)> {
        let principal = ctx.principal.clone().ok_or(Error::Unauthenticated)?;
        let scope = principal.scope_for(permission);
        match scope {
            Some(scope) if target.is_none_or(|path| scope.contains(path)) => Ok((principal, scope)),
            _ => Err(self
                .deny(
                    ctx,
                    json!({
                        "permission": permission.as_str(),
                        "target_org_path": target.map(OrgPath::as_str),
                    }),
                )
                .await),
        }
    }

    /// Audits a refusal (what was asked, in `detail`) and gives the error to answer with.
    pub(crate) async fn deny(&self, ctx: &Ctx, detail: serde_json::Value) -> Error {
        let record = ctx.record(
            AuditEntry::new(AuditAction::AccessDenied).outcome(Outcome::Denied).detail(detail),
            self.now(),
        );
        match self.audit_now(vec![record]).await {
            Ok(()) => Error::Forbidden,
            Err(e) => e,
        }
    }
}

/// Who is calling and from where: everything the audit trail needs to know about a request.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    pub principal: Option<Principal>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
}

impl Ctx {
    /// A context for the command line: the operator acts as the system.
    #[must_use]
    pub fn system() -> Self {
        Self {
            principal: Some(Principal::system()),
            source_ip: Some("cli".to_owned()),
            request_id: None,
        }
    }

    /// An audit row for `entry`, attributed to this caller unless the entry names its actor.
    #[must_use]
    pub fn record(&self, entry: AuditEntry, now: DateTime<Utc>) -> AuditRecord {
        let (actor_id, actor_name, actor_org_id) = match (entry.actor, &self.principal) {
            (Some(actor), _) => (Some(actor.0), Some(actor.1), actor.2),
            (None, Some(p)) => match p.actor {
                Actor::User(id) => {
                    (Some(id.to_string()), Some(p.name.clone()), Some(p.org_id.to_string()))
                }
                Actor::Token(id) => (
                    Some(id.to_string()),
                    Some(format!("token:{}", p.name)),
                    Some(p.org_id.to_string()),
                ),
                Actor::Peer(id) => (
                    Some(format!("peer:{id}")),
                    Some(format!("peer:{}", p.name)),
                    Some(p.org_id.to_string()),
                ),
                Actor::System => (Some("system".to_owned()), Some("system".to_owned()), None),
            },
            (None, None) => (None, None, None),
        };
        AuditRecord {
            seq: 0,
            at: now,
            actor_id,
            actor_name,
            actor_org_id,
            source_ip: self.source_ip.clone(),
            request_id: self.request_id.clone(),
            action: entry.action.as_str().to_owned(),
            outcome: entry.outcome.as_str().to_owned(),
            subject_type: entry.subject.as_ref().map(|s| s.0.to_owned()),
            subject_id: entry.subject.map(|s| s.1),
            detail: entry.detail.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }
}

/// What to write to the audit trail, before it is attributed and sealed.
#[derive(Debug)]
pub struct AuditEntry {
    action: AuditAction,
    outcome: Outcome,
    subject: Option<(&'static str, String)>,
    detail: serde_json::Value,
    /// `(id, name, org id)` when the actor is not the signed-in caller (e.g. a login attempt).
    actor: Option<(String, String, Option<String>)>,
}

impl AuditEntry {
    #[must_use]
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            outcome: Outcome::Success,
            subject: None,
            detail: serde_json::Value::Object(serde_json::Map::new()),
            actor: None,
        }
    }

    #[must_use]
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    #[must_use]
    pub fn subject(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.subject = Some((kind, id.to_string()));
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    #[must_use]
    pub fn actor(mut self, id: impl ToString, name: impl ToString, org: Option<String>) -> Self {
        self.actor = Some((id.to_string(), name.to_string(), org));
        self
    }
}
