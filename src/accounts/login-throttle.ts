import { Throttled } from '../core/errors.js'
import type { CounterStore } from '../store/ports.js'

export interface LoginThrottleOptions {
  /** Failed logins allowed per account and client address in one window. */
  maxFailures: number
  windowMs: number
}

/**
 * Slows down password guessing against one account. Attempts are counted per account *and*
 * client address, so an attacker elsewhere cannot lock the owner out: the owner's own address has
 * its own count, and every count expires with its window (OWASP Authentication cheat sheet,
 * "account lockout"). Guessing across many accounts from one address is the per-IP limit's job.
 *
 * Each attempt is counted (one atomic increment) before its password is checked, so parallel
 * guesses cannot all pass a check made before any of them failed; a success clears the count.
 * A counter store that fails (Redis down) fails open, as the other rate limits do.
 */
export class LoginThrottle {
  constructor(
    private readonly counters: CounterStore,
    private readonly options: LoginThrottleOptions,
  ) {}

  #key(account: string, ip: string | null): string {
    return `login:${account}|${ip ?? '-'}`
  }

  /**
   * Counts one attempt on `account` (the caller's stable name for it: the user id, or the
   * normalised login name when no user has it) from `ip`.
   *
   * @throws Throttled once the attempts in this window exceed the allowed failures.
   */
  async attempt(account: string, ip: string | null): Promise<void> {
    const state = await this.counters
      .increment(this.#key(account, ip), this.options.windowMs)
      .catch(() => ({ count: 0, ttlMs: 0 }))
    if (state.count > this.options.maxFailures)
      throw new Throttled(Math.max(1, Math.ceil(state.ttlMs / 1000)))
  }

  async succeeded(account: string, ip: string | null): Promise<void> {
    await this.counters.reset(this.#key(account, ip)).catch(() => {})
  }
}
