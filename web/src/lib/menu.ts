// The left menu, by what the signed-in user may do.

import type { Permission } from '../api/types'

export interface MenuItem {
  key: string
  path: string
  /** i18n key of the label. */
  label: string
  /** A work-list view whose count shows as a badge. */
  countView?: string
  children?: MenuItem[]
}

type Has = (p: Permission) => boolean

export function buildMenu(has: Has, isUnit: boolean): MenuItem[] {
  const menu: MenuItem[] = []
  if (has('ticket_create') && has('ticket_intake')) {
    menu.push({ key: 'workstation', path: '/workstation', label: 'menu.workstation' })
  }
  const tickets: MenuItem[] = []
  const list = (view: string, label: string): MenuItem => ({ key: view, path: `/tickets/${view}`, label, countView: view })
  if (has('ticket_create')) tickets.push(list('my_drafts', 'menu.myDrafts'))
  if (has('ticket_dispatch')) {
    tickets.push(list('to_dispatch', 'menu.toDispatch'))
    tickets.push({ key: 'dispatch', path: '/dispatch', label: 'menu.dispatchDesk' })
  }
  if (has('ticket_handle')) {
    tickets.push(list('inbox_to_accept', 'menu.toAccept'))
    tickets.push(list('inbox_in_progress', 'menu.inProgress'))
    tickets.push(list('inbox_returned', 'menu.returned'))
    tickets.push(list('inbox_overdue', 'menu.overdue'))
  }
  if (has('ticket_decide') || (isUnit && has('ticket_handle'))) tickets.push(list('to_decide', 'menu.toDecide'))
  if (has('ticket_review') || (isUnit && has('ticket_handle'))) tickets.push({ key: 'to_review', path: '/review', label: 'menu.toReview', countView: 'to_review' })
  if (has('ticket_callback')) tickets.push({ key: 'to_callback', path: '/callback', label: 'menu.toCallback', countView: 'to_callback' })
  if (has('ticket_read')) {
    tickets.push({ key: 'all', path: '/tickets/all', label: 'menu.allTickets' })
    tickets.push({ key: 'search', path: '/search', label: 'menu.search' })
    tickets.push({ key: 'phrases', path: '/phrases', label: 'menu.phrases' })
  }
  if (tickets.length) menu.push({ key: 'tickets', path: '', label: 'menu.tickets', children: tickets })
  if (has('kb_read')) menu.push({ key: 'kb', path: '/kb', label: 'menu.kb' })
  if (has('ticket_read') && !isUnit) menu.push({ key: 'dashboard', path: '/dashboard', label: 'menu.dashboard' })
  if (has('briefing_read') || has('briefing_compile')) menu.push({ key: 'briefings', path: '/briefings', label: 'menu.briefings' })
  if (has('stats_read')) {
    menu.push({ key: 'stats-units', path: '/stats/units', label: 'menu.statsUnits' })
    menu.push({ key: 'bulletins', path: '/stats/bulletins', label: 'menu.bulletins' })
    menu.push({ key: 'appeals', path: '/stats/appeals', label: 'menu.appeals' })
    if (!isUnit) menu.push({ key: 'duty', path: '/stats/duty', label: 'menu.duty' })
    // The city's words, categories and callers: the center's only.
    if (!isUnit) menu.push({ key: 'business', path: '/stats/business', label: 'menu.business' })
    menu.push({ key: 'reports', path: '/stats/reports', label: 'menu.reports' })
  }
  if (has('alert_handle')) menu.push({ key: 'alerts', path: '/alerts', label: 'menu.alerts' })
  if (has('call_supervise')) menu.push({ key: 'floor', path: '/callcenter/floor', label: 'menu.floor' })
  if (has('call_take') || has('call_supervise')) menu.push({ key: 'calls', path: '/callcenter/calls', label: 'menu.calls' })
  const admin: MenuItem[] = []
  if (has('org_manage')) admin.push({ key: 'orgs', path: '/admin/orgs', label: 'menu.orgs' })
  if (has('user_manage')) admin.push({ key: 'users', path: '/admin/users', label: 'menu.users' })
  if (has('api_token_manage')) {
    admin.push({ key: 'tokens', path: '/admin/tokens', label: 'menu.tokens' })
    admin.push({ key: 'webhooks', path: '/admin/webhooks', label: 'menu.webhooks' })
  }
  if (has('reference_manage')) {
    admin.push({ key: 'categories', path: '/admin/categories', label: 'menu.categories' })
    admin.push({ key: 'sla', path: '/admin/sla', label: 'menu.sla' })
    admin.push({ key: 'calendar', path: '/admin/calendar', label: 'menu.calendar' })
    admin.push({ key: 'routing', path: '/admin/routing', label: 'menu.routing' })
  }
  if (has('system_read')) {
    admin.push({ key: 'jobs', path: '/admin/jobs', label: 'menu.jobs' })
    admin.push({ key: 'search-index', path: '/admin/search', label: 'menu.searchIndex' })
  }
  if (admin.length) menu.push({ key: 'admin', path: '', label: 'menu.admin', children: admin })
  if (has('audit_read')) menu.push({ key: 'audit', path: '/audit', label: 'menu.audit' })
  return menu
}

/** The first page a user should land on. */
export function homePath(menu: MenuItem[]): string {
  const first = menu[0]
  if (!first) return '/forbidden'
  return first.children?.[0]?.path ?? first.path
}

/** Every page of the menu with its group's label (for tabs, the breadcrumb and shortcuts). */
export function pages(menu: MenuItem[]): { item: MenuItem; group?: string }[] {
  return menu.flatMap((m) => (m.children ? m.children.map((item) => ({ item, group: m.label })) : [{ item: m }]))
}

export interface PageLabel {
  /** i18n key of the page's name. */
  title: string
  /** i18n key of its menu group, if it is in one. */
  group?: string
}

const LIST_TITLES: Record<string, string> = {
  my_drafts: 'menu.myDrafts', to_dispatch: 'menu.toDispatch', inbox_to_accept: 'menu.toAccept', inbox_in_progress: 'menu.inProgress',
  inbox_returned: 'menu.returned', inbox_overdue: 'menu.overdue', to_decide: 'menu.toDecide', to_review: 'menu.toReview',
  to_callback: 'menu.toCallback', all: 'menu.allTickets',
}

/** The i18n key of a work list's name (`/tickets/:view`). */
export function listTitle(view: string): string {
  return LIST_TITLES[view] ?? 'menu.allTickets'
}

/** What a page is called: its menu item's label, else by its route (pages outside the menu). */
export function pageLabel(menu: MenuItem[], path: string, routeName: string | undefined): PageLabel {
  const found = pages(menu).find((p) => p.item.path === path)
  if (found) return { title: found.item.label, group: found.group }
  if (routeName === 'tickets') return { title: listTitle(path.split('/').pop() ?? ''), group: 'menu.tickets' }
  if (routeName === 'ticket') return { title: 'shell.ticket', group: 'menu.tickets' }
  if (routeName === 'profile') return { title: 'profile.title' }
  if (routeName === 'kb-article') return { title: 'kb.article', group: 'menu.kb' }
  if (routeName === 'briefing') return { title: 'briefings.document', group: 'menu.briefings' }
  if (routeName === 'kb-new' || routeName === 'kb-edit') return { title: 'kb.editor', group: 'menu.kb' }
  // Opened without it in the menu (a unit's staff by its address): still named, then refused.
  if (routeName === 'business') return { title: 'menu.business' }
  return { title: 'shell.notFound' }
}
