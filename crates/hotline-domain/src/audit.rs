//! The audit trail: an append-only, hash-chained log of who did what, when, from where.
//!
//! Each row stores the previous row's hash and its own hash over a canonical encoding of its
//! fields, so changing, deleting or inserting a row anywhere breaks the chain from that row on.
//! Sealing and verifying are pure; storage only keeps rows in `seq` order.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ticket::Action;

/// The hash the first row points back to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. The string forms are stable: auditors filter and export by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Login,
    LoginFailed,
    AccountLocked,
    LoginThrottled,
    Logout,
    SessionExpired,
    PasswordChanged,
    TotpEnrolled,
    AccessDenied,
    OrgCreate,
    OrgUpdate,
    OrgMove,
    UserCreate,
    UserUpdate,
    UserResetPassword,
    UserUnlock,
    UserRead,
    UserList,
    ApiTokenCreate,
    ApiTokenRevoke,
    AuditRead,
    SystemSeed,
    CategoryCreate,
    CategoryUpdate,
    CalendarUpdate,
    SlaCreate,
    SlaUpdate,
    RoutingCreate,
    RoutingUpdate,
    TicketCreate,
    TicketRead,
    TicketList,
    /// A full-text search over tickets.
    TicketSearch,
    /// The search index rebuilt, or its dictionary changed.
    SearchReindex,
    SearchWordAdd,
    SearchWordRemove,
    /// A unit revealed a ticket's caller number to reach the citizen, with its reason.
    ContactRevealed,
    CallerLookup,
    WebhookCreate,
    WebhookUpdate,
    WebhookRedeliver,
    /// A work list downloaded as a spreadsheet, with its filters.
    TicketExport,
    /// The center corrected a registered ticket's fields; the detail holds both versions.
    TicketCorrect,
    DraftUpdate,
    DraftDelete,
    AttachmentRead,
    FileUpload,
    AuditExport,
    PreferencesUpdate,
    PhraseCreate,
    PhraseUpdate,
    PhraseDelete,
    KbCreate,
    KbUpdate,
    KbReview,
    KbFeedback,
    KbExpire,
    KbExport,
    /// Unit figures (三率, rankings) taken away as a spreadsheet.
    StatsExport,
    /// An alert acknowledged, assigned or closed (the detail says which).
    AlertHandle,
    /// A month's assessment bulletin published.
    StatsPublish,
    /// A unit appealed against a ticket's inclusion in its assessment.
    StatsAppeal,
    /// The center approved or rejected such an appeal.
    StatsAppealDecide,
    /// The center added or removed a bonus or deduction to a unit's score.
    StatsAdjust,
    /// A briefing (要情摘报) drafted, edited, published, or its draft deleted.
    BriefingCreate,
    BriefingUpdate,
    BriefingPublish,
    BriefingDelete,
    /// A report definition kept (created or changed) or deleted by its owner.
    ReportSave,
    ReportDelete,
    /// Seats, queues and agents' skills changed.
    CallcenterConfig,
    /// A supervisor forced an agent not ready or logged them out.
    AgentForce,
    /// Call records read (they carry callers' masked numbers).
    CallList,
    /// A call linked to the ticket it led to.
    CallLink,
    /// An action on a ticket, by a person or by the deadline timers.
    Ticket(Action),
}

