// Live updates over server-sent events: new work in an inbox, actions on open tickets,
// deadline warnings. Views subscribe (`useLive`); the stream reconnects by itself.

import { onBeforeUnmount, onMounted } from 'vue'

export interface LiveEvent {
  kind: string
  ticket_id?: string
  action?: string
}

type Listener = (event: LiveEvent) => void

class Live {
  private source: EventSource | null = null
  private listeners = new Set<Listener>()

  start(): void {
    if (this.source || typeof EventSource === 'undefined') return
    this.source = new EventSource('/api/v1/events')
    this.source.onmessage = (message) => {
      try {
        const event = JSON.parse(message.data) as LiveEvent
        this.listeners.forEach((l) => l(event))
      } catch {
        // A keep-alive or a malformed line: nothing to do.
      }
    }
  }

  stop(): void {
    this.source?.close()
    this.source = null
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

export const live = new Live()

/** Calls `listener` on every live event while the calling component is mounted. */
export function useLive(listener: Listener): void {
  let stop: (() => void) | null = null
  onMounted(() => {
    stop = live.subscribe(listener)
  })
  onBeforeUnmount(() => stop?.())
}
