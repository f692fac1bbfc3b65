//! Statistics, all read from the rollups that `rollup` keeps: the leaders' dashboard (where the
//! work orders are now, the trend, the category mix, the districts, the ranking), unit figures
//! over a period (三率, scores, rankings), the monthly bulletins and the appeals against a
//! ticket's inclusion in a unit's assessment, the period's repeat callers and frequent words.

mod adjustments;
mod appeals;
mod bulletin;
mod callers;
mod duty;
mod monthly;
mod rollup;
mod units;
mod words;

pub use adjustments::{AdjustmentInput, AdjustmentQuery, AdjustmentView};
pub use appeals::{AppealDecision, AppealInput, AppealQuery, AppealVerdict, AppealView};
pub use bulletin::{Bulletin, BulletinSummary, ListedUnit, PublishInput};
pub use callers::{CallersQuery, RepeatCallerView, RepeatCallers};
pub use duty::{AgentFigures, DutyCounts, DutyQuery, DutyReport, HourFigures, ShiftFigures};
pub use monthly::{ChannelCount, MonthlyQuery, MonthlyReport};
pub use rollup::{Recount, StatsDifference};
pub(crate) use units::parse_day;
pub use units::{CountedQuery, Period, UnitFigures, UnitsQuery, UnitsReport};
pub use words::{FrequentWords, WordCount, WordTicketsQuery, WordsQuery};

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use hotline_domain::alerts::AlertState;
use hotline_domain::org::OrgKind;
use hotline_domain::role::{Permission, Scope};
use hotline_domain::stats::{Measure, Measures};
use hotline_domain::{FieldError, FieldIssue};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::tickets::views::{OrgRef, org_ref};
use crate::{App, Ctx, Error, Result};

/// Units listed in the overview's overdue figure.
const OVERDUE_UNITS: usize = 15;
/// Top-level categories in the mix; the rest are summed as "other".
const MIX_CATEGORIES: usize = 10;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitCount {
    pub org: OrgRef,
    pub count: i64,
}

/// `GET /stats/overview?days=30`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// How many days the trend, the mix, the districts and the ranking cover, today
    /// included: 1–366, default 30.
    pub days: Option<i64>,
}

/// One day of the trend.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    pub day: NaiveDate,
    /// Appeals taken in.
    pub intake: i64,
    /// … of which answered on the spot (直接答复).
    pub answered_directly: i64,
}

/// A top-level category's share of the appeals (`id` none: uncategorised or the rest).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryCount {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub count: i64,
}

/// A district with its streets: the grid of the city.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RegionFigures {
    pub org: OrgRef,
    /// Work orders it was assessed on in the period.
    pub dispatched: i64,
    /// Held by it (or its streets) now, not finished.
    pub open: i64,
    pub overdue: i64,
    pub satisfaction_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
}

/// Every figure counts work orders: top-level tickets. An assisting unit's child ticket is part
/// of its parent, so the totals, the states and the overdue figures count the same set.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub total: i64,
    /// With a unit or waiting at the center.
    pub open: i64,
    /// Overdue with a unit, all of them (`overdue_by_unit` lists the 15 units with most).
    pub overdue: i64,
    pub by_state: BTreeMap<String, i64>,
    pub overdue_by_unit: Vec<UnitCount>,
    pub satisfaction: BTreeMap<String, i64>,
    /// The period the figures below cover.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Appeals per day, oldest first, days with none included.
    pub trend: Vec<DayCount>,
    /// Appeals per top-level category, most first.
    pub categories: Vec<CategoryCount>,
    /// The districts, by code.
    pub regions: Vec<RegionFigures>,
    /// Every unit's figures over the period, scored and ranked in its group.
    pub ranking: Vec<UnitFigures>,
    /// Alerts not closed yet.
    pub open_alerts: i64,
}

/// A unit as the answers name it; one no longer in the tree keeps its id.
fn unit_ref(reference: &crate::reference::ReferenceData, id: Uuid) -> OrgRef {
    reference
        .orgs
        .get(&id)
        .map_or_else(|| OrgRef { id, code: String::new(), name: String::new() }, org_ref)
}

/// Trimmed text, or an error naming `field` when empty or longer than `max` characters.
fn required_text(
    field: &str,
    raw: &str,
    max: usize,
    errors: &mut hotline_domain::FieldErrors,
) -> String {
    let value = raw.trim().to_owned();
    if value.is_empty() {
        errors.push(FieldError::new(field, FieldIssue::Required));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(field, FieldIssue::TooLong).with_limit(max));
    }
    value
}

