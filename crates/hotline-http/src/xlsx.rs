//! Lists as spreadsheets or CSV (导出): the rows of the JSON answer, headed and labelled in the
//! caller's language, times in the calendar's local time. The use case has already checked
//! access, applied the filters and audited the export; this is presentation only.

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use hotline_app::alerts::AlertView;
use hotline_app::audit::AuditEventView;
use hotline_app::kb::ArticleRowData;
use hotline_app::paging::ListFormat;
use hotline_app::reports::{ReportRow, ReportTable};
use hotline_app::stats::{AgentFigures, DutyReport};
use hotline_app::stats::{CategoryCount, DayCount};
use hotline_app::stats::{ChannelCount, MonthlyReport, UnitFigures, UnitsReport};
use hotline_app::tickets::TicketSummary;
use hotline_domain::org::OrgKind;
use hotline_domain::report::{Dimension, Figure, Rate};
use hotline_domain::stats::Measure;
use hotline_domain::ticket::{Channel, Labelled, TicketState};
use hotline_domain::{FieldError, FieldIssue};
use http::{HeaderValue, header};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::ApiError;
use crate::i18n::Lang;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV_TYPE: &str = "text/csv; charset=utf-8";

#[derive(Clone)]
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<Option<String>> for Cell {
    fn from(value: Option<String>) -> Self {
        value.map_or(Self::Empty, Self::Text)
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

/// One column: its header in both languages, its width in characters, and how a row fills it.
struct Column<T> {
    zh: &'static str,
    en: &'static str,
    width: f64,
    cell: fn(&T, &Labels) -> Cell,
}

/// What a cell needs besides its row.
struct Labels {
    lang: Lang,
    offset: FixedOffset,
}

impl Labels {
    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn time(&self, at: Option<DateTime<Utc>>) -> Cell {
        at.map(|t| t.with_timezone(&self.offset).format("%Y-%m-%d %H:%M").to_string()).into()
    }

    /// A Chinese label where the domain has one, the code otherwise.
    fn labelled<L: Labelled>(&self, value: L) -> Cell {
        self.pick(value.label(), value.code()).into()
    }

    fn yes_no(&self, value: bool) -> Cell {
        if value { self.pick("是", "yes") } else { self.pick("否", "no") }.into()
    }
}

fn state_label(state: TicketState) -> (&'static str, &'static str) {
    match state {
        TicketState::Draft => ("草稿", "Draft"),
        TicketState::Registered => ("待派单", "To dispatch"),
        TicketState::Dispatched => ("待签收", "To accept"),
        TicketState::InProgress => ("办理中", "In progress"),
        TicketState::ReplySubmitted => ("待审核", "To review"),
        TicketState::AwaitingCallback => ("待回访", "To call back"),
        TicketState::Closed => ("已办结", "Closed"),
        TicketState::Archived => ("已归档", "Archived"),
        TicketState::Answered => ("直接答复", "Answered"),
        TicketState::Liaised => ("联系办结", "Closed by liaison"),
        TicketState::Dismissed => ("不处理", "Dismissed"),
        TicketState::Merged => ("已并单", "Merged"),
        TicketState::ReturnRequested => ("退单审核中", "Return requested"),
        TicketState::ExtensionRequested => ("延期审核中", "Extension requested"),
    }
}

const TICKET_COLUMNS: &[Column<TicketSummary>] = &[
    Column { zh: "工单编号", en: "Number", width: 18.0, cell: |t, _| t.number.as_str().into() },
    Column { zh: "标题", en: "Title", width: 40.0, cell: |t, _| t.title.as_str().into() },
    Column {
        zh: "状态",
        en: "State",
        width: 12.0,
        cell: |t, l| {
            let (zh, en) = state_label(t.state);
            l.pick(zh, en).into()
        },
    },
    Column {
        zh: "诉求分类",
        en: "Category",
        width: 20.0,
        cell: |t, _| t.category_name.clone().into(),
    },
    Column {
        zh: "诉求类型",
        en: "Appeal type",
        width: 10.0,
        cell: |t, l| l.labelled(t.appeal_type),
    },
    Column { zh: "紧急程度", en: "Urgency", width: 10.0, cell: |t, l| l.labelled(t.urgency) },
    Column { zh: "来源渠道", en: "Channel", width: 10.0, cell: |t, l| l.labelled(t.channel) },
    Column {
        zh: "来电号码",
        en: "Caller",
        width: 15.0,
        cell: |t, _| t.caller_phone.clone().into(),
    },
    Column {
        zh: "承办单位",
        en: "Holder",
        width: 20.0,
        cell: |t, _| t.holder_org.as_ref().map(|o| o.name.clone()).into(),
    },
    Column {
        zh: "受理时间",
        en: "Registered",
        width: 17.0,
        cell: |t, l| l.time(Some(t.created_at)),
    },
    Column { zh: "办结时限", en: "Finish due", width: 17.0, cell: |t, l| l.time(t.finish_due) },
    Column { zh: "超期", en: "Overdue", width: 7.0, cell: |t, l| l.yes_no(t.overdue) },
    Column {
        zh: "催办次数",
        en: "Urged",
        width: 9.0,
        cell: |t, _| Cell::Number(f64::from(t.urged_count)),
    },
    Column {
        zh: "督办级别",
        en: "Supervision",
        width: 9.0,
        cell: |t, _| Cell::Number(f64::from(t.supervision_level)),
    },
    Column {
        zh: "批示次数",
        en: "Instructions",
        width: 9.0,
        cell: |t, _| Cell::Number(f64::from(t.instruction_count)),
    },
    Column {
        zh: "最后更新", en: "Updated", width: 17.0, cell: |t, l| l.time(Some(t.updated_at))
    },
];

const AUDIT_COLUMNS: &[Column<AuditEventView>] = &[
    Column { zh: "序号", en: "Seq", width: 9.0, cell: |e, _| Cell::Number(e.seq as f64) },
    Column { zh: "时间", en: "Time", width: 17.0, cell: |e, l| l.time(Some(e.at)) },
    Column {
        zh: "操作人",
        en: "Actor",
        width: 16.0,
        cell: |e, _| e.actor_display_name.clone().or_else(|| e.actor_name.clone()).into(),
    },
    Column { zh: "账号", en: "Login", width: 14.0, cell: |e, _| e.actor_name.clone().into() },
    Column { zh: "单位", en: "Org", width: 20.0, cell: |e, _| e.actor_org_name.clone().into() },
    Column {
        zh: "来源地址",
        en: "Source IP",
        width: 15.0,
        cell: |e, _| e.source_ip.clone().into(),
    },
    Column { zh: "事件", en: "Action", width: 22.0, cell: |e, _| e.action.as_str().into() },
    Column { zh: "结果", en: "Outcome", width: 9.0, cell: |e, _| e.outcome.as_str().into() },
    Column {
        zh: "对象类型",
        en: "Subject type",
        width: 12.0,
        cell: |e, _| e.subject_type.clone().into(),
    },
    Column { zh: "对象", en: "Subject", width: 38.0, cell: |e, _| e.subject_id.clone().into() },
    Column { zh: "详情", en: "Detail", width: 60.0, cell: |e, _| e.detail.to_string().into() },
    Column {
        zh: "请求号",
        en: "Request id",
        width: 38.0,
        cell: |e, _| e.request_id.clone().into(),
    },
];

/// The columns of an article sheet, both ways (export and import): Chinese and English headers.
const ARTICLE_HEADERS: [(&str, &str); 9] = [
    ("标题", "Title"),
    ("正文", "Text"),
    ("答复口径", "Reply wording"),
    ("检索词", "Search words"),
    ("分类", "Categories"),
    ("维护单位", "Owner"),
    ("生效日期", "Valid from"),
    ("失效日期", "Valid to"),
    ("状态", "Status"),
];

const ARTICLE_COLUMNS: &[Column<ArticleRowData>] = &[
    Column {
        zh: ARTICLE_HEADERS[0].0,
        en: ARTICLE_HEADERS[0].1,
        width: 30.0,
        cell: |a, _| a.title.as_str().into(),
    },
    Column {
        zh: ARTICLE_HEADERS[1].0,
        en: ARTICLE_HEADERS[1].1,
        width: 60.0,
        cell: |a, _| a.body.as_str().into(),
    },
    Column {
        zh: ARTICLE_HEADERS[2].0,
        en: ARTICLE_HEADERS[2].1,
        width: 40.0,
        cell: |a, _| a.reply_template.clone().into(),
    },
    Column {
        zh: ARTICLE_HEADERS[3].0,
        en: ARTICLE_HEADERS[3].1,
        width: 20.0,
        cell: |a, _| a.keywords.join(",").into(),
    },
    Column {
        zh: ARTICLE_HEADERS[4].0,
        en: ARTICLE_HEADERS[4].1,
        width: 40.0,
        cell: |a, _| a.categories.join(";").into(),
    },
    Column {
        zh: ARTICLE_HEADERS[5].0,
        en: ARTICLE_HEADERS[5].1,
        width: 14.0,
        cell: |a, _| a.owner.clone().into(),
    },
    Column {
        zh: ARTICLE_HEADERS[6].0,
        en: ARTICLE_HEADERS[6].1,
        width: 12.0,
        cell: |a, _| a.valid_from.map(|d| d.to_string()).into(),
    },
    Column {
        zh: ARTICLE_HEADERS[7].0,
        en: ARTICLE_HEADERS[7].1,
        width: 12.0,
        cell: |a, _| a.valid_to.map(|d| d.to_string()).into(),
    },
    Column {
        zh: ARTICLE_HEADERS[8].0,
        en: ARTICLE_HEADERS[8].1,
        width: 10.0,
        cell: |a, _| a.status.map(|s| s.as_str().to_owned()).into(),
    },
];

/// Every article as `知识库-<date>.xlsx`; the same columns import back.
pub fn articles(items: &[ArticleRowData], export: Export) -> Result<Response, ApiError> {
    render(("知识库", "knowledge-base"), ARTICLE_COLUMNS, items, export)
}

/// Reads an article sheet (the first sheet, a header row in either language). A file that is
/// not a spreadsheet, or a sheet without a title column, is a field error on `file`; cell
/// values are checked by the import itself, row by row.
pub fn read_articles(bytes: &[u8]) -> Result<Vec<ArticleRowData>, FieldError> {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let not_a_sheet =
        || FieldError::new("file", FieldIssue::InvalidFormat).with_detail("not an .xlsx workbook");
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| not_a_sheet())?;
    let range = book.worksheet_range_at(0).ok_or_else(not_a_sheet)?.map_err(|_| not_a_sheet())?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(not_a_sheet)?
        .iter()
        .map(|c| c.to_string().trim().to_owned())
        .collect();
    let column = |i: usize| {
        header
            .iter()
            .position(|h| h == ARTICLE_HEADERS[i].0 || h.eq_ignore_ascii_case(ARTICLE_HEADERS[i].1))
    };
    let columns: Vec<Option<usize>> = (0..ARTICLE_HEADERS.len()).map(column).collect();
    if columns[0].is_none() {
        return Err(FieldError::new("file", FieldIssue::InvalidFormat)
            .with_detail("no 标题 (Title) column"));
    }
    let text = |row: &[Data], i: usize| -> String {
        columns[i]
            .and_then(|c| row.get(c))
            .map(|d| d.to_string().trim().to_owned())
            .unwrap_or_default()
    };
    let list = |s: String, separators: &[char]| -> Vec<String> {
        s.split(separators).map(str::trim).filter(|w| !w.is_empty()).map(str::to_owned).collect()
    };
    let date = |s: String| -> Result<Option<NaiveDate>, ()> {
        if s.is_empty() {
            Ok(None)
        } else {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map(Some).map_err(|_| ())
        }
    };
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        if row.iter().all(|c| c.to_string().trim().is_empty()) {
            continue;
        }
        let (from, to) = (date(text(row, 6)), date(text(row, 7)));
        if from.is_err() || to.is_err() {
            let field = if from.is_err() { "valid_from" } else { "valid_to" };
            return Err(FieldError::new(
                format!("rows[{}].{field}", i + 2),
                FieldIssue::InvalidFormat,
            )
            .with_detail("YYYY-MM-DD"));
        }
        let template = text(row, 2);
        let owner = text(row, 5);
        out.push(ArticleRowData {
            title: text(row, 0),
            body: text(row, 1),
            reply_template: (!template.is_empty()).then_some(template),
            keywords: list(text(row, 3), &[',', '，']),
            categories: list(text(row, 4), &[';', '；', '\n']),
            owner: (!owner.is_empty()).then_some(owner),
            valid_from: from.unwrap_or_default(),
            valid_to: to.unwrap_or_default(),
            status: None,
        });
    }
    Ok(out)
}