impl AuditAction {
    /// Every action but the per-ticket ones, which are `ticket.<action>`.
    pub const FIXED: [Self; 74] = [
        Self::Login,
        Self::LoginFailed,
        Self::AccountLocked,
        Self::LoginThrottled,
        Self::Logout,
        Self::SessionExpired,
        Self::PasswordChanged,
        Self::TotpEnrolled,
        Self::AccessDenied,
        Self::OrgCreate,
        Self::OrgUpdate,
        Self::OrgMove,
        Self::UserCreate,
        Self::UserUpdate,
        Self::UserResetPassword,
        Self::UserUnlock,
        Self::UserRead,
        Self::UserList,
        Self::ApiTokenCreate,
        Self::ApiTokenRevoke,
        Self::AuditRead,
        Self::SystemSeed,
        Self::CategoryCreate,
        Self::CategoryUpdate,
        Self::CalendarUpdate,
        Self::SlaCreate,
        Self::SlaUpdate,
        Self::RoutingCreate,
        Self::RoutingUpdate,
        Self::TicketCreate,
        Self::TicketRead,
        Self::TicketList,
        Self::TicketSearch,
        Self::SearchReindex,
        Self::SearchWordAdd,
        Self::SearchWordRemove,
        Self::ContactRevealed,
        Self::CallerLookup,
        Self::WebhookCreate,
        Self::WebhookUpdate,
        Self::WebhookRedeliver,
        Self::TicketExport,
        Self::TicketCorrect,
        Self::DraftUpdate,
        Self::DraftDelete,
        Self::AttachmentRead,
        Self::FileUpload,
        Self::AuditExport,
        Self::PreferencesUpdate,
        Self::PhraseCreate,
        Self::PhraseUpdate,
        Self::PhraseDelete,
        Self::KbCreate,
        Self::KbUpdate,
        Self::KbReview,
        Self::KbFeedback,
        Self::KbExpire,
        Self::KbExport,
        Self::StatsExport,
        Self::AlertHandle,
        Self::StatsPublish,
        Self::StatsAppeal,
        Self::StatsAppealDecide,
        Self::StatsAdjust,
        Self::BriefingCreate,
        Self::BriefingUpdate,
        Self::BriefingPublish,
        Self::BriefingDelete,
        Self::ReportSave,
        Self::ReportDelete,
        Self::CallcenterConfig,
        Self::AgentForce,
        Self::CallList,
        Self::CallLink,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Login => "auth.login",
            Self::LoginFailed => "auth.login_failed",
            Self::AccountLocked => "auth.locked",
            Self::LoginThrottled => "auth.throttled",
            Self::Logout => "auth.logout",
            Self::SessionExpired => "auth.session_expired",
            Self::PasswordChanged => "auth.password_changed",
            Self::TotpEnrolled => "auth.totp_enrolled",
            Self::AccessDenied => "access.denied",
            Self::OrgCreate => "org.create",
            Self::OrgUpdate => "org.update",
            Self::OrgMove => "org.move",
            Self::UserCreate => "user.create",
            Self::UserUpdate => "user.update",
            Self::UserResetPassword => "user.reset_password",
            Self::UserUnlock => "user.unlock",
            Self::UserRead => "user.read",
            Self::UserList => "user.list",
            Self::ApiTokenCreate => "api_token.create",
            Self::ApiTokenRevoke => "api_token.revoke",
            Self::AuditRead => "audit.read",
            Self::SystemSeed => "system.seed",
            Self::CategoryCreate => "category.create",
            Self::CategoryUpdate => "category.update",
            Self::CalendarUpdate => "calendar.update",
            Self::SlaCreate => "sla_policy.create",
            Self::SlaUpdate => "sla_policy.update",
            Self::RoutingCreate => "routing_rule.create",
            Self::RoutingUpdate => "routing_rule.update",
            Self::TicketCreate => "ticket.create",
            Self::TicketRead => "ticket.read",
            Self::TicketList => "ticket.list",
            Self::TicketSearch => "ticket.search",
            Self::SearchReindex => "search.reindex",
            Self::SearchWordAdd => "search.word_add",
            Self::SearchWordRemove => "search.word_remove",
            Self::ContactRevealed => "ticket.reveal_contact",
            Self::CallerLookup => "caller.lookup",
            Self::WebhookCreate => "webhook.create",
            Self::WebhookUpdate => "webhook.update",
            Self::WebhookRedeliver => "webhook.redeliver",
            Self::TicketExport => "ticket.export",
            Self::TicketCorrect => "ticket.correct",
            Self::DraftUpdate => "ticket.draft_update",
            Self::DraftDelete => "ticket.draft_delete",
            Self::AttachmentRead => "ticket.attachment_read",
            Self::FileUpload => "file.upload",
            Self::AuditExport => "audit.export",
            Self::PreferencesUpdate => "user.preferences",
            Self::PhraseCreate => "phrase.create",
            Self::PhraseUpdate => "phrase.update",
            Self::PhraseDelete => "phrase.delete",
            Self::KbCreate => "kb.create",
            Self::KbUpdate => "kb.update",
            Self::KbReview => "kb.review",
            Self::KbFeedback => "kb.feedback",
            Self::KbExpire => "kb.expire",
            Self::KbExport => "kb.export",
            Self::StatsExport => "stats.export",
            Self::AlertHandle => "alert.handle",
            Self::StatsPublish => "stats.publish",
            Self::StatsAppeal => "stats.appeal",
            Self::StatsAppealDecide => "stats.appeal_decide",
            Self::StatsAdjust => "stats.adjust",
            Self::BriefingCreate => "briefing.create",
            Self::BriefingUpdate => "briefing.update",
            Self::BriefingPublish => "briefing.publish",
            Self::BriefingDelete => "briefing.delete",
            Self::ReportSave => "report.save",
            Self::ReportDelete => "report.delete",
            Self::CallcenterConfig => "callcenter.config",
            Self::AgentForce => "callcenter.agent_force",
            Self::CallList => "call.list",
            Self::CallLink => "call.link",
            Self::Ticket(action) => action.audit_name(),
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::FIXED
            .into_iter()
            .find(|a| a.as_str() == s)
            .or_else(|| s.strip_prefix("ticket.").and_then(Action::parse).map(Self::Ticket))
    }

