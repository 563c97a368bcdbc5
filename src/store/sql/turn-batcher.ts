/**
 * What the store's three batchers share: work asked for in one turn of the event loop is run in
 * batches, and each caller still gets its own answer or its own error, as if it had asked alone.
 * The first item of a quiet moment waits one turn (`setImmediate`, no timer), so the others of
 * that turn join its batch. `sequential`: one batch at a time (SQLite's one writer), the items
 * that arrive meanwhile form the next; otherwise every batch starts at once.
 */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown }

export interface TurnBatcherOptions<T, R> {
  /** Most items one batch carries. */
  maxBatch: number
  sequential: boolean
  /**
   * Runs one batch and settles each item, in order. A throw settles every item of the batch with
   * that error (nothing of it was kept).
   */
  run(items: readonly T[]): Promise<readonly Settled<R>[]>
}

interface Pending<T, R> {
  item: T
  resolve(value: R): void
  reject(error: unknown): void
}

export class TurnBatcher<T, R> {
  #queue: Pending<T, R>[] = []
  #scheduled = false
  #running = false
  readonly #inFlight = new Set<Promise<void>>()

  constructor(private readonly options: TurnBatcherOptions<T, R>) {
    if (!Number.isSafeInteger(options.maxBatch) || options.maxBatch < 1)
      throw new RangeError('maxBatch must be a positive integer')
  }

  /** The item's own answer (or error), once its batch has run. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject })
      if (!this.#scheduled && !this.#running) {
        this.#scheduled = true
        setImmediate(() => this.#start())
      }
    })
  }

  /** Runs everything queued now, and resolves once every batch started so far has settled. */
  async drain(): Promise<void> {
    if (this.#queue.length > 0 && !this.#running) this.#start()
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  #start(): void {
    this.#scheduled = false
    if (this.options.sequential) {
      if (!this.#running) this.#track(this.#runInTurn())
      return
    }
    while (this.#queue.length > 0) this.#track(this.#runBatch(this.#take()))
  }

  async #runInTurn(): Promise<void> {
    this.#running = true
    try {
      while (this.#queue.length > 0) await this.#runBatch(this.#take())
    } finally {
      this.#running = false
    }
  }

  #take(): Pending<T, R>[] {
    return this.#queue.splice(0, this.options.maxBatch)
  }

  #track(batch: Promise<void>): void {
    this.#inFlight.add(batch)
    void batch.finally(() => this.#inFlight.delete(batch))
  }

  async #runBatch(batch: Pending<T, R>[]): Promise<void> {
    let outcomes: readonly Settled<R>[]
    try {
      outcomes = await this.options.run(batch.map((pending) => pending.item))
    } catch (error) {
      for (const pending of batch) pending.reject(error)
      return
    }
    for (const [i, pending] of batch.entries()) {
      const outcome = outcomes[i]
      // Unreachable unless `run` is broken; a caller must never wait forever.
      if (outcome === undefined) pending.reject(new Error(`batch gave no answer for item ${i}`))
      else if (outcome.ok) pending.resolve(outcome.value)
      else pending.reject(outcome.error)
    }
  }
}
