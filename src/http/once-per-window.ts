/**
 * Which keys were already reported in their current window, so that a flood of refusals is
 * reported once per key and window. Bounded: past `maxKeys`, the entry reported longest ago is
 * forgotten first (that key may then be reported again in its window, never missed).
 */
export class OncePerWindow {
  /** Key → when its window ends, in report order (Map keeps insertion order). */
  readonly #until = new Map<string, number>()

  constructor(
    private readonly maxKeys = 10_000,
    /** The rate limiter's own time base (wall clock), not the server's injectable clock. */
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `key` is seen in a window that ends `ttlMs` from now; false after. */
  first(key: string, ttlMs: number): boolean {
    const now = this.now()
    const until = this.#until.get(key)
    if (until !== undefined && until > now) return false
    this.#until.delete(key)
    this.#forgetOldest(now)
    this.#until.set(key, now + ttlMs)
    return true
  }

  /** Drops ended windows from the front, then the oldest entries while over the bound. */
  #forgetOldest(now: number): void {
    for (const [key, until] of this.#until) {
      if (until > now && this.#until.size < this.maxKeys) return
      this.#until.delete(key)
    }
  }
}
