/** Marks a slot no key has taken yet. */
const EMPTY: unique symbol = Symbol('empty')

/**
 * A Map that holds at most `capacity` entries: setting a new key when it is full first deletes the
 * entry inserted longest ago, as `map.delete(map.keys().next().value)` would, but in constant time.
 * (Asking a Map for its first key costs a scan over the holes its deletions left, which grows with
 * the map under a stream of new keys.) Setting a key it holds changes the value, not the order;
 * a key deleted and set again counts as new. Capacity 0 holds nothing.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, { value: V; slot: number }>()
  /**
   * A ring of the keys in the order they were inserted; the slot to fill next holds the oldest. A
   * slot whose key was deleted, or inserted again into a later slot, no longer owns its entry.
   */
  readonly #slots: (K | typeof EMPTY)[]
  #next = 0

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new RangeError(`capacity must be a non-negative integer, not ${capacity}`)
    this.#slots = new Array(capacity).fill(EMPTY)
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value
  }

  has(key: K): boolean {
    return this.#entries.has(key)
  }

  set(key: K, value: V): void {
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      entry.value = value
      return
    }
    if (this.capacity === 0) return
    const slot = this.#next
    const oldest = this.#slots[slot] as K | typeof EMPTY
    if (oldest !== EMPTY && this.#entries.get(oldest)?.slot === slot) this.#entries.delete(oldest)
    this.#slots[slot] = key
    this.#next = slot + 1 === this.capacity ? 0 : slot + 1
    this.#entries.set(key, { value, slot })
  }

  delete(key: K): boolean {
    return this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
    this.#slots.fill(EMPTY)
    this.#next = 0
  }

  get size(): number {
    return this.#entries.size
  }
}
