//! Frequent words (高频词) over a period, from the daily word counts the rollup keeps: the words
//! most appeals' titles used, each beside the period before (a word rising is a matter
//! spreading), and the appeals behind a word.

use chrono::NaiveDate;
use hotline_domain::report::{change, previous_period};
use hotline_domain::role::{Permission, Scope};
use hotline_domain::{FieldError, FieldIssue};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Period;
use crate::paging::{PageOf, Paging};
use crate::tickets::TicketSummary;
use crate::{App, Ctx, Error, Result};

/// `GET /stats/words?from=…&to=…&limit=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WordsQuery {
    /// First day, `YYYY-MM-DD`; default the first of this month.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// How many words: 1–200, default 50.
    pub limit: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WordCount {
    pub word: String,
    /// Appeals whose title used it in the period.
    pub appeals: i64,
    /// … in the period of the same length before.
    pub previous: i64,
    /// The relative change, `null` when it was not used before.
    pub change: Option<f64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FrequentWords {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    /// Most used first.
    pub items: Vec<WordCount>,
}

/// `GET /stats/words/tickets?word=…&from=…&to=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WordTicketsQuery {
    pub word: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl App {
    /// The city's words: the center's only, like the intake they are counted from.
    async fn authorize_words(&self, ctx: &Ctx) -> Result<hotline_domain::role::Principal> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        if scope != Scope::City {
            return Err(Error::Forbidden);
        }
        Ok(self.authorize(ctx, Permission::TicketRead, None).await?.0)
    }

    pub async fn frequent_words(&self, ctx: &Ctx, query: &WordsQuery) -> Result<FrequentWords> {
        self.authorize_words(ctx).await?;
        let period = Period::parse(query.from.as_deref(), query.to.as_deref(), self.today())?;
        let limit = query.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(FieldError::new("limit", FieldIssue::InvalidValue).with_limit(200).into());
        }
        let db = self.store.reader();
        let top = hotline_store::words::top(db, period.from, period.to, limit).await?;
        let (previous_from, previous_to) = previous_period(period.from, period.to);
        let words: Vec<String> = top.iter().map(|(w, _)| w.clone()).collect();
        let before: std::collections::HashMap<String, i64> =
            hotline_store::words::counts_of(db, &words, previous_from, previous_to)
                .await?
                .into_iter()
                .collect();
        #[expect(clippy::cast_precision_loss, reason = "appeal counts are far below 2^52")]
        let items = top
            .into_iter()
            .map(|(word, appeals)| {
                let previous = before.get(&word).copied().unwrap_or(0);
                WordCount {
                    change: change(Some(appeals as f64), Some(previous as f64)),
                    word,
                    appeals,
                    previous,
                }
            })
            .collect();
        Ok(FrequentWords { from: period.from, to: period.to, previous_from, previous_to, items })
    }

    /// The appeals whose title used `word` in the period: as many as the word's count.
    pub async fn word_tickets(
        &self,
        ctx: &Ctx,
        query: &WordTicketsQuery,
    ) -> Result<PageOf<TicketSummary>> {
        let principal = self.authorize_words(ctx).await?;
        let period = Period::parse(query.from.as_deref(), query.to.as_deref(), self.today())?;
        let word = query.word.trim().to_lowercase();
        if word.is_empty() {
            return Err(FieldError::new("word", FieldIssue::Required).into());
        }
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let (ids, total) = hotline_store::words::tickets_with(
            self.store.reader(),
            &word,
            period.from,
            period.to,
            page.offset(),
            page.per_page,
        )
        .await?;
        let detail = json!({"word": word, "from": period.from, "to": period.to});
        self.ticket_page(ctx, &principal, &ids, total, page, detail).await
    }
}
