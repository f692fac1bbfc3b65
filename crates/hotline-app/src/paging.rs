//! Page parameters shared by list endpoints.

use hotline_domain::{FieldError, FieldIssue};
use hotline_store::PageRequest;
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u64 = 50;
pub const MAX_PER_PAGE: u64 = 200;
/// Deeper than anyone pages, and small enough that the row offset always fits the databases'
/// 64-bit integers.
pub const MAX_PAGE: u64 = 1_000_000;

/// `?page=1&per_page=50`, 1-based.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Paging {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl Paging {
    pub fn validate(self) -> Result<PageRequest, FieldError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(FieldError::new("page", FieldIssue::InvalidValue)
                .with_limit(usize::try_from(MAX_PAGE).unwrap_or(usize::MAX)));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(FieldError::new("per_page", FieldIssue::InvalidValue)
                .with_limit(MAX_PER_PAGE as usize));
        }
        Ok(PageRequest { page, per_page })
    }
}

/// How a list answers: a page of JSON, or every matching row as a spreadsheet or as CSV (导出).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    #[default]
    Json,
    Xlsx,
    /// UTF-8 with a byte-order mark, so Excel opens the Chinese right.
    Csv,
}

/// The most rows one export holds: a spreadsheet someone reads, not a backup. A larger set
/// is refused with the limit, so the user narrows the filters rather than getting a silent cut.
pub const MAX_EXPORT_ROWS: u64 = 10_000;

impl ListFormat {
    /// The page to read: the asked page for JSON, all rows up to the limit (and one more, to
    /// know the limit was passed) for a spreadsheet.
    pub fn page(self, paging: Paging) -> Result<PageRequest, FieldError> {
        match self {
            Self::Json => paging.validate(),
            Self::Xlsx | Self::Csv => Ok(PageRequest { page: 1, per_page: MAX_EXPORT_ROWS + 1 }),
        }
    }

    /// Refuses an export of more rows than [`MAX_EXPORT_ROWS`].
    pub fn check_fits(self, rows: usize) -> Result<(), FieldError> {
        let limit = usize::try_from(MAX_EXPORT_ROWS).unwrap_or(usize::MAX);
        if self != Self::Json && rows > limit {
            return Err(FieldError::new("format", FieldIssue::TooLong).with_limit(limit));
        }
        Ok(())
    }
}

/// A page of results as the API returns it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// `total` is a lower bound: counting stopped (a capped count, or a text search that only
    /// knows whether another page follows).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

impl<T> PageOf<T> {
    #[must_use]
    pub fn new(items: Vec<T>, total: u64, request: PageRequest) -> Self {
        Self { items, total, page: request.page, per_page: request.per_page, total_capped: false }
    }
}
