// Dates as the hotline floor reads them: local time, minutes, no seconds.

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** The tag colour of a ticket state. */
export function stateType(state: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'closed':
    case 'archived':
    case 'answered':
    case 'liaised':
      return 'success'
    case 'return_requested':
    case 'extension_requested':
    case 'reply_submitted':
      return 'warning'
    case 'dismissed':
    case 'merged':
    case 'draft':
      return 'info'
    default:
      return 'primary'
  }
}
