import { describe, expect, it } from 'vitest'

import { percent, segments } from '../src/lib/highlight'

describe('search highlights', () => {
  it('mark the matched characters, counting characters as the server does', () => {
    expect(segments('小区噪音扰民', [[2, 4]])).toEqual([
      { text: '小区', marked: false },
      { text: '噪音', marked: true },
      { text: '扰民', marked: false },
    ])
    // Overlapping, unsorted and out-of-range ranges merge and clamp; astral characters count once.
    expect(segments('𠀋噪音a', [[3, 9], [1, 2], [2, 3]])).toEqual([
      { text: '𠀋', marked: false },
      { text: '噪音a', marked: true },
    ])
    expect(segments('', [[0, 3]])).toEqual([])
    expect(segments('<b>x</b>', [])).toEqual([{ text: '<b>x</b>', marked: false }])
  })

  it('say how far a rebuild has come', () => {
    expect(percent(0, 0)).toBe(0)
    expect(percent(50, 200)).toBe(25)
    expect(percent(300, 200)).toBe(100)
  })
})
