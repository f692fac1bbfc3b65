//! Schema migrations, written once with SeaQuery so each backend gets its own correct DDL.
//! Dialect-specific statements (triggers) branch on the backend inside a migration.

use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_work_orders;
mod m20261124_000003_work_list_indexes;
mod m20261124_000004_webhooks;
mod m20261124_000005_federation;
mod m20261125_000006_remote_credentials;
mod m20261125_000007_closed_ticket_search;
mod m20261206_000008_calendar_years;
mod m20261206_000009_outbox_cursors;
mod m20261207_000010_org_reviews_replies;
mod m20261207_000011_desk;
mod m20261207_000012_knowledge_base;
mod m20261207_000013_search_words;
mod m20261207_000014_statistics;
mod m20261207_000015_alerts;
mod m20261207_000016_bulletins;
mod m20261207_000017_stat_now;
mod m20261207_000018_assessment_appeals;
mod m20261207_000019_assessment_adjustments;
mod m20261207_000020_briefings;
mod m20261207_000021_duty;
mod m20261208_000022_saved_reports;
mod m20261208_000023_frequent_words;
mod m20261208_000024_callcenter;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_work_orders::Migration),
            Box::new(m20261124_000003_work_list_indexes::Migration),
            Box::new(m20261124_000004_webhooks::Migration),
            Box::new(m20261124_000005_federation::Migration),
            Box::new(m20261125_000006_remote_credentials::Migration),
            Box::new(m20261125_000007_closed_ticket_search::Migration),
            Box::new(m20261206_000008_calendar_years::Migration),
            Box::new(m20261206_000009_outbox_cursors::Migration),
            Box::new(m20261207_000010_org_reviews_replies::Migration),
            Box::new(m20261207_000011_desk::Migration),
            Box::new(m20261207_000012_knowledge_base::Migration),
            Box::new(m20261207_000013_search_words::Migration),
            Box::new(m20261207_000014_statistics::Migration),
            Box::new(m20261207_000015_alerts::Migration),
            Box::new(m20261207_000016_bulletins::Migration),
            Box::new(m20261207_000017_stat_now::Migration),
            Box::new(m20261207_000018_assessment_appeals::Migration),
            Box::new(m20261207_000019_assessment_adjustments::Migration),
            Box::new(m20261207_000020_briefings::Migration),
            Box::new(m20261207_000021_duty::Migration),
            Box::new(m20261208_000022_saved_reports::Migration),
            Box::new(m20261208_000023_frequent_words::Migration),
            Box::new(m20261208_000024_callcenter::Migration),
        ]
    }
}
