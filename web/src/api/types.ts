// Shapes of the JSON API, as the console uses them.

export type Permission =
  | 'org_read' | 'org_manage' | 'user_read' | 'user_manage' | 'api_token_manage' | 'audit_read' | 'reference_manage' | 'system_read'
  | 'ticket_create' | 'ticket_read' | 'ticket_intake' | 'ticket_dispatch' | 'ticket_handle' | 'ticket_decide'
  | 'ticket_review' | 'ticket_callback' | 'ticket_supervise' | 'kb_read' | 'kb_edit' | 'kb_publish' | 'stats_read' | 'stats_publish' | 'stats_appeal' | 'alert_handle'
  | 'ticket_instruct' | 'briefing_read' | 'briefing_compile' | 'call_take' | 'call_supervise' | 'callcenter_manage' | 'call_route'

export interface Page<T> {
  items: T[]
  total: number
  page: number
  per_page: number
  total_capped?: boolean
}

export interface Org {
  id: string
  code: string
  name: string
  kind: string
  parent_id: string | null
  depth: number
  active: boolean
  /** Reviews the replies of the sub-units it re-dispatches to (审核下级答复). */
  reviews_replies: boolean
}

export interface User {
  id: string
  username: string
  display_name: string
  org_id: string
  roles: string[]
  active: boolean
  locked: boolean
  must_change_password: boolean
  totp_enabled: boolean
}

export interface Me {
  user: User
  org: Org
  permissions: { permission: Permission; reach: 'city' | 'own_subtree' }[]
  restriction: 'password_change_required' | 'totp_enrollment_required' | null
  totp_required: boolean
}

export interface OrgRef {
  id: string
  code: string
  name: string
}

export type DeadlineStatus = 'none' | 'ok' | 'warning' | 'overdue'
/** How a clock's time is counted: working time, or elapsed time (minutes and hours limits). */
export type Counting = 'working' | 'elapsed'

export interface TicketSummary {
  id: string
  number: string
  state: string
  title: string
  category_name: string | null
  appeal_type: string
  urgency: string
  channel: string
  caller_phone: string | null
  holder_org: OrgRef | null
  parent_id: string | null
  emergency: boolean
  overdue: boolean
  urged_count: number
  supervision_level: number
  accept_due: string | null
  finish_due: string | null
  excerpted: boolean
  /** How many leaders' instructions (批示) it has. */
  instruction_count: number
  deadline_status: DeadlineStatus
  working_minutes_left: number | null
  minutes_left: number | null
  counting: Counting | null
  created_at: string
}

export interface TicketEvent {
  id: string
  at: string
  action: string
  actor_name: string | null
  actor_display_name: string | null
  actor_org: OrgRef | null
  from_state: string | null
  to_state: string | null
  org: OrgRef | null
  opinion: string | null
  detail: Record<string, unknown> | null
}

export interface TicketRef {
  id: string
  number: string
  state: string
  holder_org: OrgRef | null
}

export interface Ticket {
  id: string
  number: string
  state: string
  handling_type: string | null
  parent: TicketRef | null
  master: TicketRef | null
  caller: { name: string | null; phone: string | null; contact_phone: string | null; access: 'plain' | 'masked' | 'hidden' }
  title: string
  content: string
  demand: string | null
  occurred_at: string | null
  address: string | null
  category: { id: string; code: string; name: string; path_names: string[] } | null
  appeal_type: string
  urgency: string
  channel: string
  confidential: boolean
  emergency: boolean
  region_org_id: string | null
  region_org: OrgRef | null
  callback_requirement: CallbackRequirement
  location: { latitude: number; longitude: number } | null
  holder_org: OrgRef | null
  dispatched_by_org: OrgRef | null
  excerpt: string | null
  notes: string | null
  reply_content: string | null
  close_reason: string | null
  deadlines: {
    accept_due: string | null
    response_due: string | null
    finish_due: string | null
    original_finish_due: string | null
    accept_overdue: boolean
    response_overdue: boolean
    overdue: boolean
    status: DeadlineStatus
    working_minutes_left: number | null
    minutes_left: number | null
    counting: Counting | null
  }
  counters: { urged: number; supervision_level: number; instructions: number; reopened: number; returned: number; callback_attempts: number }
  satisfaction: string | null
  resolved: boolean | null
  created_at: string
  updated_at: string
  version: number
  allowed_actions: string[]
  timeline: TicketEvent[]
  children: TicketRef[]
  merged: TicketRef[]
  contacts: { id: string; channel: string; received_at: string; text: string }[]
  attachments: Attachment[]
}