fn percent(rate: Option<f64>) -> Cell {
    rate.map_or(Cell::Empty, |r| Cell::Number((r * 10_000.0).round() / 100.0))
}

#[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
fn count(n: i64) -> Cell {
    Cell::Number(n as f64)
}

const fn kind_label(kind: OrgKind) -> (&'static str, &'static str) {
    match kind {
        OrgKind::Center => ("热线中心", "Center"),
        OrgKind::District => ("区", "District"),
        OrgKind::Bureau => ("委办局", "Bureau"),
        OrgKind::Street => ("街道", "Street"),
        OrgKind::Community => ("社区", "Community"),
    }
}

const UNIT_COLUMNS: &[Column<UnitFigures>] = &[
    Column {
        zh: "类别",
        en: "Group",
        width: 10.0,
        cell: |u, l| {
            let (zh, en) = kind_label(u.kind);
            l.pick(zh, en).into()
        },
    },
    Column {
        zh: "排名",
        en: "Rank",
        width: 7.0,
        cell: |u, _| u.rank.map_or(Cell::Empty, |r| count(i64::try_from(r).unwrap_or(i64::MAX))),
    },
    Column { zh: "单位", en: "Unit", width: 22.0, cell: |u, _| u.name.as_str().into() },
    Column {
        zh: "得分",
        en: "Score",
        width: 8.0,
        cell: |u, _| u.score.map_or(Cell::Empty, |s| Cell::Number((s * 100.0).round() / 100.0)),
    },
    Column { zh: "派单量", en: "Dispatched", width: 9.0, cell: |u, _| count(u.dispatched) },
    Column { zh: "办结量", en: "Finished", width: 9.0, cell: |u, _| count(u.finished) },
    Column {
        zh: "响应率(%)",
        en: "Response (%)",
        width: 11.0,
        cell: |u, _| percent(u.response_rate),
    },
    Column {
        zh: "解决率(%)",
        en: "Resolution (%)",
        width: 11.0,
        cell: |u, _| percent(u.resolution_rate),
    },
    Column {
        zh: "满意率(%)",
        en: "Satisfaction (%)",
        width: 11.0,
        cell: |u, _| percent(u.satisfaction_rate),
    },
    Column {
        zh: "按时办结率(%)",
        en: "On time (%)",
        width: 12.0,
        cell: |u, _| percent(u.on_time_rate),
    },
    Column {
        zh: "及时签收率(%)",
        en: "Accepted on time (%)",
        width: 12.0,
        cell: |u, _| percent(u.indicators.timely_accept_rate),
    },
    Column {
        zh: "办结率(%)",
        en: "Finish rate (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.finish_rate),
    },
    Column {
        zh: "回访率(%)",
        en: "Callback (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.callback_rate),
    },
    Column {
        zh: "重办率(%)",
        en: "Reopened (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.reopen_rate),
    },
    Column {
        zh: "退单率(%)",
        en: "Returned (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.return_rate),
    },
    Column {
        zh: "延期率(%)",
        en: "Extended (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.extension_rate),
    },
    Column {
        zh: "催办率(%)",
        en: "Urged (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.urge_rate),
    },
    Column {
        zh: "督办率(%)",
        en: "Supervised (%)",
        width: 11.0,
        cell: |u, _| percent(u.indicators.supervision_rate),
    },
    Column {
        zh: "一次办结率(%)",
        en: "First time (%)",
        width: 12.0,
        cell: |u, _| percent(u.indicators.first_time_rate),
    },
    Column {
        zh: "平均办结时长(工作日)",
        en: "Average days to finish",
        width: 14.0,
        cell: |u, _| {
            u.indicators
                .average_finish_days
                .map_or(Cell::Empty, |d| Cell::Number((d * 100.0).round() / 100.0))
        },
    },
];

