import { describe, expect, it } from 'vitest'

import type { CategoryNode } from '../src/api/types'
import { categoryMatches, categoryPaths } from '../src/lib/categories'

const node = (id: string, name: string, children: CategoryNode[] = []) => ({ id, name, children }) as unknown as CategoryNode

describe('category paths', () => {
  it('name every category by its whole path', () => {
    const tree = [node('a', '城乡建设', [node('b', '供水', [node('c', '自来水供应')])]), node('d', '交通运输')]
    expect(categoryPaths(tree)).toEqual({ a: '城乡建设', b: '城乡建设 / 供水', c: '城乡建设 / 供水 / 自来水供应', d: '交通运输' })
  })
})

describe('category search', () => {
  const path = [
    { name: '商贸旅游', keywords: [], pinyin: 'smly' },
    { name: '质监检验检疫', keywords: [], pinyin: 'zjjyjy' },
    { name: '特种设备管理', keywords: ['电梯', '锅炉'], pinyin: 'tzsbgl' },
  ]
  it('finds a category by the words callers use, not only its official name', () => {
    expect(categoryMatches(path, '电梯')).toBe(true)
    expect(categoryMatches(path, '小区电梯困人')).toBe(true)
    expect(categoryMatches(path, '特种设备')).toBe(true)
    expect(categoryMatches(path, '路灯')).toBe(false)
  })
  it('finds it by pinyin initials, in any case, and needs every word', () => {
    expect(categoryMatches(path, 'TZSB')).toBe(true)
    expect(categoryMatches(path, 'smly 锅炉')).toBe(true)
    expect(categoryMatches(path, 'smly 路灯')).toBe(false)
    expect(categoryMatches(path, 'xyz')).toBe(false)
  })
  it('matches everything when nothing is typed', () => {
    expect(categoryMatches(path, '  ')).toBe(true)
  })
})
