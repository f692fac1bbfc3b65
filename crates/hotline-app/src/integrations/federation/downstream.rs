//! Downstream (the district): the upstream registered as a peer, its signed events acted on
//! locally, and the copy's own moves reported back in order.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::federation::{self, Downstream};
use hotline_domain::org::OrgPath;
use hotline_domain::role::{Actor, Permission, Principal, Role};
use hotline_domain::ticket::Action;
use hotline_domain::ticket::decisions::CloseReason;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId, webhook};
use hotline_store::federation::{InboxRow, LinkRow, OutboundRow, PeerRow, ReportStatus};
use hotline_store::tickets::OutboxRow;
use hotline_store::unique_violation;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::identity::orgs::path_of;
use crate::paging::{PageOf, Paging};
use crate::tickets::{ActionInput, NewTicket, event_row, record_event};
use crate::{App, AuditEntry, Ctx, Error, Result};

use super::base_url;

/// Signed events older or newer than this are refused (a replay, or a clock far off).
const SIGNATURE_WINDOW_MINUTES: i64 = 5;
const REQUEST_TIMEOUT_SECS: u64 = 15;
const ERROR_CHARS: usize = 300;
const REPORT_BATCH: u64 = 100;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeer {
    pub name: String,
    pub url: String,
    /// Where the peer's tickets land here (usually this instance's center).
    pub org_id: OrgId,
    pub token: String,
    pub webhook_secret: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PeerView {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    pub org_id: OrgId,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub status: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// A report to the peer and how it went.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: Uuid,
    pub event_id: Uuid,
    pub local_ticket_id: Uuid,
    pub remote_ticket_id: Uuid,
    pub action: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
}

/// What became of a received event.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub event_id: Uuid,
    /// `copied`, `acted`, `noted`, `ignored:<why>`, or `duplicate` for a redelivery.
    pub outcome: String,
    pub local_ticket_id: Option<Uuid>,
}

impl From<PeerRow> for PeerView {
    fn from(row: PeerRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            url: row.url,
            org_id: OrgId::from_uuid(row.org_id),
            active: row.active,
            created_at: row.created_at,
        }
    }
}