/// How an export is asked for: the format (not JSON), the reader's language, local time.
#[derive(Clone, Copy, Debug)]
pub struct Export {
    pub format: ListFormat,
    pub lang: Lang,
    pub offset: FixedOffset,
    pub now: DateTime<Utc>,
}

impl Export {
    /// `format` for the caller of `headers`, in the calendar's local time.
    pub fn of(format: ListFormat, headers: &http::HeaderMap, app: &hotline_app::App) -> Self {
        Self {
            format,
            lang: Lang::from_headers(headers),
            offset: app.calendar().offset(),
            now: app.now(),
        }
    }
}

/// Unit figures as `单位考核-<date>.xlsx` (or `.csv`), one row per unit, in the report's order.
pub fn units(report: &UnitsReport, export: Export) -> Result<Response, ApiError> {
    render(("单位考核", "unit-figures"), UNIT_COLUMNS, &report.items, export)
}

const DUTY_COLUMNS: &[Column<AgentFigures>] = &[
    Column {
        zh: "人员",
        en: "Staff",
        width: 18.0,
        cell: |a, l| {
            a.name.clone().map_or_else(
                || l.pick("非坐席（接口、门户）", "Not staff (apps, portal)").into(),
                Cell::Text,
            )
        },
    },
    Column { zh: "接待量", en: "Contacts", width: 9.0, cell: |a, _| count(a.counts.contacts) },
    Column {
        zh: "登记量", en: "Registered", width: 9.0, cell: |a, _| count(a.counts.registered)
    },
    Column {
        zh: "直接答复", en: "Answered", width: 9.0, cell: |a, _| count(a.counts.answered)
    },
    Column {
        zh: "直接答复率(%)",
        en: "Answered (%)",
        width: 12.0,
        cell: |a, _| percent(a.counts.answered_rate),
    },
    Column { zh: "派单量", en: "Sent on", width: 9.0, cell: |a, _| count(a.counts.dispatched) },
    Column {
        zh: "重办率(%)",
        en: "Reopened (%)",
        width: 11.0,
        cell: |a, _| percent(a.counts.reopen_rate),
    },
    Column {
        zh: "退单率(%)",
        en: "Returned (%)",
        width: 11.0,
        cell: |a, _| percent(a.counts.return_rate),
    },
    Column {
        zh: "在线小时", en: "Active hours", width: 9.0, cell: |a, _| count(a.active_hours)
    },
];

