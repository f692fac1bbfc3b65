//! Seats, queues and agents' skills, as admins set them up.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use hotline_domain::audit::AuditAction;
use hotline_domain::callcenter::acd::{MAX_LEVEL, Strategy, check_skill};
use hotline_domain::callcenter::agent::AgentState;
use hotline_domain::role::Permission;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, UserId};
use hotline_store::callcenter::{AgentRow, QueueRow, SeatRow};
use hotline_store::unique_violation;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::Agent;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// `POST /callcenter/seats`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatInput {
    /// The extension the seat's phone registers as (digits, 2–16).
    pub extension: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SeatView {
    pub id: Uuid,
    pub extension: String,
    pub name: String,
    /// The agent logged in at it.
    pub agent_id: Option<Uuid>,
}

const fn default_level() -> u8 {
    1
}
const fn default_ring() -> u32 {
    15
}
#[expect(clippy::unnecessary_wraps, reason = "serde's default for an optional field")]
const fn default_wrap_up() -> Option<u32> {
    Some(30)
}
const fn default_busy_delay() -> u32 {
    10
}
const fn default_reject_delay() -> u32 {
    30
}
const fn default_active() -> bool {
    true
}

/// A queue: the dialled numbers whose calls it takes and how it routes them.
/// `POST /callcenter/queues`, `PUT /callcenter/queues/{id}`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueInput {
    pub name: String,
    /// The numbers dialled (DNIS): 12345, a merged hotline's 12315, 123459 for English.
    pub numbers: Vec<String>,
    /// Skills every agent offered a call must hold: `line:12345`, `lang:en`, `domain:housing`.
    #[serde(default)]
    pub skills: Vec<String>,
    /// The lowest level (1–10) of those skills that qualifies.
    #[serde(default = "default_level")]
    pub min_level: u8,
    /// The line's language (`zh`, `en`, `ja`…): its skill `lang:<code>` is needed too.
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub strategy: Option<Strategy>,
    /// How long an agent's phone rings before the call goes to another (RONA), 5–60.
    #[serde(default = "default_ring")]
    pub ring_timeout_s: u32,
    /// After-call work in seconds (0–600); `null` waits for the agent to say ready.
    #[serde(default = "default_wrap_up")]
    pub wrap_up_s: Option<u32>,
    /// A busy phone is not offered another call for this long.
    #[serde(default = "default_busy_delay")]
    pub busy_delay_s: u32,
    /// A phone that rejected a call is not offered another for this long.
    #[serde(default = "default_reject_delay")]
    pub reject_delay_s: u32,
    /// After a call has waited this long, `overflow_skills` apply instead of `skills`.
    #[serde(default)]
    pub overflow_after_s: Option<u32>,
    #[serde(default)]
    pub overflow_skills: Vec<String>,
    /// Open hours in local time (`08:00`, `20:00`); both unset for round the clock.
    #[serde(default)]
    pub open_from: Option<String>,
    #[serde(default)]
    pub open_to: Option<String>,
    #[serde(default = "default_active")]
    pub active: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QueueView {
    pub id: Uuid,
    /// As the queue was saved: what `PUT` takes back.
    pub settings: QueueInput,
}

/// `PUT /callcenter/agents/{user_id}`: makes a user an agent with these skills.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSkillsInput {
    /// Skill → level (1–10): `{"lang:zh": 10, "lang:en": 6, "line:12345": 5}`.
    pub skills: BTreeMap<String, u8>,
}

fn check_skills(field: &str, skills: &[String], errors: &mut FieldErrors) {
    if skills.len() > 20 {
        errors.push(FieldError::new(field, FieldIssue::TooLong).with_limit(20));
    }
    for (i, skill) in skills.iter().enumerate() {
        errors.take(check_skill(&format!("{field}[{i}]"), skill));
    }
}

fn check_time(field: &str, raw: Option<&str>, errors: &mut FieldErrors) {
    if raw.is_some_and(|raw| NaiveTime::parse_from_str(raw, "%H:%M").is_err()) {
        errors.push(FieldError::new(field, FieldIssue::InvalidFormat).with_detail("HH:MM"));
    }
}

