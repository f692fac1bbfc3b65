// The pure parts of the console's conventions: tabs, the global search, column settings,
// export addresses, shortcuts and new-work notices.
import { describe, expect, it } from 'vitest'

import { arrange, move, storageKey, toggle } from '../src/lib/columns'
import { csvHref, exportHref } from '../src/lib/exporting'
import { buildMenu, pageLabel } from '../src/lib/menu'
import { grownViews } from '../src/lib/notify'
import { classify, searchLocation } from '../src/lib/search'
import { decide, type KeyInput } from '../src/lib/shortcuts'
import { close, closeAll, closeOthers, name, visit, type Tab } from '../src/lib/tabs'

const tab = (path: string, extra: Partial<Tab> = {}): Tab => ({ path, fullPath: path, title: `t${path}`, ...extra })

describe('tabs', () => {
  const home = tab('/workstation', { affix: true })
  const open = [home, tab('/tickets/all'), tab('/review'), tab('/ticket/1')]

  it('opens a page once and follows its query', () => {
    expect(visit(open, tab('/audit')).map((x) => x.path)).toEqual(['/workstation', '/tickets/all', '/review', '/ticket/1', '/audit'])
    const again = visit(open, { ...tab('/tickets/all'), fullPath: '/tickets/all?q=水' })
    expect(again).toHaveLength(4)
    expect(again[1].fullPath).toBe('/tickets/all?q=水')
  })

  it('keeps the title a page published', () => {
    const named = name(open, '/ticket/1', '2026112400001')
    expect(visit(named, tab('/ticket/1'))[3].text).toBe('2026112400001')
  })

  it('closing the active tab goes to its neighbour, right first', () => {
    expect(close(open, '/review', '/review')).toEqual({ tabs: [home, open[1], open[3]], next: '/ticket/1' })
    expect(close(open, '/ticket/1', '/ticket/1').next).toBe('/review')
    expect(close(open, '/review', '/tickets/all').next).toBeNull()
  })

  it('never closes the home tab', () => {
    expect(close(open, '/workstation', '/workstation')).toEqual({ tabs: open, next: null })
    expect(closeAll(open)).toEqual([home])
    expect(closeOthers(open, '/review').map((x) => x.path)).toEqual(['/workstation', '/review'])
  })
})

describe('global search', () => {
  it('knows ticket numbers, with or without separators', () => {
    expect(classify(' 2026112400001 ', true)).toEqual({ kind: 'number', value: '2026112400001' })
    expect(classify('20261124-00001', false)).toEqual({ kind: 'number', value: '2026112400001' })
    expect(classify('20261124000123', true)?.kind).toBe('number')
  })

  it('takes phone numbers only from those who may filter by them', () => {
    expect(classify('139 1111 2222', true)).toEqual({ kind: 'phone', value: '139 1111 2222' })
    expect(classify('010-6512-3456', true)?.kind).toBe('phone')
    expect(classify('+86 139 1111 2222', true)?.kind).toBe('phone')
    expect(classify('13911112222', false)).toEqual({ kind: 'text', value: '13911112222' })
  })

  it('takes anything else as words of the title', () => {
    expect(classify('自来水', true)).toEqual({ kind: 'text', value: '自来水' })
    expect(classify('110', true)?.kind).toBe('text')
    // Not a date: month 13.
    expect(classify('2026132400001', true)?.kind).toBe('phone')
    expect(classify('   ', true)).toBeNull()
  })

  it('goes to the all-tickets list with the matching filter', () => {
    expect(searchLocation({ kind: 'number', value: '2026112400001' })).toEqual({ path: '/tickets/all', query: { number: '2026112400001' } })
    expect(searchLocation({ kind: 'phone', value: '13911112222' }).query).toEqual({ caller_phone: '13911112222' })
    expect(searchLocation({ kind: 'text', value: '噪音' })).toEqual({ path: '/search', query: { q: '噪音' } })
  })
})

describe('column settings', () => {
  const keys = ['number', 'title', 'state', 'urgency']

  it('starts from the defaults', () => {
    expect(arrange(keys, ['urgency'], null)).toEqual([
      { key: 'number', visible: true }, { key: 'title', visible: true }, { key: 'state', visible: true }, { key: 'urgency', visible: false },
    ])
  })

  it('keeps the saved order, drops what is gone and appends what is new', () => {
    const saved = [{ key: 'state', visible: false }, { key: 'gone', visible: true }, { key: 'number', visible: true }, { key: 'state', visible: true }]
    expect(arrange(keys, ['urgency'], saved)).toEqual([
      { key: 'state', visible: false }, { key: 'number', visible: true }, { key: 'title', visible: true }, { key: 'urgency', visible: false },
    ])
    expect(arrange(keys, [], 'garbage')).toHaveLength(4)
  })

  it('never hides every column', () => {
    const one = arrange(['a', 'b'], ['b'], null)
    expect(toggle(one, 'a', false)).toEqual(one)
    expect(arrange(['a', 'b'], [], [{ key: 'a', visible: false }, { key: 'b', visible: false }]).every((c) => c.visible)).toBe(true)
  })

  it('moves columns within the list', () => {
    const cols = arrange(keys, [], null)
    expect(move(cols, 'state', -1).map((c) => c.key)).toEqual(['number', 'state', 'title', 'urgency'])
    expect(move(cols, 'number', -1)).toEqual(cols)
    expect(move(cols, 'urgency', 1)).toEqual(cols)
  })

  it('keeps each user apart', () => {
    expect(storageKey('u1', 'tickets')).not.toBe(storageKey('u2', 'tickets'))
  })
})

