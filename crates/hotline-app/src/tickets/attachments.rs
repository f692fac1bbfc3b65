//! Attachments (附件): files uploaded first (kept once by their SHA-256), then named on an
//! intake or an action by that hash; read back through the ticket they belong to, so reading
//! one is a ticket read, checked and audited as such.

use hotline_domain::audit::AuditAction;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, TicketId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{App, AuditEntry, Ctx, Error, Result};

pub const MAX_ATTACHMENTS: usize = 20;
pub const MAX_ATTACHMENT_BYTES: i64 = 50 * 1024 * 1024;

/// What may be uploaded, as the bytes say (not the client): photos, video, voice, PDF and
/// office documents. Anything a browser would run (HTML, SVG, scripts) is refused.
pub const UPLOAD_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heif",
    "video/mp4",
    "audio/mpeg",
    "audio/x-wav",
    "audio/amr",
    "audio/m4a",
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentInput {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// The uploaded file (`POST /files`); without it the attachment is a record only (a
    /// recording kept by the phone system, say) and cannot be downloaded here.
    pub sha256: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    pub file_name: String,
}

/// An uploaded file, to name in `attachments` as it is.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UploadedFile {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// A file to send back: its type, name and bytes.
#[derive(Debug)]
pub struct FileContent {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Checks a list of attachments, reporting against `field` (`attachments`,
/// `handling.attachments`).
pub(crate) fn check_attachments(errors: &mut FieldErrors, field: &str, list: &[AttachmentInput]) {
    if list.len() > MAX_ATTACHMENTS {
        errors.push(FieldError::new(field, FieldIssue::TooLong).with_limit(MAX_ATTACHMENTS));
    }
    for (i, a) in list.iter().enumerate() {
        errors.take(bounded_text(&format!("{field}[{i}].file_name"), &a.file_name, 1, 255));
        errors.take(bounded_text(&format!("{field}[{i}].content_type"), &a.content_type, 3, 100));
        if !(0..=MAX_ATTACHMENT_BYTES).contains(&a.size_bytes) {
            errors.push(FieldError::new(
                format!("{field}[{i}].size_bytes"),
                FieldIssue::InvalidValue,
            ));
        }
        if a.sha256
            .as_deref()
            .is_some_and(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            errors.push(FieldError::new(format!("{field}[{i}].sha256"), FieldIssue::InvalidFormat));
        }
    }
}

/// The rows for attachments named on a ticket or on one of its timeline entries.
pub(crate) fn attachment_rows(
    list: &[AttachmentInput],
    ticket_id: Uuid,
    event_id: Option<Uuid>,
    uploaded_by: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<hotline_store::tickets::AttachmentRow> {
    list.iter()
        .map(|a| hotline_store::tickets::AttachmentRow {
            id: Uuid::now_v7(),
            ticket_id,
            event_id,
            file_name: a.file_name.trim().to_owned(),
            content_type: a.content_type.trim().to_owned(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.as_ref().map(|h| h.to_ascii_lowercase()),
            uploaded_by,
            created_at: now,
        })
        .collect()
}

impl App {
    /// Keeps an uploaded file for an attachment to name. Any user who registers or handles
    /// tickets may upload; what the bytes are is checked, not taken from the client.
    pub async fn upload_file(
        &self,
        ctx: &Ctx,
        query: UploadQuery,
        bytes: &[u8],
    ) -> Result<UploadedFile> {
        let principal = ctx.principal.as_ref().ok_or(Error::Unauthenticated)?;
        let may = [
            hotline_domain::role::Permission::TicketCreate,
            hotline_domain::role::Permission::TicketHandle,
            hotline_domain::role::Permission::TicketCallback,
            hotline_domain::role::Permission::TicketReview,
        ]
        .into_iter()
        .any(|p| principal.scope_for(p).is_some());
        if !may {
            self.authorize(ctx, hotline_domain::role::Permission::TicketCreate, None).await?;
        }
        let mut errors = FieldErrors::new();
        let file_name = errors.take(bounded_text("file_name", &query.file_name, 1, 255));
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        if bytes.is_empty() {
            errors.push(FieldError::new("file", FieldIssue::Required));
        } else if size > MAX_ATTACHMENT_BYTES {
            errors.push(
                FieldError::new("file", FieldIssue::TooLong)
                    .with_limit(usize::try_from(MAX_ATTACHMENT_BYTES).unwrap_or(usize::MAX)),
            );
        }
        let content_type =
            infer::get(bytes).map(|t| t.mime_type()).filter(|t| UPLOAD_TYPES.contains(t));
        if !bytes.is_empty() && content_type.is_none() {
            errors.push(
                FieldError::new("file", FieldIssue::InvalidValue)
                    .with_detail("file type not accepted"),
            );
        }
        errors.into_result()?;
        let (Some(file_name), Some(content_type)) = (file_name, content_type) else {
            return Err(Error::Internal(anyhow::anyhow!("validated upload missing")));
        };
        let sha256 = self.files.put(bytes).await.map_err(anyhow::Error::from)?;
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::FileUpload)
                    .subject("file", &sha256)
                    .detail(json!({"content_type": content_type, "size_bytes": size})),
                self.now(),
            ),
        ])
        .await?;
        Ok(UploadedFile {
            file_name,
            content_type: content_type.to_owned(),
            size_bytes: size,
            sha256,
        })
    }

    /// An attachment's bytes, for someone who may read its ticket; audited like opening it.
    pub async fn attachment_content(
        &self,
        ctx: &Ctx,
        ticket: TicketId,
        attachment: Uuid,
    ) -> Result<FileContent> {
        let db = self.store.reader();
        let row = hotline_store::tickets::find(db, ticket.as_uuid())
            .await?
            .ok_or(Error::NotFound("ticket"))?;
        self.authorize_ticket_read(ctx, &row).await?;
        let found = hotline_store::tickets::find_attachment(db, attachment)
            .await?
            .filter(|a| a.ticket_id == row.id)
            .ok_or(Error::NotFound("attachment"))?;
        let hash = found.sha256.as_deref().ok_or(Error::NotFound("attachment"))?;
        let content = self.file_content(hash, found.file_name.clone()).await?;
        self.audit_now(vec![ctx.record(
            AuditEntry::new(AuditAction::AttachmentRead)
                .subject("ticket", ticket)
                .detail(json!({"number": row.number, "attachment_id": found.id, "file_name": found.file_name})),
            self.now(),
        )])
        .await?;
        Ok(content)
    }

    /// A kept file's bytes, typed by what the bytes show rather than the name it came with: a
    /// file is never served as something a browser would run.
    pub(crate) async fn file_content(&self, hash: &str, file_name: String) -> Result<FileContent> {
        let bytes = self
            .files
            .get(hash)
            .await
            .map_err(anyhow::Error::from)?
            .ok_or(Error::NotFound("attachment"))?;
        let content_type = infer::get(&bytes)
            .map(|t| t.mime_type())
            .filter(|t| UPLOAD_TYPES.contains(t))
            .unwrap_or("application/octet-stream")
            .to_owned();
        Ok(FileContent { content_type, file_name, bytes })
    }
}
