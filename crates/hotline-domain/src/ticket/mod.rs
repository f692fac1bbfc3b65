//! Work orders (工单): their states, actions and classifications.

pub mod decisions;
pub mod lifecycle;

use crate::validation::{FieldError, FieldIssue};

crate::code_enum! {
    /// Where a ticket is in its life (DESIGN §3). Flags such as overdue sit beside the state.
    pub enum TicketState {
        /// Saved by an agent, not yet registered.
        Draft = "draft",
        /// 待派单: registered, waiting for dispatch.
        Registered = "registered",
        /// 待签收: sent to a unit, waiting for it to accept.
        Dispatched = "dispatched",
        /// 办理中: accepted and being handled.
        InProgress = "in_progress",
        /// 待审核: the unit replied; the center reviews.
        ReplySubmitted = "reply_submitted",
        /// 待回访: reply approved; the citizen is to be called back.
        AwaitingCallback = "awaiting_callback",
        /// 已办结.
        Closed = "closed",
        Archived = "archived",
        /// Closed at intake with a direct answer (直接答复).
        Answered = "answered",
        /// 联系办结: closed at intake with the answer the agent got from the unit on a
        /// three-party call (联系).
        Liaised = "liaised",
        /// 不处理: no action, with a reason.
        Dismissed = "dismissed",
        /// Folded into a master ticket (并单).
        Merged = "merged",
        /// 退单: the unit sent it back; the dispatcher decides.
        ReturnRequested = "return_requested",
        /// 延期: the unit asked for more time; the center decides.
        ExtensionRequested = "extension_requested",
    }
}

impl TicketState {
    /// States in which a unit holds the ticket and its clocks run.
    #[must_use]
    pub const fn is_with_unit(self) -> bool {
        matches!(
            self,
            Self::Dispatched | Self::InProgress | Self::ExtensionRequested | Self::ReturnRequested
        )
    }

    /// Finished states: nothing is due any more.
    #[must_use]
    pub const fn is_finished(self) -> bool {
        matches!(
            self,
            Self::Closed
                | Self::Archived
                | Self::Answered
                | Self::Liaised
                | Self::Dismissed
                | Self::Merged
        )
    }

    /// A child ticket of an assisting unit counts as replied from here on.
    #[must_use]
    pub const fn has_replied(self) -> bool {
        matches!(
            self,
            Self::ReplySubmitted
                | Self::AwaitingCallback
                | Self::Closed
                | Self::Archived
                | Self::Answered
                | Self::Liaised
                | Self::Dismissed
                | Self::Merged
        )
    }
}

crate::code_enum! {
    /// Everything that can be done to a ticket, through `POST /tickets/{id}/actions/{action}`.
    pub enum Action {
        Register = "register",
        Answer = "answer",
        Transfer = "transfer",
        Assign = "assign",
        Liaise = "liaise",
        Excerpt = "excerpt",
        Emergency = "emergency",
        Dismiss = "dismiss",
        Dispatch = "dispatch",
        Accept = "accept",
        Return = "return",
        ApproveReturn = "approve_return",
        OverruleReturn = "overrule_return",
        RequestExtension = "request_extension",
        ApproveExtension = "approve_extension",
        DenyExtension = "deny_extension",
        ContactCitizen = "contact_citizen",
        Reply = "reply",
        ApproveReply = "approve_reply",
        SendBack = "send_back",
        Urge = "urge",
        Supervise = "supervise",
        /// A leader's instruction (批示): lands on the timeline, tells the units holding it.
        Instruct = "instruct",
        Callback = "callback",
        Reopen = "reopen",
        Merge = "merge",
        Close = "close",
        Archive = "archive",
    }
}

impl Action {
    /// The action's name in the audit trail.
    #[must_use]
    pub const fn audit_name(self) -> &'static str {
        match self {
            Self::Register => "ticket.register",
            Self::Answer => "ticket.answer",
            Self::Transfer => "ticket.transfer",
            Self::Assign => "ticket.assign",
            Self::Liaise => "ticket.liaise",
            Self::Excerpt => "ticket.excerpt",
            Self::Emergency => "ticket.emergency",
            Self::Dismiss => "ticket.dismiss",
            Self::Dispatch => "ticket.dispatch",
            Self::Accept => "ticket.accept",
            Self::Return => "ticket.return",
            Self::ApproveReturn => "ticket.approve_return",
            Self::OverruleReturn => "ticket.overrule_return",
            Self::RequestExtension => "ticket.request_extension",
            Self::ApproveExtension => "ticket.approve_extension",
            Self::DenyExtension => "ticket.deny_extension",
            Self::ContactCitizen => "ticket.contact_citizen",
            Self::Reply => "ticket.reply",
            Self::ApproveReply => "ticket.approve_reply",
            Self::SendBack => "ticket.send_back",
            Self::Urge => "ticket.urge",
            Self::Supervise => "ticket.supervise",
            Self::Instruct => "ticket.instruct",
            Self::Callback => "ticket.callback",
            Self::Reopen => "ticket.reopen",
            Self::Merge => "ticket.merge",
            Self::Close => "ticket.close",
            Self::Archive => "ticket.archive",
        }
    }
}

