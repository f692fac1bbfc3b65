//! The frequent-words tables: each appeal's title words (`stat_word_fact`) and the appeals per
//! day × word (`stat_word_daily`), moved together like the daily sums.

use chrono::NaiveDate;
use hotline_domain::words::WordFact;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use uuid::Uuid;

const FACT: &str = "stat_word_fact";
const DAILY: &str = "stat_word_daily";
/// Rows per multi-row insert.
const CHUNK: usize = 400;

fn col(name: &str) -> Alias {
    Alias::new(name)
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn read_day(row: &QueryResult) -> Result<NaiveDate, DbErr> {
    let day: String = row.try_get("", "day")?;
    NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|e| DbErr::Type(format!("word day {day}: {e}")))
}

/// The words `tickets` counted when last counted.
pub async fn facts_of(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<(Uuid, WordFact)>, DbErr> {
    let mut out = Vec::new();
    for chunk in tickets.chunks(CHUNK) {
        let mut select = Query::select();
        select
            .from(col(FACT))
            .columns([col("ticket_id"), col("word"), col("day")])
            .and_where(Expr::col(col("ticket_id")).is_in(chunk.iter().copied()));
        for row in db.query_all(&select).await? {
            let fact = WordFact { day: read_day(&row)?, word: row.try_get("", "word")? };
            out.push((row.try_get("", "ticket_id")?, fact));
        }
    }
    Ok(out)
}

/// Replaces the words of `tickets` with `facts` (each naming its ticket).
pub async fn replace_facts(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
    facts: &[(Uuid, WordFact)],
) -> Result<(), DbErr> {
    crate::stats::delete_of_tickets(db, FACT, tickets).await?;
    for chunk in facts.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(col(FACT)).columns([col("ticket_id"), col("word"), col("day")]);
        for (ticket, fact) in chunk {
            insert
                .values([
                    Expr::val(*ticket),
                    Expr::val(fact.word.clone()),
                    Expr::val(day_text(fact.day)),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Adds `deltas` to the daily counts.
pub async fn add_to_daily(
    db: &impl ConnectionTrait,
    deltas: &[(WordFact, i64)],
) -> Result<(), DbErr> {
    for chunk in deltas.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(col(DAILY)).columns([col("day"), col("word"), col("appeals")]);
        for (fact, n) in chunk {
            insert
                .values([
                    Expr::val(day_text(fact.day)),
                    Expr::val(fact.word.clone()),
                    Expr::val(*n),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        insert.on_conflict(
            OnConflict::columns([col("day"), col("word")])
                .value(col("appeals"), Expr::cust(format!("{DAILY}.appeals + excluded.appeals")))
                .to_owned(),
        );
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Every daily count that is not zero, by day and word (for checks against a recount).
pub async fn daily(db: &impl ConnectionTrait) -> Result<Vec<(WordFact, i64)>, DbErr> {
    let mut select = Query::select();
    select.from(col(DAILY)).columns([col("day"), col("word"), col("appeals")]);
    let mut out = Vec::new();
    for row in db.query_all(&select).await? {
        let n: i64 = row.try_get("", "appeals")?;
        if n != 0 {
            out.push((WordFact { day: read_day(&row)?, word: row.try_get("", "word")? }, n));
        }
    }
    out.sort();
    Ok(out)
}

/// The `limit` words most appeals used from `from` to `to` (inclusive), most first.
pub async fn top(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    limit: u64,
) -> Result<Vec<(String, i64)>, DbErr> {
    let mut select = Query::select();
    select
        .from(col(DAILY))
        .column(col("word"))
        .expr_as(Expr::cust("CAST(SUM(appeals) AS BIGINT)"), col("n"))
        .and_where(Expr::col(col("day")).gte(day_text(from)))
        .and_where(Expr::col(col("day")).lte(day_text(to)))
        .group_by_col(col("word"))
        .and_having(Expr::cust("SUM(appeals) > 0"))
        .order_by_expr(Expr::cust("n"), Order::Desc)
        .order_by(col("word"), Order::Asc)
        .limit(limit);
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "word")?, row.try_get("", "n")?)))
        .collect()
}

/// How many appeals used each of `words` from `from` to `to`.
pub async fn counts_of(
    db: &impl ConnectionTrait,
    words: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64)>, DbErr> {
    let mut select = Query::select();
    select
        .from(col(DAILY))
        .column(col("word"))
        .expr_as(Expr::cust("CAST(SUM(appeals) AS BIGINT)"), col("n"))
        .and_where(Expr::col(col("word")).is_in(words.iter().cloned()))
        .and_where(Expr::col(col("day")).gte(day_text(from)))
        .and_where(Expr::col(col("day")).lte(day_text(to)))
        .group_by_col(col("word"));
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "word")?, row.try_get("", "n")?)))
        .collect()
}

/// The appeals that used `word` from `from` to `to`, newest first, and how many there are.
pub async fn tickets_with(
    db: &impl ConnectionTrait,
    word: &str,
    from: NaiveDate,
    to: NaiveDate,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Uuid>, u64), DbErr> {
    let filtered = |select: &mut sea_orm::sea_query::SelectStatement| {
        select
            .from(col(FACT))
            .and_where(Expr::col(col("word")).eq(word))
            .and_where(Expr::col(col("day")).gte(day_text(from)))
            .and_where(Expr::col(col("day")).lte(day_text(to)));
    };
    let mut count = Query::select();
    filtered(&mut count);
    count.expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), col("n"));
    let total: i64 = match db.query_one(&count).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let mut page = Query::select();
    filtered(&mut page);
    page.column(col("ticket_id"))
        .order_by(col("day"), Order::Desc)
        .order_by(col("ticket_id"), Order::Desc)
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

/// Empties both tables (a rebuild counts from nothing).
pub async fn clear(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute(&Query::delete().from_table(col(DAILY)).to_owned()).await?;
    db.execute(&Query::delete().from_table(col(FACT)).to_owned()).await?;
    Ok(())
}
