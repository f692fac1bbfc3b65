//! Statistics. The leaders' overview (where the work orders are now, who is late) is counted
//! from the tickets on read; everything over a period — unit figures, 三率, rankings — is read
//! from the rollups that `rollup` keeps.

mod bulletin;
mod rollup;
mod units;

pub use bulletin::{Bulletin, BulletinSummary, ListedUnit, PublishInput};
pub use rollup::StatsDifference;
pub use units::{CountedQuery, Period, UnitFigures, UnitsQuery, UnitsReport};

use std::collections::BTreeMap;

use hotline_domain::role::{Permission, Scope};
use hotline_domain::ticket::TicketState;
use serde::Serialize;

use crate::tickets::views::OrgRef;
use crate::{App, Ctx, Error, Result};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitCount {
    pub org: OrgRef,
    pub count: i64,
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
}

impl App {
    pub async fn stats_overview(&self, ctx: &Ctx) -> Result<Overview> {
        let (_, scope) = self.authorize(ctx, Permission::TicketRead, None).await?;
        if scope != Scope::City {
            return Err(Error::Forbidden);
        }
        let db = self.store.reader();
        let states =
            hotline_store::tickets::count_by(db, hotline_store::entity::ticket::Column::State)
                .await?;
        let satisfaction = hotline_store::tickets::count_by(
            db,
            hotline_store::entity::ticket::Column::Satisfaction,
        )
        .await?;
        let late = hotline_store::tickets::overdue_by_holder(db, 15).await?;
        let overdue = hotline_store::tickets::count_overdue(db).await?;
        let reference = self.reference().await?;
        let by_state: BTreeMap<String, i64> =
            states.into_iter().filter_map(|(s, n)| s.map(|s| (s, n))).collect();
        let open = by_state
            .iter()
            .filter(|(s, _)| {
                TicketState::parse(s).is_some_and(|s| !s.is_finished() && s != TicketState::Draft)
            })
            .map(|(_, n)| n)
            .sum();
        Ok(Overview {
            total: by_state.values().sum(),
            open,
            overdue: i64::try_from(overdue).unwrap_or(i64::MAX),
            by_state,
            overdue_by_unit: late
                .into_iter()
                .filter_map(|(org, count)| {
                    reference.orgs.get(&org).map(|o| UnitCount {
                        org: OrgRef { id: o.id, code: o.code.clone(), name: o.name.clone() },
                        count,
                    })
                })
                .collect(),
            satisfaction: satisfaction.into_iter().filter_map(|(s, n)| s.map(|s| (s, n))).collect(),
        })
    }
}
