//! On-duty figures (值班统计), read from the hourly rollups: for each member of staff over a
//! period (within one shift if asked) the contacts taken, the appeals registered, answered on
//! the spot and sent on, and how those fared (reopened, returned); the intake by hour of day,
//! and per shift. Call figures and QA scores join once those areas exist.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use hotline_domain::audit::AuditAction;
use hotline_domain::duty::{DutyKey, DutyMeasures, Shift};
use hotline_domain::role::{Permission, Scope};
use hotline_domain::stats::share;
use hotline_domain::{FieldError, FieldIssue};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::Period;
use crate::paging::ListFormat;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// `GET /stats/duty?from=&to=&shift=`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DutyQuery {
    /// First day, `YYYY-MM-DD`; default the first of this month.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// One shift's hours only, by its name (`早班`).
    pub shift: Option<String>,
    /// `xlsx` or `csv`: the staff table as a spreadsheet.
    #[param(inline)]
    pub format: Option<ListFormat>,
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct DutyCounts {
    pub contacts: i64,
    pub registered: i64,
    /// 直接答复 at intake.
    pub answered: i64,
    pub dispatched: i64,
    pub reopened: i64,
    pub returned: i64,
    /// Answered of registered; `null` when nothing was registered.
    pub answered_rate: Option<f64>,
    pub reopen_rate: Option<f64>,
    pub return_rate: Option<f64>,
}

impl DutyCounts {
    fn of(m: &DutyMeasures) -> Self {
        Self {
            contacts: m.contacts,
            registered: m.registered,
            answered: m.answered,
            dispatched: m.dispatched,
            reopened: m.reopened,
            returned: m.returned,
            answered_rate: share(m.answered, m.registered),
            reopen_rate: share(m.reopened, m.registered),
            return_rate: share(m.returned, m.registered),
        }
    }
}

/// One member of staff's figures.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AgentFigures {
    /// The nil id for what no one on staff took in (intake apps, the portal).
    pub agent_id: Uuid,
    pub name: Option<String>,
    #[serde(flatten)]
    pub counts: DutyCounts,
    /// Hours in which they took anything in: a rough measure of time on the line.
    pub active_hours: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HourFigures {
    pub hour: u8,
    #[serde(flatten)]
    pub counts: DutyCounts,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ShiftFigures {
    #[serde(flatten)]
    pub shift: Shift,
    #[serde(flatten)]
    pub counts: DutyCounts,
    /// Staff who took anything in during it.
    pub agents: usize,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DutyReport {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// The shift asked for.
    pub shift: Option<String>,
    pub total: DutyCounts,
    /// The busiest first.
    pub items: Vec<AgentFigures>,
    /// Every hour of the day, 0–23.
    pub hours: Vec<HourFigures>,
    /// Every configured shift, over the whole period.
    pub shifts: Vec<ShiftFigures>,
}

impl App {
    /// What the staff did over a period, for the center's supervisors and leaders.
    pub async fn duty_figures(&self, ctx: &Ctx, query: &DutyQuery) -> Result<DutyReport> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        if scope != Scope::City {
            // The staff are the center's; a unit has none here.
            return Err(Error::Forbidden);
        }
        let period = Period::parse(query.from.as_deref(), query.to.as_deref(), self.today())?;
        let shifts = &self.config.stats.shifts;
        let shift = match query.shift.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(name) => Some(shifts.iter().find(|s| s.name == name).ok_or_else(|| {
                let names: Vec<&str> = shifts.iter().map(|s| s.name.as_str()).collect();
                FieldError::new("shift", FieldIssue::InvalidValue).with_detail(names.join(","))
            })?),
        };
        let rows = hotline_store::duty::hourly(self.store.reader(), Some((period.from, period.to)))
            .await?;
        let mut total = DutyMeasures::default();
        let mut agents: HashMap<Uuid, (DutyMeasures, HashSet<(NaiveDate, u8)>)> = HashMap::new();
        let mut hours: BTreeMap<u8, DutyMeasures> =
            (0..24).map(|h| (h, DutyMeasures::default())).collect();
        let mut per_shift: Vec<(DutyMeasures, HashSet<Uuid>)> =
            shifts.iter().map(|_| (DutyMeasures::default(), HashSet::new())).collect();
        for (DutyKey { day, hour, agent_id, .. }, m) in &rows {
            for (s, (sum, staff)) in shifts.iter().zip(per_shift.iter_mut()) {
                if s.holds(*hour) {
                    sum.add(m);
                    if !agent_id.is_nil() {
                        staff.insert(*agent_id);
                    }
                }
            }
            if shift.is_some_and(|s| !s.holds(*hour)) {
                continue;
            }
            total.add(m);
            hours.entry(*hour).or_default().add(m);
            let (sum, active) = agents.entry(*agent_id).or_default();
            sum.add(m);
            active.insert((*day, *hour));
        }
        let ids: Vec<Uuid> = agents.keys().copied().filter(|id| !id.is_nil()).collect();
        let names = hotline_store::users::display_names(self.store.reader(), &ids).await?;
        let mut items: Vec<AgentFigures> = agents
            .into_iter()
            .map(|(agent_id, (m, active))| AgentFigures {
                agent_id,
                name: names.get(&agent_id).cloned(),
                counts: DutyCounts::of(&m),
                active_hours: i64::try_from(active.len()).unwrap_or(i64::MAX),
            })
            .collect();
        items.sort_by(|a, b| {
            (b.counts.contacts + b.counts.registered)
                .cmp(&(a.counts.contacts + a.counts.registered))
                .then_with(|| a.name.cmp(&b.name))
        });
        if query.format.unwrap_or_default() != ListFormat::Json {
            self.audit_now(vec![ctx.record(
                AuditEntry::new(AuditAction::StatsExport).detail(json!({
                    "report": "duty", "from": period.from, "to": period.to,
                    "shift": shift.map(|s| &s.name), "rows": items.len(),
                })),
                self.now(),
            )])
            .await?;
        }
        Ok(DutyReport {
            from: period.from,
            to: period.to,
            shift: shift.map(|s| s.name.clone()),
            total: DutyCounts::of(&total),
            items,
            hours: hours
                .into_iter()
                .map(|(hour, m)| HourFigures { hour, counts: DutyCounts::of(&m) })
                .collect(),
            shifts: shifts
                .iter()
                .zip(per_shift)
                .map(|(s, (m, staff))| ShiftFigures {
                    shift: s.clone(),
                    counts: DutyCounts::of(&m),
                    agents: staff.len(),
                })
                .collect(),
        })
    }
}
