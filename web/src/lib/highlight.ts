// Search highlights: the server sends a fragment and the character ranges that matched; the
// console marks them itself (no HTML from the server is ever inserted).

export interface Highlight {
  field: 'title' | 'content' | 'address' | 'replies'
  fragment: string
  ranges: [number, number][]
}

export interface Segment {
  text: string
  marked: boolean
}

/** The fragment cut into plain and marked pieces, in order. Ranges count characters (code
 * points, as the server does), may come unsorted or overlap, and are clamped to the text. */
export function segments(fragment: string, ranges: [number, number][]): Segment[] {
  const chars = Array.from(fragment)
  const marks = new Array<boolean>(chars.length).fill(false)
  for (const [from, to] of ranges) {
    for (let i = Math.max(0, from); i < Math.min(chars.length, to); i++) marks[i] = true
  }
  const out: Segment[] = []
  chars.forEach((c, i) => {
    const last = out[out.length - 1]
    if (last && last.marked === marks[i]) last.text += c
    else out.push({ text: c, marked: marks[i] })
  })
  return out
}

/** How far a rebuild has come, as a whole percentage (0 while the total is unknown). */
export function percent(done: number, total: number): number {
  if (!total) return 0
  return Math.min(100, Math.floor((done * 100) / total))
}
