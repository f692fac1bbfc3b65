//! `GET /search/tickets`: full-text search with the work lists' filters and data scope. The
//! filters are the work lists' own (`ticket_filter`), turned into index terms here, so a unit
//! finds exactly what its lists could show it; the page's tickets are then read from the
//! database and checked against the scope once more (the index may trail a change by a moment).

use hotline_domain::audit::AuditAction;
use hotline_domain::org::OrgPath;
use hotline_domain::role::{Permission, Scope};
use hotline_domain::{FieldError, FieldIssue};
use hotline_search::{Filters, Highlight, Search, Sort};
use hotline_store::tickets::{TicketFilter, TicketRow};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::index::search_error;
use crate::paging::{ListFormat, PageOf};
use crate::reference::ReferenceData;
use crate::tickets::TicketQuery;
use crate::tickets::TicketSummary;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// Longer queries are refused: nobody types them, and they cost.
pub const MAX_QUERY_CHARS: usize = 200;

/// One ticket found, with where the words were found.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketHit {
    pub ticket: TicketSummary,
    /// Relevance (BM25); 0 when sorted by another order.
    pub score: f32,
    /// The fields that matched, each as a fragment with the character ranges to mark.
    pub highlights: Vec<HighlightView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HighlightView {
    /// `title`, `content`, `address` or `replies`.
    pub field: &'static str,
    pub fragment: String,
    /// `[from, to)` character offsets into `fragment`.
    pub ranges: Vec<[usize; 2]>,
}

impl From<Highlight> for HighlightView {
    fn from(h: Highlight) -> Self {
        Self {
            field: h.field,
            fragment: h.fragment,
            ranges: h.ranges.into_iter().map(|(a, b)| [a, b]).collect(),
        }
    }
}

