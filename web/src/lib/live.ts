// Live updates over server-sent events: new work in an inbox, actions on open tickets,
// deadline warnings. Views subscribe (`useLive`); the stream reconnects by itself.

import { onBeforeUnmount, onMounted } from 'vue'

export interface LiveEvent {
  /** `ticket`, `deadline`, `alert`, `stats`, `instruction` (a leader's 批示 on a ticket the
   * reader's unit holds, or for the center), `briefing`. */
  kind: string
  ticket_id?: string
  action?: string
  holder_org_id?: string | null
}

type Listener = (event: LiveEvent) => void

/** `stats` events (the rollups moved) come every second under load: only dashboards ask. */
const DASHBOARD_ONLY = new Set(['stats'])

class Live {
  private source: EventSource | null = null
  private listeners = new Map<Listener, boolean>()

  start(): void {
    if (this.source || typeof EventSource === 'undefined') return
    this.source = new EventSource('/api/v1/events')
    this.source.onmessage = (message) => {
      try {
        const event = JSON.parse(message.data) as LiveEvent
        const dashboardOnly = DASHBOARD_ONLY.has(event.kind)
        this.listeners.forEach((wantsStats, l) => {
          if (!dashboardOnly || wantsStats) l(event)
        })
      } catch {
        // A keep-alive or a malformed line: nothing to do.
      }
    }
  }

  stop(): void {
    this.source?.close()
    this.source = null
  }

  /** `stats`: hear that the rollups moved too (dashboards). */
  subscribe(listener: Listener, stats = false): () => void {
    this.listeners.set(listener, stats)
    return () => this.listeners.delete(listener)
  }
}

export const live = new Live()

/** Calls `listener` on every live event while the calling component is mounted (`stats`:
 * the rollups' events too). */
export function useLive(listener: Listener, stats = false): void {
  let stop: (() => void) | null = null
  onMounted(() => {
    stop = live.subscribe(listener, stats)
  })
  onBeforeUnmount(() => stop?.())
}