/// Appeals per top-level category from the center's intake per category, most first.
fn category_mix(
    reference: &crate::reference::ReferenceData,
    intake: Vec<(Option<Uuid>, i64)>,
) -> Vec<CategoryCount> {
    let mut mix: HashMap<Option<Uuid>, i64> = HashMap::new();
    for (category, n) in intake {
        let top = category
            .and_then(|id| reference.categories.get(&id))
            .and_then(|c| c.path.split('/').find(|s| !s.is_empty()))
            .and_then(|s| s.parse::<Uuid>().ok());
        *mix.entry(top).or_default() += n;
    }
    let mut categories: Vec<CategoryCount> = mix
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(id, count)| CategoryCount {
            id,
            name: id.and_then(|id| reference.categories.get(&id)).map(|c| c.name.clone()),
            count,
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    categories
}

impl App {
    /// The leaders' dashboard, read from the rollups only: its cost does not grow with the
    /// number of tickets.
    pub async fn stats_overview(&self, ctx: &Ctx, query: &OverviewQuery) -> Result<Overview> {
        let (_, scope) = self.authorize(ctx, Permission::TicketRead, None).await?;
        if scope != Scope::City {
            return Err(Error::Forbidden);
        }
        let days = query.days.unwrap_or(30);
        if !(1..=366).contains(&days) {
            return Err(FieldError::new("days", FieldIssue::InvalidValue).with_limit(366).into());
        }
        let to = self.calendar().local_date(self.now());
        let from = to - chrono::Duration::days(days - 1);
        let db = self.store.reader();
        let reference = self.reference().await?;
        let now = hotline_store::stats::now_counts(db).await?;
        let mut by_state: BTreeMap<String, i64> = BTreeMap::new();
        let mut satisfaction: BTreeMap<String, i64> = BTreeMap::new();
        let mut late: HashMap<Uuid, i64> = HashMap::new();
        let mut held: HashMap<Uuid, i64> = HashMap::new();
        let (mut open, mut overdue) = (0, 0);
        for (key, n) in &now {
            *by_state.entry(key.state.as_str().to_owned()).or_default() += n;
            if let Some(s) = key.satisfaction {
                *satisfaction.entry(s.as_str().to_owned()).or_default() += n;
            }
            if key.is_open() {
                open += n;
                if let Some(holder) = key.holder {
                    *held.entry(holder).or_default() += n;
                }
            }
            if let Some(unit) = key.overdue_with() {
                overdue += n;
                *late.entry(unit).or_default() += n;
            }
        }
        let mut overdue_by_unit: Vec<UnitCount> = late
            .iter()
            .filter_map(|(org, count)| {
                Some(UnitCount { org: org_ref(reference.orgs.get(org)?), count: *count })
            })
            .collect();
        overdue_by_unit
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.org.code.cmp(&b.org.code)));
        overdue_by_unit.truncate(OVERDUE_UNITS);

        let center = self.center_id().await?;
        let by_day: HashMap<NaiveDate, Measures> =
            hotline_store::stats::days_of(db, center, from, to).await?.into_iter().collect();
        let trend = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|day| {
                let m = by_day.get(&day);
                DayCount {
                    day,
                    intake: m.map_or(0, |m| m.get(Measure::Intake)),
                    answered_directly: m.map_or(0, |m| m.get(Measure::AnsweredDirectly)),
                }
            })
            .collect();

        let mut categories = category_mix(
            &reference,
            hotline_store::stats::intake_by_category(db, center, from, to).await?,
        );
        if categories.len() > MIX_CATEGORIES {
            let rest: i64 = categories.drain(MIX_CATEGORIES..).map(|c| c.count).sum();
            categories.push(CategoryCount { id: None, name: None, count: rest });
        }

        let period_query = UnitsQuery {
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            subunits: Some(true),
            format: None,
        };
        let ranking = self.unit_figures(ctx, &period_query).await?.items;
        let mut regions: Vec<RegionFigures> = reference
            .orgs
            .values()
            .filter(|o| o.kind == OrgKind::District && o.active)
            .map(|district| {
                let within = |org: &Uuid| {
                    reference.orgs.get(org).is_some_and(|o| o.path.starts_with(&district.path))
                };
                let figures = ranking.iter().find(|u| u.org_id == district.id);
                RegionFigures {
                    org: org_ref(district),
                    dispatched: figures.map_or(0, |f| f.dispatched),
                    open: held.iter().filter(|(o, _)| within(o)).map(|(_, n)| n).sum(),
                    overdue: late.iter().filter(|(o, _)| within(o)).map(|(_, n)| n).sum(),
                    satisfaction_rate: figures.and_then(|f| f.satisfaction_rate),
                    on_time_rate: figures.and_then(|f| f.on_time_rate),
                }
            })
            .collect();
        regions.sort_by(|a, b| a.org.code.cmp(&b.org.code));

        let open_alerts = hotline_store::alerts::count_by_state(db)
            .await?
            .into_iter()
            .filter(|(state, _)| *state != AlertState::Closed)
            .map(|(_, n)| n)
            .sum();
        Ok(Overview {
            total: by_state.values().sum(),
            open,
            overdue,
            by_state,
            overdue_by_unit,
            satisfaction,
            from,
            to,
            trend,
            categories,
            regions,
            ranking,
            open_alerts,
        })
    }
}
