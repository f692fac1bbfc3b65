import { describe, expect, it } from 'vitest'

import { clock, levelType, onCall, percent, reasonLabel, statusType, switches } from '../src/lib/callcenter'

describe('the phone bar', () => {
  it('offers log-in only to a logged-out agent and never ready during a call', () => {
    expect(switches('logged_out')).toEqual(['login'])
    expect(switches('on_call')).not.toContain('ready')
    expect(switches('wrap_up')).toContain('ready')
    expect(switches('ready')).toEqual(['not_ready', 'logout'])
  })

  it('tells the call states apart', () => {
    expect(onCall('alerting')).toBe(true)
    expect(onCall('wrap_up')).toBe(false)
    expect(onCall('ready')).toBe(false)
    expect(statusType('ready')).toBe('success')
    expect(statusType('not_ready')).toBe('danger')
  })

  it('shows timers and shares as people read them', () => {
    expect(clock(65)).toBe('1:05')
    expect(clock(3725)).toBe('1:02:05')
    expect(clock(-3)).toBe('0:00')
    expect(percent(0.9512)).toBe('95.1%')
    expect(percent(null)).toBe('—')
    expect(levelType(0.96)).toBe('success')
    expect(levelType(0.85)).toBe('warning')
    expect(levelType(0.5)).toBe('danger')
  })

  it('names reasons in the reader’s language', () => {
    const reasons = [{ code: 'meal', label: '就餐', label_en: 'Meal' }]
    const none = () => null
    expect(reasonLabel('meal', reasons, 'zh-CN', none)).toBe('就餐')
    expect(reasonLabel('meal', reasons, 'en', none)).toBe('Meal')
    expect(reasonLabel('rona', reasons, 'zh-CN', (k) => (k === 'callcenter.systemReason.rona' ? '振铃未接' : null))).toBe('振铃未接')
    expect(reasonLabel('odd', reasons, 'zh-CN', none)).toBe('odd')
    expect(reasonLabel(null, reasons, 'zh-CN', none)).toBe('')
  })
})
