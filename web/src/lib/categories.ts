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

/**
 * Whether a category (given as its path, root first) matches what the agent typed: any name on
 * the path, a search word of the category or its ancestors (电梯 for 特种设备管理), or the pinyin
 * initials of a name (tzsb). Several words separated by spaces must all match.
 */
export function categoryMatches(path: Pick<CategoryNode, 'name' | 'keywords' | 'pinyin'>[], typed: string): boolean {
  const words = typed.trim().toLowerCase().split(/\s+/).filter(Boolean)
  if (!words.length) return true
  return words.every((w) =>
    path.some(
      (n) =>
        n.name.toLowerCase().includes(w) ||
        (n.keywords ?? []).some((k) => k.toLowerCase().includes(w) || w.includes(k.toLowerCase())) ||
        (/^[a-z0-9]+$/.test(w) && (n.pinyin ?? '').includes(w)),
    ),
  )
}
