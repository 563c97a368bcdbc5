import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BoundedMap } from '../src/engine/bounded-map.js'

/** The behaviour promised: a Map that drops its first key when a new one would exceed the bound. */
class ReferenceMap<K, V> {
  readonly map = new Map<K, V>()
  constructor(readonly capacity: number) {}
  set(key: K, value: V): void {
    if (this.capacity === 0) return
    if (!this.map.has(key) && this.map.size >= this.capacity) {
      this.map.delete(this.map.keys().next().value as K)
    }
    this.map.set(key, value)
  }
}

/** Few keys, so that sets, deletes and sets again of one key are common. */
const KEYS = 6

const operation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.nat(KEYS), value: fc.integer() }),
  fc.record({ op: fc.constant('delete' as const), key: fc.nat(KEYS) }),
  fc.record({ op: fc.constant('clear' as const) }),
)

describe('BoundedMap', () => {
  it('answers as a Map that drops its oldest key when full, after any operations', () => {
    fc.assert(
      fc.property(fc.nat(6), fc.array(operation, { maxLength: 200 }), (capacity, operations) => {
        const bounded = new BoundedMap<number, number>(capacity)
        const reference = new ReferenceMap<number, number>(capacity)
        for (const step of operations) {
          if (step.op === 'set') {
            bounded.set(step.key, step.value)
            reference.set(step.key, step.value)
          } else if (step.op === 'delete') {
            expect(bounded.delete(step.key)).toBe(reference.map.delete(step.key))
          } else {
            bounded.clear()
            reference.map.clear()
          }
          expect(bounded.size).toBe(reference.map.size)
          expect(bounded.size).toBeLessThanOrEqual(capacity)
        }
        for (let key = 0; key <= KEYS; key++) {
          expect(bounded.has(key)).toBe(reference.map.has(key))
          expect(bounded.get(key)).toBe(reference.map.get(key))
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('counts a key deleted and set again from its new insertion', () => {
    const bounded = new BoundedMap<string, number>(2)
    bounded.set('a', 1)
    bounded.set('b', 2)
    bounded.delete('a')
    bounded.set('a', 3)
    bounded.set('c', 4)
    expect([bounded.has('a'), bounded.has('b'), bounded.has('c')]).toEqual([true, false, true])
  })

  it('keeps the newest keys of a long stream of new keys', () => {
    const bounded = new BoundedMap<string, number>(1000)
    for (let i = 0; i < 50_000; i++) bounded.set(`key-${i}`, i)
    expect(bounded.size).toBe(1000)
    expect(bounded.get('key-49999')).toBe(49_999)
    expect(bounded.get('key-49000')).toBe(49_000)
    expect(bounded.has('key-48999')).toBe(false)
  })

  it('refuses a capacity that is not a non-negative integer', () => {
    expect(() => new BoundedMap(-1)).toThrow(RangeError)
    expect(() => new BoundedMap(1.5)).toThrow(RangeError)
  })
})