impl QueueInput {
    /// The input checked field by field, the name trimmed.
    fn checked(&self) -> Result<Self> {
        let mut errors = FieldErrors::default();
        let name = errors.take(bounded_text("name", &self.name, 1, 100));
        if self.numbers.is_empty() {
            errors.push(FieldError::new("numbers", FieldIssue::Required));
        } else if self.numbers.len() > 20 {
            errors.push(FieldError::new("numbers", FieldIssue::TooLong).with_limit(20));
        }
        for (i, number) in self.numbers.iter().enumerate() {
            let digits = number.len() >= 3 && number.len() <= 20;
            if !digits || !number.chars().all(|c| c.is_ascii_digit()) {
                errors.push(FieldError::new(format!("numbers[{i}]"), FieldIssue::InvalidFormat));
            }
        }
        check_skills("skills", &self.skills, &mut errors);
        check_skills("overflow_skills", &self.overflow_skills, &mut errors);
        if !(1..=MAX_LEVEL).contains(&self.min_level) {
            errors.push(FieldError::new("min_level", FieldIssue::InvalidValue));
        }
        if let Some(lang) = &self.lang {
            let ok = (2..=8).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
            if !ok {
                errors.push(FieldError::new("lang", FieldIssue::InvalidValue));
            }
        }
        if !(5..=60).contains(&self.ring_timeout_s) {
            errors.push(FieldError::new("ring_timeout_s", FieldIssue::InvalidValue));
        }
        if self.wrap_up_s.is_some_and(|s| s > 600) {
            errors.push(FieldError::new("wrap_up_s", FieldIssue::InvalidValue));
        }
        for (field, value) in
            [("busy_delay_s", self.busy_delay_s), ("reject_delay_s", self.reject_delay_s)]
        {
            if value > 600 {
                errors.push(FieldError::new(field, FieldIssue::InvalidValue));
            }
        }
        if self.overflow_after_s.is_some_and(|s| s > 3600) {
            errors.push(FieldError::new("overflow_after_s", FieldIssue::InvalidValue));
        }
        check_time("open_from", self.open_from.as_deref(), &mut errors);
        check_time("open_to", self.open_to.as_deref(), &mut errors);
        if self.open_from.is_some() != self.open_to.is_some() {
            let missing = if self.open_from.is_some() { "open_to" } else { "open_from" };
            errors.push(FieldError::new(missing, FieldIssue::Required));
        }
        errors.into_result()?;
        Ok(Self { name: name.unwrap_or_default(), ..self.clone() })
    }

    /// Whether the line takes calls at `local` time.
    pub(crate) fn open_at(&self, local: NaiveTime) -> bool {
        let parse = |s: &Option<String>| {
            s.as_deref().and_then(|s| NaiveTime::parse_from_str(s, "%H:%M").ok())
        };
        match (parse(&self.open_from), parse(&self.open_to)) {
            (Some(from), Some(to)) if from <= to => local >= from && local < to,
            // Across midnight: 20:00–08:00.
            (Some(from), Some(to)) => local >= from || local < to,
            _ => true,
        }
    }
}

fn taken(field: &'static str) -> impl Fn(hotline_store::Error) -> Error {
    move |e| match unique_violation(&e) {
        Some(_) => Error::AlreadyExists(FieldError::new(field, FieldIssue::AlreadyExists)),
        None => e.into(),
    }
}

impl App {
    pub async fn list_seats(&self, ctx: &Ctx) -> Result<Vec<SeatView>> {
        self.authorize_floor_read(ctx).await?;
        let floor = self.floor().await?;
        Ok(floor
            .seats
            .values()
            .map(|s| SeatView {
                id: s.id,
                extension: s.extension.clone(),
                name: s.name.clone(),
                agent_id: floor
                    .agents
                    .iter()
                    .find(|(_, a)| a.seat == Some(s.id))
                    .map(|(id, _)| id.as_uuid()),
            })
            .collect())
    }

    /// Anyone on the floor or running it may see its seats and queues.
    async fn authorize_floor_read(&self, ctx: &Ctx) -> Result<()> {
        let principal = ctx.principal.as_ref().ok_or(Error::Unauthenticated)?;
        let any = [Permission::CallTake, Permission::CallSupervise, Permission::CallcenterManage];
        if any.iter().any(|p| principal.scope_for(*p).is_some()) {
            return Ok(());
        }
        self.authorize(ctx, Permission::CallTake, None).await.map(|_| ())
    }

