import { Throttled } from '../core/errors.js'
import type { CounterStore } from '../store/ports.js'

export interface LoginThrottleOptions {
  /** Failed logins allowed per account and client address in one window. */
  maxFailures: number
  windowMs: number
}

/**
 * Slows down password guessing against one account. Failures are counted per account *and*
 * client address, so an attacker elsewhere cannot lock the owner out: the owner's own address has
 * its own count, and every count expires with its window (OWASP Authentication cheat sheet,
 * "account lockout"). Guessing across many accounts from one address is the per-IP limit's job.
 * A counter store that fails (Redis down) fails open, as the other rate limits do.
 */
export class LoginThrottle {
  constructor(
    private readonly counters: CounterStore,
    private readonly options: LoginThrottleOptions,
  ) {}

  #key(login: string, ip: string | null): string {
    return `login:${login.trim().toLowerCase()}|${ip ?? '-'}`
  }

  /** @throws Throttled while the account is locked for this address. */
  async check(login: string, ip: string | null): Promise<void> {
    const state = await this.counters.peek(this.#key(login, ip)).catch(() => ({ count: 0, ttlMs: 0 }))
    if (state.count >= this.options.maxFailures)
      throw new Throttled(Math.max(1, Math.ceil(state.ttlMs / 1000)))
  }

  async failed(login: string, ip: string | null): Promise<void> {
    await this.counters.increment(this.#key(login, ip), this.options.windowMs).catch(() => {})
  }

  async succeeded(login: string, ip: string | null): Promise<void> {
    await this.counters.reset(this.#key(login, ip)).catch(() => {})
  }
}
