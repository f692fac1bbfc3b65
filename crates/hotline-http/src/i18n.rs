//! Messages for error codes, in zh-CN (default) and English, chosen by `Accept-Language`.
//! The codes are the contract; these texts are for people and may be reworded.

use hotline_domain::{FieldError, FieldIssue};
use http::HeaderMap;
use http::header::ACCEPT_LANGUAGE;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The best of zh / en in `Accept-Language` by q-value; Chinese when nothing matches.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Self::Zh;
        };
        let mut best: Option<(f32, Self)> = None;
        for part in value.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Self::Zh
            } else if tag.starts_with("en") {
                Self::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::Zh, |(_, lang)| lang)
    }
}

/// The message for a top-level error code.
#[must_use]
pub fn error_message(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = match code {
        "validation_failed" => {
            ("提交的数据有误，请按字段提示修改。", "Some fields are invalid; see the field errors.")
        }
        "already_exists" => ("该值已被使用。", "That value is already in use."),
        "unauthenticated" => ("请先登录。", "Please sign in."),
        "bad_signature" => (
            "签名无效或已过期，请求被拒绝。",
            "The signature is invalid or too old; the request was refused.",
        ),
        "session_expired" => {
            ("会话已超时，请重新登录。", "Your session has expired; please sign in again.")
        }
        "invalid_credentials" => ("用户名或密码错误。", "Wrong username or password."),
        "totp_required" => {
            ("请输入动态验证码。", "Enter the one-time code from your authenticator.")
        }
        "invalid_totp" => {
            ("动态验证码错误或已使用。", "The one-time code is wrong or was already used.")
        }
        "account_locked" => (
            "登录失败次数过多，账号已临时锁定，请稍后再试或联系管理员解锁。",
            "Too many failed sign-ins: the account is locked for a while. Try later or ask an administrator to unlock it.",
        ),
        "too_many_requests" => (
            "操作过于频繁，请稍后再试（等待时间见 Retry-After）。",
            "Too many requests or failed sign-ins from here: wait as long as Retry-After says.",
        ),
        "account_disabled" => (
            "账号或所属单位已停用，请联系管理员。",
            "The account or its org is deactivated; contact an administrator.",
        ),
        "password_change_required" => {
            ("请先修改密码后再继续。", "Change your password before continuing.")
        }
        "totp_enrollment_required" => (
            "您的角色要求启用动态验证码，请先完成绑定。",
            "Your role requires a one-time-code authenticator; enrol one before continuing.",
        ),
        "totp_already_enabled" => ("动态验证码已启用。", "The authenticator is already enrolled."),
        "totp_setup_required" => {
            ("请先生成动态验证码密钥。", "Start the authenticator setup first.")
        }
        "forbidden" => ("无权执行此操作。", "You are not allowed to do this."),
        "forbidden_origin" => ("请求来源不被允许。", "Requests from this origin are not allowed."),
        "not_found" => ("未找到请求的资源。", "The requested resource does not exist."),
        "org_in_use" => (
            "该单位下仍有启用的下级单位或用户，请先调整后再停用。",
            "The org still has active child orgs or users; move or deactivate them first.",
        ),
        "invalid_transition" => (
            "当前状态下不能执行该操作。",
            "This action is not possible in the ticket's current state.",
        ),
        "children_not_replied" => (
            "协办单位尚未全部答复，主办单位暂不能答复。",
            "Not every assisting unit has replied yet.",
        ),
        "extension_too_late" => (
            "办理时限已到，不能再申请延期。",
            "The deadline has passed; an extension can no longer be requested.",
        ),
        "concurrent_update" => (
            "工单已被他人更新，请刷新后重试。",
            "Someone else changed the ticket meanwhile; reload and retry.",
        ),
        "idempotency_key_reused" => {
            ("该幂等键已用于另一请求。", "This idempotency key was used for a different request.")
        }
        "has_children" => (
            "该工单有协办子工单，不能并单。",
            "A ticket with assisting-unit child tickets cannot be merged.",
        ),
        "invalid_json" => ("请求内容不是有效的 JSON。", "The request body is not valid JSON."),
        "unsupported_media_type" => {
            ("请求内容须为 application/json。", "The request body must be application/json.")
        }
        "payload_too_large" => ("请求内容过大。", "The request body is too large."),
        "method_not_allowed" => ("不支持该请求方法。", "This method is not allowed here."),
        "timeout" => ("请求处理超时，请重试。", "The request took too long; please retry."),
        "unavailable" => (
            "服务暂时不可用，请稍后重试。",
            "The service is temporarily unavailable; please retry.",
        ),
        "index_rebuilding" => (
            "检索索引正在重建，完成后即可检索，请稍后重试。",
            "The search index is being rebuilt; search works again once it is ready.",
        ),
        _ => (
            "服务器内部错误，请稍后重试；如持续出现请提供请求编号。",
            "Internal error; please retry, and quote the request id if it persists.",
        ),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The message for one field error.
#[must_use]
pub fn field_message(error: &FieldError, lang: Lang) -> String {
    let n = error.limit.unwrap_or_default();
    let base = match (error.issue, lang) {
        (FieldIssue::Required, Lang::Zh) => "必填".to_owned(),
        (FieldIssue::Required, Lang::En) => "is required".to_owned(),
        (FieldIssue::TooShort, Lang::Zh) => format!("至少 {n} 个字符"),
        (FieldIssue::TooShort, Lang::En) => format!("must be at least {n} characters"),
        (FieldIssue::TooLong, Lang::Zh) => format!("最多 {n} 个字符"),
        (FieldIssue::TooLong, Lang::En) => format!("must be at most {n} characters"),
        (FieldIssue::InvalidFormat, Lang::Zh) => "格式不正确".to_owned(),
        (FieldIssue::InvalidFormat, Lang::En) => "has an invalid format".to_owned(),
        (FieldIssue::InvalidValue, Lang::Zh) => "取值无效".to_owned(),
        (FieldIssue::InvalidValue, Lang::En) => "has an invalid value".to_owned(),
        (FieldIssue::UnknownField, Lang::Zh) => "不是可接受的字段".to_owned(),
        (FieldIssue::UnknownField, Lang::En) => "is not an accepted field".to_owned(),
        (FieldIssue::WrongType, Lang::Zh) => "类型错误".to_owned(),
        (FieldIssue::WrongType, Lang::En) => "has the wrong type".to_owned(),
        (FieldIssue::AlreadyExists, Lang::Zh) => "已被使用".to_owned(),
        (FieldIssue::AlreadyExists, Lang::En) => "is already in use".to_owned(),
        (FieldIssue::NotFound, Lang::Zh) => "不存在".to_owned(),
        (FieldIssue::NotFound, Lang::En) => "does not exist".to_owned(),
        (FieldIssue::CreatesCycle, Lang::Zh) => "不能移动到自身或其下级单位之下".to_owned(),
        (FieldIssue::CreatesCycle, Lang::En) => {
            "cannot be the org itself or one of its descendants".to_owned()
        }
        (FieldIssue::PasswordTooShort, Lang::Zh) => format!("密码至少 {n} 位"),
        (FieldIssue::PasswordTooShort, Lang::En) => format!("must be at least {n} characters"),
        (FieldIssue::PasswordTooLong, Lang::Zh) => format!("密码最多 {n} 位"),
        (FieldIssue::PasswordTooLong, Lang::En) => format!("must be at most {n} characters"),
        (FieldIssue::PasswordTooFewClasses, Lang::Zh) => {
            format!("须包含大写字母、小写字母、数字、符号中的至少 {n} 类")
        }
        (FieldIssue::PasswordTooFewClasses, Lang::En) => {
            format!("must mix at least {n} of: upper case, lower case, digits, symbols")
        }
        (FieldIssue::PasswordContainsUsername, Lang::Zh) => "不能包含用户名".to_owned(),
        (FieldIssue::PasswordContainsUsername, Lang::En) => {
            "must not contain the username".to_owned()
        }
        (FieldIssue::PasswordTooCommon, Lang::Zh) => "过于常见，容易被猜中".to_owned(),
        (FieldIssue::PasswordTooCommon, Lang::En) => "is too common and easy to guess".to_owned(),
        (FieldIssue::PasswordReused, Lang::Zh) => "不能与当前密码相同".to_owned(),
        (FieldIssue::PasswordReused, Lang::En) => {
            "must differ from the current password".to_owned()
        }
        (FieldIssue::Inactive, Lang::Zh) => "已停用".to_owned(),
        (FieldIssue::Inactive, Lang::En) => "is deactivated".to_owned(),
        (FieldIssue::NotAllowed, Lang::Zh) => "不允许".to_owned(),
        (FieldIssue::NotAllowed, Lang::En) => "is not allowed".to_owned(),
    };
    match &error.detail {
        Some(detail) => format!("{base} ({detail})"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn lang(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
        );
        Lang::from_headers(&headers)
    }

    #[test]
    fn accept_language_picks_by_quality() {
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(lang("fr, en;q=0.5"), Lang::En);
        assert_eq!(lang("en;q=0.3, zh;q=0.7"), Lang::Zh);
        assert_eq!(lang("fr"), Lang::Zh);
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Zh);
    }

    #[test]
    fn every_known_code_has_its_own_message() {
        let fallback = error_message("no_such_code", Lang::En);
        for code in [
            "validation_failed",
            "account_locked",
            "too_many_requests",
            "forbidden",
            "invalid_credentials",
            "org_in_use",
            "bad_signature",
        ] {
            assert_ne!(error_message(code, Lang::En), fallback, "{code}");
            assert_ne!(error_message(code, Lang::Zh), error_message(code, Lang::En));
        }
    }
}
