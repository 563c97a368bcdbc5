import type { VerifiedToken } from './types.js'

/**
 * Verified tokens, keyed by the whole token string, so that a token seen again skips the
 * signature check. Safe because the key is the exact signed bytes: any change is a miss. Expiry
 * is still checked by the caller on every hit, and revocation is consulted separately. An entry
 * is also forgotten `maxAgeMs` after it was verified, so a key withdrawn elsewhere (a remote JWKS)
 * stops being trusted within that time. Bounded: when full, the oldest entry goes.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, { verified: VerifiedToken; at: number }>()
  /**
   * Tokens in the order they were added, as a ring: the slot to fill next holds the one to evict.
   * Asking the Map for its first key instead costs a scan over the slots its deletions left, which
   * grows with the cache under a stream of distinct tokens.
   */
  readonly #order: (string | undefined)[]
  #next = 0
  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {
    this.#order = new Array(Math.max(0, maxEntries)).fill(undefined)
  }

  get(token: string, now: number): VerifiedToken | undefined {
    const entry = this.#entries.get(token)
    if (entry === undefined) return undefined
    if (now - entry.at > this.maxAgeMs) {
      this.#entries.delete(token)
      return undefined
    }
    return entry.verified
  }

  set(token: string, verified: VerifiedToken, now: number): void {
    if (this.maxEntries <= 0) return
    if (!this.#entries.has(token)) {
      const evicted = this.#order[this.#next]
      if (evicted !== undefined) this.#entries.delete(evicted)
      this.#order[this.#next] = token
      this.#next = (this.#next + 1) % this.maxEntries
    }
    this.#entries.set(token, { verified, at: now })
  }

  delete(token: string): void {
    this.#entries.delete(token)
  }

  /** After a key is retired: forget everything that might have been signed with it. */
  clear(): void {
    this.#entries.clear()
    this.#order.fill(undefined)
    this.#next = 0
  }

  get size(): number {
    return this.#entries.size
  }
}
