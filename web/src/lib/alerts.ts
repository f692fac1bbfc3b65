// The early-warning inbox as the API gives it, and what each state allows.

export interface Alert {
  id: string
  kind: 'surge' | 'hotspot' | 'repeat_caller' | 'sensitive_words' | 'deadline_trouble'
  state: 'open' | 'acknowledged' | 'assigned' | 'closed'
  title: string
  detail: Record<string, unknown>
  ticket_ids: string[]
  region: { id: string; code: string; name: string } | null
  category: string | null
  assignee_id: string | null
  note: string | null
  created_at: string
  updated_at: string
  closed_at: string | null
}

export const KINDS = ['surge', 'hotspot', 'repeat_caller', 'sensitive_words', 'deadline_trouble'] as const
export const STATES = ['open', 'acknowledged', 'assigned', 'closed'] as const

/** The moves an alert in `state` takes. */
export function movesOf(state: Alert['state']): ('acknowledge' | 'assign' | 'close')[] {
  switch (state) {
    case 'open':
      return ['acknowledge', 'assign', 'close']
    case 'acknowledged':
    case 'assigned':
      return ['assign', 'close']
    case 'closed':
      return []
  }
}

/** Tag colours: what needs eyes first stands out. */
export function kindType(kind: Alert['kind']): 'danger' | 'warning' | 'primary' | 'info' {
  switch (kind) {
    case 'sensitive_words':
    case 'deadline_trouble':
      return 'danger'
    case 'surge':
      return 'warning'
    case 'hotspot':
      return 'primary'
    case 'repeat_caller':
      return 'info'
  }
}
