//! The statistics tables: each ticket's facts per org (`stat_fact`), their sums per day × org ×
//! category × channel (`stat_daily`) and per day × org (`stat_unit_daily`). A change writes a
//! ticket's new facts and adds their difference to both sums in the same transaction, so the
//! sums always equal the facts.
//! The measure columns are named by `hotline_domain::stats::Measure::column`.

use chrono::NaiveDate;
use hotline_domain::stats::{Fact, FactKey, Measure, Measures, NowKey};
use hotline_domain::ticket::{Channel, Satisfaction, TicketState};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use uuid::Uuid;

const FACT: &str = "stat_fact";
const DAILY: &str = "stat_daily";
const UNIT_DAILY: &str = "stat_unit_daily";
const NOW_FACT: &str = "stat_now_fact";
const NOW: &str = "stat_now";
/// Rows per multi-row insert: 31 values each stays under SQLite's 32,766 parameters.
const CHUNK: usize = 400;

fn table(name: &str) -> Alias {
    Alias::new(name)
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// `None` is kept as the nil id, so keys hold no NULLs.
fn category_value(category: Option<Uuid>) -> Uuid {
    category.unwrap_or(Uuid::nil())
}

fn measures_of(row: &QueryResult) -> Result<Measures, DbErr> {
    let values = Measure::ALL
        .iter()
        .map(|m| row.try_get::<i64>("", &m.column()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Measures::from_values(values))
}

fn key_of(row: &QueryResult) -> Result<FactKey, DbErr> {
    let day: String = row.try_get("", "day")?;
    let channel: String = row.try_get("", "channel")?;
    let category: Uuid = row.try_get("", "category_id")?;
    Ok(FactKey {
        org_id: row.try_get("", "org_id")?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| DbErr::Type(format!("stat day {day}: {e}")))?,
        category_id: (!category.is_nil()).then_some(category),
        channel: Channel::parse(&channel)
            .ok_or_else(|| DbErr::Type(format!("stat channel {channel}")))?,
    })
}

fn key_columns() -> [Alias; 4] {
    [col("day"), col("org_id"), col("category_id"), col("channel")]
}

/// The columns of a row: its ticket (facts only), its key, then every measure. (A second
/// `columns` call on an insert replaces the first: hence one list.)
fn row_columns(with_ticket: bool) -> Vec<Alias> {
    let ticket = with_ticket.then(|| col("ticket_id"));
    ticket
        .into_iter()
        .chain(key_columns())
        .chain(Measure::ALL.iter().map(|m| col(&m.column())))
        .collect()
}

fn key_values(key: &FactKey) -> [sea_orm::Value; 4] {
    [
        day_text(key.day).into(),
        key.org_id.into(),
        category_value(key.category_id).into(),
        key.channel.as_str().into(),
    ]
}

/// The stored facts of `tickets`.
pub async fn facts_of(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<(Uuid, Fact)>, DbErr> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = Query::select();
    select
        .from(table(FACT))
        .columns(row_columns(true))
        .and_where(Expr::col(col("ticket_id")).is_in(tickets.iter().copied()));
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("", "ticket_id")?,
                Fact { key: key_of(row)?, measures: measures_of(row)? },
            ))
        })
        .collect()
}

