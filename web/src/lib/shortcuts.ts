// The console's keyboard shortcuts: one table for the handler and the help overlay. Plain keys
// do nothing while the user types in a field; Alt combinations work everywhere (matched by the
// physical key, as Alt changes the character on some layouts).

export type ShortcutAction =
  | { kind: 'search' }
  | { kind: 'help' }
  | { kind: 'newIntake' }
  | { kind: 'closeTab' }
  | { kind: 'go'; menuKey: string }

/** `g` then a letter jumps to a queue (as in Gmail and GitHub); Alt+digits belong to the
 * browser's own tabs on Linux and Windows. Letters name menu items (`lib/menu.ts` keys). */
export const JUMPS: { letter: string; menuKey: string }[] = [
  { letter: 'w', menuKey: 'workstation' },
  { letter: 'd', menuKey: 'to_dispatch' },
  { letter: 'k', menuKey: 'dispatch' },
  { letter: 'a', menuKey: 'inbox_to_accept' },
  { letter: 'p', menuKey: 'inbox_in_progress' },
  { letter: 'o', menuKey: 'inbox_overdue' },
  { letter: 'r', menuKey: 'to_review' },
  { letter: 'c', menuKey: 'to_callback' },
  { letter: 't', menuKey: 'all' },
]

/** How long after `g` its letter still counts. */
export const SEQUENCE_MS = 1500

export interface KeyInput {
  key: string
  code: string
  altKey: boolean
  ctrlKey: boolean
  metaKey: boolean
  /** The key went to a text field, a select or an editable element. */
  inField: boolean
  /** Milliseconds, any clock. */
  at: number
}

export interface Decision {
  action: ShortcutAction | null
  /** When a pending `g` was pressed, or null. */
  pendingG: number | null
}

export function decide(input: KeyInput, pendingG: number | null): Decision {
  if (input.altKey && !input.ctrlKey && !input.metaKey) {
    if (input.code === 'KeyN') return { action: { kind: 'newIntake' }, pendingG: null }
    if (input.code === 'KeyW') return { action: { kind: 'closeTab' }, pendingG: null }
    return { action: null, pendingG: null }
  }
  if (input.inField || input.altKey || input.ctrlKey || input.metaKey) return { action: null, pendingG: null }
  if (pendingG !== null && input.at - pendingG <= SEQUENCE_MS) {
    const jump = JUMPS.find((j) => j.letter === input.key.toLowerCase())
    if (jump) return { action: { kind: 'go', menuKey: jump.menuKey }, pendingG: null }
  }
  if (input.key === '/') return { action: { kind: 'search' }, pendingG: null }
  if (input.key === '?') return { action: { kind: 'help' }, pendingG: null }
  if (input.key === 'g') return { action: null, pendingG: input.at }
  return { action: null, pendingG: null }
}

/** Whether a key event's target is somewhere the user types. */
export function isField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

/** The overlay's rows: keys as shown, and the i18n key of what they do. Jumps are added by the
 * overlay for the queues the user has. */
export const HELP: { keys: string[]; label: string }[] = [
  { keys: ['/'], label: 'shortcuts.search' },
  { keys: ['?'], label: 'shortcuts.help' },
  { keys: ['Alt', 'N'], label: 'shortcuts.newIntake' },
  { keys: ['Alt', 'W'], label: 'shortcuts.closeTab' },
  { keys: ['Ctrl', 'Enter'], label: 'shortcuts.register' },
  { keys: ['Esc'], label: 'shortcuts.closeDialog' },
]
