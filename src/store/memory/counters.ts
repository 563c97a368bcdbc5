import { BoundedMap } from '../../core/bounded-map.js'
import type { CounterStore } from '../ports.js'

/** Counters in this process's memory: right for one instance, or as Redis's fallback. Bounded. */
export class MemoryCounterStore implements CounterStore {
  readonly #windows: BoundedMap<string, { count: number; resetAt: number }>
  constructor(
    private readonly now: () => number = Date.now,
    maxKeys = 100_000,
  ) {
    this.#windows = new BoundedMap(maxKeys)
  }

  #live(key: string): { count: number; resetAt: number } | undefined {
    const entry = this.#windows.get(key)
    if (entry !== undefined && entry.resetAt <= this.now()) {
      this.#windows.delete(key)
      return undefined
    }
    return entry
  }

  async increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
    let entry = this.#live(key)
    if (entry === undefined) {
      entry = { count: 0, resetAt: this.now() + windowMs }
      this.#windows.set(key, entry)
    }
    entry.count++
    return { count: entry.count, ttlMs: entry.resetAt - this.now() }
  }

  async peek(key: string): Promise<{ count: number; ttlMs: number }> {
    const entry = this.#live(key)
    return entry === undefined
      ? { count: 0, ttlMs: 0 }
      : { count: entry.count, ttlMs: entry.resetAt - this.now() }
  }

  async reset(key: string): Promise<void> {
    this.#windows.delete(key)
  }
}
