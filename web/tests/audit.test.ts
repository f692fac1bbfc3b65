import { describe, expect, it } from 'vitest'

import { actionLabel, detailText, outcomeLabel } from '../src/lib/audit'

const labels: Record<string, string> = {
  'auditAction.ticket.read': '查看工单',
  'action.dispatch': '派单',
  'auditOutcome.denied': '拒绝',
  'auditDetail.number': '工单编号',
  'auditDetail.reason': '理由',
}
const t = (k: string) => labels[k] ?? `?${k}`
const te = (k: string) => k in labels

describe('the audit trail in words', () => {
  it('names actions, falling back to the ticket action, then the code', () => {
    expect(actionLabel('ticket.read', t, te)).toBe('查看工单')
    expect(actionLabel('ticket.dispatch', t, te)).toBe('派单')
    expect(actionLabel('something.new', t, te)).toBe('something.new')
    expect(outcomeLabel('denied', t, te)).toBe('拒绝')
    expect(outcomeLabel('odd', t, te)).toBe('odd')
  })

  it('shows details as labelled fields, unknown keys as they are', () => {
    expect(detailText({ number: '2026120700001', reason: '联系市民', days: 3, after: { a: 1, b: null } }, t, te)).toBe(
      '工单编号：2026120700001；理由：联系市民；days：3；after：（a：1）',
    )
    expect(detailText({ filter: { action: null }, factors: ['password', 'totp'] }, t, te)).toBe('filter：—；factors：password、totp')
    expect(detailText(null, t, te)).toBe('—')
  })
})
