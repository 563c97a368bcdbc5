/**
 * Work done after the answer: the mail flows answer the same whatever the account (no
 * enumeration), so what depends on the account (the look-up, the token, the queued mail) runs
 * once the answer is on its way and cannot change its status, body or timing. Its failures are
 * logged, never answered. `drain()` lets shutdown finish it before the database closes.
 */
export class Background {
  readonly #pending = new Set<Promise<void>>()

  constructor(private readonly onError: (error: unknown, task: string) => void) {}

  /** Starts `work` after the current I/O phase: the answer is written first. */
  run(task: string, work: () => Promise<void>): void {
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => this.onError(error, task))
      .finally(() => this.#pending.delete(done))
    this.#pending.add(done)
  }

  /** Resolves once every task started so far has ended. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
  }
}
