// The call center as the console shows it: an agent's state and what they may switch to, the
// wallboard's figures, call records.

export type AgentStatus = 'logged_out' | 'not_ready' | 'ready' | 'reserved' | 'alerting' | 'on_call' | 'hold' | 'wrap_up'

export interface AgentView {
  user_id: string
  name: string
  skills: Record<string, number>
  seat_id: string | null
  extension: string | null
  status: AgentStatus
  reason: string | null
  since: string
  in_state_s: number
  call_id: string | null
  wrap_up_until: string | null
  after_call: { to: 'not_ready'; reason: string } | { to: 'logged_out' } | null
  talk_today_s: number
}

export interface Reason {
  code: string
  label: string
  label_en: string
}

export interface Seat {
  id: string
  extension: string
  name: string
  agent_id: string | null
}

export interface Figures {
  offered: number
  answered: number
  abandoned: number
  short_abandons: number
  rejected: number
  answered_within_15s: number
  answer_rate: number | null
  service_level: number | null
  asa_s: number | null
  aht_s: number | null
}

export interface QueueBoard {
  queue_id: string
  name: string
  numbers: string[]
  lang: string | null
  waiting: number
  longest_wait_s: number
  agents: Partial<Record<AgentStatus, number>>
  today: Figures
  last_15_min: Figures
  last_30_min: Figures
  last_60_min: Figures
}

export interface Wallboard {
  at: string
  queues: QueueBoard[]
  agents: Partial<Record<AgentStatus, number>>
  not_ready_reasons: Record<string, number>
  today: Figures
  last_60_min: Figures
  occupancy: number | null
  agents_required: number | null
  agents_staffed: number
}

export interface CallRecord {
  id: string
  sip_call_id: string
  caller: string | null
  dnis: string
  queue_name: string | null
  lang: string | null
  agent_id: string | null
  agent_name: string | null
  disposition: string | null
  offered_at: string
  answered_at: string | null
  ended_at: string | null
  queue_wait_s: number | null
  talk_s: number | null
  within_sl: boolean
  ticket_id: string | null
  offers: { agent_id: string; extension: string; at: string; result: string | null; ring_s: number | null }[]
}

/** The states that belong to a call: the agent cannot switch by hand, only ask for after it. */
export function onCall(status: AgentStatus): boolean {
  return ['reserved', 'alerting', 'on_call', 'hold'].includes(status)
}

/** What the phone bar offers in `status`. */
export function switches(status: AgentStatus): ('login' | 'ready' | 'not_ready' | 'logout')[] {
  switch (status) {
    case 'logged_out':
      return ['login']
    case 'not_ready':
      return ['ready', 'not_ready', 'logout']
    case 'ready':
      return ['not_ready', 'logout']
    case 'wrap_up':
      return ['ready', 'not_ready', 'logout']
    case 'reserved':
    case 'alerting':
    case 'on_call':
    case 'hold':
      return ['not_ready', 'logout']
  }
}

/** Tag colours for states: ready is good, ringing and talking are busy, not ready warns. */
export function statusType(status: AgentStatus): 'success' | 'warning' | 'danger' | 'primary' | 'info' {
  switch (status) {
    case 'ready':
      return 'success'
    case 'reserved':
    case 'alerting':
    case 'on_call':
    case 'hold':
      return 'primary'
    case 'wrap_up':
      return 'warning'
    case 'not_ready':
      return 'danger'
    case 'logged_out':
      return 'info'
  }
}

/** `m:ss`, or `h:mm:ss` past an hour: a timer's face. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

/** A share as a percentage with one decimal, or a dash. */
export function percent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)}%`
}

/** The service level against GB/T 33358's bar (95% within 15 s); below 80% is trouble. */
export function levelType(share: number | null): 'success' | 'warning' | 'danger' | 'info' {
  if (share === null) return 'info'
  if (share >= 0.95) return 'success'
  return share >= 0.8 ? 'warning' : 'danger'
}

/** A not-ready reason as people read it: the configured label in the console's language, or
 * the system reason's translation (`callcenter.systemReason.*`), or the code. */
export function reasonLabel(
  code: string | null,
  reasons: Reason[],
  locale: string,
  translate: (key: string) => string | null,
): string {
  if (!code) return ''
  const configured = reasons.find((r) => r.code === code)
  if (configured) return locale === 'en' ? configured.label_en : configured.label
  return translate(`callcenter.systemReason.${code}`) ?? code
}