/// Replaces the facts of `tickets` with `facts` (each naming its ticket).
pub async fn replace_facts(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
    facts: &[(Uuid, Fact)],
) -> Result<(), DbErr> {
    delete_of_tickets(db, FACT, tickets).await?;
    for chunk in facts.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(table(FACT)).columns(row_columns(true));
        for (ticket, fact) in chunk {
            let mut values: Vec<sea_orm::Value> = vec![(*ticket).into()];
            values.extend(key_values(&fact.key));
            values.extend(fact.measures.values().iter().map(|v| (*v).into()));
            insert
                .values(values.into_iter().map(Expr::val))
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Adds `deltas` to the sums (one entry per key: the caller has merged them), and their
/// totals per day × org to the unit sums.
pub async fn add_to_daily(
    db: &impl ConnectionTrait,
    deltas: &[(FactKey, Measures)],
) -> Result<(), DbErr> {
    let mut units: std::collections::BTreeMap<(NaiveDate, Uuid), Measures> =
        std::collections::BTreeMap::new();
    for (key, measures) in deltas {
        units.entry((key.day, key.org_id)).or_insert_with(Measures::zero).add(measures);
    }
    let rows: Vec<Vec<sea_orm::Value>> = deltas
        .iter()
        .map(|(key, measures)| {
            let mut values: Vec<sea_orm::Value> = key_values(key).into();
            values.extend(measures.values().iter().map(|v| (*v).into()));
            values
        })
        .collect();
    upsert_adding(db, DAILY, &key_columns(), rows).await?;
    let rows: Vec<Vec<sea_orm::Value>> = units
        .into_iter()
        .filter(|(_, m)| !m.is_zero())
        .map(|((day, org), measures)| {
            let mut values: Vec<sea_orm::Value> = vec![day_text(day).into(), org.into()];
            values.extend(measures.values().iter().map(|v| (*v).into()));
            values
        })
        .collect();
    upsert_adding(db, UNIT_DAILY, &[col("day"), col("org_id")], rows).await
}

/// Inserts `rows` (the `key` columns, then every measure) into `name`, adding the measures to a
/// row already there.
async fn upsert_adding(
    db: &impl ConnectionTrait,
    name: &str,
    key: &[Alias],
    rows: Vec<Vec<sea_orm::Value>>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(table(name))
            .columns(key.iter().cloned().chain(Measure::ALL.iter().map(|m| col(&m.column()))));
        for values in chunk {
            insert
                .values(values.iter().cloned().map(Expr::val))
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        insert.on_conflict(
            OnConflict::columns(key.iter().cloned())
                .values(Measure::ALL.iter().map(|m| {
                    let c = m.column();
                    (col(&c), Expr::cust(format!("{name}.{c} + excluded.{c}")))
                }))
                .to_owned(),
        );
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Deletes the rows of `tickets` from a per-ticket statistics table (`ticket_id` column), in
/// chunks that stay under SQLite's parameter limit: the first half of replacing their facts.
pub(crate) async fn delete_of_tickets(
    db: &impl ConnectionTrait,
    table: &str,
    tickets: &[Uuid],
) -> Result<(), DbErr> {
    for chunk in tickets.chunks(CHUNK) {
        let delete = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(col("ticket_id")).is_in(chunk.iter().copied()))
            .to_owned();
        db.execute(&delete).await?;
    }
    Ok(())
}

/// Empties the tables, for a rebuild.
pub async fn clear(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute(&Query::delete().from_table(table(UNIT_DAILY)).to_owned()).await?;
    db.execute(&Query::delete().from_table(table(DAILY)).to_owned()).await?;
    db.execute(&Query::delete().from_table(table(FACT)).to_owned()).await?;
    db.execute(&Query::delete().from_table(table(NOW)).to_owned()).await?;
    db.execute(&Query::delete().from_table(table(NOW_FACT)).to_owned()).await?;
    Ok(())
}

/// `SUM` of every measure as a 64-bit integer (PostgreSQL sums `bigint` into `numeric`).
fn sums(select: &mut SelectStatement) {
    for m in Measure::ALL {
        let c = m.column();
        select.expr_as(Expr::cust(format!("CAST(SUM({c}) AS BIGINT)")), col(&c));
    }
}

/// The sums from `from` to `to` (inclusive), per org.
pub async fn sums_by_org(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, Measures)>, DbErr> {
    let mut select = Query::select();
    select
        .from(table(UNIT_DAILY))
        .column(col("org_id"))
        .and_where(Expr::col(col("day")).gte(day_text(from)))
        .and_where(Expr::col(col("day")).lte(day_text(to)))
        .group_by_col(col("org_id"));
    sums(&mut select);
    // Ungrouped sums over no rows are one row of NULLs: no rows means no row.
    select.and_having(Expr::cust("COUNT(*) > 0"));
    let rows = db.query_all(&select).await?;
    rows.iter().map(|row| Ok((row.try_get("", "org_id")?, measures_of(row)?))).collect()
}

/// One org's own sums per day from `from` to `to`, oldest first (days with nothing left out).
pub async fn days_of(
    db: &impl ConnectionTrait,
    org: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, Measures)>, DbErr> {
    let mut select = Query::select();
    select
        .from(table(UNIT_DAILY))
        .column(col("day"))
        .columns(Measure::ALL.iter().map(|m| col(&m.column())))
        .and_where(Expr::col(col("org_id")).eq(org))
        .and_where(Expr::col(col("day")).gte(day_text(from)))
        .and_where(Expr::col(col("day")).lte(day_text(to)))
        .order_by(col("day"), sea_orm::sea_query::Order::Asc);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            let day: String = row.try_get("", "day")?;
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|e| DbErr::Type(format!("stat day {day}: {e}")))?;
            Ok((day, measures_of(row)?))
        })
        .collect()
}

