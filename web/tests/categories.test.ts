import { describe, expect, it } from 'vitest'

import type { CategoryNode } from '../src/api/types'
import { categoryPaths } from '../src/lib/categories'

const node = (id: string, name: string, children: CategoryNode[] = []) => ({ id, name, children }) as unknown as CategoryNode

describe('category paths', () => {
  it('name every category by its whole path', () => {
    const tree = [node('a', '城乡建设', [node('b', '供水', [node('c', '自来水供应')])]), node('d', '交通运输')]
    expect(categoryPaths(tree)).toEqual({ a: '城乡建设', b: '城乡建设 / 供水', c: '城乡建设 / 供水 / 自来水供应', d: '交通运输' })
  })
})
