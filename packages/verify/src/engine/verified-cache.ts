import { BoundedMap } from './bounded-map.js'
import type { VerifiedToken } from './types.js'

/**
 * Verified tokens, keyed by the whole token string, so that a token seen again skips the
 * signature check. Safe because the key is the exact signed bytes: any change is a miss. Expiry
 * is still checked by the caller on every hit, and revocation is consulted separately. An entry
 * is also forgotten `maxAgeMs` after it was verified, so a key withdrawn elsewhere (a remote JWKS)
 * stops being trusted within that time. Bounded: when full, the oldest entry goes.
 */
export class VerifiedTokenCache {
  readonly #entries: BoundedMap<string, { verified: VerifiedToken; at: number }>
  constructor(
    maxEntries = 10_000,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {
    this.#entries = new BoundedMap(Math.max(0, maxEntries))
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
    this.#entries.set(token, { verified, at: now })
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