/// The on-duty figures' staff table as `值班统计-<date>.xlsx` (or `.csv`).
pub fn duty(report: &DutyReport, export: Export) -> Result<Response, ApiError> {
    render(("值班统计", "on-duty"), DUTY_COLUMNS, &report.items, export)
}

/// The work list as `工单列表-<date>.xlsx` (or `.csv`).
pub fn tickets(items: &[TicketSummary], export: Export) -> Result<Response, ApiError> {
    render(("工单列表", "work-orders"), TICKET_COLUMNS, items, export)
}

/// The audit trail as `审计日志-<date>.xlsx` (or `.csv`).
pub fn audit(items: &[AuditEventView], export: Export) -> Result<Response, ApiError> {
    render(("审计日志", "audit-trail"), AUDIT_COLUMNS, items, export)
}

/// A dimension's heading.
const fn dimension_label(dimension: Dimension) -> (&'static str, &'static str) {
    match dimension {
        Dimension::Day => ("日期", "Day"),
        Dimension::Week => ("周", "Week"),
        Dimension::Month => ("月份", "Month"),
        Dimension::Unit => ("单位", "Unit"),
        Dimension::FirstLevelUnit => ("一级承办单位", "First-level unit"),
        Dimension::Category => ("分类", "Category"),
        Dimension::TopCategory => ("一级分类", "Top category"),
        Dimension::Channel => ("渠道", "Channel"),
    }
}

