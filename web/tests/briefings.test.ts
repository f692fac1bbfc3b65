import { describe, expect, it } from 'vitest'

import { ApiError } from '../src/api/client'
import {
  type Briefing, type Draft, type Excerpt, addDays, addExcerpt, contentOf, defaultRange, excerptMark, instructable,
  instructionNotice, isoDay, moveItem, ordinal, putBody, removeItem, toDraft, validateDraft,
} from '../src/lib/briefings'
import { errorText } from '../src/lib/errors'

const excerpt = (ticket: string, extra: Partial<Excerpt> = {}): Excerpt => ({
  ticket_id: ticket, number: `N-${ticket}`, title: `标题${ticket}`, excerpt: `拟摘${ticket}`, state: 'dispatched',
  category_path: null, created_at: '2026-12-07T08:00:00Z', briefing_id: null, ...extra,
})

const briefing = (items: Briefing['items'] = []): Briefing => ({
  id: 'b1', title: '要情摘报 2026-12-07', day: '2026-12-07', state: 'draft', item_count: items.length, instruction_count: 0,
  created_by_name: '班长赵敏', created_at: '2026-12-07T09:00:00Z', published_at: null, published_by_name: null,
  foreword: '', version: 3, items,
})

const item = (ticket: string, position: number) => ({
  id: `i-${ticket}`, position, ticket_id: ticket, ticket_number: `N-${ticket}`, ticket_title: `标题${ticket}`, ticket_state: 'closed',
  headline: `要闻${ticket}`, body: `正文${ticket}`, instructions: [],
})