    /// Whether `family` (`auth`, `ticket`) names a group of actions.
    #[must_use]
    pub fn is_family(family: &str) -> bool {
        family == "ticket"
            || Self::FIXED.iter().any(|a| a.as_str().split('.').next() == Some(family))
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::code_enum! {
    pub enum Outcome {
        Success = "success",
        Failure = "failure",
        Denied = "denied",
    }
}

/// One audit row with its place in the chain. `detail` is JSON text kept byte for byte as it was
/// hashed (a JSONB column would reorder keys and break the hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_org_id: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields that are hashed, in a fixed order.
#[derive(Serialize, utoipa::ToSchema)]
struct Canonical<'a> {
    seq: i64,
    at: String,
    actor_id: Option<&'a str>,
    actor_name: Option<&'a str>,
    actor_org_id: Option<&'a str>,
    source_ip: Option<&'a str>,
    request_id: Option<&'a str>,
    action: &'a str,
    outcome: &'a str,
    subject_type: Option<&'a str>,
    subject_id: Option<&'a str>,
    detail: &'a str,
    prev_hash: &'a str,
}

/// Timestamps are hashed at microsecond precision, the precision both databases keep.
#[must_use]
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl AuditRecord {
    /// The hash this row must carry, computed from its other fields.
    #[must_use]
    pub fn compute_hash(&self) -> String {
        let canonical = Canonical {
            seq: self.seq,
            at: canonical_time(self.at),
            actor_id: self.actor_id.as_deref(),
            actor_name: self.actor_name.as_deref(),
            actor_org_id: self.actor_org_id.as_deref(),
            source_ip: self.source_ip.as_deref(),
            request_id: self.request_id.as_deref(),
            action: &self.action,
            outcome: &self.outcome,
            subject_type: self.subject_type.as_deref(),
            subject_id: self.subject_id.as_deref(),
            detail: &self.detail,
            prev_hash: &self.prev_hash,
        };
        // Serialising plain strings and integers cannot fail.
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }

    /// Fills in `seq`, `prev_hash` and `hash` to append this row after `prev`.
    #[must_use]
    pub fn seal(mut self, prev_seq: i64, prev_hash: &str) -> Self {
        self.seq = prev_seq + 1;
        self.prev_hash = prev_hash.to_owned();
        self.hash = self.compute_hash();
        self
    }
}

/// Why verification stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row's stored hash does not match its contents.
    Altered { seq: i64 },
    /// The row does not point at the previous row's hash.
    Unlinked { seq: i64 },
    /// A sequence number is missing before this row (a row was deleted).
    Gap { expected: i64, found: i64 },
    /// The chain ends before the recorded head (rows were removed from the end).
    Truncated { last_seq: i64, head_seq: i64 },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Altered { seq } => {
                write!(f, "row {seq}: contents do not match its hash (altered)")
            }
            Self::Unlinked { seq } => {
                write!(
                    f,
                    "row {seq}: does not link to the previous row's hash (inserted or altered)"
                )
            }
            Self::Gap { expected, found } => {
                write!(f, "row {expected} is missing (next row found is {found}): deleted")
            }
            Self::Truncated { last_seq, head_seq } => {
                write!(f, "chain ends at row {last_seq} but the head says {head_seq}: rows removed")
            }
        }
    }
}

