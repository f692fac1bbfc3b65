import { describe, expect, it } from 'vitest'

import { reviewMoves } from '../src/lib/kb'

describe('knowledge-base review moves', () => {
  it('offer writers submit and withdraw, reviewers publish and reject, as the status allows', () => {
    expect(reviewMoves({ status: 'draft', editable: true, reviewable: false })).toEqual(['submit', 'withdraw'])
    expect(reviewMoves({ status: 'in_review', editable: true, reviewable: false })).toEqual(['withdraw'])
    expect(reviewMoves({ status: 'in_review', editable: false, reviewable: true })).toEqual(['publish', 'reject', 'withdraw'])
    expect(reviewMoves({ status: 'published', editable: false, reviewable: false })).toEqual([])
    expect(reviewMoves({ status: 'withdrawn', editable: true, reviewable: true })).toEqual(['submit'])
  })
})
