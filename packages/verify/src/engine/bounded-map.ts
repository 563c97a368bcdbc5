/**
 * A Map that holds at most `capacity` entries: setting a new key when it is full first deletes the
 * entry inserted longest ago, as `map.delete(map.keys().next().value)` would, but in amortised
 * constant time. (Asking a Map for its first key costs a scan over the holes its deletions left,
 * which grows with the map under a stream of new keys.) Setting a key it holds changes the value,
 * not the order; a key deleted and set again counts as new. Capacity 0 holds nothing.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, { value: V; insertion: number }>()
  /**
   * Every insertion in order, from `#head` on: a key and the number of its insertion. One whose
   * key was deleted, or inserted again since, no longer stands for its entry and is skipped.
   */
  #keys: K[] = []
  #insertions: number[] = []
  #head = 0
  #inserted = 0

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new RangeError(`capacity must be a non-negative integer, not ${capacity}`)
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
    if (this.#entries.size >= this.capacity) this.#deleteOldest()
    const insertion = ++this.#inserted
    this.#entries.set(key, { value, insertion })
    this.#keys.push(key)
    this.#insertions.push(insertion)
    this.#compact()
  }

  delete(key: K): boolean {
    return this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
    this.#keys = []
    this.#insertions = []
    this.#head = 0
  }

  get size(): number {
    return this.#entries.size
  }

  #deleteOldest(): void {
    while (this.#head < this.#keys.length) {
      const key = this.#keys[this.#head] as K
      const insertion = this.#insertions[this.#head] as number
      this.#head++
      if (this.#entries.get(key)?.insertion === insertion) {
        this.#entries.delete(key)
        return
      }
    }
  }

  /**
   * Keeps the record of insertions within a few times the capacity: the consumed front goes once it
   * is half of it, and when deletions left more stale insertions than live ones, the record is
   * rebuilt from the Map (whose order is the order of insertion). Each costs no more than the
   * insertions since the last, so setting stays constant time on average.
   */
  #compact(): void {
    const pending = this.#keys.length - this.#head
    if (pending > 2 * this.capacity + 16) {
      this.#keys = []
      this.#insertions = []
      for (const [key, entry] of this.#entries) {
        this.#keys.push(key)
        this.#insertions.push(entry.insertion)
      }
      this.#head = 0
    } else if (this.#head > 16 && this.#head * 2 >= this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head)
      this.#insertions = this.#insertions.slice(this.#head)
      this.#head = 0
    }
  }
}