/// How many appeals `org` took in from `from` to `to` per category (`None`: no category): one
/// measure summed, not all of them — the dashboard asks this of a month of rows.
pub async fn intake_by_category(
    db: &impl ConnectionTrait,
    org: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Option<Uuid>, i64)>, DbErr> {
    let c = Measure::Intake.column();
    let mut select = Query::select();
    select
        .from(table(DAILY))
        .column(col("category_id"))
        .expr_as(Expr::cust(format!("CAST(SUM({c}) AS BIGINT)")), col(&c))
        .and_where(Expr::col(col("org_id")).eq(org))
        .and_where(Expr::col(col("day")).gte(day_text(from)))
        .and_where(Expr::col(col("day")).lte(day_text(to)))
        .group_by_col(col("category_id"));
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            let category: Uuid = row.try_get("", "category_id")?;
            Ok(((!category.is_nil()).then_some(category), row.try_get::<i64>("", &c)?))
        })
        .collect()
}

/// One org's sums from `from` to `to` per channel.
pub async fn sums_by_channel(
    db: &impl ConnectionTrait,
    org: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Channel, Measures)>, DbErr> {
    let mut select = Query::select();
    select
        .from(table(DAILY))
        .column(col("channel"))
        .and_where(Expr::col(col("org_id")).eq(org))
        .and_where(Expr::col(col("day")).gte(day_text(from)))
        .and_where(Expr::col(col("day")).lte(day_text(to)))
        .group_by_col(col("channel"));
    sums(&mut select);
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            let channel: String = row.try_get("", "channel")?;
            let channel = Channel::parse(&channel)
                .ok_or_else(|| DbErr::Type(format!("stat channel {channel}")))?;
            Ok((channel, measures_of(row)?))
        })
        .collect()
}

/// Every unit-sum row that is not all zeros, by day and org (for checks against a recount).
pub async fn unit_daily(
    db: &impl ConnectionTrait,
) -> Result<Vec<((NaiveDate, Uuid), Measures)>, DbErr> {
    let mut select = Query::select();
    select
        .from(table(UNIT_DAILY))
        .columns([col("day"), col("org_id")])
        .columns(Measure::ALL.iter().map(|m| col(&m.column())));
    let rows = db.query_all(&select).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let day: String = row.try_get("", "day")?;
        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| DbErr::Type(format!("stat day {day}: {e}")))?;
        let measures = measures_of(row)?;
        if !measures.is_zero() {
            out.push(((day, row.try_get("", "org_id")?), measures));
        }
    }
    out.sort_by_key(|(key, _)| *key);
    Ok(out)
}