/// A figure's heading; rates are written in percent, so their heading says so.
const fn figure_label(figure: Figure) -> (&'static str, &'static str) {
    match figure {
        Figure::Count(measure) => match measure {
            Measure::Intake => ("受理量", "Appeals"),
            Measure::AnsweredDirectly => ("直接答复", "Answered directly"),
            Measure::Assigned => ("派单量", "Dispatched"),
            Measure::Received => ("接单次数", "Dispatches received"),
            Measure::AcceptDue => ("应签收", "Due for acceptance"),
            Measure::AcceptedOnTime => ("及时签收", "Accepted in time"),
            Measure::RespondedOnTime => ("及时响应", "Responded in time"),
            Measure::Finished => ("办结", "Finished"),
            Measure::FinishDue => ("应办结", "Due to finish"),
            Measure::FinishedOnTime => ("按时办结", "Finished on time"),
            Measure::FinishMinutes => ("办结用时(工作分钟)", "Finishing time (working minutes)"),
            Measure::Extended => ("延期", "Extended"),
            Measure::Urged => ("催办", "Urged"),
            Measure::Supervised => ("督办", "Supervised"),
            Measure::Reopened => ("重办", "Reopened"),
            Measure::FirstTime => ("一次办结", "Finished first time"),
            Measure::ReturnRequested => ("申请退单", "Returns asked"),
            Measure::ReturnApproved => ("退单通过", "Returns approved"),
            Measure::ReturnOverruled => ("退单驳回", "Returns overruled"),
            Measure::SentBack => ("审核退回", "Sent back"),
            Measure::CallbackDue => ("应回访", "Callbacks due"),
            Measure::CallbackDone => ("有效回访", "Callbacks reached"),
            Measure::Satisfied => ("满意", "Satisfied"),
            Measure::BasicallySatisfied => ("基本满意", "Basically satisfied"),
            Measure::Unsatisfied => ("不满意", "Unsatisfied"),
            Measure::ResolutionAsked => ("询问解决", "Asked if resolved"),
            Measure::Resolved => ("已解决", "Resolved"),
        },
        Figure::Rate(rate) => match rate {
            Rate::ResponseRate => ("响应率(%)", "Response (%)"),
            Rate::TimelyAcceptRate => ("及时签收率(%)", "Accepted in time (%)"),
            Rate::OnTimeRate => ("按时办结率(%)", "On time (%)"),
            Rate::FinishRate => ("办结率(%)", "Finished (%)"),
            Rate::ResolutionRate => ("解决率(%)", "Resolution (%)"),
            Rate::SatisfactionRate => ("满意率(%)", "Satisfaction (%)"),
            Rate::CallbackRate => ("回访率(%)", "Callbacks (%)"),
            Rate::ReopenRate => ("重办率(%)", "Reopened (%)"),
            Rate::ReturnRate => ("退单率(%)", "Returned (%)"),
            Rate::ReturnOverruledRate => ("退单驳回率(%)", "Returns overruled (%)"),
            Rate::ExtensionRate => ("延期率(%)", "Extended (%)"),
            Rate::UrgeRate => ("催办率(%)", "Urged (%)"),
            Rate::SupervisionRate => ("督办率(%)", "Supervised (%)"),
            Rate::FirstTimeRate => ("一次办结率(%)", "Finished first time (%)"),
            Rate::AverageFinishDays => ("平均办结时长(工作日)", "Average finishing (working days)"),
            Rate::DirectAnswerRate => ("直接答复率(%)", "Answered directly (%)"),
        },
    }
}

