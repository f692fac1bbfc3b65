//! Unit figures (三率 and the rest) over a period, scored and ranked within each group of units
//! (districts, bureaus, streets), read from the daily rollups; and the tickets behind any count.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike as _, NaiveDate};
use hotline_domain::audit::AuditAction;
use hotline_domain::org::{OrgKind, OrgPath};
use hotline_domain::role::Permission;
use hotline_domain::stats::{Indicators, Measure, Measures, ranks};
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::orgs::OrgRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::identity::orgs::path_of;
use crate::paging::{ListFormat, PageOf, Paging};
use crate::tickets::TicketSummary;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// The longest period one report covers.
const MAX_DAYS: i64 = 366;

/// `GET /stats/units?from=…&to=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnitsQuery {
    /// First day counted, `YYYY-MM-DD` (by the day a unit got the ticket); default the first of
    /// this month.
    pub from: Option<String>,
    /// Last day counted, inclusive; default today.
    pub to: Option<String>,
    /// Count each unit with its sub-units (a district with its streets); default true.
    pub subunits: Option<bool>,
    /// `xlsx` or `csv`: the figures as a spreadsheet, audited as an export.
    #[param(inline)]
    pub format: Option<ListFormat>,
}

/// One unit's figures. Rates are fractions 0–1, `null` when nothing was due.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub org_id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<Uuid>,
    /// Tickets the unit is assessed on (派单量).
    pub dispatched: i64,
    pub finished: i64,
    pub response_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    /// Out of 100, by its group's scheme: rates weighted, deductions off, the center's
    /// adjustments in the period (`adjustment`) added.
    pub score: Option<f64>,
    /// The sum of the center's bonuses and deductions to this unit in the period (加减分);
    /// bulletins published before adjustments existed read as 0.
    #[serde(default)]
    pub adjustment: f64,
    /// Within its group (same kind of unit), best first; ties share a rank.
    pub rank: Option<usize>,
    pub indicators: Indicators,
    /// Every count, by measure code: each drills down to its tickets.
    pub counts: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub subunits: bool,
    pub items: Vec<UnitFigures>,
}

/// `GET /stats/units/{org_id}/tickets?measure=…`: the tickets behind one count.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CountedQuery {
    /// Which count, e.g. `finished`, `satisfied`, `return_approved`.
    pub measure: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub subunits: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// A day as the API takes it, `YYYY-MM-DD`, named by `field` when it is not one.
pub(crate) fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, FieldIssue::InvalidFormat).with_detail("YYYY-MM-DD"))
}

/// A checked period.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// From the query's text, defaulting to this month so far; every problem named.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self> {
        let mut errors = FieldErrors::new();
        let day = |field: &str, raw: Option<&str>, errors: &mut FieldErrors| {
            raw.and_then(|s| errors.take(parse_day(field, s)))
        };
        let from =
            day("from", from, &mut errors).unwrap_or_else(|| today.with_day(1).unwrap_or(today));
        let to = day("to", to, &mut errors).unwrap_or(today);
        errors.into_result()?;
        if to < from {
            return Err(FieldError::new("to", FieldIssue::InvalidValue)
                .with_detail("before from")
                .into());
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(FieldError::new("to", FieldIssue::InvalidValue)
                .with_detail("at most 366 days")
                .with_limit(usize::try_from(MAX_DAYS).unwrap_or(366))
                .into());
        }
        Ok(Self { from, to })
    }
}

/// Group order in a report: districts, bureaus, streets, communities.
const fn group_order(kind: OrgKind) -> u8 {
    match kind {
        OrgKind::District => 0,
        OrgKind::Bureau => 1,
        OrgKind::Street => 2,
        OrgKind::Community => 3,
        OrgKind::Center => 4,
    }
}