impl App {
    /// Full-text search over the tickets the caller may see. `q` is the text (tantivy's query
    /// syntax; Chinese needs no spaces); `sort` also takes `relevance`, the default.
    pub async fn search_tickets(
        &self,
        ctx: &Ctx,
        mut query: TicketQuery,
    ) -> Result<PageOf<TicketHit>> {
        let (principal, scope) = self.authorize(ctx, Permission::TicketRead, None).await?;
        let text = query.q.take().unwrap_or_default();
        let text = text.trim().to_owned();
        let mut errors = hotline_domain::FieldErrors::new();
        if text.chars().count() > MAX_QUERY_CHARS {
            errors.push(FieldError::new("q", FieldIssue::TooLong).with_limit(MAX_QUERY_CHARS));
        }
        if query.format.is_some_and(|f| f != ListFormat::Json) {
            errors.push(FieldError::new("format", FieldIssue::InvalidValue));
        }
        let sort = match query.sort.take().as_deref() {
            None | Some("relevance") => Sort::Relevance,
            Some("newest") => Sort::Newest,
            Some("oldest") => Sort::Oldest,
            Some("finish_due") => Sort::FinishDue,
            Some("updated") => Sort::Updated,
            Some(_) => {
                errors.push(FieldError::new("sort", FieldIssue::InvalidValue));
                Sort::Relevance
            }
        };
        errors.into_result()?;
        let (filter, _, page) = self.ticket_filter(ctx, &principal, &scope, &query).await?;
        let reference = self.reference().await?;
        let filters = index_filters(filter, &reference);
        let index = self.ready_index()?;
        let prepared = hotline_search::query::prepare(&text, index.segmenter());
        let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.per_page).unwrap_or(20);
        let found = {
            let index = index.clone();
            tokio::task::spawn_blocking(move || {
                index.search(&Search { query: &prepared, filters: &filters, sort, offset, limit })
            })
            .await
            .map_err(|e| Error::Internal(e.into()))?
        }
        .map_err(|e| match e {
            hotline_search::Error::Query(message) => {
                Error::from(FieldError::new("q", FieldIssue::InvalidFormat).with_detail(message))
            }
            other => search_error(other),
        })?;
        let ids: Vec<Uuid> = found.hits.iter().map(|h| h.0).collect();
        let mut rows = hotline_store::search::tickets_by_id(self.store.reader(), &ids).await?;
        // In the index's order; a ticket that left the caller's scope since it was indexed is
        // not shown.
        rows.retain(|r| in_scope(&scope, r, &reference));
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        // Marking re-cuts the hits' texts: CPU work, off the request threads (and a failure
        // in it is an internal error, not a dropped connection).
        let (rows, found, marks) = tokio::task::spawn_blocking(move || {
            let highlighter = index.highlighter(&found);
            let marks: Vec<Vec<HighlightView>> = rows
                .iter()
                .map(|r| {
                    let mut texts =
                        vec![("title", r.title.as_str()), ("content", r.content.as_str())];
                    texts.extend(r.address.as_deref().map(|a| ("address", a)));
                    texts.extend(r.reply_content.as_deref().map(|a| ("replies", a)));
                    highlighter.marks(&texts).into_iter().map(HighlightView::from).collect()
                })
                .collect();
            (rows, found, marks)
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
        let scores: Vec<f32> = rows
            .iter()
            .map(|r| found.hits.iter().find(|h| h.0 == r.id).map_or(0.0, |h| h.1))
            .collect();
        self.audit_now(vec![ctx.record(
            AuditEntry::new(AuditAction::TicketSearch).detail(json!({
                "q": text, "view": query.view, "state": query.state, "page": page.page,
                "returned": rows.len(), "total": found.total,
            })),
            self.now(),
        )])
        .await?;
        let summaries = self.summaries(&principal, rows).await?;
        let items = summaries
            .into_iter()
            .zip(marks)
            .zip(scores)
            .map(|((ticket, highlights), score)| TicketHit { ticket, score, highlights })
            .collect();
        let mut out = PageOf::new(items, found.total, page);
        out.total_capped = found.capped;
        Ok(out)
    }
}

/// The work-list filter as index terms. Every field is taken apart here, so a filter added to
/// the work lists does not compile until search honours it too.
fn index_filters(filter: TicketFilter, reference: &ReferenceData) -> Filters {
    let TicketFilter {
        states,
        holder_path_prefixes,
        holder_org_id,
        category_path_prefix,
        channel,
        urgency,
        appeal_type,
        overdue,
        created_from,
        created_to,
        caller_phone_idx,
        // The text is searched in the index, not as a filter.
        title_contains: _,
        created_by,
        dispatched_by_org_id,
        dispatched_by_center,
        numbers,
        category_ids,
        confidential,
    } = filter;
    let orgs_under = |prefix: &str| -> Vec<Uuid> {
        reference.orgs.values().filter(|o| o.path.starts_with(prefix)).map(|o| o.id).collect()
    };
    let mut categories: Option<Vec<Uuid>> = category_path_prefix.map(|prefix| {
        reference
            .categories
            .values()
            .filter(|c| c.path.starts_with(&prefix))
            .map(|c| c.id)
            .collect()
    });
    if !category_ids.is_empty() {
        categories = Some(match categories {
            Some(under) => under.into_iter().filter(|id| category_ids.contains(id)).collect(),
            None => category_ids,
        });
    }
    let holder_orgs_any = if holder_path_prefixes.is_empty() {
        Vec::new()
    } else {
        vec![holder_path_prefixes.iter().flat_map(|p| orgs_under(p)).collect()]
    };
    Filters {
        states: states.iter().map(|s| s.as_str().to_owned()).collect(),
        holder_orgs_any,
        holder_org: holder_org_id,
        categories,
        regions: None,
        channel: channel.map(|c| c.as_str().to_owned()),
        urgency: urgency.map(|u| u.as_str().to_owned()),
        appeal_type: appeal_type.map(|a| a.as_str().to_owned()),
        overdue,
        created_from,
        created_to,
        caller_phone_idx,
        created_by,
        dispatched_by: if dispatched_by_center {
            Some(None)
        } else {
            dispatched_by_org_id.map(Some)
        },
        numbers,
        confidential,
    }
}

/// Whether a unit's scope holds the ticket's holder now (the city sees every ticket).
fn in_scope(scope: &Scope, row: &TicketRow, reference: &ReferenceData) -> bool {
    match scope {
        Scope::City => true,
        Scope::Subtree(_) => row
            .holder_org_id
            .and_then(|id| reference.orgs.get(&id))
            .is_some_and(|o| scope.contains(&OrgPath::from_stored(o.path.clone()))),
    }
}