/// A figure's value as written: counts as they are, rates in percent, days to two places.
fn figure_cell(figure: Figure, value: Option<f64>) -> Cell {
    match (figure, value) {
        (_, None) => Cell::Empty,
        (Figure::Count(_), Some(n)) => Cell::Number(n),
        (Figure::Rate(Rate::AverageFinishDays), Some(days)) => {
            Cell::Number((days * 100.0).round() / 100.0)
        }
        (Figure::Rate(_), rate) => percent(rate),
    }
}

/// A report of the builder as `自定义报表-<date>.xlsx` (or `.csv`): a column per dimension, then
/// per figure (with the period before and the change when compared), the totals last.
pub fn report(table: &ReportTable, export: Export) -> Result<Response, ApiError> {
    let labels = Labels { lang: export.lang, offset: export.offset };
    let compared = table.previous_from.is_some();
    let mut heads: Vec<Head> = table
        .dimensions
        .iter()
        .map(|d| {
            let (zh, en) = dimension_label(*d);
            Head { title: labels.pick(zh, en).to_owned(), width: 22.0 }
        })
        .collect();
    for figure in &table.figures {
        let (zh, en) = figure_label(*figure);
        let title = labels.pick(zh, en);
        heads.push(Head { title: title.to_owned(), width: 12.0 });
        if compared {
            let before = labels.pick("上期", "previous");
            let change = labels.pick("变化(%)", "change (%)");
            heads.push(Head { title: format!("{title} {before}"), width: 12.0 });
            heads.push(Head { title: format!("{title} {change}"), width: 12.0 });
        }
    }
    let row_cells = |row: &ReportRow, keys: Vec<Cell>| {
        let mut cells = keys;
        for (i, figure) in table.figures.iter().enumerate() {
            cells.push(figure_cell(*figure, row.values.get(i).copied().flatten()));
            if compared {
                let at = |v: &Option<Vec<Option<f64>>>| {
                    v.as_ref().and_then(|v| v.get(i).copied().flatten())
                };
                cells.push(figure_cell(*figure, at(&row.previous)));
                cells.push(percent(at(&row.change)));
            }
        }
        cells
    };
    let mut cells: Vec<Vec<Cell>> = table
        .rows
        .iter()
        .map(|row| {
            let keys = table
                .dimensions
                .iter()
                .zip(&row.keys)
                .map(|(d, k)| match (d, &k.label) {
                    (_, Some(label)) => Cell::Text(label.clone()),
                    (Dimension::Channel, None) => Channel::parse(&k.value)
                        .map_or_else(|| k.value.as_str().into(), |c| labels.labelled(c)),
                    (_, None) if k.value.is_empty() => labels.pick("（无）", "(none)").into(),
                    (_, None) => k.value.as_str().into(),
                })
                .collect();
            row_cells(row, keys)
        })
        .collect();
    let mut total_keys = vec![Cell::Empty; table.dimensions.len()];
    if let Some(first) = total_keys.first_mut() {
        *first = labels.pick("合计", "Total").into();
    }
    cells.push(row_cells(&table.totals, total_keys));
    render_grid(("自定义报表", "report"), &heads, &cells, export)
}

/// One line of a report's summary sheet.
struct SummaryLine {
    zh: &'static str,
    en: &'static str,
    value: Cell,
}

const SUMMARY_COLUMNS: &[Column<SummaryLine>] = &[
    Column {
        zh: "指标",
        en: "Figure",
        width: 22.0,
        cell: |l, labels| labels.pick(l.zh, l.en).into(),
    },
    Column { zh: "数值", en: "Value", width: 14.0, cell: |l, _| l.value.clone() },
];