impl ChainBreak {
    /// The first row that fails verification.
    #[must_use]
    pub const fn first_bad_seq(&self) -> i64 {
        match self {
            Self::Altered { seq } | Self::Unlinked { seq } => *seq,
            Self::Gap { expected, .. } => *expected,
            Self::Truncated { last_seq, .. } => *last_seq + 1,
        }
    }
}

/// Walks rows in `seq` order, fed in batches so a long trail never sits in memory at once.
#[derive(Debug)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { last_seq: 0, last_hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, row: &AuditRecord) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if row.seq != expected {
            return Err(ChainBreak::Gap { expected, found: row.seq });
        }
        if row.prev_hash != self.last_hash {
            return Err(ChainBreak::Unlinked { seq: row.seq });
        }
        if row.compute_hash() != row.hash {
            return Err(ChainBreak::Altered { seq: row.seq });
        }
        self.last_seq = row.seq;
        self.last_hash.clone_from(&row.hash);
        Ok(())
    }

    /// Checks the end of the walk against the recorded chain head.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        if self.last_seq < head_seq {
            return Err(ChainBreak::Truncated { last_seq: self.last_seq, head_seq });
        }
        if self.last_seq > head_seq || self.last_hash != head_hash {
            return Err(ChainBreak::Unlinked { seq: self.last_seq });
        }
        Ok(self.last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn record(n: i64) -> AuditRecord {
        AuditRecord {
            seq: 0,
            at: Utc.timestamp_opt(1_764_000_000 + n, 123_456_000).single().unwrap_or_default(),
            actor_id: Some(format!("user-{n}")),
            actor_name: Some("agent".into()),
            actor_org_id: None,
            source_ip: Some("127.0.0.1".into()),
            request_id: None,
            action: AuditAction::Login.as_str().into(),
            outcome: Outcome::Success.as_str().into(),
            subject_type: None,
            subject_id: None,
            detail: format!("{{\"n\":{n}}}"),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(len: i64) -> Vec<AuditRecord> {
        let mut rows: Vec<AuditRecord> = Vec::new();
        for n in 0..len {
            let (seq, hash) =
                rows.last().map_or((0, GENESIS_HASH.to_owned()), |r| (r.seq, r.hash.clone()));
            rows.push(record(n).seal(seq, &hash));
        }
        rows
    }

    fn verify(rows: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for row in rows {
            verifier.check(row)?;
        }
        verifier.finish(head.0, head.1)
    }

    #[test]
    fn every_action_round_trips_its_name() {
        let ticket_actions = Action::ALL.iter().map(|a| AuditAction::Ticket(*a));
        for action in AuditAction::FIXED.into_iter().chain(ticket_actions) {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action), "{action}");
        }
        assert!(AuditAction::is_family("auth") && AuditAction::is_family("ticket"));
        assert!(!AuditAction::is_family("nonsense"));
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        let last = &rows[4];
        assert_eq!(verify(&rows, (5, &last.hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn truncation_is_detected() {
        let rows = chain(5);
        let head = rows[4].hash.clone();
        assert_eq!(
            verify(&rows[..4], (5, &head)),
            Err(ChainBreak::Truncated { last_seq: 4, head_seq: 5 })
        );
    }

    proptest! {
        #[test]
        fn any_single_change_names_the_first_bad_row(len in 2i64..12, pick in 0usize..12, what in 0u8..4) {
            let mut rows = chain(len);
            let head = rows.last().map(|r| (r.seq, r.hash.clone())).unwrap_or_default();
            let i = pick % rows.len();
            let expected_seq = rows[i].seq;
            match what {
                0 => rows[i].detail.push(' '),
                1 => rows[i].actor_name = Some("someone else".into()),
                2 => { rows.remove(i); }
                _ => rows[i].at += chrono::Duration::seconds(1),
            }
            let broken = verify(&rows, (head.0, &head.1)).unwrap_err();
            prop_assert_eq!(broken.first_bad_seq(), expected_seq);
        }
    }
}
