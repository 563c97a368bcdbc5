import type { Clock } from './engine/types.js'

/** How a verifier's revocation feed stands, for a service's health or readiness report. */
export interface RevocationFeedStatus {
  /**
   * `connected`: the feed is up and (for the stream) its catch-up was applied, so every
   * revocation until now is known. `connecting`: not yet, since creation. `down`: lost; news is
   * missed until it is back (the stream then catches up from its last event id). `closed`: by
   * `close()`.
   */
  readonly state: 'connecting' | 'connected' | 'down' | 'closed'
  /** The stream's last event id (what a reconnect resumes from). */
  readonly lastEventId: string | undefined
  /** When the last event (or heartbeat) arrived, epoch ms. */
  readonly lastEventAt: number | undefined
  /** Since when the feed is not connected, epoch ms (from creation until the first connection). */
  readonly downSince: number | undefined
  /** Why the feed last failed (an HTTP status, `no heartbeat`, a network error); kept once back up. */
  readonly lastError: string | undefined
}

/** A running feed: its status, and a way to stop it. */
export interface RevocationFeedHandle {
  status(): RevocationFeedStatus
  close(): Promise<void>
}

/** The mutable status behind `RevocationFeedHandle.status()`. */
export class FeedStatus {
  #status: RevocationFeedStatus

  constructor(private readonly clock: Clock) {
    this.#status = {
      state: 'connecting',
      lastEventId: undefined,
      lastEventAt: undefined,
      downSince: clock.now(),
      lastError: undefined,
    }
  }

  get current(): RevocationFeedStatus {
    return this.#status
  }

  connected(): void {
    this.#status = { ...this.#status, state: 'connected', downSince: undefined }
  }

  down(error?: string): void {
    if (this.#status.state === 'closed') return
    const state = this.#status.state === 'connecting' ? 'connecting' : 'down'
    this.#status = {
      ...this.#status,
      state,
      downSince: this.#status.downSince ?? this.clock.now(),
      lastError: error ?? this.#status.lastError,
    }
  }

  heard(eventId?: string): void {
    this.#status = {
      ...this.#status,
      lastEventAt: this.clock.now(),
      ...(eventId !== undefined ? { lastEventId: eventId } : {}),
    }
  }

  closed(): void {
    this.#status = { ...this.#status, state: 'closed' }
  }
}
