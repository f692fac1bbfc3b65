//! The report builder (自定义报表): any cut of the daily rollups by up to two dimensions, with
//! counts and indicators per row, beside the period before when asked (环比: how rising
//! categories are found); the tickets behind every count; and the reports each user keeps
//! (`saved`). Like every statistic, read from the rollups, never from the tickets.

mod saved;

pub use saved::{SavedReport, SavedReportInput};

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use hotline_domain::audit::AuditAction;
use hotline_domain::report::{
    Dimension, Figure, MAX_DAYS, MAX_DIMENSIONS, MAX_FIGURES, Range, previous_period,
};
use hotline_domain::role::{Permission, Scope};
use hotline_domain::stats::Measures;
use hotline_domain::ticket::Channel;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::stats::{Grouping, Slice, SliceKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::identity::orgs::path_of;
use crate::paging::{ListFormat, PageOf, Paging};
use crate::reference::ReferenceData;
use crate::reference::categories::path_names;
use crate::stats::parse_day;
use crate::tickets::TicketSummary;
use crate::{App, AuditEntry, Ctx, Result};

/// Rows a table shows unless asked for fewer or more.
const DEFAULT_LIMIT: usize = 500;
/// The most rows one table holds, exported or not.
const MAX_LIMIT: usize = 10_000;

const fn default_range() -> Range {
    Range::Last30Days
}

/// What a report shows: kept as JSON when saved, so every field has a default but the figures.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDefinition {
    /// The period, relative to the day the report runs; `custom` takes `from` and `to`.
    #[serde(default = "default_range")]
    pub range: Range,
    /// `YYYY-MM-DD`, with `range` `custom` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Up to two, in order: the rows are cut by the first, then the second.
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// One to twelve columns: counts of the rollups or indicators.
    pub figures: Vec<Figure>,
    /// Only this unit's counts, with its sub-units' unless `subunits` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subunits: Option<bool>,
    /// Only this category and those below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<Uuid>,
    /// Only these channels; none means every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Set each row beside the period of the same length just before (环比); not with a time
    /// dimension.
    #[serde(default)]
    pub compare: bool,
    /// The figure rows are ordered by, largest first (`ascending` turns it); by default time
    /// runs in order and other rows follow the first figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Figure>,
    /// Order by the change against the period before instead of the figure (with `compare`).
    #[serde(default)]
    pub sort_by_change: bool,
    #[serde(default)]
    pub ascending: bool,
    /// Rows shown, 1–10000, default 500; `total_rows` says how many there were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// `POST /reports/run?format=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// `xlsx` or `csv`: the table as a spreadsheet, audited as an export.
    #[param(inline)]
    pub format: Option<ListFormat>,
}

/// One dimension's value in a row: `value` is what the drill-down takes back (an id, a channel
/// code, `2026-11`, `2026-W48`, `2026-11-24`; empty for "none"), `label` a name where there is one.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReportKey {
    pub value: String,
    pub label: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// One per dimension, in order.
    pub keys: Vec<ReportKey>,
    /// One per figure, in order; a rate is `null` when nothing was due.
    pub values: Vec<Option<f64>>,
    /// With `compare`: the figures of the period before, and how each moved: a count by its
    /// relative change (0.25 is +25%, `null` where there was nothing before), an indicator by
    /// the difference (a rate in points as a fraction, the average finishing time in days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Vec<Option<f64>>>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReportTable {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// With `compare`: the period before.
    pub previous_from: Option<NaiveDate>,
    pub previous_to: Option<NaiveDate>,
    pub dimensions: Vec<Dimension>,
    pub figures: Vec<Figure>,
    pub rows: Vec<ReportRow>,
    /// Rows before `limit` cut them.
    pub total_rows: usize,
    /// The figures over every row (not only those shown).
    pub totals: ReportRow,
}