/// Every daily row that is not all zeros, by key (for checks against a recount).
pub async fn daily(db: &impl ConnectionTrait) -> Result<Vec<(FactKey, Measures)>, DbErr> {
    let mut select = Query::select();
    select.from(table(DAILY)).columns(row_columns(false));
    let rows = db.query_all(&select).await?;
    let mut out = rows
        .iter()
        .map(|row| Ok((key_of(row)?, measures_of(row)?)))
        .collect::<Result<Vec<_>, DbErr>>()?;
    out.retain(|(_, m)| !m.is_zero());
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Which rollup rows a report reads: the days from `from` to `to` (inclusive), and of those the
/// rows of `orgs`, `categories` (the nil id stands for "no category") and `channels`; `None` or
/// an empty channel list take every one.
#[derive(Clone, Copy, Debug)]
pub struct Slice<'a> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub orgs: Option<&'a [Uuid]>,
    pub categories: Option<&'a [Uuid]>,
    pub channels: &'a [Channel],
}

impl Slice<'_> {
    fn filter(&self, select: &mut SelectStatement) {
        select
            .and_where(Expr::col(col("day")).gte(day_text(self.from)))
            .and_where(Expr::col(col("day")).lte(day_text(self.to)));
        if let Some(orgs) = self.orgs {
            select.and_where(Expr::col(col("org_id")).is_in(orgs.iter().copied()));
        }
        if let Some(categories) = self.categories {
            select.and_where(Expr::col(col("category_id")).is_in(categories.iter().copied()));
        }
        if !self.channels.is_empty() {
            select.and_where(
                Expr::col(col("channel")).is_in(self.channels.iter().map(|c| c.as_str())),
            );
        }
    }
}

/// Which key columns [`sums_of_slice`] groups by; the others are summed over.
#[derive(Clone, Copy, Debug, Default)]
pub struct Grouping {
    pub day: bool,
    pub org: bool,
    pub category: bool,
    pub channel: bool,
}

/// A key of [`sums_of_slice`]: the grouped columns are set (`category_id` nil: no category).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SliceKey {
    pub day: Option<NaiveDate>,
    pub org_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub channel: Option<Channel>,
}

/// The daily sums of `slice` grouped by `grouping`, summed in the database. A cut that needs
/// neither categories nor channels reads the per-unit sums (`stat_unit_daily`: days × units
/// rows, whatever the volume) instead of the finer ones (a year of those is over a million
/// rows at a million tickets).
pub async fn sums_of_slice(
    db: &impl ConnectionTrait,
    slice: &Slice<'_>,
    grouping: Grouping,
) -> Result<Vec<(SliceKey, Measures)>, DbErr> {
    let fine = grouping.category
        || grouping.channel
        || slice.categories.is_some()
        || !slice.channels.is_empty();
    let mut select = Query::select();
    select.from(table(if fine { DAILY } else { UNIT_DAILY }));
    slice.filter(&mut select);
    let grouped = [
        (grouping.day, "day"),
        (grouping.org, "org_id"),
        (grouping.category, "category_id"),
        (grouping.channel, "channel"),
    ];
    for (_, name) in grouped.iter().filter(|(on, _)| *on) {
        select.column(col(name)).group_by_col(col(name));
    }
    sums(&mut select);
    // Ungrouped sums over no rows are one row of NULLs: no rows means no row.
    select.and_having(Expr::cust("COUNT(*) > 0"));
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            let day = if grouping.day {
                let day: String = row.try_get("", "day")?;
                Some(
                    NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|e| DbErr::Type(format!("stat day {day}: {e}")))?,
                )
            } else {
                None
            };
            let channel = if grouping.channel {
                let channel: String = row.try_get("", "channel")?;
                Some(
                    Channel::parse(&channel)
                        .ok_or_else(|| DbErr::Type(format!("stat channel {channel}")))?,
                )
            } else {
                None
            };
            let key = SliceKey {
                day,
                org_id: grouping.org.then(|| row.try_get("", "org_id")).transpose()?,
                category_id: grouping
                    .category
                    .then(|| row.try_get("", "category_id"))
                    .transpose()?,
                channel,
            };
            Ok((key, measures_of(row)?))
        })
        .collect()
}

