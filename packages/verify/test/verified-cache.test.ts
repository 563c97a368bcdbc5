import { describe, expect, it } from 'vitest'
import type { VerifiedToken } from '../src/engine/types.js'
import { VerifiedTokenCache } from '../src/engine/verified-cache.js'

const verified = (jti: string) => ({ jti }) as unknown as VerifiedToken

describe('VerifiedTokenCache', () => {
  it('holds at most its size, evicting the oldest first, under a stream of distinct tokens', () => {
    const cache = new VerifiedTokenCache(3)
    for (const token of ['a', 'b', 'c', 'd', 'e']) cache.set(token, verified(token), 0)
    expect(cache.size).toBe(3)
    expect(cache.get('a', 0)).toBeUndefined()
    expect(cache.get('b', 0)).toBeUndefined()
    expect(['c', 'd', 'e'].map((token) => cache.get(token, 0)?.jti)).toEqual(['c', 'd', 'e'])
  })

  it('a token set again keeps one place; after clear it starts over', () => {
    const cache = new VerifiedTokenCache(2)
    cache.set('a', verified('a'), 0)
    cache.set('a', verified('a'), 1)
    cache.set('b', verified('b'), 0)
    expect(cache.size).toBe(2)
    cache.clear()
    expect(cache.size).toBe(0)
    cache.set('c', verified('c'), 0)
    cache.set('d', verified('d'), 0)
    expect(cache.size).toBe(2)
  })

  it('forgets an entry older than its maximum age', () => {
    const cache = new VerifiedTokenCache(10, 1000)
    cache.set('a', verified('a'), 0)
    expect(cache.get('a', 1000)?.jti).toBe('a')
    expect(cache.get('a', 1001)).toBeUndefined()
  })
})
