import { describe, expect, it } from 'vitest'

import { fileSize } from '../src/lib/format'

describe('file sizes', () => {
  it('are told in the unit that reads best, up to the disks of the system page', () => {
    expect(fileSize(512)).toBe('512 B')
    expect(fileSize(1536)).toBe('2 KB')
    expect(fileSize(5 * 1024 * 1024)).toBe('5.0 MB')
    expect(fileSize(3.5 * 1024 ** 3)).toBe('3.5 GB')
    expect(fileSize(2 * 1024 ** 4)).toBe('2048.0 GB')
  })
})