/// The tickets behind one measure in `slice`: those whose fact counts it, newest first, and
/// how many there are. For the 0/1 measures that is the figure itself; a ticket returned twice
/// is listed once.
pub async fn tickets_counted(
    db: &impl ConnectionTrait,
    slice: &Slice<'_>,
    measure: Measure,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Uuid>, u64), DbErr> {
    let c = measure.column();
    let filtered = |select: &mut SelectStatement| {
        select.from(table(FACT)).and_where(Expr::col(col(&c)).gt(0));
        slice.filter(select);
    };
    let mut count = Query::select();
    filtered(&mut count);
    count.expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), col("n"));
    let total = db
        .query_one(&count)
        .await?
        .map(|row| row.try_get::<Option<i64>>("", "n"))
        .transpose()?
        .flatten()
        .unwrap_or(0);
    let mut page = Query::select();
    filtered(&mut page);
    page.column(col("ticket_id"))
        .order_by(col("day"), sea_orm::sea_query::Order::Desc)
        .order_by(col("ticket_id"), sea_orm::sea_query::Order::Desc)
        .offset(offset)
        .limit(limit);
    let ids = db
        .query_all(&page)
        .await?
        .iter()
        .map(|row| row.try_get("", "ticket_id"))
        .collect::<Result<Vec<Uuid>, _>>()?;
    Ok((ids, u64::try_from(total).unwrap_or(0)))
}

/// One timeline entry as the facts need it: ticket, time, action, state left, org concerned.
pub type TimelineStep = (
    Uuid,
    chrono::DateTime<chrono::Utc>,
    String,
    Option<hotline_domain::ticket::TicketState>,
    Option<Uuid>,
);

