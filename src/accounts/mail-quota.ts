import type { CounterStore } from '../store/ports.js'

/**
 * Mails per recipient address per window, so nobody can flood an inbox through the reset or
 * resend endpoints. Past the quota a request answers as usual and sends nothing: the answer must
 * not tell whether an address gets mail. A counter store that fails (Redis down) lets mail through.
 */
export class MailQuota {
  constructor(
    private readonly counters: CounterStore,
    private readonly options: { maxPerWindow: number; windowMs: number },
  ) {}

  async allow(address: string): Promise<boolean> {
    const state = await this.counters
      .increment(`mail:${address.toLowerCase()}`, this.options.windowMs)
      .catch(() => ({ count: 0, ttlMs: 0 }))
    return state.count <= this.options.maxPerWindow
  }
}