/// `POST /reports/tickets`: the tickets behind one count of a report.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportCell {
    pub definition: ReportDefinition,
    /// The row's `keys[].value`, one per dimension (none: the totals row).
    #[serde(default)]
    pub keys: Vec<String>,
    /// A count of the definition (an indicator has no tickets of its own).
    pub figure: Figure,
    /// The period before's count instead (with `compare`).
    #[serde(default)]
    pub previous: bool,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// A dimension's value for one rollup row; ordered as the table reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    /// The first day of the bucket.
    Time(NaiveDate),
    Org(Option<Uuid>),
    Category(Option<Uuid>),
    Channel(Channel),
}

/// A definition checked against the caller's reach and the reference data.
struct Plan {
    from: NaiveDate,
    to: NaiveDate,
    dimensions: Vec<Dimension>,
    figures: Vec<Figure>,
    /// `None`: every org.
    orgs: Option<Vec<Uuid>>,
    /// `None`: every category (and none).
    categories: Option<Vec<Uuid>>,
    channels: Vec<Channel>,
    compare: bool,
    limit: usize,
}

impl Plan {
    fn grouping(&self) -> Grouping {
        let mut grouping = Grouping::default();
        for dimension in &self.dimensions {
            match dimension {
                Dimension::Day | Dimension::Week | Dimension::Month => grouping.day = true,
                Dimension::Unit | Dimension::FirstLevelUnit => grouping.org = true,
                Dimension::Category | Dimension::TopCategory => grouping.category = true,
                Dimension::Channel => grouping.channel = true,
            }
        }
        grouping
    }

    fn slice(&self, (from, to): (NaiveDate, NaiveDate)) -> Slice<'_> {
        Slice {
            from,
            to,
            orgs: self.orgs.as_deref(),
            categories: self.categories.as_deref(),
            channels: &self.channels,
        }
    }
}

/// The unit directly below the center that `org` is (or lies under); the center is its own.
fn first_level(reference: &ReferenceData, org: Uuid) -> Option<Uuid> {
    let row = reference.orgs.get(&org)?;
    let path = path_of(row);
    path.ids::<Uuid>().nth(1).or_else(|| path.ids::<Uuid>().next())
}

/// The top level of `category`; `None` for no category.
fn top_category(reference: &ReferenceData, category: Uuid) -> Option<Uuid> {
    let row = reference.categories.get(&category)?;
    hotline_domain::org::TreePath::from_stored(row.path.clone()).ids::<Uuid>().next()
}

/// The nil id stands for "no category" in the rollups.
fn category_of(id: Option<Uuid>) -> Option<Uuid> {
    id.filter(|id| !id.is_nil())
}

fn key_of(reference: &ReferenceData, dimension: Dimension, row: &SliceKey) -> Option<Key> {
    Some(match dimension {
        Dimension::Day | Dimension::Week | Dimension::Month => {
            Key::Time(dimension.bucket(row.day?)?.0)
        }
        Dimension::Unit => Key::Org(row.org_id),
        Dimension::FirstLevelUnit => Key::Org(row.org_id.and_then(|o| first_level(reference, o))),
        Dimension::Category => Key::Category(category_of(row.category_id)),
        Dimension::TopCategory => {
            Key::Category(category_of(row.category_id).and_then(|c| top_category(reference, c)))
        }
        Dimension::Channel => Key::Channel(row.channel?),
    })
}

fn key_view(reference: &ReferenceData, dimension: Dimension, key: Key) -> ReportKey {
    match key {
        Key::Time(first) => {
            ReportKey { value: dimension.bucket_code(first).unwrap_or_default(), label: None }
        }
        Key::Org(org) => ReportKey {
            value: org.map(|o| o.to_string()).unwrap_or_default(),
            label: org.and_then(|o| reference.orgs.get(&o)).map(|o| o.name.clone()),
        },
        Key::Category(category) => ReportKey {
            value: category.map(|c| c.to_string()).unwrap_or_default(),
            label: category.and_then(|c| path_names(reference, c)).map(|names| names.join(" / ")),
        },
        Key::Channel(channel) => ReportKey { value: channel.as_str().to_owned(), label: None },
    }
}