const DAY_COLUMNS: &[Column<DayCount>] = &[
    Column { zh: "日期", en: "Day", width: 12.0, cell: |d, _| d.day.to_string().into() },
    Column { zh: "受理量", en: "Appeals", width: 10.0, cell: |d, _| count(d.intake) },
    Column {
        zh: "直接答复",
        en: "Answered directly",
        width: 12.0,
        cell: |d, _| count(d.answered_directly),
    },
];

const CHANNEL_COLUMNS: &[Column<ChannelCount>] = &[
    Column { zh: "渠道", en: "Channel", width: 12.0, cell: |c, l| l.labelled(c.channel) },
    Column { zh: "受理量", en: "Appeals", width: 10.0, cell: |c, _| count(c.count) },
];

const CATEGORY_COLUMNS: &[Column<CategoryCount>] = &[
    Column {
        zh: "分类",
        en: "Category",
        width: 22.0,
        cell: |c, l| {
            c.name.clone().map_or_else(|| l.pick("未分类", "Uncategorised").into(), Cell::Text)
        },
    },
    Column { zh: "受理量", en: "Appeals", width: 10.0, cell: |c, _| count(c.count) },
];

const ALERT_COLUMNS: &[Column<AlertView>] = &[
    Column { zh: "时间", en: "Raised", width: 17.0, cell: |a, l| l.time(Some(a.created_at)) },
    Column { zh: "类型", en: "Kind", width: 10.0, cell: |a, _| a.kind.as_str().into() },
    Column { zh: "内容", en: "Alert", width: 48.0, cell: |a, _| a.title.as_str().into() },
    Column {
        zh: "区域/单位",
        en: "Region / unit",
        width: 14.0,
        cell: |a, _| a.region.as_ref().map(|r| r.name.clone()).into(),
    },
    Column {
        zh: "工单数",
        en: "Tickets",
        width: 8.0,
        cell: |a, _| count(i64::try_from(a.ticket_ids.len()).unwrap_or(i64::MAX)),
    },
    Column { zh: "状态", en: "State", width: 10.0, cell: |a, _| a.state.as_str().into() },
];

/// The monthly report as one workbook (`月度报告-<month>.xlsx`): the summary, appeals per day,
/// channel and category, every unit's figures and rank, and the month's alerts.
pub fn monthly(report: &MonthlyReport, export: Export) -> Result<Response, ApiError> {
    let labels = Labels { lang: export.lang, offset: export.offset };
    let i = &report.indicators;
    let rate = |r: Option<f64>| percent(r);
    let summary = [
        SummaryLine { zh: "月份", en: "Month", value: report.month.as_str().into() },
        SummaryLine { zh: "受理量", en: "Appeals", value: count(report.intake) },
        SummaryLine {
            zh: "直接答复",
            en: "Answered directly",
            value: count(report.answered_directly),
        },
        SummaryLine { zh: "派单量", en: "Dispatched", value: count(report.dispatched) },
        SummaryLine { zh: "办结量", en: "Finished", value: count(report.finished) },
        SummaryLine { zh: "响应率(%)", en: "Response (%)", value: rate(i.response_rate) },
        SummaryLine { zh: "解决率(%)", en: "Resolution (%)", value: rate(i.resolution_rate) },
        SummaryLine {
            zh: "满意率(%)", en: "Satisfaction (%)", value: rate(i.satisfaction_rate)
        },
        SummaryLine { zh: "按时办结率(%)", en: "On time (%)", value: rate(i.on_time_rate) },
        SummaryLine {
            zh: "直接答复率(%)",
            en: "Answered directly (%)",
            value: rate(i.direct_answer_rate),
        },
        SummaryLine {
            zh: "预警数",
            en: "Alerts",
            value: count(i64::try_from(report.alerts.len()).unwrap_or(i64::MAX)),
        },
    ];
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        add_sheet(&mut book, labels.pick("概况", "Summary"), SUMMARY_COLUMNS, &summary, &labels)?;
        add_sheet(&mut book, labels.pick("每日受理", "Daily"), DAY_COLUMNS, &report.days, &labels)?;
        add_sheet(
            &mut book,
            labels.pick("渠道", "Channels"),
            CHANNEL_COLUMNS,
            &report.channels,
            &labels,
        )?;
        add_sheet(
            &mut book,
            labels.pick("分类", "Categories"),
            CATEGORY_COLUMNS,
            &report.categories,
            &labels,
        )?;
        add_sheet(
            &mut book,
            labels.pick("单位考核", "Units"),
            UNIT_COLUMNS,
            &report.units.items,
            &labels,
        )?;
        add_sheet(
            &mut book,
            labels.pick("预警热点", "Alerts"),
            ALERT_COLUMNS,
            &report.alerts,
            &labels,
        )?;
        book.save_to_buffer()
    };
    let bytes = build().map_err(|e| ApiError(anyhow::Error::from(e).into()))?;
    let stem = format!("{}-{}", labels.pick("月度报告", "monthly-report"), report.month);
    let en = format!("monthly-report-{}", report.month);
    Ok(download(bytes, (&stem, &en), "xlsx", CONTENT_TYPE, export))
}

