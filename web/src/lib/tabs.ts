// The bar of opened pages (RuoYi's 多页签): one tab per path, the home tab pinned. Pure, so
// the store only keeps the list and the shell only renders it.

export interface Tab {
  /** The route path: one tab per page, whatever its query. */
  path: string
  /** Where the tab returns to: the path with the query it was last seen with. */
  fullPath: string
  /** i18n key of the title. */
  title: string
  /** A literal title the page published (a ticket's number), shown instead of `title`. */
  text?: string
  /** The home tab cannot be closed. */
  affix?: boolean
}

/** Opens `tab`, or brings an open one up to date (its query; its published title stays). */
export function visit(tabs: Tab[], tab: Tab): Tab[] {
  const open = tabs.find((x) => x.path === tab.path)
  if (!open) return [...tabs, tab]
  return tabs.map((x) => (x.path === tab.path ? { ...x, fullPath: tab.fullPath, title: tab.title, affix: x.affix || tab.affix } : x))
}

/** Sets the title a page published for itself. */
export function name(tabs: Tab[], path: string, text: string): Tab[] {
  return tabs.map((x) => (x.path === path ? { ...x, text } : x))
}

/** Closes the tab of `path`; `next` is where to go when it was the active one (its right-hand
 * neighbour, else the left), or null to stay. */
export function close(tabs: Tab[], path: string, active: string): { tabs: Tab[]; next: string | null } {
  const index = tabs.findIndex((x) => x.path === path)
  if (index < 0 || tabs[index].affix) return { tabs, next: null }
  const rest = tabs.filter((_, i) => i !== index)
  if (path !== active) return { tabs: rest, next: null }
  const neighbour = rest[index] ?? rest[index - 1]
  return { tabs: rest, next: neighbour ? neighbour.fullPath : null }
}

/** Keeps the pinned tabs and `path`'s. */
export function closeOthers(tabs: Tab[], path: string): Tab[] {
  return tabs.filter((x) => x.affix || x.path === path)
}

/** Keeps the pinned tabs only. */
export function closeAll(tabs: Tab[]): Tab[] {
  return tabs.filter((x) => x.affix)
}