describe('the default period of excerpts', () => {
  it('is the week ending on the briefing\'s day, across months and years', () => {
    expect(defaultRange('2026-12-07')).toEqual(['2026-12-01', '2026-12-07'])
    expect(defaultRange('2026-03-03')).toEqual(['2026-02-25', '2026-03-03'])
    expect(defaultRange('2028-03-03')).toEqual(['2028-02-26', '2028-03-03'])
    expect(defaultRange('2027-01-02')).toEqual(['2026-12-27', '2027-01-02'])
  })

  it('counts days by the calendar, whatever the clocks do', () => {
    // Across the end of European summer time (where tests may run).
    expect(addDays('2026-10-25', 1)).toBe('2026-10-26')
    expect(addDays('2026-03-29', -1)).toBe('2026-03-28')
    expect(isoDay(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05')
  })
})

describe('the editor\'s document', () => {
  it('starts from the briefing, items in their order', () => {
    const d = toDraft(briefing([item('b', 2), item('a', 1)]))
    expect(d.items.map((i) => i.ticket_id)).toEqual(['a', 'b'])
    expect(d.version).toBe(3)
  })

  it('adds an excerpt headed by the ticket\'s title with the excerpt as its body, once', () => {
    const once = addExcerpt([], excerpt('t1'))
    expect(once).toEqual([
      { key: 't1', ticket_id: 't1', ticket_number: 'N-t1', ticket_title: '标题t1', ticket_state: 'dispatched', headline: '标题t1', body: '拟摘t1' },
    ])
    expect(addExcerpt(once, excerpt('t1'))).toBe(once)
    expect(addExcerpt(once, excerpt('t2')).map((i) => i.ticket_id)).toEqual(['t1', 't2'])
  })

  it('moves items up and down within the list, and removes them', () => {
    const items = ['a', 'b', 'c']
    expect(moveItem(items, 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveItem(items, 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveItem(items, 0, -1)).toBe(items)
    expect(moveItem(items, 2, 1)).toBe(items)
    expect(removeItem(items, 1)).toEqual(['a', 'c'])
    expect(items).toEqual(['a', 'b', 'c'])
  })

  it('sends the whole document in order, trimmed, with the version it was read at', () => {
    let d: Draft = { title: ' 今日要情 ', foreword: '  请各单位关注。\n', version: 7, items: [] }
    d.items = addExcerpt(addExcerpt([], excerpt('t1')), excerpt('t2'))
    d.items[1].headline = '  供水中断  '
    d = { ...d, items: moveItem(d.items, 1, -1) }
    expect(putBody(d)).toEqual({
      title: '今日要情',
      foreword: '请各单位关注。',
      version: 7,
      items: [
        { ticket_id: 't2', headline: '供水中断', body: '拟摘t2' },
        { ticket_id: 't1', headline: '标题t1', body: '拟摘t1' },
      ],
    })
  })

  it('tells unsaved changes by what the document says, not by its version', () => {
    const d = toDraft(briefing([item('a', 1)]))
    const saved = contentOf(d)
    expect(contentOf({ ...d, version: 9 })).toBe(saved)
    expect(contentOf({ ...d, items: [{ ...d.items[0], headline: '改' }] })).not.toBe(saved)
    expect(contentOf({ ...d, items: [{ ...d.items[0], headline: `${d.items[0].headline} ` }] })).toBe(saved)
  })

  it('finds what the API would refuse, keyed as the API keys it', () => {
    const d = toDraft(briefing([item('a', 1), item('b', 2)]))
    d.items[1].headline = '  '
    d.items[0].body = '长'.repeat(4001)
    d.title = '题'.repeat(201)
    expect(validateDraft(d, 'req', (n) => `≤${n}`)).toEqual({ title: '≤200', 'items[1].headline': 'req', 'items[0].body': '≤4000' })
    // Characters as people count them: 200 characters outside the BMP are 200.
    expect(validateDraft({ ...toDraft(briefing()), title: '𠀀'.repeat(200) }, 'req', () => 'long')).toEqual({})
  })
})

describe('excerpts in the editor', () => {
  it('are marked when in this briefing (as edited) or in another', () => {
    const items = addExcerpt([], excerpt('t1'))
    expect(excerptMark(excerpt('t1'), 'b1', items)).toBe('here')
    expect(excerptMark(excerpt('t2', { briefing_id: 'b0' }), 'b1', items)).toBe('other')
    // Saved in this briefing but removed since: offered again.
    expect(excerptMark(excerpt('t3', { briefing_id: 'b1' }), 'b1', items)).toBeNull()
    expect(excerptMark(excerpt('t4'), 'b1', items)).toBeNull()
  })
})

describe('the document\'s numbering', () => {
  it('numbers items as a Chinese document does, and plainly in English', () => {
    expect([1, 2, 10, 11, 20, 21, 99].map((n) => ordinal(n, 'zh-CN'))).toEqual(['一、', '二、', '十、', '十一、', '二十、', '二十一、', '九十九、'])
    expect(ordinal(100, 'zh-CN')).toBe('100.')
    expect(ordinal(3, 'en')).toBe('3.')
  })
})

describe('leaders\' instructions', () => {
  it('may be given on any ticket but a draft, a merged or an archived one', () => {
    expect(['registered', 'dispatched', 'closed', 'dismissed'].every(instructable)).toBe(true)
    expect(['draft', 'merged', 'archived'].some(instructable)).toBe(false)
  })

  it('pop up for the units holding the ticket and for the center, not for leaders', () => {
    const event = { kind: 'instruction', ticket_id: 't1', action: 'instruct', holder_org_id: 'o1' }
    expect(instructionNotice(event, { isUnit: true, instructs: false })).toBe('held')
    expect(instructionNotice(event, { isUnit: false, instructs: false })).toBe('center')
    expect(instructionNotice(event, { isUnit: false, instructs: true })).toBeNull()
    expect(instructionNotice({ kind: 'ticket', ticket_id: 't1', action: 'instruct' }, { isUnit: true, instructs: false })).toBeNull()
    expect(instructionNotice({ kind: 'stats', action: 'rollup' }, { isUnit: true, instructs: false })).toBeNull()
  })
})

describe('briefing errors', () => {
  const t = (k: string) => `T(${k})`
  const known = new Set(['errors.concurrent_update', 'errors.already_published', 'briefings.errors.concurrent_update'])
  const te = (k: string) => known.has(k)

  it('say what a code means for a briefing, and the general words otherwise', () => {
    expect(errorText(new ApiError(409, 'concurrent_update', 'x'), t, te, 'briefings')).toBe('T(briefings.errors.concurrent_update)')
    expect(errorText(new ApiError(409, 'already_published', 'x'), t, te, 'briefings')).toBe('T(errors.already_published)')
    expect(errorText(new ApiError(409, 'concurrent_update', 'x'), t, te)).toBe('T(errors.concurrent_update)')
    expect(errorText(new ApiError(422, 'new_code', 'server words'), t, te, 'briefings')).toBe('server words')
  })
})
