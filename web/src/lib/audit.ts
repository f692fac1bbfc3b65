// The audit trail in words: action and outcome names and details as labelled fields, in the
// reader's language. Unknown codes and keys show as they are, so nothing is ever hidden.

type T = (key: string) => string
type Te = (key: string) => boolean

/** `ticket.read` → 查看工单; `ticket.dispatch` → the action's own name. */
export function actionLabel(code: string, t: T, te: Te): string {
  if (te(`auditAction.${code}`)) return t(`auditAction.${code}`)
  const action = code.startsWith('ticket.') ? code.slice('ticket.'.length) : null
  if (action && te(`action.${action}`)) return t(`action.${action}`)
  return code
}

export function outcomeLabel(code: string, t: T, te: Te): string {
  return te(`auditOutcome.${code}`) ? t(`auditOutcome.${code}`) : code
}

function label(key: string, t: T, te: Te): string {
  return te(`auditDetail.${key}`) ? t(`auditDetail.${key}`) : key
}

/** A value in words: lists joined, objects as their set fields in brackets. */
function valueText(value: unknown, t: T, te: Te): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.length ? value.map((v) => valueText(v, t, te)).join('、') : '—'
  const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined)
  if (!fields.length) return '—'
  return `（${fields.map(([k, v]) => `${label(k, t, te)}：${valueText(v, t, te)}`).join('，')}）`
}

/** `{"number": "…", "reason": "…"}` → `工单编号：…；理由：…`. */
export function detailText(detail: unknown, t: T, te: Te): string {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return valueText(detail, t, te)
  return Object.entries(detail as Record<string, unknown>)
    .map(([key, value]) => `${label(key, t, te)}：${valueText(value, t, te)}`)
    .join('；')
}