describe('export', () => {
  it('asks the list address for xlsx, with the filters and without paging', () => {
    expect(exportHref('/tickets', { view: 'to_review', sort: 'oldest', q: '', page: 2, per_page: 100 })).toBe('/api/v1/tickets?view=to_review&sort=oldest&format=xlsx')
    expect(exportHref('/audit', { actor: 'agent', outcome: undefined })).toBe('/api/v1/audit?actor=agent&format=xlsx')
    expect(csvHref(exportHref('/audit', { actor: 'agent' }))).toBe('/api/v1/audit?actor=agent&format=csv')
  })
})

describe('shortcuts', () => {
  const key = (k: string, extra: Partial<KeyInput> = {}): KeyInput => ({
    key: k, code: `Key${k.toUpperCase()}`, altKey: false, ctrlKey: false, metaKey: false, inField: false, at: 1000, ...extra,
  })

  it('focuses the search and opens the help', () => {
    expect(decide(key('/', { code: 'Slash' }), null).action).toEqual({ kind: 'search' })
    expect(decide(key('?', { code: 'Slash' }), null).action).toEqual({ kind: 'help' })
  })

  it('leaves typing in fields alone, except Alt combinations', () => {
    expect(decide(key('/', { inField: true }), null).action).toBeNull()
    expect(decide(key('g', { inField: true }), null).pendingG).toBeNull()
    expect(decide(key('n', { altKey: true, inField: true }), null).action).toEqual({ kind: 'newIntake' })
    // Alt changes the character on a Mac: the physical key counts.
    expect(decide(key('∑', { code: 'KeyW', altKey: true }), null).action).toEqual({ kind: 'closeTab' })
    expect(decide(key('n', { altKey: true, ctrlKey: true }), null).action).toBeNull()
  })

  it('jumps to a queue with g then a letter, soon after', () => {
    const g = decide(key('g'), null)
    expect(g).toEqual({ action: null, pendingG: 1000 })
    expect(decide(key('r', { at: 1500 }), g.pendingG).action).toEqual({ kind: 'go', menuKey: 'to_review' })
    expect(decide(key('r', { at: 4000 }), g.pendingG).action).toBeNull()
    expect(decide(key('x', { at: 1200 }), g.pendingG)).toEqual({ action: null, pendingG: null })
    expect(decide(key('r'), null).action).toBeNull()
  })
})

describe('page names', () => {
  const menu = buildMenu((p) => ['ticket_create', 'ticket_intake', 'ticket_read', 'ticket_callback'].includes(p), false)

  it('come from the menu, with the group for the breadcrumb', () => {
    expect(pageLabel(menu, '/tickets/all', 'tickets')).toEqual({ title: 'menu.allTickets', group: 'menu.tickets' })
    expect(pageLabel(menu, '/workstation', 'workstation')).toEqual({ title: 'menu.workstation', group: undefined })
  })

  it('name the pages outside the menu by their route', () => {
    expect(pageLabel(menu, '/ticket/abc', 'ticket').title).toBe('shell.ticket')
    expect(pageLabel(menu, '/tickets/to_review', 'tickets')).toEqual({ title: 'menu.toReview', group: 'menu.tickets' })
    expect(pageLabel(menu, '/profile', 'profile').title).toBe('profile.title')
    expect(pageLabel(menu, '/briefings/abc', 'briefing')).toEqual({ title: 'briefings.document', group: 'menu.briefings' })
    expect(pageLabel(menu, '/nowhere', 'not-found').title).toBe('shell.notFound')
    // A unit's staff opening the center's business analysis by its address: named, then refused.
    expect(pageLabel([], '/stats/business', 'business').title).toBe('menu.business')
  })
})

describe('new work', () => {
  it('is a queue whose count rose, not the first load', () => {
    expect(grownViews(null, { to_review: 3 }, ['to_review'])).toEqual([])
    expect(grownViews({ to_review: 3, all: 1 }, { to_review: 4, all: 9 }, ['to_review', 'to_callback'])).toEqual(['to_review'])
    expect(grownViews({ to_callback: 2 }, { to_callback: 1 }, ['to_callback'])).toEqual([])
  })
})
