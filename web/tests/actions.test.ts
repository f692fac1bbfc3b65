import { describe, expect, it } from 'vitest'

import { ACTION_FIELDS, actionBody, phrasePurpose, sortActions, validateAction, visibleFields } from '../src/lib/actions'
import { ApiError } from '../src/api/client'
import { errorText, fieldErrors } from '../src/lib/errors'

describe('action forms', () => {
  it('know every action of the API', () => {
    const api = 'register answer transfer assign liaise excerpt emergency dismiss dispatch accept return approve_return overrule_return request_extension approve_extension deny_extension contact_citizen reply approve_reply send_back urge supervise instruct callback reopen merge close archive'.split(' ')
    expect(Object.keys(ACTION_FIELDS).sort()).toEqual([...api].sort())
  })

  it('require what the API requires', () => {
    expect(validateAction('return', {}, 'req')).toEqual({ reason: 'req' })
    expect(validateAction('request_extension', { days: 99, reason: 'x' }, 'req')).toEqual({ days: '1–30' })
    expect(validateAction('callback', { reachable: true }, 'req')).toEqual({ satisfaction: 'req', resolved: 'req' })
    expect(validateAction('callback', { reachable: false }, 'req')).toEqual({})
    expect(validateAction('accept', {}, 'req')).toEqual({})
  })

  it('send only the action fields, trimmed, without empties', () => {
    expect(actionBody('reply', { content: '  done  ', reason: 'x' })).toEqual({ content: 'done' })
    expect(actionBody('callback', { reachable: false, satisfaction: 'satisfied' })).toEqual({ reachable: false })
    expect(actionBody('dispatch', { org_id: 'o', assist_org_ids: [] })).toEqual({ org_id: 'o' })
  })

  it('let the callback answers lead the form', () => {
    const names = (values: Record<string, unknown>) => visibleFields('callback', values).map((f) => f.name)
    expect(names({ reachable: false })).toEqual(['reachable', 'content'])
    // Satisfied: no 重办 on offer, and 问题是否解决 has no answer until one is given.
    expect(names({ reachable: true, satisfaction: 'satisfied' })).toEqual(['reachable', 'resolved', 'satisfaction', 'content'])
    expect(names({ reachable: true, satisfaction: 'unsatisfied' })).toContain('unit_at_fault')
    expect(validateAction('callback', { reachable: true, satisfaction: 'satisfied' }, 'req')).toEqual({ resolved: 'req' })
    expect(validateAction('callback', { reachable: true, satisfaction: 'satisfied', resolved: false }, 'req')).toEqual({})
    // A 重办 ticked before the citizen turned out satisfied is not sent.
    expect(actionBody('callback', { reachable: true, satisfaction: 'satisfied', resolved: true, unit_at_fault: true }))
      .toEqual({ reachable: true, satisfaction: 'satisfied', resolved: true })
  })

  it('order the buttons by the desk routine', () => {
    expect(sortActions(['archive', 'reply', 'accept'])).toEqual(['accept', 'reply', 'archive'])
    expect(sortActions(['instruct', 'urge', 'supervise'])).toEqual(['urge', 'supervise', 'instruct'])
  })

  it('ask a leader for the instruction only, as long as the API takes it', () => {
    expect(ACTION_FIELDS.instruct.map((f) => [f.name, f.required, f.max])).toEqual([['content', true, 2000]])
    expect(validateAction('instruct', { content: ' ' }, 'req')).toEqual({ content: 'req' })
    expect(actionBody('instruct', { content: ' 请东城区三日内办结并报结果。 ', reason: 'x' })).toEqual({ content: '请东城区三日内办结并报结果。' })
  })
})

describe('errors', () => {
  const t = (k: string) => `T(${k})`
  const te = (k: string) => k === 'errors.invalid_transition'

  it('translate known codes and keep the server message otherwise', () => {
    expect(errorText(new ApiError(409, 'invalid_transition', 'server'), t, te)).toBe('T(errors.invalid_transition)')
    expect(errorText(new ApiError(422, 'something_new', 'server says'), t, te)).toBe('server says')
  })

  it('map field errors by field', () => {
    const e = new ApiError(422, 'validation_failed', 'x', [{ field: 'title', code: 'required', message: 'needed' }])
    expect(fieldErrors(e)).toEqual({ title: 'needed' })
    expect(e.field('title')).toBe('needed')
  })
})

describe('attachments and phrases in action forms', () => {
  const photo = { file_name: '现场.png', content_type: 'image/png', size_bytes: 70, sha256: 'a'.repeat(64) }
  it('send files only with actions that record work, and only when there are some', () => {
    expect(actionBody('reply', { content: ' 已修复 ', attachments: [photo] })).toEqual({ content: '已修复', attachments: [photo] })
    expect(actionBody('reply', { content: '已修复', attachments: [] })).toEqual({ content: '已修复' })
    expect(actionBody('urge', { opinion: '请加快', attachments: [photo] })).toEqual({ opinion: '请加快' })
  })
  it('offer reply phrases for words to the citizen and opinion phrases elsewhere', () => {
    expect(phrasePurpose('reply', 'content')).toBe('reply')
    expect(phrasePurpose('answer', 'content')).toBe('reply')
    expect(phrasePurpose('send_back', 'opinion')).toBe('opinion')
    expect(phrasePurpose('dismiss', 'reason')).toBe('opinion')
  })
})
