// What each ticket action asks for. The API checks the same rules; the form checks them first
// so people see mistakes before sending.

export type FieldKind = 'text' | 'textarea' | 'org' | 'orgs' | 'days' | 'bool' | 'yesno' | 'satisfaction' | 'level' | 'ticket'

export interface ActionField {
  name: string
  kind: FieldKind
  required: boolean
  label: string
  /** The most characters the API takes, when it is not the usual 5000. */
  max?: number
}

const f = (name: string, kind: FieldKind, required: boolean, label: string, max?: number): ActionField => ({ name, kind, required, label, ...(max ? { max } : {}) })

export const ACTION_FIELDS: Record<string, ActionField[]> = {
  register: [],
  answer: [f('content', 'textarea', true, 'ticket.reply')],
  liaise: [f('org_id', 'org', true, 'ticket.holder'), f('content', 'textarea', true, 'ticket.reply')],
  dismiss: [f('reason', 'textarea', true, 'ticket.reason')],
  excerpt: [f('content', 'textarea', true, 'ticket.excerpt')],
  transfer: [f('org_id', 'org', true, 'ticket.holder'), f('opinion', 'textarea', false, 'ticket.opinion')],
  assign: [f('org_id', 'org', true, 'ticket.holder'), f('days', 'days', false, 'ticket.days'), f('opinion', 'textarea', false, 'ticket.opinion')],
  emergency: [f('org_id', 'org', true, 'ticket.holder'), f('content', 'textarea', false, 'ticket.opinion')],
  dispatch: [f('org_id', 'org', true, 'ticket.leadUnit'), f('assist_org_ids', 'orgs', false, 'ticket.assistUnits'), f('opinion', 'textarea', false, 'ticket.opinion')],
  accept: [],
  return: [f('reason', 'textarea', true, 'ticket.reason')],
  approve_return: [f('opinion', 'textarea', false, 'ticket.opinion')],
  overrule_return: [f('reason', 'textarea', true, 'ticket.reason')],
  request_extension: [f('days', 'days', true, 'ticket.days'), f('reason', 'textarea', true, 'ticket.reason')],
  approve_extension: [f('days', 'days', false, 'ticket.days'), f('opinion', 'textarea', false, 'ticket.opinion')],
  deny_extension: [f('reason', 'textarea', true, 'ticket.reason')],
  contact_citizen: [f('content', 'textarea', true, 'ticket.opinion')],
  reply: [f('content', 'textarea', true, 'ticket.reply')],
  approve_reply: [f('opinion', 'textarea', false, 'ticket.opinion')],
  send_back: [f('opinion', 'textarea', true, 'ticket.opinion')],
  urge: [f('opinion', 'textarea', false, 'ticket.opinion')],
  supervise: [f('level', 'level', false, 'ticket.level'), f('opinion', 'textarea', true, 'ticket.opinion')],
  // A leader's 批示: the words only (from a briefing's item, the page adds which briefing).
  instruct: [f('content', 'textarea', true, 'instruction.content', 2000)],
  callback: [
    f('reachable', 'bool', true, 'ticket.reachable'),
    f('resolved', 'yesno', false, 'ticket.resolved'),
    f('satisfaction', 'satisfaction', false, 'ticket.satisfaction'),
    f('unit_at_fault', 'bool', false, 'ticket.unitAtFault'),
    f('content', 'textarea', false, 'ticket.opinion'),
  ],
  reopen: [f('reason', 'textarea', true, 'ticket.reason')],
  merge: [f('master_id', 'ticket', true, 'ticket.masterNumber'), f('opinion', 'textarea', false, 'ticket.opinion')],
  close: [f('opinion', 'textarea', false, 'ticket.opinion')],
  archive: [],
}

/** Actions that cannot be undone get a confirmation even without fields. */
export const IRREVERSIBLE = new Set(['dismiss', 'close', 'archive', 'merge', 'approve_return'])

/**
 * The fields to show, given what has been answered so far. At a callback the citizen's answers
 * lead: nothing about satisfaction when nobody was reached, and 重办 (the unit's fault) only
 * when the citizen is not satisfied.
 */
export function visibleFields(action: string, values: Record<string, unknown>): ActionField[] {
  const fields = ACTION_FIELDS[action] ?? []
  if (action !== 'callback') return fields
  return fields.filter((field) => {
    if (['resolved', 'satisfaction', 'unit_at_fault'].includes(field.name) && values.reachable !== true) return false
    if (field.name === 'unit_at_fault' && values.satisfaction !== 'unsatisfied') return false
    return true
  })
}

/** Actions whose record may carry files: what the unit did, what the citizen was told. */
export const WITH_ATTACHMENTS = new Set(['answer', 'liaise', 'excerpt', 'contact_citizen', 'reply', 'callback', 'return', 'request_extension', 'dismiss'])

/** Which common phrases (常用语) a text field offers: words to the citizen, or an opinion. */
export function phrasePurpose(action: string, field: string): 'reply' | 'opinion' {
  return field === 'content' && ['answer', 'liaise', 'reply', 'contact_citizen'].includes(action) ? 'reply' : 'opinion'
}

/** Field errors found before sending; keys are field names. */
export function validateAction(action: string, values: Record<string, unknown>, required: string): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const field of visibleFields(action, values)) {
    const v = values[field.name]
    const reachable = values.reachable === true
    const needed = field.required || (action === 'callback' && reachable && (field.name === 'satisfaction' || field.name === 'resolved'))
    const empty = v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)
    if (needed && empty) errors[field.name] = required
    if (field.kind === 'days' && !empty && (Number(v) < 1 || Number(v) > 30)) errors[field.name] = '1–30'
  }
  return errors
}

/** The JSON body: only the fields this action takes and shows, without empty ones. */
export function actionBody(action: string, values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const field of visibleFields(action, values)) {
    const v = values[field.name]
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)) continue
    body[field.name] = typeof v === 'string' ? v.trim() : v
  }
  const files = values.attachments
  if (WITH_ATTACHMENTS.has(action) && Array.isArray(files) && files.length) body.attachments = files
  return body
}

/** Buttons in the order a desk works through them; the primary ones come first. */
export const ACTION_ORDER = [
  'accept', 'contact_citizen', 'reply', 'dispatch', 'transfer', 'assign', 'answer', 'liaise', 'emergency', 'excerpt', 'register',
  'approve_reply', 'send_back', 'callback', 'approve_return', 'overrule_return', 'approve_extension', 'deny_extension',
  'request_extension', 'return', 'urge', 'supervise', 'instruct', 'merge', 'reopen', 'close', 'dismiss', 'archive',
]

export function sortActions(actions: string[]): string[] {
  return [...actions].sort((a, b) => ACTION_ORDER.indexOf(a) - ACTION_ORDER.indexOf(b))
}