/// The rollup rows summed per combination of the dimensions' keys.
fn fold(
    reference: &ReferenceData,
    dimensions: &[Dimension],
    rows: Vec<(SliceKey, Measures)>,
) -> BTreeMap<Vec<Key>, Measures> {
    let mut out: BTreeMap<Vec<Key>, Measures> = BTreeMap::new();
    for (row, measures) in rows {
        let Some(keys) =
            dimensions.iter().map(|d| key_of(reference, *d, &row)).collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        out.entry(keys).or_insert_with(Measures::zero).add(&measures);
    }
    out
}

fn invalid(field: &str, detail: &str) -> FieldError {
    FieldError::new(field, FieldIssue::InvalidValue).with_detail(detail.to_owned())
}

/// Each item once, or an error naming the field.
fn distinct<T: PartialEq + Copy + std::hash::Hash + Eq>(
    field: &str,
    items: &[T],
) -> Result<(), FieldError> {
    let mut seen = HashSet::new();
    if items.iter().all(|i| seen.insert(*i)) { Ok(()) } else { Err(invalid(field, "listed twice")) }
}

impl App {
    /// Checks `definition` and narrows it to the caller's reach: a unit's staff see their own
    /// subtree only, the center the whole city.
    async fn plan(&self, ctx: &Ctx, definition: &ReportDefinition) -> Result<Plan> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        let reference = self.reference().await?;
        let today = self.today();
        let mut errors = FieldErrors::new();
        let custom = definition.range == Range::Custom;
        let day = |field: &str, raw: &Option<String>, errors: &mut FieldErrors| match raw {
            Some(raw) if custom => errors.take(parse_day(field, raw)),
            Some(_) => {
                errors.push(invalid(field, "only with range custom"));
                None
            }
            None if custom => {
                errors.push(FieldError::new(field, FieldIssue::Required));
                None
            }
            None => None,
        };
        let from = day("from", &definition.from, &mut errors);
        let to = day("to", &definition.to, &mut errors);
        if definition.dimensions.len() > MAX_DIMENSIONS {
            errors.push(
                FieldError::new("dimensions", FieldIssue::TooLong).with_limit(MAX_DIMENSIONS),
            );
        }
        errors.take(distinct("dimensions", &definition.dimensions));
        if definition.figures.is_empty() {
            errors.push(FieldError::new("figures", FieldIssue::Required));
        } else if definition.figures.len() > MAX_FIGURES {
            errors.push(FieldError::new("figures", FieldIssue::TooLong).with_limit(MAX_FIGURES));
        }
        errors.take(distinct("figures", &definition.figures));
        errors.take(distinct("channels", &definition.channels));
        if definition.compare && definition.dimensions.iter().any(|d| d.is_time()) {
            errors.push(invalid("compare", "not with a time dimension"));
        }
        if definition.sort_by_change && !definition.compare {
            errors.push(invalid("sort_by_change", "only with compare"));
        }
        if definition.sort.is_some_and(|s| !definition.figures.contains(&s)) {
            errors.push(invalid("sort", "one of the figures"));
        }
        let limit = definition.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", FieldIssue::InvalidValue).with_limit(MAX_LIMIT));
        }
        let org = match definition.org_id {
            Some(id) => {
                let row = reference.orgs.get(&id);
                if row.is_none() {
                    errors.push(invalid("org_id", "no such org"));
                }
                row
            }
            None => None,
        };
        let category = match definition.category_id {
            Some(id) => {
                let row = reference.categories.get(&id);
                if row.is_none() {
                    errors.push(invalid("category_id", "no such category"));
                }
                row
            }
            None => None,
        };
        errors.into_result()?;

        let (from, to) = match (definition.range.days(today), from, to) {
            (Some(days), _, _) => days,
            (None, Some(from), Some(to)) => (from, to),
            _ => return Err(FieldError::new("range", FieldIssue::InvalidValue).into()),
        };
        if to < from {
            return Err(invalid("to", "before from").into());
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(FieldError::new("to", FieldIssue::InvalidValue)
                .with_detail("at most 366 days")
                .with_limit(usize::try_from(MAX_DAYS).unwrap_or(366))
                .into());
        }
        if let Some(org) = org
            && !scope.contains(&path_of(org))
        {
            return Err(self.deny(ctx, json!({"report": {"org_id": org.id}})).await);
        }
        let orgs = match (org, &scope) {
            (Some(org), _) if definition.subunits == Some(false) => Some(vec![org.id]),
            (Some(org), _) => Some(
                reference
                    .orgs
                    .values()
                    .filter(|o| o.path.starts_with(&org.path))
                    .map(|o| o.id)
                    .collect(),
            ),
            (None, Scope::City) => None,
            (None, Scope::Subtree(_)) => Some(
                reference
                    .orgs
                    .values()
                    .filter(|o| scope.contains(&path_of(o)))
                    .map(|o| o.id)
                    .collect(),
            ),
        };
        let categories = category.map(|c| {
            reference
                .categories
                .values()
                .filter(|o| o.path.starts_with(&c.path))
                .map(|o| o.id)
                .collect()
        });
        Ok(Plan {
            from,
            to,
            dimensions: definition.dimensions.clone(),
            figures: definition.figures.clone(),
            orgs,
            categories,
            channels: definition.channels.clone(),
            compare: definition.compare,
            limit,
        })
    }

    /// Runs a report over the rollups; as a spreadsheet (`format`) the run is audited.
    pub async fn run_report(
        &self,
        ctx: &Ctx,
        definition: &ReportDefinition,
        format: ListFormat,
    ) -> Result<ReportTable> {
        let plan = self.plan(ctx, definition).await?;
        let reference = self.reference().await?;
        let db = self.store.reader();
        let grouping = plan.grouping();
        let now = fold(
            &reference,
            &plan.dimensions,
            hotline_store::stats::sums_of_slice(db, &plan.slice((plan.from, plan.to)), grouping)
                .await?,
        );
        let before_period = plan.compare.then(|| previous_period(plan.from, plan.to));
        let before = match before_period {
            Some(period) => Some(fold(
                &reference,
                &plan.dimensions,
                hotline_store::stats::sums_of_slice(db, &plan.slice(period), grouping).await?,
            )),
            None => None,
        };

        let weights = self.config.stats.weights();
        let day_minutes = self.calendar().working_day_minutes();
        let values = |m: &Measures| -> Vec<Option<f64>> {
            plan.figures.iter().map(|f| f.value(m, weights, day_minutes)).collect()
        };
        let compared = |now: &[Option<f64>], before: Option<&Measures>| {
            let zero = Measures::zero();
            let previous = values(before.unwrap_or(&zero));
            let change = plan
                .figures
                .iter()
                .zip(now.iter().zip(&previous))
                .map(|(f, (n, p))| f.change(*n, *p))
                .collect();
            (Some(previous), Some(change))
        };
        let row = |keys: &[Key], m: &Measures, before: Option<&BTreeMap<Vec<Key>, Measures>>| {
            let values = values(m);
            let (previous, change) = match before {
                Some(before) => compared(&values, before.get(keys)),
                None => (None, None),
            };
            let keys = plan
                .dimensions
                .iter()
                .zip(keys)
                .map(|(d, k)| key_view(&reference, *d, *k))
                .collect();
            ReportRow { keys, values, previous, change }
        };

        // With a comparison, a row that had counts only before (a category gone quiet) is kept.
        let mut keys: Vec<&Vec<Key>> = now.keys().collect();
        if let Some(before) = &before {
            keys.extend(before.keys().filter(|k| !now.contains_key(*k)));
        }
        let zero = Measures::zero();
        // A row with nothing to show in its figures (a unit with other counts only) is left out.
        let blank = |v: &[Option<f64>]| v.iter().all(|v| v.is_none_or(|v| v == 0.0));
        let mut rows: Vec<(Vec<Key>, ReportRow)> = keys
            .into_iter()
            .map(|k| (k.clone(), row(k, now.get(k).unwrap_or(&zero), before.as_ref())))
            .filter(|(_, r)| !blank(&r.values) || !r.previous.as_deref().is_none_or(blank))
            .collect();
        let sort_at = definition.sort.and_then(|s| plan.figures.iter().position(|f| *f == s));
        let time_first = plan.dimensions.first().is_some_and(|d| d.is_time());
        if sort_at.is_some() || !time_first {
            let at = sort_at.unwrap_or(0);
            let pick = |r: &ReportRow| {
                let value = r.values.get(at).copied().flatten();
                if !definition.sort_by_change {
                    return value;
                }
                // Something from nothing rises the most.
                let before = r.previous.as_ref().and_then(|p| p.get(at).copied().flatten());
                match r.change.as_ref().and_then(|c| c.get(at).copied().flatten()) {
                    None if before == Some(0.0) && value.is_some_and(|v| v > 0.0) => {
                        Some(f64::INFINITY)
                    }
                    change => change,
                }
            };
            let order = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(x), Some(y)) if definition.ascending => x.total_cmp(&y),
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            let value = |r: &ReportRow| r.values.get(at).copied().flatten();
            // Missing values last whichever way; equal ones (two categories new this period)
            // by the figure itself, then the keys' own order.
            rows.sort_by(|(ka, a), (kb, b)| {
                order(pick(a), pick(b))
                    .then_with(|| order(value(a), value(b)))
                    .then_with(|| ka.cmp(kb))
            });
        }
        let total_rows = rows.len();
        rows.truncate(plan.limit);

        let mut sum_now = Measures::zero();
        now.values().for_each(|m| sum_now.add(m));
        let totals_values = values(&sum_now);
        let (previous, change) = match &before {
            Some(before) => {
                let mut sum_before = Measures::zero();
                before.values().for_each(|m| sum_before.add(m));
                compared(&totals_values, Some(&sum_before))
            }
            None => (None, None),
        };
        let totals = ReportRow { keys: Vec::new(), values: totals_values, previous, change };

        if format != ListFormat::Json {
            self.audit_now(vec![ctx.record(
                AuditEntry::new(AuditAction::StatsExport).detail(json!({
                    "report": "builder", "from": plan.from, "to": plan.to,
                    "dimensions": plan.dimensions, "figures": plan.figures, "rows": rows.len(),
                })),
                self.now(),
            )])
            .await?;
        }
        Ok(ReportTable {
            from: plan.from,
            to: plan.to,
            previous_from: before_period.map(|p| p.0),
            previous_to: before_period.map(|p| p.1),
            dimensions: plan.dimensions,
            figures: plan.figures,
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            total_rows,
            totals,
        })
    }

    /// The tickets behind one count of a report: the report's filters narrowed by the row's
    /// keys, so the list's total is the count in the cell.
    pub async fn report_tickets(
        &self,
        ctx: &Ctx,
        cell: &ReportCell,
    ) -> Result<PageOf<TicketSummary>> {
        let mut plan = self.plan(ctx, &cell.definition).await?;
        let measure = match cell.figure {
            Figure::Count(hotline_domain::stats::Measure::FinishMinutes) | Figure::Rate(_) => {
                return Err(invalid("figure", "a count of tickets").into());
            }
            Figure::Count(measure) => measure,
        };
        if !plan.figures.contains(&cell.figure) {
            return Err(invalid("figure", "one of the report's figures").into());
        }
        if cell.previous && !plan.compare {
            return Err(invalid("previous", "only with compare").into());
        }
        if !cell.keys.is_empty() && cell.keys.len() != plan.dimensions.len() {
            return Err(invalid("keys", "one per dimension").into());
        }
        let page = Paging { page: cell.page, per_page: cell.per_page }.validate()?;
        let (principal, _) = self.authorize(ctx, Permission::TicketRead, None).await?;
        let reference = self.reference().await?;
        let (mut from, mut to) =
            if cell.previous { previous_period(plan.from, plan.to) } else { (plan.from, plan.to) };
        for (dimension, raw) in plan.dimensions.clone().into_iter().zip(&cell.keys) {
            let bad = || invalid("keys", "not a value of the report's rows");
            let id = || -> Result<Option<Uuid>> {
                if raw.is_empty() {
                    Ok(None)
                } else {
                    raw.parse().map(Some).map_err(|_| bad().into())
                }
            };
            match dimension {
                Dimension::Day | Dimension::Week | Dimension::Month => {
                    let first = match dimension {
                        Dimension::Week => {
                            let (year, week) = raw.split_once("-W").ok_or_else(bad)?;
                            NaiveDate::from_isoywd_opt(
                                year.parse().map_err(|_| bad())?,
                                week.parse().map_err(|_| bad())?,
                                chrono::Weekday::Mon,
                            )
                        }
                        Dimension::Month => parse_day("keys", &format!("{raw}-01")).ok(),
                        _ => parse_day("keys", raw).ok(),
                    }
                    .ok_or_else(bad)?;
                    let (first, last) = dimension.bucket(first).ok_or_else(bad)?;
                    (from, to) = (from.max(first), to.min(last));
                }
                Dimension::Unit => {
                    let org = id()?.ok_or_else(bad)?;
                    keep(&mut plan.orgs, |o| *o == org, [org]);
                }
                Dimension::FirstLevelUnit => {
                    let unit = id()?;
                    let under: Vec<Uuid> = reference
                        .orgs
                        .keys()
                        .copied()
                        .filter(|o| first_level(&reference, *o) == unit)
                        .collect();
                    keep(&mut plan.orgs, |o| under.contains(o), under.clone());
                }
                Dimension::Category => {
                    let category = id()?.unwrap_or(Uuid::nil());
                    keep(&mut plan.categories, |c| *c == category, [category]);
                }
                Dimension::TopCategory => {
                    let top = id()?;
                    let under: Vec<Uuid> = match top {
                        Some(top) => reference
                            .categories
                            .keys()
                            .copied()
                            .filter(|c| top_category(&reference, *c) == Some(top))
                            .collect(),
                        None => vec![Uuid::nil()],
                    };
                    keep(&mut plan.categories, |c| under.contains(c), under.clone());
                }
                Dimension::Channel => {
                    let channel = Channel::parse(raw).ok_or_else(bad)?;
                    plan.channels = if plan.channels.is_empty() || plan.channels.contains(&channel)
                    {
                        vec![channel]
                    } else {
                        // A channel the report filtered out: nothing behind it.
                        plan.orgs = Some(Vec::new());
                        plan.channels
                    };
                }
            }
        }
        let slice = plan.slice((from, to));
        let detail = json!({
            "report": "builder", "figure": cell.figure, "keys": cell.keys, "from": from, "to": to,
        });
        if to < from {
            return Ok(PageOf::new(Vec::new(), 0, page));
        }
        self.counted_page(ctx, &principal, &slice, measure, page, detail).await
    }
}

/// Narrows a filter (`None`: everything) to what `wanted` lets through: `all` when there was
/// no filter yet.
fn keep(
    filter: &mut Option<Vec<Uuid>>,
    wanted: impl Fn(&Uuid) -> bool,
    all: impl IntoIterator<Item = Uuid>,
) {
    *filter = Some(match filter.take() {
        Some(ids) => ids.into_iter().filter(|id| wanted(id)).collect(),
        None => all.into_iter().collect(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_keeps_only_what_both_the_filter_and_the_row_allow() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut none = None;
        keep(&mut none, |id| *id == a, [a]);
        assert_eq!(none, Some(vec![a]));
        let mut some = Some(vec![a, b]);
        keep(&mut some, |id| *id == b || *id == c, [b, c]);
        assert_eq!(some, Some(vec![b]), "c was never in the report");
    }
}
