import { randomBytes } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { ClaimedMail, OutboxStore } from '../store/ports.js'
import type { MailTransport } from './transports.js'

export interface WorkerLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface OutboxWorkerOptions {
  store: OutboxStore
  transport: MailTransport
  clock: Clock
  from: string
  maxAttempts: number
  /** Wait before the first retry; doubled after each further failure, up to `maxRetryDelayMs`. */
  retryDelayMs: number
  maxRetryDelayMs?: number
  /** How often the outbox is read for due messages (retries, other instances' mail). */
  pollMs: number
  /** How long a claim holds a message; longer than any delivery can take. */
  leaseMs?: number
  batchSize?: number
  logger?: WorkerLogger | undefined
  /** Told of each delivery and each failure (metrics). */
  onOutcome?: (outcome: 'delivered' | 'retry' | 'given_up') => void
}

/** Longest wait between two attempts. */
const MAX_RETRY_DELAY_MS = 3_600_000

/**
 * Sends what the outbox holds, in the background: a pass claims due messages (a lease, so no
 * other instance sends them meanwhile), hands each to the transport, then deletes it or
 * schedules its retry with exponential backoff; after `maxAttempts` it is given up and logged.
 * A pass runs after every poll interval and when `kick()` says a message was queued; passes never
 * overlap. Messages outlive restarts: they stay in the database until delivered.
 */
export class OutboxWorker {
  /** This process's name on its leases. */
  readonly owner = `w-${randomBytes(8).toString('hex')}`
  readonly #options: OutboxWorkerOptions
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #stopped = false

  constructor(options: OutboxWorkerOptions) {
    this.#options = options
  }

  start(): void {
    this.#stopped = false
    this.#timer = setInterval(() => this.kick(), this.#options.pollMs)
    this.#timer.unref()
    this.kick()
  }

  /** Runs a pass soon; if one is running, another follows it. */
  kick(): void {
    if (this.#stopped) return
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = (async () => {
      do {
        this.#again = false
        await this.#pass().catch((error: unknown) =>
          this.#options.logger?.warn({ err: error }, 'mail outbox pass failed; retried at the next poll'),
        )
      } while (this.#again && !this.#stopped)
    })().finally(() => {
      this.#running = undefined
    })
  }

  /** Resolves once no pass is running (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running
  }

  /** Stops polling and waits for the pass in flight; what is left is sent after the next start. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    await this.idle()
  }

  async #pass(): Promise<void> {
    const { store, clock } = this.#options
    const batch = this.#options.batchSize ?? 20
    for (;;) {
      if (this.#stopped) return
      const now = clock.now()
      const leaseUntil = new Date(now + (this.#options.leaseMs ?? 120_000))
      const claimed = await store.claimDue(new Date(now), leaseUntil, this.owner, batch)
      for (const mail of claimed) await this.#deliver(mail)
      if (claimed.length < batch) return
    }
  }

  async #deliver(mail: ClaimedMail): Promise<void> {
    const { store, transport, clock, logger } = this.#options
    try {
      await transport.send({
        from: this.#options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const giveUp = mail.attempts >= this.#options.maxAttempts
      const delay = Math.min(
        this.#options.retryDelayMs * 2 ** (mail.attempts - 1),
        this.#options.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS,
      )
      const retryAt = giveUp ? null : new Date(clock.now() + delay)
      await store.failed(mail.id, this.owner, retryAt, reason)
      this.#options.onOutcome?.(giveUp ? 'given_up' : 'retry')
      const facts = { mailId: mail.id, kind: mail.kind, attempts: mail.attempts, reason }
      if (giveUp) logger?.error(facts, 'mail given up after its last attempt')
      else logger?.warn({ ...facts, retryAt: retryAt?.toISOString() }, 'mail not delivered; will retry')
      return
    }
    await store.delivered(mail.id, this.owner)
    this.#options.onOutcome?.('delivered')
    logger?.info({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts }, 'mail delivered')
  }
}
