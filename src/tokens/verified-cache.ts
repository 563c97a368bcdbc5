import type { VerifiedToken } from './types.js'

/**
 * Verified tokens, keyed by the whole token string, so that a token seen again skips the
 * signature check. Safe because the key is the exact signed bytes: any change is a miss. Expiry
 * is still checked by the caller on every hit, and revocation is consulted separately. Bounded:
 * when full, the oldest entry goes (Map keeps insertion order).
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, VerifiedToken>()
  constructor(private readonly maxEntries = 10_000) {}

  get(token: string): VerifiedToken | undefined {
    return this.#entries.get(token)
  }

  set(token: string, verified: VerifiedToken): void {
    if (this.maxEntries <= 0) return
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(token, verified)
  }

  delete(token: string): void {
    this.#entries.delete(token)
  }

  /** After a key is retired: forget everything that might have been signed with it. */
  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}