    pub async fn create_seat(&self, ctx: &Ctx, input: &SeatInput) -> Result<SeatView> {
        self.authorize(ctx, Permission::CallcenterManage, None).await?;
        let mut errors = FieldErrors::default();
        let extension = input.extension.trim().to_owned();
        let ok =
            (2..=16).contains(&extension.len()) && extension.chars().all(|c| c.is_ascii_digit());
        if !ok {
            errors.push(FieldError::new("extension", FieldIssue::InvalidFormat));
        }
        let name = errors.take(bounded_text("name", &input.name, 1, 100));
        errors.into_result()?;
        let now = self.now();
        let row = SeatRow {
            id: Uuid::now_v7(),
            extension,
            name: name.unwrap_or_default(),
            created_at: now,
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CallcenterConfig)
                .subject("seat", row.id)
                .detail(json!({"seat": row.extension, "created": true})),
            now,
        );
        let saved = row.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::callcenter::insert_seat(&**tx, saved)
                        .await
                        .map_err(taken("extension"))?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.reload_floor().await;
        Ok(SeatView { id: row.id, extension: row.extension, name: row.name, agent_id: None })
    }

    pub async fn list_queues(&self, ctx: &Ctx) -> Result<Vec<QueueView>> {
        self.authorize_floor_read(ctx).await?;
        let floor = self.floor().await?;
        Ok(floor
            .queues
            .iter()
            .map(|q| QueueView { id: q.id, settings: q.settings.clone() })
            .collect())
    }

    /// Creates a queue (`id` none) or replaces one. A number belongs to one active queue.
    pub async fn save_queue(
        &self,
        ctx: &Ctx,
        id: Option<Uuid>,
        input: &QueueInput,
    ) -> Result<QueueView> {
        self.authorize(ctx, Permission::CallcenterManage, None).await?;
        let settings = input.checked()?;
        let db = self.store.reader();
        let existing = hotline_store::callcenter::queues(db).await?;
        let before = match id {
            Some(id) => Some(existing.iter().find(|q| q.id == id).ok_or(Error::NotFound("queue"))?),
            None => None,
        };
        for other in existing.iter().filter(|q| Some(q.id) != id && q.active && settings.active) {
            let theirs: QueueInput = super::json_of("queue", other.id, &other.settings)?;
            if let Some(i) = settings.numbers.iter().position(|n| theirs.numbers.contains(n)) {
                return Err(Error::AlreadyExists(
                    FieldError::new(format!("numbers[{i}]"), FieldIssue::AlreadyExists)
                        .with_detail(format!("taken by {}", other.name)),
                ));
            }
        }
        let now = self.now();
        let row = QueueRow {
            id: id.unwrap_or_else(Uuid::now_v7),
            name: settings.name.clone(),
            settings: serde_json::to_string(&settings).map_err(|e| Error::Internal(e.into()))?,
            active: settings.active,
            created_at: before.map_or(now, |b| b.created_at),
            updated_at: now,
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CallcenterConfig).subject("queue", row.id).detail(
                json!({"queue": row.name, "numbers": settings.numbers, "created": id.is_none()}),
            ),
            now,
        );
        let saved = row.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if id.is_some() {
                        hotline_store::callcenter::update_queue(&**tx, saved).await
                    } else {
                        hotline_store::callcenter::insert_queue(&**tx, saved).await
                    }
                    .map_err(taken("name"))?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.reload_floor().await;
        Ok(QueueView { id: row.id, settings })
    }

    /// Makes `user` an agent with `skills`, or changes their skills (their state stays).
    pub async fn set_agent_skills(
        &self,
        ctx: &Ctx,
        user: Uuid,
        input: &AgentSkillsInput,
    ) -> Result<super::AgentView> {
        self.authorize(ctx, Permission::CallcenterManage, None).await?;
        let mut errors = FieldErrors::default();
        if input.skills.len() > 40 {
            errors.push(FieldError::new("skills", FieldIssue::TooLong).with_limit(40));
        }
        for (skill, level) in &input.skills {
            let field = format!("skills.{skill}");
            errors.take(check_skill(&field, skill));
            if !(1..=MAX_LEVEL).contains(level) {
                errors.push(FieldError::new(field, FieldIssue::InvalidValue));
            }
        }
        errors.into_result()?;
        let row = hotline_store::users::find(self.store.reader(), user)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let now = self.now();
        let id = UserId::from_uuid(user);
        let mut floor = self.floor().await?;
        let agent = floor.agents.entry(id).or_insert_with(|| Agent {
            name: row.display_name.clone(),
            skills: BTreeMap::new(),
            seat: None,
            state: AgentState::logged_out(now),
            talk_today: 0,
            last_offer: None,
        });
        agent.skills.clone_from(&input.skills);
        let agent_row: AgentRow = agent.row(id, now)?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CallcenterConfig)
                .subject("agent", user)
                .detail(json!({"skills": input.skills})),
            now,
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::callcenter::save_agent(&**tx, agent_row).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(super::agents::view(&floor, id, now))
    }
}
