//! The on-duty tables (值班统计): each ticket's counts per day × hour × agent × channel
//! (`stat_duty_fact`) and their sums (`stat_duty_hourly`), moved together like the daily sums.

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::duty::{DutyFact, DutyKey, DutyMeasures};
use hotline_domain::ticket::Channel;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use uuid::Uuid;

const FACT: &str = "stat_duty_fact";
const HOURLY: &str = "stat_duty_hourly";
/// Rows per multi-row insert: 11 values each stays far under SQLite's parameter limit.
const CHUNK: usize = 400;

fn key_columns() -> [Alias; 4] {
    [Alias::new("day"), Alias::new("hour"), Alias::new("agent_id"), Alias::new("channel")]
}

fn measure_columns() -> [Alias; 6] {
    DutyMeasures::COLUMNS.map(Alias::new)
}

fn values(key: &DutyKey, m: &DutyMeasures) -> Vec<sea_orm::Value> {
    let mut out: Vec<sea_orm::Value> = vec![
        key.day.format("%Y-%m-%d").to_string().into(),
        i16::from(key.hour).into(),
        key.agent_id.into(),
        key.channel.as_str().into(),
    ];
    out.extend(m.values().map(sea_orm::Value::from));
    out
}

fn read(row: &QueryResult) -> Result<(DutyKey, DutyMeasures), DbErr> {
    let day: String = row.try_get("", "day")?;
    let channel: String = row.try_get("", "channel")?;
    let hour: i16 = row.try_get("", "hour")?;
    let key = DutyKey {
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| DbErr::Type(format!("duty day {day}: {e}")))?,
        hour: u8::try_from(hour).map_err(|e| DbErr::Type(format!("duty hour {hour}: {e}")))?,
        agent_id: row.try_get("", "agent_id")?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| DbErr::Type(format!("duty channel {channel}")))?,
    };
    let mut v = [0_i64; 6];
    for (slot, name) in v.iter_mut().zip(DutyMeasures::COLUMNS) {
        *slot = row.try_get("", name)?;
    }
    Ok((key, DutyMeasures::from_values(v)))
}

/// What `tickets` counted when last counted.
pub async fn facts_of(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<(Uuid, DutyFact)>, DbErr> {
    let mut out = Vec::new();
    for chunk in tickets.chunks(CHUNK) {
        let mut select = Query::select();
        select
            .from(Alias::new(FACT))
            .column(Alias::new("ticket_id"))
            .columns(key_columns())
            .columns(measure_columns())
            .and_where(Expr::col(Alias::new("ticket_id")).is_in(chunk.iter().copied()));
        for row in db.query_all(&select).await? {
            let (key, measures) = read(&row)?;
            out.push((row.try_get("", "ticket_id")?, DutyFact { key, measures }));
        }
    }
    Ok(out)
}

/// Replaces the counts of `tickets` with `facts` (each naming its ticket).
pub async fn replace_facts(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
    facts: &[(Uuid, DutyFact)],
) -> Result<(), DbErr> {
    crate::stats::delete_of_tickets(db, FACT, tickets).await?;
    for chunk in facts.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(FACT)).columns(
            std::iter::once(Alias::new("ticket_id"))
                .chain(key_columns())
                .chain(measure_columns())
                .collect::<Vec<_>>(),
        );
        for (ticket, fact) in chunk {
            let row = std::iter::once(sea_orm::Value::from(*ticket))
                .chain(values(&fact.key, &fact.measures));
            insert.values(row.map(Expr::val)).map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Adds `deltas` (one per key) to the hourly sums.
pub async fn add_to_hourly(
    db: &impl ConnectionTrait,
    deltas: &[(DutyKey, DutyMeasures)],
) -> Result<(), DbErr> {
    for chunk in deltas.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(HOURLY))
            .columns(key_columns().into_iter().chain(measure_columns()).collect::<Vec<_>>());
        for (key, m) in chunk {
            insert
                .values(values(key, m).into_iter().map(Expr::val))
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        let mut on_conflict = OnConflict::columns(key_columns());
        for name in DutyMeasures::COLUMNS {
            on_conflict
                .value(Alias::new(name), Expr::cust(format!("{HOURLY}.{name} + excluded.{name}")));
        }
        insert.on_conflict(on_conflict);
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The hourly sums from `from` to `to` (inclusive), or all of them; rows of zeros left out.
pub async fn hourly(
    db: &impl ConnectionTrait,
    days: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<(DutyKey, DutyMeasures)>, DbErr> {
    let mut select = Query::select();
    select.from(Alias::new(HOURLY)).columns(key_columns()).columns(measure_columns());
    if let Some((from, to)) = days {
        select
            .and_where(Expr::col(Alias::new("day")).gte(from.format("%Y-%m-%d").to_string()))
            .and_where(Expr::col(Alias::new("day")).lte(to.format("%Y-%m-%d").to_string()));
    }
    let mut out = Vec::new();
    for row in db.query_all(&select).await? {
        let (key, m) = read(&row)?;
        if !m.is_zero() {
            out.push((key, m));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Empties both tables (a rebuild counts from nothing).
pub async fn clear(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute(&Query::delete().from_table(Alias::new(HOURLY)).to_owned()).await?;
    db.execute(&Query::delete().from_table(Alias::new(FACT)).to_owned()).await?;
    Ok(())
}

/// A contact recorded with a ticket, as the on-duty figures count it.
#[derive(Clone, Debug)]
pub struct TakenContact {
    pub ticket_id: Uuid,
    /// Who recorded it (none: an intake app, the portal).
    pub created_by: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
}

/// The contacts recorded with `tickets`.
pub async fn contacts_of(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<TakenContact>, DbErr> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};

    use crate::entity::contact::{Column, Entity};
    type Row = (Option<Uuid>, Option<Uuid>, DateTime<Utc>, Channel);
    let mut out = Vec::new();
    for chunk in tickets.chunks(CHUNK) {
        let rows: Vec<Row> = Entity::find()
            .select_only()
            .columns([Column::TicketId, Column::CreatedBy, Column::ReceivedAt, Column::Channel])
            .filter(Column::TicketId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(|(ticket, created_by, received_at, channel)| {
            Some(TakenContact { ticket_id: ticket?, created_by, received_at, channel })
        }));
    }
    Ok(out)
}
