//! Reference data: the category tree, the calendar, SLA policies and the routing catalogue.
//! All of it is small, so readers load whole tables and the application picks what applies.

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use crate::entity::{calendar_day, calendar_year, category, routing_rule, sla_policy};

pub use calendar_day::Model as CalendarDayRow;
pub use calendar_year::Model as CalendarYearRow;
pub use category::Model as CategoryRow;
pub use routing_rule::Model as RoutingRuleRow;
pub use sla_policy::Model as SlaPolicyRow;

pub async fn categories(db: &impl ConnectionTrait) -> Result<Vec<CategoryRow>, DbErr> {
    category::Entity::find()
        .order_by_asc(category::Column::Level)
        .order_by_asc(category::Column::SortOrder)
        .order_by_asc(category::Column::Code)
        .all(db)
        .await
}

pub async fn find_category(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<CategoryRow>, DbErr> {
    category::Entity::find_by_id(id).one(db).await
}

pub async fn count_categories(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    category::Entity::find().count(db).await
}

pub async fn insert_categories(
    db: &impl ConnectionTrait,
    rows: Vec<CategoryRow>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    // SQLite caps bound parameters per statement; a few hundred rows at a time stay well below.
    for chunk in rows.chunks(200) {
        category::Entity::insert_many(
            chunk.iter().cloned().map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn update_category(
    db: &impl ConnectionTrait,
    row: CategoryRow,
) -> Result<CategoryRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

pub async fn calendar_days(
    db: &impl ConnectionTrait,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<CalendarDayRow>, DbErr> {
    let mut query = calendar_day::Entity::find();
    if let Some(from) = from {
        query = query.filter(calendar_day::Column::Day.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(calendar_day::Column::Day.lte(to));
    }
    query.order_by_asc(calendar_day::Column::Day).all(db).await
}

pub async fn upsert_calendar_days(
    db: &impl ConnectionTrait,
    rows: Vec<CalendarDayRow>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    calendar_day::Entity::insert_many(
        rows.into_iter().map(sea_orm::IntoActiveModel::into_active_model),
    )
    .on_conflict(
        OnConflict::column(calendar_day::Column::Day)
            .update_columns([
                calendar_day::Column::Kind,
                calendar_day::Column::Name,
                calendar_day::Column::Source,
                calendar_day::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

pub async fn delete_calendar_day(db: &impl ConnectionTrait, day: NaiveDate) -> Result<bool, DbErr> {
    Ok(calendar_day::Entity::delete_by_id(day).exec(db).await?.rows_affected > 0)
}

/// The years whose schedule is known as a whole.
pub async fn calendar_years(db: &impl ConnectionTrait) -> Result<Vec<CalendarYearRow>, DbErr> {
    calendar_year::Entity::find().order_by_asc(calendar_year::Column::Year).all(db).await
}

/// Confirms a year; confirming it again keeps the first confirmation. Returns whether it is new.
pub async fn confirm_calendar_year(
    db: &impl ConnectionTrait,
    row: CalendarYearRow,
) -> Result<bool, DbErr> {
    let inserted = calendar_year::Entity::insert(row.into_active_model())
        .on_conflict(OnConflict::column(calendar_year::Column::Year).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

pub async fn unconfirm_calendar_year(db: &impl ConnectionTrait, year: i32) -> Result<bool, DbErr> {
    Ok(calendar_year::Entity::delete_by_id(year).exec(db).await?.rows_affected > 0)
}

pub async fn sla_policies(db: &impl ConnectionTrait) -> Result<Vec<SlaPolicyRow>, DbErr> {
    sla_policy::Entity::find().order_by_asc(sla_policy::Column::CreatedAt).all(db).await
}

pub async fn find_sla_policy(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<SlaPolicyRow>, DbErr> {
    sla_policy::Entity::find_by_id(id).one(db).await
}

pub async fn insert_sla_policy(
    db: &impl ConnectionTrait,
    row: SlaPolicyRow,
) -> Result<SlaPolicyRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_sla_policy(
    db: &impl ConnectionTrait,
    row: SlaPolicyRow,
) -> Result<SlaPolicyRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

pub async fn routing_rules(db: &impl ConnectionTrait) -> Result<Vec<RoutingRuleRow>, DbErr> {
    routing_rule::Entity::find().order_by_asc(routing_rule::Column::CreatedAt).all(db).await
}

pub async fn find_routing_rule(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<RoutingRuleRow>, DbErr> {
    routing_rule::Entity::find_by_id(id).one(db).await
}

pub async fn insert_routing_rule(
    db: &impl ConnectionTrait,
    row: RoutingRuleRow,
) -> Result<RoutingRuleRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_routing_rule(
    db: &impl ConnectionTrait,
    row: RoutingRuleRow,
) -> Result<RoutingRuleRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

pub async fn routing_rules_for(
    db: &impl ConnectionTrait,
    category_ids: &[Uuid],
) -> Result<Vec<RoutingRuleRow>, DbErr> {
    routing_rule::Entity::find()
        .filter(routing_rule::Column::CategoryId.is_in(category_ids.iter().copied()))
        .filter(routing_rule::Column::Active.eq(true))
        .all(db)
        .await
}
