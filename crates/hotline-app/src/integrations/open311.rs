//! The public Open311 GeoReport v2 façade (`shared/reference/open311.md`).
//!
//! Services are the leaf categories of the complaint taxonomy (`group` = the first level); a
//! service request is a ticket filed through the normal intake on the `open311` channel; the
//! `api_key` is an API token with the `intake_app` role. What the façade shows back is limited
//! to requests filed through it, never a caller's contact details and never confidential ones:
//! ticket numbers are sequential, so anything else would let anyone read the city's appeals.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};
use hotline_domain::role::Permission;
use hotline_domain::ticket::{AppealType, Channel, Labelled, TicketState, Urgency};
use hotline_domain::validation::{FieldError, FieldErrors, FieldIssue};
use hotline_store::PageRequest;
use hotline_store::reference::CategoryRow;
use hotline_store::tickets::{AttachmentRow, TicketFilter, TicketRow, TicketSort};
use uuid::Uuid;

use crate::tickets::{AttachmentInput, NewTicket};
use crate::{App, Ctx, Error, Result};

pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// The spec's limit on a `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// A `start_date`..`end_date` window may not be longer.
pub const MAX_SPAN_DAYS: i64 = 90;
/// Media types accepted as a `media` upload, checked against the bytes, not the client's word.
pub const MEDIA_TYPES: &[&str] =
    &["image/jpeg", "image/png", "image/gif", "image/webp", "image/heif", "video/mp4"];
const MAX_IDS: usize = 100;
const TITLE_CHARS: usize = 40;

/// One entry of `GET services`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub description: String,
    pub keywords: String,
    pub group: String,
}

/// `GET services/{code}`: the questions asked beside the description.
#[derive(Clone, Debug)]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<ServiceAttribute>,
}

#[derive(Clone, Debug)]
pub struct ServiceAttribute {
    /// `false`: information shown to the citizen, not a question.
    pub variable: bool,
    pub code: &'static str,
    pub datatype: &'static str,
    pub required: bool,
    pub datatype_description: String,
    pub order: u32,
    pub description: String,
    /// `(key, name)` for list types.
    pub values: Vec<(String, String)>,
}

/// A request as the public sees it.
#[derive(Clone, Debug)]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: String,
    pub service_name: Option<String>,
    pub service_code: Option<String>,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

/// The answer to a POST.
#[derive(Clone, Debug)]
pub struct CreatedRequest {
    pub service_request_id: String,
    pub service_notice: Option<String>,
    pub account_id: Option<String>,
    /// `false` when an `Idempotency-Key` retry found the request already filed.
    pub created: bool,
}

/// `GET tokens/{token}`.
#[derive(Clone, Debug)]
pub struct TokenAnswer {
    pub service_request_id: String,
    pub token: String,
}

#[derive(Clone, Debug)]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub url: String,
    pub endpoint_type: String,
}

/// An uploaded `media` file.
#[derive(Clone, Debug)]
pub struct Media {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// `POST requests`, every argument as sent (empty strings count as absent).
#[derive(Clone, Debug, Default)]
pub struct NewServiceRequest {
    pub api_key: Option<String>,
    pub jurisdiction_id: Option<String>,
    pub service_code: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub email: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub media_url: Option<String>,
    /// `attribute[CODE]` → its value(s).
    pub attributes: BTreeMap<String, Vec<String>>,
    pub media: Option<Media>,
}

/// `GET requests` arguments, as sent.
#[derive(Clone, Debug, Default)]
pub struct RequestQuery {
    pub jurisdiction_id: Option<String>,
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// The spec's rule: an empty parameter is an absent one.
fn given(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn invalid(field: &str, detail: impl Into<String>) -> Error {
    Error::Validation(FieldError::new(field, FieldIssue::InvalidValue).with_detail(detail).into())
}

fn required(field: &str) -> Error {
    Error::Validation(FieldError::new(field, FieldIssue::Required).into())
}

/// W3C datetime (`2026-11-01T08:00:00+08:00`, `…Z`) or a bare date, read as local midnight.
fn parse_when(field: &str, raw: &str, offset: FixedOffset) -> Result<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(offset).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| invalid(field, "expected a W3C datetime such as 2026-11-01T08:00:00+08:00"))
}

fn parse_count(field: &str, raw: Option<&str>, default: u64, max: u64) -> Result<u64> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| invalid(field, format!("expected a whole number from 1 to {max}"))),
    }
}

