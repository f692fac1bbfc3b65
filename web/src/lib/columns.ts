// Which columns of a work list show, in which order, as each user set them (kept in this
// browser's localStorage). Pure: the composable reads and writes the storage.

export interface ColumnState {
  key: string
  visible: boolean
}

/** The saved arrangement, checked against the list's columns today: unknown keys dropped,
 * columns added since appended with their default visibility. */
export function arrange(keys: string[], hiddenByDefault: string[], saved: unknown): ColumnState[] {
  const fresh = (key: string): ColumnState => ({ key, visible: !hiddenByDefault.includes(key) })
  if (!Array.isArray(saved)) return keys.map(fresh)
  const kept: ColumnState[] = []
  for (const s of saved) {
    if (s && typeof s.key === 'string' && keys.includes(s.key) && !kept.some((k) => k.key === s.key)) {
      kept.push({ key: s.key, visible: s.visible !== false })
    }
  }
  const added = keys.filter((k) => !kept.some((s) => s.key === k)).map(fresh)
  const all = [...kept, ...added]
  return all.some((c) => c.visible) ? all : keys.map(fresh)
}

/** Shows or hides a column; the last visible one stays. */
export function toggle(columns: ColumnState[], key: string, visible: boolean): ColumnState[] {
  if (!visible && columns.filter((c) => c.visible).length <= 1) return columns
  return columns.map((c) => (c.key === key ? { ...c, visible } : c))
}

/** Moves a column `by` places (−1 up, +1 down), within the list. */
export function move(columns: ColumnState[], key: string, by: number): ColumnState[] {
  const from = columns.findIndex((c) => c.key === key)
  const to = from + by
  if (from < 0 || to < 0 || to >= columns.length) return columns
  const next = [...columns]
  const [moved] = next.splice(from, 1)
  next.splice(to, 0, moved)
  return next
}

export function storageKey(userId: string, list: string): string {
  return `hotline.columns.${userId}.${list}`
}