/// The timelines of `tickets`, each oldest first.
pub async fn timelines(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<TimelineStep>, DbErr> {
    use sea_orm::{
        ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    };

    use crate::entity::ticket_event::{Column, Entity};
    let mut out = Vec::new();
    for chunk in tickets.chunks(CHUNK) {
        let rows: Vec<TimelineStep> = Entity::find()
            .select_only()
            .columns([
                Column::TicketId,
                Column::At,
                Column::Action,
                Column::FromState,
                Column::OrgId,
            ])
            .filter(Column::TicketId.is_in(chunk.iter().copied()))
            .order_by_asc(Column::TicketId)
            .order_by_asc(Column::At)
            .order_by_asc(Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

fn now_columns() -> [Alias; 4] {
    [col("state"), col("org_id"), col("overdue"), col("satisfaction")]
}

fn now_values(key: &NowKey) -> [sea_orm::Value; 4] {
    [
        key.state.as_str().into(),
        key.holder.unwrap_or(Uuid::nil()).into(),
        key.overdue.into(),
        key.satisfaction.map_or("", Satisfaction::as_str).into(),
    ]
}

fn now_key_of(row: &QueryResult) -> Result<NowKey, DbErr> {
    let state: String = row.try_get("", "state")?;
    let holder: Uuid = row.try_get("", "org_id")?;
    let satisfaction: String = row.try_get("", "satisfaction")?;
    Ok(NowKey {
        state: TicketState::parse(&state)
            .ok_or_else(|| DbErr::Type(format!("stat state {state}")))?,
        holder: (!holder.is_nil()).then_some(holder),
        overdue: row.try_get("", "overdue")?,
        satisfaction: Satisfaction::parse(&satisfaction),
    })
}

/// Where `tickets` stood when last counted.
pub async fn now_of(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<(Uuid, NowKey)>, DbErr> {
    let mut out = Vec::new();
    for chunk in tickets.chunks(CHUNK) {
        let mut select = Query::select();
        select
            .from(table(NOW_FACT))
            .column(col("ticket_id"))
            .columns(now_columns())
            .and_where(Expr::col(col("ticket_id")).is_in(chunk.iter().copied()));
        for row in db.query_all(&select).await? {
            out.push((row.try_get("", "ticket_id")?, now_key_of(&row)?));
        }
    }
    Ok(out)
}

/// Replaces where `tickets` stand with `now` (each naming its ticket).
pub async fn replace_now(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
    now: &[(Uuid, NowKey)],
) -> Result<(), DbErr> {
    delete_of_tickets(db, NOW_FACT, tickets).await?;
    for chunk in now.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(table(NOW_FACT))
            .columns(std::iter::once(col("ticket_id")).chain(now_columns()).collect::<Vec<_>>());
        for (ticket, key) in chunk {
            let values = std::iter::once(sea_orm::Value::from(*ticket)).chain(now_values(key));
            insert.values(values.map(Expr::val)).map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Adds `deltas` (one per key) to the now-counts.
pub async fn add_to_now(db: &impl ConnectionTrait, deltas: &[(NowKey, i64)]) -> Result<(), DbErr> {
    for chunk in deltas.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(table(NOW))
            .columns(now_columns().into_iter().chain([col("n")]).collect::<Vec<_>>());
        for (key, n) in chunk {
            let values = now_values(key).into_iter().chain([sea_orm::Value::from(*n)]);
            insert.values(values.map(Expr::val)).map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        insert.on_conflict(
            OnConflict::columns(now_columns())
                .value(col("n"), Expr::cust(format!("{NOW}.n + excluded.n")))
                .to_owned(),
        );
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Every now-count that is not zero.
pub async fn now_counts(db: &impl ConnectionTrait) -> Result<Vec<(NowKey, i64)>, DbErr> {
    let mut select = Query::select();
    select
        .from(table(NOW))
        .columns(now_columns())
        .column(col("n"))
        .and_where(Expr::col(col("n")).ne(0));
    let rows = db.query_all(&select).await?;
    let mut out = rows
        .iter()
        .map(|row| Ok((now_key_of(row)?, row.try_get::<i64>("", "n")?)))
        .collect::<Result<Vec<_>, DbErr>>()?;
    out.sort();
    Ok(out)
}

/// Makes refreshes of the statistics take turns: on PostgreSQL a transaction-scoped advisory
/// lock (the rollup job and a rebuild may run at once, and each reads a ticket's facts before
/// moving the sums by their change); SQLite's writes take turns already.
pub async fn take_turn(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // "stat" in ASCII: any constant no other lock of ours uses.
        db.execute_unprepared("SELECT pg_advisory_xact_lock(1937006964)").await?;
    }
    Ok(())
}

/// Whether any ticket has been counted (none: new tables, or a bulk load that wrote no
/// events). Every work order, drafts included, has a now-fact once counted.
pub async fn any_counted(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let mut select = Query::select();
    select.from(table(NOW_FACT)).column(col("ticket_id")).limit(1);
    Ok(db.query_one(&select).await?.is_some())
}

pub use crate::entity::stat_bulletin::Model as BulletinRow;

/// Publishes a month; `false` when it was published already (the first one stands).
pub async fn insert_bulletin(db: &impl ConnectionTrait, row: BulletinRow) -> Result<bool, DbErr> {
    use sea_orm::{EntityTrait as _, IntoActiveModel as _};
    let inserted = crate::entity::stat_bulletin::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(crate::entity::stat_bulletin::Column::Month).do_nothing().to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

pub async fn bulletin(
    db: &impl ConnectionTrait,
    month: &str,
) -> Result<Option<BulletinRow>, DbErr> {
    use sea_orm::EntityTrait as _;
    crate::entity::stat_bulletin::Entity::find_by_id(month.to_owned()).one(db).await
}

/// Every published month, newest first, without their reports.
pub async fn bulletins(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, Option<Uuid>, chrono::DateTime<chrono::Utc>)>, DbErr> {
    use sea_orm::{EntityTrait as _, QueryOrder as _, QuerySelect as _};

    use crate::entity::stat_bulletin::{Column, Entity};
    Entity::find()
        .select_only()
        .columns([Column::Month, Column::PublishedBy, Column::PublishedAt])
        .order_by_desc(Column::Month)
        .into_tuple()
        .all(db)
        .await
}

pub use crate::entity::stat_appeal::Model as AppealRow;

/// The (ticket, unit) pairs of `tickets` whose appeal against inclusion was approved.
pub async fn excluded(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};

    use crate::entity::stat_appeal::{Column, Entity};
    let mut out = Vec::new();
    for chunk in tickets.chunks(CHUNK) {
        let rows: Vec<(Uuid, Uuid)> = Entity::find()
            .select_only()
            .columns([Column::TicketId, Column::OrgId])
            .filter(Column::TicketId.is_in(chunk.iter().copied()))
            .filter(Column::State.eq(hotline_domain::stats::AppealState::Approved))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

pub async fn insert_appeal(db: &impl ConnectionTrait, row: AppealRow) -> Result<(), DbErr> {
    use sea_orm::{EntityTrait as _, IntoActiveModel as _};
    crate::entity::stat_appeal::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

pub async fn appeal(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<AppealRow>, DbErr> {
    use sea_orm::EntityTrait as _;
    crate::entity::stat_appeal::Entity::find_by_id(id).one(db).await
}

/// The appeals of `ticket`, oldest first.
pub async fn appeals_of_ticket(
    db: &impl ConnectionTrait,
    ticket: Uuid,
) -> Result<Vec<AppealRow>, DbErr> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};

    use crate::entity::stat_appeal::{Column, Entity};
    Entity::find().filter(Column::TicketId.eq(ticket)).order_by_asc(Column::FiledAt).all(db).await
}

/// A page of appeals, newest first: those in `state`, of `ticket`, filed by one of `orgs` (each
/// filter left out when `None`), and how many there are.
pub async fn appeals(
    db: &impl ConnectionTrait,
    state: Option<hotline_domain::stats::AppealState>,
    ticket: Option<Uuid>,
    orgs: Option<&[Uuid]>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<AppealRow>, u64), DbErr> {
    use sea_orm::{
        ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
        QuerySelect as _,
    };

    use crate::entity::stat_appeal::{Column, Entity};
    let mut select = Entity::find();
    if let Some(state) = state {
        select = select.filter(Column::State.eq(state));
    }
    if let Some(ticket) = ticket {
        select = select.filter(Column::TicketId.eq(ticket));
    }
    if let Some(orgs) = orgs {
        select = select.filter(Column::OrgId.is_in(orgs.iter().copied()));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(Column::FiledAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Decides a pending appeal; `false` when it was no longer pending (decided meanwhile).
pub async fn decide_appeal(
    db: &impl ConnectionTrait,
    id: Uuid,
    state: hotline_domain::stats::AppealState,
    by: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    note: Option<String>,
) -> Result<bool, DbErr> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

    use crate::entity::stat_appeal::{Column, Entity};
    let result = Entity::update_many()
        .col_expr(Column::State, Expr::value(state))
        .col_expr(Column::DecidedBy, Expr::value(by))
        .col_expr(Column::DecidedAt, Expr::value(at))
        .col_expr(Column::DecisionNote, Expr::value(note))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(hotline_domain::stats::AppealState::Pending))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub use crate::entity::stat_adjustment::Model as AdjustmentRow;

pub async fn insert_adjustment(db: &impl ConnectionTrait, row: AdjustmentRow) -> Result<(), DbErr> {
    use sea_orm::{EntityTrait as _, IntoActiveModel as _};
    crate::entity::stat_adjustment::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Removes an adjustment; `None` when there was none, else the row removed.
pub async fn delete_adjustment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<AdjustmentRow>, DbErr> {
    use sea_orm::{EntityTrait as _, ModelTrait as _};
    let Some(row) = crate::entity::stat_adjustment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    row.clone().delete(db).await?;
    Ok(Some(row))
}

/// The adjustments dated from `from` to `to`, oldest first.
pub async fn adjustments(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AdjustmentRow>, DbErr> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};

    use crate::entity::stat_adjustment::{Column, Entity};
    Entity::find()
        .filter(Column::Day.gte(day_text(from)))
        .filter(Column::Day.lte(day_text(to)))
        .order_by_asc(Column::Day)
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await
}