/// What the public is told about where a request stands.
fn status_notes(state: TicketState, unit: Option<&str>) -> String {
    let unit = unit.unwrap_or("承办单位");
    match state {
        TicketState::Draft | TicketState::Registered => "已受理，正在确定承办单位".to_owned(),
        TicketState::Dispatched => format!("已转交{unit}办理"),
        TicketState::InProgress | TicketState::ExtensionRequested => format!("{unit}正在办理"),
        TicketState::ReturnRequested => "正在重新确定承办单位".to_owned(),
        TicketState::ReplySubmitted => format!("{unit}已答复，热线正在审核"),
        TicketState::AwaitingCallback => format!("{unit}已办理完毕，热线将回访核实"),
        TicketState::Closed | TicketState::Archived => "已办结".to_owned(),
        TicketState::Answered => "热线已直接答复".to_owned(),
        TicketState::Liaised => "热线已联系承办单位答复".to_owned(),
        TicketState::Dismissed => "不予受理".to_owned(),
        TicketState::Merged => "重复诉求，已并入同一事项办理".to_owned(),
    }
}

/// A name from Open311's two halves: Chinese names put the family name first.
fn caller_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    match (first, last) {
        (Some(f), Some(l)) if !(f.is_ascii() && l.is_ascii()) => Some(format!("{l}{f}")),
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// The ticket title: the first line of the description, shortened.
fn title_of(description: &str) -> String {
    let line = description.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(description);
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    title
}

/// Renames intake's field names to the Open311 arguments the client sent.
fn open311_field(field: &str) -> String {
    let renamed = match field {
        "caller_phone" => "phone",
        "caller_name" => "first_name",
        "content" | "title" => "description",
        "address" => "address_string",
        "latitude" => "lat",
        "longitude" => "long",
        "occurred_at" => "attribute[occurred_at]",
        "demand" => "attribute[demand]",
        "appeal_type" => "attribute[appeal_type]",
        other if other.starts_with("attachments") => "media",
        other => other,
    };
    renamed.to_owned()
}

impl App {
    fn local(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.calendar().offset()).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// A single-jurisdiction server ignores the argument unless one is configured.
    fn check_jurisdiction(&self, given_id: Option<&String>) -> Result<()> {
        match (&self.config.open311.jurisdiction_id, given(given_id)) {
            (Some(ours), Some(theirs)) if ours != theirs => Err(Error::NotFound("jurisdiction_id")),
            _ => Ok(()),
        }
    }

    /// The leaf categories in catalogue order, each with its first-level ancestor.
    async fn leaf_categories(&self) -> Result<Vec<(CategoryRow, Vec<CategoryRow>)>> {
        let reference = self.reference().await?;
        let categories = &reference.categories;
        let mut leaves: Vec<(CategoryRow, Vec<CategoryRow>)> = categories
            .values()
            .filter(|c| c.active)
            .filter(|c| !categories.values().any(|o| o.active && o.parent_id == Some(c.id)))
            .map(|c| {
                let mut lineage = Vec::new();
                let mut parent = c.parent_id;
                while let Some(p) = parent.and_then(|id| categories.get(&id)) {
                    lineage.insert(0, p.clone());
                    parent = p.parent_id;
                }
                (c.clone(), lineage)
            })
            .collect();
        leaves.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        Ok(leaves)
    }

    /// `GET discovery`.
    pub async fn open311_discovery(&self, base_url: &str) -> Result<Discovery> {
        let reference = self.reference().await?;
        let changed = reference.categories.values().map(|c| c.updated_at).max();
        let settings = &self.config.open311;
        Ok(Discovery {
            changeset: changed.map_or_else(String::new, |at| self.local(at)),
            contact: settings.contact.clone(),
            key_service: settings.key_service.clone(),
            url: format!("{}/open311/v2", base_url.trim_end_matches('/')),
            endpoint_type: settings.endpoint_type.clone(),
        })
    }

    /// `GET services`.
    pub async fn open311_services(&self, jurisdiction_id: Option<&String>) -> Result<Vec<Service>> {
        self.check_jurisdiction(jurisdiction_id)?;
        Ok(self
            .leaf_categories()
            .await?
            .into_iter()
            .map(|(leaf, lineage)| {
                let mut path: Vec<&str> = lineage.iter().map(|c| c.name.as_str()).collect();
                path.push(&leaf.name);
                Service {
                    code: leaf.code.clone(),
                    description: path.join(" / "),
                    keywords: lineage
                        .iter()
                        .rev()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    group: lineage.first().map_or_else(|| leaf.name.clone(), |c| c.name.clone()),
                    name: leaf.name,
                }
            })
            .collect())
    }

    async fn service_by_code(&self, code: &str) -> Result<CategoryRow> {
        self.leaf_categories()
            .await?
            .into_iter()
            .map(|(leaf, _)| leaf)
            .find(|c| c.code == code)
            .ok_or(Error::NotFound("service_code"))
    }

    /// The promise made for a service: `一般诉求5个工作日内办结`.
    async fn service_notice(&self, category_id: Option<Uuid>) -> Result<String> {
        let (clocks, _) = self.clocks_for(category_id, Urgency::Normal).await?;
        Ok(format!("一般诉求{}内办结", clocks.finish.zh()))
    }

    /// `GET services/{code}`.
    pub async fn open311_service_definition(
        &self,
        jurisdiction_id: Option<&String>,
        code: &str,
    ) -> Result<ServiceDefinition> {
        self.check_jurisdiction(jurisdiction_id)?;
        let category = self.service_by_code(code.trim()).await?;
        let notice = self.service_notice(Some(category.id)).await?;
        let attributes = vec![
            ServiceAttribute {
                variable: true,
                code: "appeal_type",
                datatype: "singlevaluelist",
                required: false,
                datatype_description: "诉求类型，不填按“求助”办理".to_owned(),
                order: 1,
                description: "您是咨询、求助、投诉、举报、建议还是表扬？".to_owned(),
                values: AppealType::ALL
                    .iter()
                    .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
                    .collect(),
            },
            ServiceAttribute {
                variable: true,
                code: "occurred_at",
                datatype: "datetime",
                required: false,
                datatype_description: "ISO 8601，如 2026-11-20T09:30:00+08:00".to_owned(),
                order: 2,
                description: "事情发生的时间".to_owned(),
                values: vec![],
            },
            ServiceAttribute {
                variable: true,
                code: "demand",
                datatype: "text",
                required: false,
                datatype_description: "不超过1000字".to_owned(),
                order: 3,
                description: "您希望如何解决".to_owned(),
                values: vec![],
            },
            ServiceAttribute {
                variable: false,
                code: "service_notice",
                datatype: "string",
                required: false,
                datatype_description: String::new(),
                order: 4,
                description: notice,
                values: vec![],
            },
        ];
        Ok(ServiceDefinition { service_code: category.code, attributes })
    }

    /// `POST requests`: checks the key, then files the appeal through the normal intake.
    pub async fn open311_create(
        &self,
        ctx: &Ctx,
        input: NewServiceRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CreatedRequest> {
        self.check_jurisdiction(input.jurisdiction_id.as_ref())?;
        let Some(key) = given(input.api_key.as_ref()) else {
            return Err(Error::Forbidden);
        };
        let principal = self.resolve_api_token(key).await.map_err(|e| match e {
            Error::Unauthenticated => Error::Forbidden,
            other => other,
        })?;
        if principal.scope_for(Permission::TicketCreate).is_none() {
            return Err(Error::Forbidden);
        }
        let Some(code) = given(input.service_code.as_ref()) else {
            return Err(required("service_code"));
        };
        let category = self.service_by_code(code).await?;
        let ticket = self.service_request_ticket(&input, &category).await?;
        let ctx = Ctx { principal: Some(principal), ..ctx.clone() };
        let (view, created) =
            self.create_ticket(&ctx, ticket, idempotency_key).await.map_err(|e| match e {
                Error::Validation(errors) => Error::Validation(
                    errors
                        .into_vec()
                        .into_iter()
                        .map(|mut f| {
                            f.field = open311_field(&f.field);
                            f
                        })
                        .collect(),
                ),
                other => other,
            })?;
        Ok(CreatedRequest {
            service_request_id: view.number,
            service_notice: Some(self.service_notice(Some(category.id)).await?),
            account_id: given(input.account_id.as_ref()).map(str::to_owned),
            created,
        })
    }

    /// Checks the Open311 arguments and turns them into intake's input; stores the media.
    async fn service_request_ticket(
        &self,
        input: &NewServiceRequest,
        category: &CategoryRow,
    ) -> Result<NewTicket> {
        let mut errors = FieldErrors::new();
        let offset = self.calendar().offset();
        let description = given(input.description.as_ref());
        match description {
            None => errors.push(FieldError::new("description", FieldIssue::Required)),
            Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => errors.push(
                FieldError::new("description", FieldIssue::TooLong)
                    .with_limit(MAX_DESCRIPTION_CHARS),
            ),
            Some(_) => {}
        }
        if let Some(email) = given(input.email.as_ref())
            && (email.len() > 254 || !email_address::EmailAddress::is_valid(email))
        {
            errors.push(
                FieldError::new("email", FieldIssue::InvalidFormat)
                    .with_detail("an address like name@example.gov.cn"),
            );
        }
        let (lat_raw, long_raw) = (given(input.lat.as_ref()), given(input.long.as_ref()));
        let mut coordinate = |field: &str, raw: Option<&str>, bound: f64| -> Option<f64> {
            match raw?.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= bound => Some(v),
                _ => {
                    errors.push(FieldError::new(field, FieldIssue::InvalidValue));
                    None
                }
            }
        };
        let lat = coordinate("lat", lat_raw, 90.0);
        let long = coordinate("long", long_raw, 180.0);
        let address_string = given(input.address_string.as_ref());
        let address_id = given(input.address_id.as_ref());
        if lat_raw.is_some() != long_raw.is_some() {
            let missing = if lat_raw.is_some() { "long" } else { "lat" };
            errors.push(
                FieldError::new(missing, FieldIssue::Required)
                    .with_detail("lat and long are sent together"),
            );
        } else if lat_raw.is_none() && address_string.is_none() && address_id.is_none() {
            errors.push(
                FieldError::new("address_string", FieldIssue::Required).with_detail(
                    "a location is required: lat and long, address_string or address_id",
                ),
            );
        }
        let mut appeal_type = AppealType::Help;
        let mut occurred_at = None;
        let mut demand = None;
        for (code, values) in &input.attributes {
            let field = format!("attribute[{code}]");
            let value = values.iter().map(|v| v.trim()).find(|v| !v.is_empty());
            match (code.as_str(), value) {
                (_, None) => {}
                ("appeal_type", Some(v)) => match AppealType::parse_input(v) {
                    Ok(t) => appeal_type = t,
                    Err(_) => errors.push(FieldError::new(field, FieldIssue::InvalidValue)),
                },
                ("occurred_at", Some(v)) => match parse_when(&field, v, offset) {
                    Ok(at) => occurred_at = Some(at),
                    Err(_) => errors.push(FieldError::new(field, FieldIssue::InvalidFormat)),
                },
                ("demand", Some(v)) => demand = Some(v.to_owned()),
                (_, Some(_)) => errors.push(
                    FieldError::new(field, FieldIssue::UnknownField)
                        .with_detail("see the service definition for the attributes"),
                ),
            }
        }
        let mut attachments = Vec::new();
        if let Some(url) = given(input.media_url.as_ref()) {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 255
                && !url.chars().any(char::is_whitespace);
            if ok {
                attachments.push(AttachmentInput {
                    file_name: url.to_owned(),
                    content_type: LINK_TYPE.to_owned(),
                    size_bytes: 0,
                    sha256: None,
                });
            } else {
                errors.push(
                    FieldError::new("media_url", FieldIssue::InvalidFormat)
                        .with_detail("an http(s) URL of at most 255 characters"),
                );
            }
        }
        let media_type = input.media.as_ref().map(|m| {
            let sniffed = infer::get(&m.bytes).map(|t| t.mime_type());
            (m, sniffed.filter(|t| MEDIA_TYPES.contains(t)))
        });
        match media_type {
            Some((m, _)) if m.bytes.len() > self.config.open311.max_media_bytes => errors.push(
                FieldError::new("media", FieldIssue::TooLong)
                    .with_limit(self.config.open311.max_media_bytes),
            ),
            Some((_, None)) => errors.push(
                FieldError::new("media", FieldIssue::InvalidValue)
                    .with_detail(format!("accepted: {}", MEDIA_TYPES.join(", "))),
            ),
            _ => {}
        }
        errors.into_result()?;
        if let Some((media, Some(content_type))) = media_type {
            let hash = self.files.put(&media.bytes).await.map_err(anyhow::Error::from)?;
            let name: String = media.file_name.trim().chars().take(255).collect();
            attachments.push(AttachmentInput {
                file_name: if name.is_empty() { "media".to_owned() } else { name },
                content_type: content_type.to_owned(),
                size_bytes: i64::try_from(media.bytes.len()).unwrap_or(i64::MAX),
                sha256: Some(hash),
            });
        }
        let description = description.unwrap_or_default();
        let address = address_string
            .map(str::to_owned)
            .or_else(|| address_id.map(|id| format!("地址编号 {id}")));
        Ok(NewTicket {
            caller_phone: given(input.phone.as_ref()).map(str::to_owned),
            caller_name: caller_name(
                given(input.first_name.as_ref()),
                given(input.last_name.as_ref()),
            ),
            title: title_of(description),
            content: description.to_owned(),
            demand,
            occurred_at,
            address,
            latitude: lat,
            longitude: long,
            region_org_id: None,
            contact_phone: None,
            callback_requirement: None,
            category_id: Some(category.id),
            appeal_type: appeal_type.as_str().to_owned(),
            urgency: Urgency::Normal.as_str().to_owned(),
            channel: "open311".to_owned(),
            confidential: false,
            notes: None,
            attachments,
            draft: false,
            handling: None,
        })
    }

    /// `GET requests`.
    pub async fn open311_requests(
        &self,
        query: &RequestQuery,
        base_url: &str,
    ) -> Result<Vec<ServiceRequest>> {
        self.check_jurisdiction(query.jurisdiction_id.as_ref())?;
        let settings = &self.config.open311;
        let offset = self.calendar().offset();
        let page = parse_count("page", given(query.page.as_ref()), 1, u64::from(u32::MAX))?;
        let page_size = parse_count(
            "page_size",
            given(query.page_size.as_ref()),
            settings.max_requests,
            settings.max_requests,
        )?;
        let mut filter = public_filter();
        if let Some(ids) = given(query.service_request_id.as_ref()) {
            // The ids override every other argument.
            let ids: Vec<String> = ids
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if ids.len() > MAX_IDS {
                return Err(invalid("service_request_id", format!("at most {MAX_IDS} ids")));
            }
            filter.numbers = ids;
        } else {
            if let Some(codes) = given(query.service_code.as_ref()) {
                let wanted: Vec<&str> = codes.split(',').map(str::trim).collect();
                filter.category_ids = self
                    .leaf_categories()
                    .await?
                    .into_iter()
                    .filter(|(c, _)| wanted.contains(&c.code.as_str()))
                    .map(|(c, _)| c.id)
                    .collect();
                if filter.category_ids.is_empty() {
                    return Ok(Vec::new());
                }
            }
            let start = given(query.start_date.as_ref())
                .map(|s| parse_when("start_date", s, offset))
                .transpose()?;
            let end = given(query.end_date.as_ref())
                .map(|s| parse_when("end_date", s, offset))
                .transpose()?;
            let span = Duration::days(MAX_SPAN_DAYS);
            let (from, to) = match (start, end) {
                (Some(s), Some(e)) => (s, e),
                (Some(s), None) => (s, s + span),
                (None, Some(e)) => (e - span, e),
                (None, None) => {
                    let now = self.now();
                    (now - span, now)
                }
            };
            if from > to {
                return Err(invalid("end_date", "end_date is before start_date"));
            }
            if to - from > span {
                return Err(invalid(
                    "end_date",
                    format!("start_date and end_date may be at most {MAX_SPAN_DAYS} days apart"),
                ));
            }
            filter.created_from = Some(from);
            // `end_date` is the latest time included; dates carry whole seconds.
            filter.created_to = Some(to + Duration::seconds(1));
            if let Some(statuses) = given(query.status.as_ref()) {
                let (mut open, mut closed) = (false, false);
                for s in statuses.split(',').map(str::trim) {
                    match s {
                        "open" => open = true,
                        "closed" => closed = true,
                        _ => {
                            return Err(invalid("status", "open, closed or both, comma-separated"));
                        }
                    }
                }
                if open != closed {
                    filter.states = TicketState::ALL
                        .iter()
                        .copied()
                        .filter(|s| s.is_finished() == closed)
                        .collect();
                }
            }
        }
        let rows = hotline_store::tickets::list(
            self.store.reader(),
            &filter,
            TicketSort::Newest,
            PageRequest { page, per_page: page_size },
        )
        .await?
        .items;
        self.public_requests(rows, base_url).await
    }

    /// `GET requests/{id}`.
    pub async fn open311_request(
        &self,
        jurisdiction_id: Option<&String>,
        id: &str,
        base_url: &str,
    ) -> Result<ServiceRequest> {
        self.check_jurisdiction(jurisdiction_id)?;
        let row = self.public_ticket_by_number(id.trim()).await?;
        let mut found = self.public_requests(vec![row], base_url).await?;
        found.pop().ok_or(Error::NotFound("service_request_id"))
    }

    /// `GET tokens/{token}`: the token is the ticket's internal id. Requests are created in
    /// real time, so a client only needs this if it kept the token of a `batch` server.
    pub async fn open311_token(
        &self,
        jurisdiction_id: Option<&String>,
        token: &str,
    ) -> Result<TokenAnswer> {
        self.check_jurisdiction(jurisdiction_id)?;
        let id = Uuid::parse_str(token.trim()).map_err(|_| Error::NotFound("token"))?;
        let row = hotline_store::tickets::find(self.store.reader(), id)
            .await?
            .filter(is_public)
            .ok_or(Error::NotFound("token"))?;
        Ok(TokenAnswer { service_request_id: row.number, token: row.id.to_string() })
    }

    /// A photo or video sent with a public request: `(content type, bytes)`.
    pub async fn open311_media(&self, id: &str) -> Result<(String, Vec<u8>)> {
        let id = Uuid::parse_str(id.trim()).map_err(|_| Error::NotFound("media"))?;
        let db = self.store.reader();
        let attachment = hotline_store::tickets::find_attachment(db, id)
            .await?
            .ok_or(Error::NotFound("media"))?;
        let public = hotline_store::tickets::find(db, attachment.ticket_id)
            .await?
            .is_some_and(|t| is_public(&t));
        let hash = attachment.sha256.filter(|_| public).ok_or(Error::NotFound("media"))?;
        let bytes = self
            .files
            .get(&hash)
            .await
            .map_err(anyhow::Error::from)?
            .ok_or(Error::NotFound("media"))?;
        Ok((attachment.content_type, bytes))
    }

    async fn public_ticket_by_number(&self, number: &str) -> Result<TicketRow> {
        hotline_store::tickets::find_by_number(self.store.reader(), number)
            .await?
            .filter(is_public)
            .ok_or(Error::NotFound("service_request_id"))
    }

    async fn public_requests(
        &self,
        rows: Vec<TicketRow>,
        base_url: &str,
    ) -> Result<Vec<ServiceRequest>> {
        let reference = self.reference().await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut media: HashMap<Uuid, AttachmentRow> = HashMap::new();
        for a in hotline_store::tickets::attachments_of(self.store.reader(), &ids).await? {
            media.entry(a.ticket_id).or_insert(a);
        }
        let base = base_url.trim_end_matches('/');
        let mut notices: HashMap<Option<Uuid>, String> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let state = row.state;
            let category = row.category_id.and_then(|id| reference.categories.get(&id));
            let unit = row.holder_org_id.and_then(|id| reference.orgs.get(&id)).map(|o| &o.name);
            if let std::collections::hash_map::Entry::Vacant(slot) = notices.entry(row.category_id)
            {
                slot.insert(self.service_notice(row.category_id).await?);
            }
            let updated = if state.is_finished() {
                row.closed_at.unwrap_or(row.updated_at)
            } else {
                row.updated_at
            };
            out.push(ServiceRequest {
                service_request_id: row.number.clone(),
                status: if state.is_finished() { "closed" } else { "open" },
                status_notes: status_notes(state, unit.map(String::as_str)),
                service_name: category.map(|c| c.name.clone()),
                service_code: category.map(|c| c.code.clone()),
                description: row.content.clone(),
                agency_responsible: unit.cloned(),
                service_notice: notices.get(&row.category_id).cloned(),
                requested_datetime: self.local(row.created_at),
                updated_datetime: self.local(updated),
                expected_datetime: row.finish_due.map(|d| self.local(d)),
                address: row.address.clone(),
                lat: row.latitude,
                long: row.longitude,
                media_url: media.get(&row.id).map(|a| {
                    if a.content_type == LINK_TYPE {
                        a.file_name.clone()
                    } else {
                        format!("{base}/open311/v2/media/{}", a.id)
                    }
                }),
            });
        }
        Ok(out)
    }
}