crate::code_enum! {
    /// How intake handled an appeal: the eight handling types.
    pub enum HandlingType {
        Answer = "answer",
        Transfer = "transfer",
        Liaise = "liaise",
        Assign = "assign",
        BatchAssign = "batch_assign",
        Excerpt = "excerpt",
        Emergency = "emergency",
        Dismiss = "dismiss",
    }
}

/// Enums that staff may also write in Chinese (`投诉`, `紧急`, `电话`).
pub trait Labelled: Sized + Copy + 'static {
    const FIELD: &'static str;
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;

    /// The code or the Chinese label.
    fn parse_input(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        Self::all()
            .iter()
            .copied()
            .find(|v| v.code() == raw || v.label() == raw)
            .ok_or_else(|| FieldError::new(Self::FIELD, FieldIssue::InvalidValue))
    }
}

macro_rules! labelled {
    ($name:ident, $field:literal, { $($variant:ident => $label:literal),+ $(,)? }) => {
        impl Labelled for $name {
            const FIELD: &'static str = $field;
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn code(self) -> &'static str {
                self.as_str()
            }
            fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label),+
                }
            }
        }
    };
}

crate::code_enum! {
    /// 诉求类型.
    pub enum AppealType {
        Consultation = "consultation",
        Help = "help",
        Complaint = "complaint",
        Report = "report",
        Suggestion = "suggestion",
        Praise = "praise",
        Other = "other",
    }
}

labelled!(AppealType, "appeal_type", {
    Consultation => "咨询", Help => "求助", Complaint => "投诉", Report => "举报",
    Suggestion => "建议", Praise => "表扬", Other => "其他",
});

crate::code_enum! {
    /// 紧急程度.
    pub enum Urgency {
        Normal = "normal",
        Urgent = "urgent",
        Critical = "critical",
    }
}

labelled!(Urgency, "urgency", { Normal => "一般", Urgent => "紧急", Critical => "特急" });

crate::code_enum! {
    /// Where the appeal came in.
    pub enum Channel {
        Phone = "phone",
        Sms = "sms",
        Web = "web",
        Wechat = "wechat",
        Weibo = "weibo",
        Email = "email",
        App = "app",
        Api = "api",
        Open311 = "open311",
        WalkIn = "walk_in",
    }
}

labelled!(Channel, "channel", {
    Phone => "电话", Sms => "短信", Web => "网站", Wechat => "微信", Weibo => "微博",
    Email => "邮件", App => "移动应用", Api => "接口", Open311 => "Open311", WalkIn => "来访",
});

crate::code_enum! {
    /// The citizen's verdict at callback (回访).
    pub enum Satisfaction {
        Satisfied = "satisfied",
        BasicallySatisfied = "basically_satisfied",
        Unsatisfied = "unsatisfied",
    }
}

labelled!(Satisfaction, "satisfaction", {
    Satisfied => "满意", BasicallySatisfied => "基本满意", Unsatisfied => "不满意",
});

crate::code_enum! {
    /// 回访要求: whether and how the citizen is called back once the reply is approved.
    pub enum CallbackRequirement {
        Required = "required",
        /// The case closes when the center approves the reply.
        NotRequired = "not_required",
        /// The callback is a text message rather than a call.
        Sms = "sms",
    }
}

labelled!(CallbackRequirement, "callback_requirement", {
    Required => "需回访", NotRequired => "无需回访", Sms => "短信回访",
});

/// The human ticket number: local date and a per-day sequence, `2026112300001`.
#[must_use]
pub fn ticket_number(local_date: chrono::NaiveDate, seq: i64) -> String {
    format!("{}{seq:05}", local_date.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_chinese_labels_both_parse() {
        assert_eq!(AppealType::parse_input("投诉"), Ok(AppealType::Complaint));
        assert_eq!(AppealType::parse_input("complaint"), Ok(AppealType::Complaint));
        assert_eq!(Urgency::parse_input("特急"), Ok(Urgency::Critical));
        assert_eq!(Satisfaction::parse_input("基本满意"), Ok(Satisfaction::BasicallySatisfied));
        assert_eq!(Channel::parse_input("fax").map_err(|e| e.field), Err("channel".to_owned()));
    }

    #[test]
    fn numbers_sort_by_day_then_sequence() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        assert_eq!(ticket_number(day, 1), "2026112300001");
        assert!(ticket_number(day, 2) > ticket_number(day, 1));
        assert!(ticket_number(day.succ_opt().unwrap_or_default(), 1) > ticket_number(day, 99_999));
    }
}
