// The knowledge base's rules as the console applies them (the server has the last word).

import type { Article } from '../api/types'

/** The review moves to offer on an article: its writers submit and withdraw, reviewers
 * publish, reject and withdraw — each only where the status allows it. */
export function reviewMoves(a: Pick<Article, 'status' | 'editable' | 'reviewable'>): string[] {
  const moves: string[] = []
  if (a.editable && ['draft', 'expired', 'withdrawn'].includes(a.status)) moves.push('submit')
  if (a.reviewable && a.status === 'in_review') moves.push('publish', 'reject')
  if ((a.editable || a.reviewable) && a.status !== 'withdrawn') moves.push('withdraw')
  return moves
}
