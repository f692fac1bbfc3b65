// Appeals against a ticket's inclusion in a unit's assessment (不纳入考核 申诉), as the API
// gives them.

export interface Appeal {
  id: string
  ticket_id: string
  ticket_number: string | null
  ticket_title: string | null
  org: { id: string; code: string; name: string }
  state: 'pending' | 'approved' | 'rejected'
  reason: string
  evidence: string
  attachment_ids: string[]
  filed_by: string
  filed_at: string
  decided_by: string | null
  decided_at: string | null
  decision_note: string | null
}

export const REASONS = ['beyond_duty', 'unreasonable_demand', 'duplicate', 'historical', 'force_majeure', 'other'] as const
export const APPEAL_STATES = ['pending', 'approved', 'rejected'] as const

/** The tag colour of a state. */
export function appealType(state: Appeal['state']): 'warning' | 'success' | 'info' {
  return state === 'pending' ? 'warning' : state === 'approved' ? 'success' : 'info'
}