/// Sums each unit's own figures with its sub-units' (by tree path) when asked to.
fn unit_totals(
    units: &[&OrgRow],
    all: &HashMap<Uuid, OrgRow>,
    own: &HashMap<Uuid, Measures>,
    subunits: bool,
) -> Vec<Measures> {
    units
        .iter()
        .map(|unit| {
            let mut sum = Measures::zero();
            if subunits {
                for (org, m) in own {
                    if all.get(org).is_some_and(|o| o.path.starts_with(&unit.path)) {
                        sum.add(m);
                    }
                }
            } else if let Some(m) = own.get(&unit.id) {
                sum.add(m);
            }
            sum
        })
        .collect()
}

impl App {
    /// Today in the calendar's time zone.
    pub(crate) fn today(&self) -> NaiveDate {
        self.calendar().local_date(self.now())
    }

    /// The city center: the root of the org tree; intake figures are counted for it.
    pub(crate) async fn center_id(&self) -> Result<Uuid> {
        let reference = self.reference().await?;
        reference
            .orgs
            .values()
            .find(|o| o.parent_id.is_none() && o.kind == OrgKind::Center)
            .or_else(|| reference.orgs.values().find(|o| o.parent_id.is_none()))
            .map(|o| o.id)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("no root org")))
    }

    /// Every unit in the caller's reach with its figures over the period, scored and ranked.
    pub async fn unit_figures(&self, ctx: &Ctx, query: &UnitsQuery) -> Result<UnitsReport> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        let period = Period::parse(query.from.as_deref(), query.to.as_deref(), self.today())?;
        let subunits = query.subunits.unwrap_or(true);
        let reference = self.reference().await?;
        let own: HashMap<Uuid, Measures> =
            hotline_store::stats::sums_by_org(self.store.reader(), period.from, period.to)
                .await?
                .into_iter()
                .collect();
        let units: Vec<&OrgRow> = reference
            .orgs
            .values()
            .filter(|o| o.kind != OrgKind::Center && scope.contains(&path_of(o)))
            .filter(|o| o.active || own.contains_key(&o.id))
            .collect();
        let totals = unit_totals(&units, &reference.orgs, &own, subunits);
        let mut adjusted: HashMap<Uuid, f64> = HashMap::new();
        for row in
            hotline_store::stats::adjustments(self.store.reader(), period.from, period.to).await?
        {
            *adjusted.entry(row.org_id).or_default() += row.points;
        }
        let weights = self.config.stats.weights();
        let day_minutes = self.calendar().working_day_minutes();
        let mut items: Vec<UnitFigures> = units
            .iter()
            .zip(&totals)
            .map(|(unit, m)| {
                let indicators = Indicators::of(m, weights, day_minutes);
                let adjustment = adjusted.get(&unit.id).copied().unwrap_or(0.0);
                UnitFigures {
                    org_id: unit.id,
                    code: unit.code.clone(),
                    name: unit.name.clone(),
                    kind: unit.kind,
                    parent_id: unit.parent_id,
                    dispatched: m.get(Measure::Assigned),
                    finished: m.get(Measure::Finished),
                    response_rate: indicators.response_rate,
                    resolution_rate: indicators.resolution_rate,
                    satisfaction_rate: indicators.satisfaction_rate,
                    on_time_rate: indicators.on_time_rate,
                    score: self.config.stats.scheme_of(unit.kind).score(&indicators, m, adjustment),
                    adjustment,
                    rank: None,
                    indicators,
                    counts: Measure::ALL
                        .iter()
                        .map(|k| (k.as_str().to_owned(), m.get(*k)))
                        .collect(),
                }
            })
            .collect();
        for kind in OrgKind::ALL {
            let group: Vec<usize> = (0..items.len()).filter(|i| items[*i].kind == *kind).collect();
            let scores: Vec<Option<f64>> = group.iter().map(|i| items[*i].score).collect();
            for (i, rank) in group.iter().zip(ranks(&scores)) {
                items[*i].rank = rank;
            }
        }
        // A ranking reads best first within each group; units with nothing due come last.
        items.sort_by(|a, b| {
            (group_order(a.kind), a.rank.unwrap_or(usize::MAX), &a.code).cmp(&(
                group_order(b.kind),
                b.rank.unwrap_or(usize::MAX),
                &b.code,
            ))
        });
        let format = query.format.unwrap_or_default();
        if format != ListFormat::Json {
            self.audit_now(vec![ctx.record(
                AuditEntry::new(AuditAction::StatsExport).detail(json!({
                    "report": "units", "from": period.from, "to": period.to, "subunits": subunits,
                    "rows": items.len(),
                })),
                self.now(),
            )])
            .await?;
        }
        Ok(UnitsReport { from: period.from, to: period.to, subunits, items })
    }

    /// The tickets one count of a unit stands for: a work list whose total is that count.
    pub async fn counted_tickets(
        &self,
        ctx: &Ctx,
        org_id: Uuid,
        query: &CountedQuery,
    ) -> Result<PageOf<TicketSummary>> {
        let measure = Measure::parse(query.measure.trim()).ok_or_else(|| {
            FieldError::new("measure", FieldIssue::InvalidValue)
                .with_detail(Measure::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(","))
        })?;
        let period = Period::parse(query.from.as_deref(), query.to.as_deref(), self.today())?;
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let reference = self.reference().await?;
        let org = reference.orgs.get(&org_id).ok_or(Error::NotFound("org"))?;
        let path: OrgPath = path_of(org);
        self.authorize(ctx, Permission::StatsRead, Some(&path)).await?;
        let (principal, _) = self.authorize(ctx, Permission::TicketRead, Some(&path)).await?;
        let orgs: Vec<Uuid> = if query.subunits.unwrap_or(true) {
            reference
                .orgs
                .values()
                .filter(|o| o.path.starts_with(&org.path))
                .map(|o| o.id)
                .collect()
        } else {
            vec![org.id]
        };
        let slice = hotline_store::stats::Slice {
            from: period.from,
            to: period.to,
            orgs: Some(&orgs),
            categories: None,
            channels: &[],
        };
        let detail =
            json!({"org_id": org_id, "measure": measure, "from": period.from, "to": period.to});
        self.counted_page(ctx, &principal, &slice, measure, page, detail).await
    }

    /// A page of the tickets behind `measure` in `slice`, as a work list, its read audited with
    /// `detail` saying which figure it was.
    pub(crate) async fn counted_page(
        &self,
        ctx: &Ctx,
        principal: &hotline_domain::role::Principal,
        slice: &hotline_store::stats::Slice<'_>,
        measure: Measure,
        page: hotline_store::PageRequest,
        detail: serde_json::Value,
    ) -> Result<PageOf<TicketSummary>> {
        let (ids, total) = hotline_store::stats::tickets_counted(
            self.store.reader(),
            slice,
            measure,
            page.offset(),
            page.per_page,
        )
        .await?;
        self.ticket_page(ctx, principal, &ids, total, page, detail).await
    }

    /// The tickets `ids` (of `total`) as a page of the work list in that order, the read
    /// audited with `detail` saying which figure they stand behind.
    pub(crate) async fn ticket_page(
        &self,
        ctx: &Ctx,
        principal: &hotline_domain::role::Principal,
        ids: &[Uuid],
        total: u64,
        page: hotline_store::PageRequest,
        detail: serde_json::Value,
    ) -> Result<PageOf<TicketSummary>> {
        let mut rows = hotline_store::search::tickets_by_id(self.store.reader(), ids).await?;
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        self.audit_now(vec![ctx.record(
            AuditEntry::new(AuditAction::TicketList).detail(json!({
                "stats": detail, "page": page.page, "returned": rows.len(),
            })),
            self.now(),
        )])
        .await?;
        let items = self.summaries(principal, rows).await?;
        Ok(PageOf::new(items, total, page))
    }
}
