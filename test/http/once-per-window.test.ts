import { describe, expect, it } from 'vitest'
import { OncePerWindow } from '../../src/http/once-per-window.js'

describe('OncePerWindow', () => {
  it('says yes once per key and window', () => {
    let now = 1000
    const once = new OncePerWindow(100, () => now)
    expect(once.first('a', 500)).toBe(true)
    expect(once.first('a', 400)).toBe(false)
    expect(once.first('b', 500)).toBe(true)
    now = 1499
    expect(once.first('a', 1)).toBe(false)
    now = 1500
    expect(once.first('a', 500)).toBe(true)
    expect(once.first('a', 500)).toBe(false)
  })

  it('stays within its bound, forgetting the oldest report first', () => {
    const now = 0
    const once = new OncePerWindow(3, () => now)
    for (const key of ['a', 'b', 'c', 'd']) expect(once.first(key, 1000)).toBe(true)
    // 'a' was forgotten to make room for 'd'; the others are still remembered.
    expect(once.first('b', 1000)).toBe(false)
    expect(once.first('d', 1000)).toBe(false)
    // Reporting 'a' again makes room by forgetting 'b', the oldest now.
    expect(once.first('a', 1000)).toBe(true)
    expect(once.first('c', 1000)).toBe(false)
    expect(once.first('b', 1000)).toBe(true)
  })
})