impl From<OutboundRow> for ReportView {
    fn from(row: OutboundRow) -> Self {
        let next_attempt_at =
            Some(row.next_attempt_at).filter(|_| row.status == ReportStatus::Pending);
        Self {
            id: row.id,
            event_id: row.event_id,
            local_ticket_id: row.local_ticket_id,
            remote_ticket_id: row.remote_ticket_id,
            action: row.action,
            status: row.status.as_str().to_owned(),
            attempts: row.attempts,
            next_attempt_at,
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: row.created_at,
            done_at: row.done_at,
        }
    }
}
/// The string at `path` in a JSON document.
fn text_at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(doc, |v, k| v.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl App {
    /// Downstream: registers the upstream instance whose tickets this one handles. The token is
    /// tried against the peer first, so a typo shows now and not at the first dispatch.
    pub async fn add_federation_peer(&self, ctx: &Ctx, input: NewPeer) -> Result<PeerView> {
        let db = self.store.reader();
        let org = hotline_store::orgs::find(db, input.org_id.as_uuid()).await?;
        self.authorize(ctx, Permission::OrgManage, org.as_ref().map(path_of).as_ref()).await?;
        let mut errors = FieldErrors::new();
        let name = errors.take(bounded_text("name", &input.name, 1, 100));
        let url = errors.take(base_url("url", &input.url));
        let token = input.token.trim();
        if !token.starts_with(crate::identity::auth::API_TOKEN_PREFIX) {
            errors.push(FieldError::new("token", FieldIssue::InvalidFormat));
        }
        let secret = input.webhook_secret.trim();
        if secret.len() < 16 {
            errors.push(FieldError::new("webhook_secret", FieldIssue::InvalidFormat));
        }
        match &org {
            None => errors.push(FieldError::new("org_id", FieldIssue::NotFound)),
            Some(o) if !o.active => errors.push(FieldError::new("org_id", FieldIssue::Inactive)),
            Some(_) => {}
        }
        errors.into_result()?;
        let (Some(name), Some(url), Some(org)) = (name, url, org) else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };
        let check = self
            .http
            .get(format!("{url}/api/v1/tickets/counts"))
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(REQUEST_TIMEOUT_SECS))
            .send()
            .await;
        match check {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                return Err(FieldError::new("token", FieldIssue::InvalidValue)
                    .with_detail(format!("the peer answered {}", r.status()))
                    .into());
            }
            Err(e) => {
                return Err(FieldError::new("url", FieldIssue::InvalidValue)
                    .with_detail(format!("cannot reach the peer: {}", e.without_url()))
                    .into());
            }
        }
        let now = self.now();
        let row = PeerRow {
            id: Uuid::now_v7(),
            name,
            org_id: org.id,
            url,
            token_enc: self.data_key.encrypt(token)?,
            secret_enc: self.data_key.encrypt(secret)?,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::federation::insert_peer(tx, row).await?;
                    let audit = ctx.record(
                        AuditEntry::new(AuditAction::OrgUpdate)
                            .subject("federation_peer", row.id)
                            .detail(
                                json!({"name": row.name, "url": row.url, "org_id": row.org_id}),
                            ),
                        now,
                    );
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        Ok(row.into())
    }

    pub async fn list_federation_peers(&self, ctx: &Ctx) -> Result<Vec<PeerView>> {
        self.authorize(ctx, Permission::OrgManage, None).await?;
        let rows = hotline_store::federation::peers(self.store.reader()).await?;
        Ok(rows.into_iter().map(PeerView::from).collect())
    }

    /// The reports made, or still to make, to a peer.
    pub async fn federation_reports(
        &self,
        ctx: &Ctx,
        peer_id: Uuid,
        query: ReportQuery,
    ) -> Result<PageOf<ReportView>> {
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        self.authorize(ctx, Permission::OrgManage, None).await?;
        let db = self.store.reader();
        let peer = hotline_store::federation::find_peer(db, peer_id)
            .await?
            .ok_or(Error::NotFound("federation_peer"))?;
        let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                ReportStatus::parse(s)
                    .ok_or_else(|| FieldError::new("status", FieldIssue::InvalidValue))?,
            ),
            None => None,
        };
        let found = hotline_store::federation::outbound_of_peer(db, peer.id, status, page).await?;
        Ok(PageOf::new(found.items.into_iter().map(ReportView::from).collect(), found.total, page))
    }

    /// Whom a peer's events act as here: the peer itself, with a supervisor's rights.
    fn peer_principal(&self, peer: &PeerRow, org_path: OrgPath) -> Principal {
        Principal {
            actor: Actor::Peer(peer.id),
            name: peer.name.clone(),
            org_id: OrgId::from_uuid(peer.org_id),
            org_path,
            roles: vec![Role::Supervisor],
        }
    }

    /// Downstream: a signed event from an upstream peer. A redelivered event is answered as
    /// received without acting again.
    pub async fn receive_federation_event(
        &self,
        ctx: &Ctx,
        timestamp: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<Received> {
        let now = self.now();
        let window = Duration::minutes(SIGNATURE_WINDOW_MINUTES);
        let mut peer = None;
        for p in hotline_store::federation::peers(self.store.reader()).await? {
            let secret = self.data_key.decrypt(&p.secret_enc)?;
            let checked = webhook::verify(
                secret.as_bytes(),
                timestamp,
                body,
                signature,
                now.timestamp(),
                window,
            );
            if p.active && checked.is_ok() {
                peer = Some(p);
                break;
            }
        }
        let peer = peer.ok_or(Error::BadSignature)?;
        let event: Value = serde_json::from_slice(body)
            .map_err(|_| FieldError::new("body", FieldIssue::InvalidFormat))?;
        let event_id = text_at(&event, &["id"])
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| FieldError::new("id", FieldIssue::Required))?;
        let topic = text_at(&event, &["type"]).unwrap_or_default().to_owned();
        let remote_id = text_at(&event, &["ticket", "id"])
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| FieldError::new("ticket.id", FieldIssue::Required))?;
        let db = self.store.reader();
        if let Some(seen) = hotline_store::federation::find_inbox(db, event_id).await? {
            return Ok(Received {
                event_id,
                outcome: format!("duplicate:{}", seen.outcome),
                local_ticket_id: None,
            });
        }
        let landing =
            hotline_store::orgs::find(db, peer.org_id).await?.ok_or(Error::NotFound("org"))?;
        let ctx =
            Ctx { principal: Some(self.peer_principal(&peer, path_of(&landing))), ..ctx.clone() };
        let links = hotline_store::federation::links_of_remote(db, peer.id, remote_id).await?;
        let copy = match links.first() {
            Some(link) => hotline_store::tickets::find(db, link.local_ticket_id).await?,
            None => None,
        };
        let (outcome, local) = match federation::downstream(&topic) {
            Downstream::Copy => match copy.filter(|c| !c.state.is_finished()) {
                Some(open) => ("ignored:already_copied".to_owned(), Some(open.id)),
                None => {
                    let id = self.copy_ticket(&ctx, &peer, event_id, remote_id).await?;
                    ("copied".to_owned(), Some(id))
                }
            },
            Downstream::Act(action) => match copy {
                None => ("ignored:no_copy".to_owned(), None),
                Some(copy) => {
                    let said = format!(
                        "{}：{}",
                        peer.name,
                        text_at(&event, &["data", "opinion"]).unwrap_or(action.audit_name())
                    );
                    let input = ActionInput {
                        reason: Some(said.clone()),
                        opinion: Some(said),
                        ..ActionInput::default()
                    };
                    let key = format!("fed-{event_id}");
                    let id = hotline_domain::TicketId::from_uuid(copy.id);
                    match self.perform_action(&ctx, id, action.as_str(), input, Some(&key)).await {
                        Ok(_) => ("acted".to_owned(), Some(copy.id)),
                        // Not possible in the copy's state (urged before it was dispatched
                        // here, say): kept on the copy's timeline as a note instead.
                        Err(Error::Conflict { code, .. }) => {
                            (format!("noted:{code}"), Some(copy.id))
                        }
                        Err(Error::Validation(_)) => ("noted:invalid".to_owned(), Some(copy.id)),
                        Err(e) => return Err(e),
                    }
                }
            },
            Downstream::Note => ("noted".to_owned(), copy.as_ref().map(|c| c.id)),
        };
        let txn = self.store.begin().await?;
        if let Some(local) = local.filter(|_| outcome.starts_with("noted"))
            && let Some(row) = hotline_store::tickets::find(&txn, local).await?
        {
            record_event(
                &txn,
                event_row(
                    &ctx,
                    &row,
                    "upstream_event",
                    None,
                    None,
                    None,
                    text_at(&event, &["data", "opinion"]),
                    json!({"type": topic, "upstream_state": text_at(&event, &["ticket", "state"])}),
                    now,
                ),
            )
            .await?;
        }
        let saved = hotline_store::federation::insert_inbox(
            &txn,
            InboxRow {
                event_id,
                peer_id: peer.id,
                topic: topic.chars().take(64).collect(),
                outcome: outcome.chars().take(64).collect(),
                received_at: now,
            },
        )
        .await;
        match saved {
            Ok(()) => txn.commit().await?,
            // The same event, delivered twice at once: the other one recorded it.
            Err(e) if unique_violation(&e).is_some() => {
                return Ok(Received {
                    event_id,
                    outcome: "duplicate".to_owned(),
                    local_ticket_id: local,
                });
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Received { event_id, outcome, local_ticket_id: local })
    }

    /// Reads the peer's ticket as the org it was dispatched to sees it, and files a local copy.
    async fn copy_ticket(
        &self,
        ctx: &Ctx,
        peer: &PeerRow,
        event_id: Uuid,
        remote_id: Uuid,
    ) -> Result<Uuid> {
        let token = self.data_key.decrypt(&peer.token_enc)?;
        let response = self
            .http
            .get(format!("{}/api/v1/tickets/{remote_id}", peer.url))
            .bearer_auth(&token)
            .timeout(std::time::Duration::from_secs(REQUEST_TIMEOUT_SECS))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("reading the peer's ticket: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(Error::Internal(anyhow::anyhow!(
                "reading the peer's ticket: HTTP {}",
                response.status()
            )));
        }
        let remote: Value = response
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("reading the peer's ticket: {}", e.without_url()))?;
        let number = text_at(&remote, &["number"]).unwrap_or_default().to_owned();
        let reference = self.reference().await?;
        let category = text_at(&remote, &["category", "code"])
            .and_then(|code| reference.categories.values().find(|c| c.code == code && c.active))
            .map(|c| c.id);
        let caller =
            [text_at(&remote, &["caller", "name"]), text_at(&remote, &["caller", "phone"])]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
        let due = text_at(&remote, &["deadlines", "finish_due"]).unwrap_or("—");
        let notes = format!(
            "{}工单 {number}，上级办结时限 {due}{}",
            peer.name,
            if caller.is_empty() { String::new() } else { format!("；来电人 {caller}") }
        );
        let input = NewTicket {
            caller_phone: None,
            caller_name: None,
            title: text_at(&remote, &["title"]).unwrap_or("上级热线转来工单").to_owned(),
            content: text_at(&remote, &["content"]).unwrap_or("（无内容）").to_owned(),
            demand: text_at(&remote, &["demand"]).map(str::to_owned),
            occurred_at: text_at(&remote, &["occurred_at"])
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc)),
            address: text_at(&remote, &["address"]).map(str::to_owned),
            latitude: remote.pointer("/location/latitude").and_then(Value::as_f64),
            longitude: remote.pointer("/location/longitude").and_then(Value::as_f64),
            region_org_id: None,
            contact_phone: None,
            callback_requirement: None,
            category_id: category,
            appeal_type: text_at(&remote, &["appeal_type"]).unwrap_or("help").to_owned(),
            urgency: text_at(&remote, &["urgency"]).unwrap_or("normal").to_owned(),
            channel: "api".to_owned(),
            confidential: remote.get("confidential").and_then(Value::as_bool).unwrap_or(false),
            notes: Some(notes.chars().take(2000).collect()),
            attachments: Vec::new(),
            // Without a category of ours the copy waits as a draft for an agent to classify.
            draft: category.is_none(),
            handling: None,
        };
        let (view, _) = self.create_ticket(ctx, input, Some(&format!("fed-{event_id}"))).await?;
        let txn = self.store.begin().await?;
        if hotline_store::federation::link_of_local(&txn, view.id).await?.is_none() {
            hotline_store::federation::insert_link(
                &txn,
                LinkRow {
                    id: Uuid::now_v7(),
                    peer_id: peer.id,
                    remote_ticket_id: remote_id,
                    remote_number: number.chars().take(32).collect(),
                    local_ticket_id: view.id,
                    created_at: self.now(),
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(view.id)
    }

    /// Downstream worker: makes the queued reports in order. A report that fails holds back
    /// the later ones about the same ticket, so the peer never sees a reply before the accept.
    pub async fn send_federation_reports(&self) -> Result<u64> {
        let db = self.store.reader();
        let pending = hotline_store::federation::pending_outbound(db, REPORT_BATCH).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let peers: std::collections::HashMap<Uuid, PeerRow> =
            hotline_store::federation::peers(db).await?.into_iter().map(|p| (p.id, p)).collect();
        let mut held: Vec<Uuid> = Vec::new();
        let mut sent = 0;
        let settings = &self.config.webhooks;
        for mut row in pending {
            let now = self.now();
            if held.contains(&row.local_ticket_id) || row.next_attempt_at > now {
                held.push(row.local_ticket_id);
                continue;
            }
            // A paused peer's reports wait, in order, for it to be resumed.
            let Some(peer) = peers.get(&row.peer_id).filter(|p| p.active) else {
                held.push(row.local_ticket_id);
                continue;
            };
            let token = self.data_key.decrypt(&peer.token_enc)?;
            sent += 1;
            let response = self
                .http
                .post(format!(
                    "{}/api/v1/tickets/{}/actions/{}",
                    peer.url, row.remote_ticket_id, row.action
                ))
                .bearer_auth(&token)
                .header("idempotency-key", format!("fed-{}-{}", row.event_id, row.action))
                .header("content-type", "application/json")
                .body(row.body.clone())
                .timeout(std::time::Duration::from_secs(REQUEST_TIMEOUT_SECS))
                .send()
                .await;
            row.attempts += 1;
            let failure = match response {
                Ok(r) if r.status().is_success() => {
                    row.status = ReportStatus::Done;
                    row.last_status = Some(i32::from(r.status().as_u16()));
                    None
                }
                // The peer's ticket has moved on (already accepted, taken back): nothing to say.
                Ok(r) if r.status() == reqwest::StatusCode::CONFLICT => {
                    row.status = ReportStatus::Skipped;
                    row.last_status = Some(409);
                    row.last_error = Some(
                        r.text().await.unwrap_or_default().chars().take(ERROR_CHARS).collect(),
                    );
                    None
                }
                Ok(r) => {
                    let status = r.status().as_u16();
                    Some((
                        Some(status),
                        format!("HTTP {status}: {}", r.text().await.unwrap_or_default()),
                    ))
                }
                Err(e) => Some((None, e.without_url().to_string())),
            };
            match failure {
                None => row.done_at = Some(self.now()),
                Some((status, error)) => {
                    held.push(row.local_ticket_id);
                    row.last_status = status.map(i32::from);
                    row.last_error = Some(error.chars().take(ERROR_CHARS).collect());
                    // Never given up: the peer's ticket must hear it, however late.
                    row.next_attempt_at = self.now()
                        + webhook::retry_delay(
                            u32::try_from(row.attempts).unwrap_or(u32::MAX),
                            Duration::seconds(settings.first_retry_secs),
                            Duration::seconds(settings.max_retry_secs),
                        );
                }
            }
            let txn = self.store.begin().await?;
            hotline_store::federation::update_outbound(&txn, row).await?;
            txn.commit().await?;
        }
        Ok(sent)
    }
}

/// Downstream, during the outbox fan-out: the reports the peer must hear about an event on
/// `ticket`, a copy of the peer's ticket `link` (none for events the peer does not follow).
pub(crate) fn upstream_reports(
    event: &OutboxRow,
    ticket: &crate::tickets::outbox::TicketSnapshot,
    link: &LinkRow,
    payload: &Value,
    now: DateTime<Utc>,
) -> Vec<OutboundRow> {
    federation::upstream(&event.topic)
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let body = match action {
                Action::Reply => {
                    json!({"content": ticket.reply_content.clone().unwrap_or_else(|| "已办理".to_owned())})
                }
                Action::ContactCitizen => {
                    json!({"content": payload.get("opinion").and_then(Value::as_str)
                    .unwrap_or("已联系市民")})
                }
                Action::RequestExtension => {
                    let days =
                        payload.pointer("/detail/days").and_then(Value::as_u64).unwrap_or(1);
                    let reason = payload.get("opinion").and_then(Value::as_str).map_or_else(
                        || format!("下级单位申请延期{days}个工作日，本级已同意"),
                        str::to_owned,
                    );
                    json!({"days": days, "reason": reason})
                }
                Action::Return => json!({"reason": payload.get("opinion").and_then(Value::as_str)
                    .or(ticket.close_reason.map(CloseReason::as_str))
                    .unwrap_or("不属于本单位职责")}),
                _ => json!({}),
            };
            OutboundRow {
                id: Uuid::now_v7(),
                peer_id: link.peer_id,
                event_id: event.id,
                local_ticket_id: ticket.id,
                remote_ticket_id: link.remote_ticket_id,
                action: action.as_str().to_owned(),
                body: body.to_string(),
                status: ReportStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                last_status: None,
                last_error: None,
                // Keeps the order of one event's actions (accept before reply).
                created_at: now + Duration::microseconds(i64::try_from(i).unwrap_or(0)),
                done_at: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_lookup_skips_empty_values() {
        let doc = json!({"a": {"b": "x", "c": ""}});
        assert_eq!(text_at(&doc, &["a", "b"]), Some("x"));
        assert_eq!(text_at(&doc, &["a", "c"]), None);
        assert_eq!(text_at(&doc, &["a", "d"]), None);
    }
}
