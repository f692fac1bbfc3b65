import { describe, expect, it } from 'vitest'

import { kindType, movesOf } from '../src/lib/alerts'

describe('the alerts inbox', () => {
  it('offers what each state allows and nothing on a closed alert', () => {
    expect(movesOf('open')).toEqual(['acknowledge', 'assign', 'close'])
    expect(movesOf('acknowledged')).toEqual(['assign', 'close'])
    expect(movesOf('assigned')).toEqual(['assign', 'close'])
    expect(movesOf('closed')).toEqual([])
  })

  it('marks watch-list words as the most urgent', () => {
    expect(kindType('sensitive_words')).toBe('danger')
    expect(kindType('surge')).toBe('warning')
  })
})
