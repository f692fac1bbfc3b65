import { describe, expect, it } from 'vitest'

import type { Permission } from '../src/api/types'
import { buildMenu, homePath } from '../src/lib/menu'

const paths = (perms: Permission[], unit = false) => {
  const menu = buildMenu((p) => perms.includes(p), unit)
  return menu.flatMap((m) => (m.children ? m.children.map((c) => c.path) : [m.path]))
}

describe('menu by role', () => {
  it('gives agents the intake desk first', () => {
    const menu = buildMenu((p) => ['ticket_create', 'ticket_intake', 'ticket_read', 'ticket_callback', 'org_read'].includes(p), false)
    expect(homePath(menu)).toBe('/workstation')
    expect(paths(['ticket_create', 'ticket_intake', 'ticket_read', 'ticket_callback'])).toContain('/callback')
  })

  it('gives unit handlers their inbox and no dashboard', () => {
    const p = paths(['ticket_read', 'ticket_handle', 'org_read'], true)
    expect(p).toContain('/tickets/inbox_to_accept')
    expect(p).toContain('/tickets/to_decide')
    // A district reviews the replies of the streets it re-dispatched to.
    expect(p).toContain('/review')
    expect(p).not.toContain('/dashboard')
    expect(p).not.toContain('/workstation')
  })

  it('gives leaders and supervisors the briefings, and units none', () => {
    expect(paths(['ticket_read', 'briefing_read', 'ticket_instruct'])).toContain('/briefings')
    expect(paths(['ticket_read', 'briefing_read', 'briefing_compile'])).toContain('/briefings')
    expect(paths(['ticket_read', 'ticket_handle', 'org_read'], true)).not.toContain('/briefings')
  })

  it('gives the center its staff\'s on-duty figures, and a unit\'s managers not', () => {
    expect(paths(['ticket_read', 'stats_read'])).toContain('/stats/duty')
    expect(paths(['ticket_read', 'ticket_handle', 'stats_read'], true)).not.toContain('/stats/duty')
    expect(paths(['ticket_read', 'ticket_handle', 'stats_read'], true)).toContain('/stats/units')
  })

  it('gives the center its business analysis, and a unit\'s staff not', () => {
    expect(paths(['ticket_read', 'stats_read'])).toContain('/stats/business')
    expect(paths(['ticket_read', 'ticket_handle', 'stats_read'], true)).not.toContain('/stats/business')
    expect(paths(['ticket_read'])).not.toContain('/stats/business')
  })

  it('gives everyone who reads figures the report builder, units included', () => {
    expect(paths(['ticket_read', 'stats_read'])).toContain('/stats/reports')
    expect(paths(['ticket_read', 'ticket_handle', 'stats_read'], true)).toContain('/stats/reports')
    expect(paths(['ticket_read', 'ticket_handle', 'org_read'], true)).not.toContain('/stats/reports')
  })

  it('gives the auditor the trail and nothing else', () => {
    expect(paths(['audit_read'])).toEqual(['/audit'])
  })

  it('gives the admin administration but no work orders', () => {
    const p = paths(['org_read', 'org_manage', 'user_read', 'user_manage', 'api_token_manage', 'reference_manage'])
    expect(p).toContain('/admin/calendar')
    expect(p.some((x) => x.startsWith('/tickets'))).toBe(false)
    expect(p).not.toContain('/admin/jobs')
    expect(paths(['org_manage', 'system_read'])).toContain('/admin/jobs')
    expect(paths(['system_read'])).toContain('/admin/search')
    expect(paths(['ticket_read'])).toContain('/search')
  })
})