/// `stems`: the file's name in Chinese and English; the English one is also the ASCII fallback.
fn render<T>(
    stems: (&'static str, &'static str),
    columns: &[Column<T>],
    rows: &[T],
    export: Export,
) -> Result<Response, ApiError> {
    let labels = Labels { lang: export.lang, offset: export.offset };
    let (heads, cells) = grid(columns, rows, &labels);
    render_grid(stems, &heads, &cells, export)
}

/// A sheet or a CSV file of `cells` under `heads`, as a download.
fn render_grid(
    (zh, en): (&'static str, &'static str),
    heads: &[Head],
    cells: &[Vec<Cell>],
    export: Export,
) -> Result<Response, ApiError> {
    let labels = Labels { lang: export.lang, offset: export.offset };
    let stem = labels.pick(zh, en);
    let fail = |e: anyhow::Error| ApiError(e.into());
    let (bytes, extension, content_type) = if export.format == ListFormat::Csv {
        (csv(heads, cells).map_err(fail)?, "csv", CSV_TYPE)
    } else {
        let mut book = Workbook::new();
        write_sheet(&mut book, stem, heads, cells).map_err(|e| fail(e.into()))?;
        (book.save_to_buffer().map_err(|e| fail(e.into()))?, "xlsx", CONTENT_TYPE)
    };
    Ok(download(bytes, (stem, en), extension, content_type, export))
}

/// `bytes` as a download named `<stem>-<day>.<extension>`.
fn download(
    bytes: Vec<u8>,
    (stem, en): (&str, &str),
    extension: &str,
    content_type: &'static str,
    export: Export,
) -> Response {
    let day = export.now.with_timezone(&export.offset).format("%Y%m%d");
    let ascii = format!("{en}-{day}.{extension}");
    let name = format!("{stem}-{day}.{extension}");
    // RFC 6266: an ASCII fallback, and the real (Chinese) name percent-encoded.
    let encoded: String =
        form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A column as written: its header in the reader's language and its width in characters.
struct Head {
    title: String,
    width: f64,
}

/// The cells of `rows` under `columns`, ready to write.
fn grid<T>(columns: &[Column<T>], rows: &[T], labels: &Labels) -> (Vec<Head>, Vec<Vec<Cell>>) {
    let heads = columns
        .iter()
        .map(|c| Head { title: labels.pick(c.zh, c.en).to_owned(), width: c.width })
        .collect();
    let cells =
        rows.iter().map(|row| columns.iter().map(|c| (c.cell)(row, labels)).collect()).collect();
    (heads, cells)
}

/// The rows as CSV with a header line, after a byte-order mark (Excel reads UTF-8 by it).
fn csv(heads: &[Head], rows: &[Vec<Cell>]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(heads.iter().map(|h| h.title.as_str()))?;
    for row in rows {
        out.write_record(row.iter().map(|cell| match cell {
            Cell::Text(text) => text.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }))?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!(e.to_string()))
}

/// One sheet of `workbook` from typed rows.
fn add_sheet<T>(
    workbook: &mut Workbook,
    sheet: &str,
    columns: &[Column<T>],
    rows: &[T],
    labels: &Labels,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let (heads, cells) = grid(columns, rows, labels);
    write_sheet(workbook, sheet, &heads, &cells)
}

/// One sheet of `workbook`: a bold header row, frozen, with a filter over the rows.
fn write_sheet(
    workbook: &mut Workbook,
    sheet: &str,
    heads: &[Head],
    rows: &[Vec<Cell>],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let header = Format::new().set_bold().set_background_color("#F2F3F5");
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet)?;
    for (c, head) in (0u16..).zip(heads) {
        worksheet.write_string_with_format(0, c, &head.title, &header)?;
        worksheet.set_column_width(c, head.width)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Text(text) => worksheet.write_string(r, c, text)?,
                Cell::Number(n) => worksheet.write_number(r, c, *n)?,
                Cell::Empty => worksheet,
            };
        }
    }
    if !rows.is_empty() {
        let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let last_col = u16::try_from(heads.len().saturating_sub(1)).unwrap_or(0);
        worksheet.autofilter(0, 0, last_row, last_col)?;
    }
    Ok(())
}