/// How a `media_url` sent by the client is kept: an attachment that is only a link.
const LINK_TYPE: &str = "text/uri-list";

fn is_public(row: &TicketRow) -> bool {
    row.channel == Channel::Open311 && !row.confidential
}

fn public_filter() -> TicketFilter {
    TicketFilter {
        channel: Some(Channel::Open311),
        confidential: Some(false),
        ..TicketFilter::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_put_the_family_name_first() {
        assert_eq!(caller_name(Some("小明"), Some("王")).as_deref(), Some("王小明"));
        assert_eq!(caller_name(Some("Ann"), Some("Lee")).as_deref(), Some("Ann Lee"));
        assert_eq!(caller_name(None, Some("王")).as_deref(), Some("王"));
        assert_eq!(caller_name(None, None), None);
    }

    #[test]
    fn titles_are_the_first_line_shortened() {
        assert_eq!(title_of("\n  路灯不亮\n已经三天"), "路灯不亮");
        let long = "很".repeat(50);
        assert_eq!(title_of(&long).chars().count(), TITLE_CHARS + 1);
    }

    #[test]
    fn dates_are_w3c_or_bare_days_in_local_time() {
        let cst = FixedOffset::east_opt(8 * 3600).unwrap();
        let at = parse_when("d", "2026-11-01", cst).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        let at = parse_when("d", "2026-11-01T08:00:00Z", cst).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-01T08:00:00+00:00");
        assert!(parse_when("d", "11/01/2026", cst).is_err());
    }

    #[test]
    fn every_state_has_a_public_note() {
        for state in TicketState::ALL {
            assert!(!status_notes(*state, Some("东城区")).is_empty());
        }
        assert_eq!(status_notes(TicketState::Dispatched, Some("东城区")), "已转交东城区办理");
    }
}
