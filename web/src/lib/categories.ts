// Category names as admins read them: the whole path, 城乡建设 / 供水 / 自来水供应.

import type { CategoryNode } from '../api/types'

/** Every category's path of names, by id. */
export function categoryPaths(nodes: CategoryNode[], prefix = '', into: Record<string, string> = {}): Record<string, string> {
  for (const n of nodes) {
    into[n.id] = prefix ? `${prefix} / ${n.name}` : n.name
    categoryPaths(n.children, into[n.id], into)
  }
  return into
}