export type CallbackRequirement = 'required' | 'not_required' | 'sms'

/** What an upload answers, and what an intake or an action names in `attachments`. */
export interface AttachmentInput {
  file_name: string
  content_type: string
  size_bytes: number
  sha256: string | null
}

export interface Attachment {
  id: string
  file_name: string
  content_type: string
  size_bytes: number
  sha256: string | null
  event_id: string | null
  downloadable: boolean
  created_at: string
}

export interface Phrase {
  id: string
  content: string
  purpose: 'opinion' | 'reply' | 'any'
  shared: boolean
  editable: boolean
  sort_order: number
}

export interface CategoryNode {
  id: string
  code: string
  name: string
  level: number
  parent_id: string | null
  active: boolean
  keywords: string[]
  pinyin: string
  children: CategoryNode[]
}

export interface CallerHistory {
  phone: string
  phone_masked: string
  repeat_caller: boolean
  total_tickets: number
  tickets: { id: string; number: string; title: string; state: string; satisfaction: string | null; created_at: string }[]
}

export interface Limit {
  amount: number
  unit: 'minutes' | 'hours' | 'working_days'
}

export interface DeadlinePreview {
  policy_name: string | null
  accept: Limit
  response: Limit
  finish: Limit
  accept_due: string
  response_due: string
  finish_due: string
}

export interface AuditEvent {
  seq: number
  at: string
  actor_name: string | null
  actor_display_name: string | null
  actor_org_name: string | null
  source_ip: string | null
  action: string
  outcome: string
  subject_type: string | null
  subject_id: string | null
  detail: unknown
}

/** One opening of a ticket or reveal of its caller (`GET /tickets/{id}/accesses`). */
export interface TicketAccess {
  at: string
  kind: 'read' | 'reveal_contact'
  actor_name: string | null
  actor_display_name: string | null
  actor_org: { id: string; code: string; name: string } | null
  personal_data: 'plain' | 'masked' | 'hidden' | null
  reason: string | null
  source_ip: string | null
}

export type ArticleStatus = 'draft' | 'in_review' | 'published' | 'expired' | 'withdrawn'

export interface ArticleSummary {
  id: string
  title: string
  snippet: string
  /** Character ranges of `snippet` where the searched words are. */
  snippet_marks: [number, number][]
  reply_template: string | null
  status: ArticleStatus
  in_use: boolean
  owner_org: OrgRef | null
  categories: { id: string; path: string }[]
  hits: number
  updated_at: string
}

export interface Article {
  id: string
  title: string
  body: string
  body_html: string
  reply_template: string | null
  keywords: string[]
  categories: { id: string; path: string }[]
  owner_org: OrgRef | null
  status: ArticleStatus
  version: number
  working_version: number
  published_version: number | null
  valid_from: string | null
  valid_to: string | null
  in_use: boolean
  hits: number
  helpful: number
  outdated: number
  attachments: { id: string; file_name: string; content_type: string; size_bytes: number }[]
  editable: boolean
  reviewable: boolean
  updated_at: string
}

export interface ArticleVersion {
  version: number
  title: string
  edited_by: string | null
  note: string | null
  created_at: string
  diff: string
  published: boolean
}

export interface ArticleFeedback {
  kind: 'helpful' | 'outdated'
  comment: string | null
  by: string | null
  at: string
}

export interface Suggestions {
  categories: { id: string; path: string; score: number }[]
  units: { org_id: string; name: string; score: number }[]
  articles: { id: string; title: string; reply_template: string | null; score: number }[]
  similar_tickets: { id: string; number: string; title: string; state: string; score: number; same_caller: boolean }[]
}
