import type { Clock } from '../core/clock.js'
import type { RevocationBatch } from '@tessera/protocol'
import type { RevocationStore } from '../store/ports.js'
import type { FeedBatch, UserGate } from './user-gate.js'

/** A place in the two database feeds (`user_cutoffs.seq`, `ended_sessions.seq`); -1 = before any. */
export interface FeedPosition {
  readonly cutoffs: number
  readonly sessions: number
}

export const FEED_START: FeedPosition = { cutoffs: -1, sessions: -1 }

export const formatFeedId = (position: FeedPosition): string => `${position.cutoffs}-${position.sessions}`

/** The position an event id names, undefined for anything this server never sent. */
export function parseFeedId(id: string): FeedPosition | undefined {
  const match = /^(-1|\d{1,15})-(-1|\d{1,15})$/.exec(id)
  if (!match) return undefined
  return { cutoffs: Number(match[1]), sessions: Number(match[2]) }
}

/** Componentwise the further of two positions. */
export const furthest = (a: FeedPosition, b: FeedPosition): FeedPosition => ({
  cutoffs: Math.max(a.cutoffs, b.cutoffs),
  sessions: Math.max(a.sessions, b.sessions),
})

/** The wire form of a gate batch, at `position`; ended sessions already over are left out. */
export function wireBatch(
  batch: Pick<FeedBatch, 'cutoffs' | 'sessions'>,
  position: FeedPosition,
  nowMs: number,
): RevocationBatch {
  return {
    id: formatFeedId(position),
    cutoffs: batch.cutoffs.map(({ userId, notBefore }) => ({ user_id: userId, not_before: notBefore })),
    sessions: batch.sessions
      .filter((session) => session.voidUntil > nowMs)
      .map(({ sessionId, voidUntil }) => ({ sid: sessionId, void_until: voidUntil })),
  }
}

/**
 * Per-user cut-offs and ended sessions as a feed for other services. Live news comes from the
 * gate's own syncs (no database read of its own); a catch-up reads the stores from a position.
 * The stores keep every cut-off (one row per user) and every ended session until none of its
 * access tokens can be valid, so a catch-up from any position this server sent is complete.
 */
export class RevocationFeed {
  #position: FeedPosition = FEED_START

  constructor(
    private readonly gate: Pick<UserGate, 'watch' | 'sync'>,
    private readonly store: Pick<RevocationStore, 'cutoffsSince' | 'endedSessionsSince'>,
    private readonly clock: Clock,
  ) {
    gate.watch((batch) => {
      this.#position = furthest(this.#position, {
        cutoffs: batch.cutoffCursor,
        sessions: batch.sessionCursor,
      })
    })
  }

  /**
   * Calls `listener` with each batch of news this instance syncs, until the returned function is
   * called. A batch may repeat changes the listener saw (its id says how far it reaches).
   */
  subscribe(listener: (batch: RevocationBatch, position: FeedPosition) => void): () => void {
    return this.gate.watch((batch) => {
      if (batch.cutoffs.length === 0 && batch.sessions.length === 0) return
      const position = { cutoffs: batch.cutoffCursor, sessions: batch.sessionCursor }
      listener(wireBatch(batch, position, this.clock.now()), position)
    })
  }

  /** Every change after `from`, read from the stores. */
  async since(from: FeedPosition): Promise<{ batch: RevocationBatch; position: FeedPosition }> {
    const cutoffs = await this.store.cutoffsSince(from.cutoffs)
    const ended = await this.store.endedSessionsSince(from.sessions)
    const position = { cutoffs: cutoffs.cursor, sessions: ended.cursor }
    const batch = { cutoffs: cutoffs.cutoffs, sessions: ended.sessions }
    return { batch: wireBatch(batch, position, this.clock.now()), position }
  }

  /**
   * Whether a client's position is past anything the database holds: it came from another
   * database (a restore, a replacement), so what it missed cannot be told. Judged on the cut-off
   * feed alone, whose rows are never deleted (ended sessions are flushed once over, so that feed's
   * highest position can go back). Syncs first, so a client that moved to an instance whose last
   * poll is older is not taken for one.
   */
  async isUnknown(position: FeedPosition): Promise<boolean> {
    if (position.cutoffs <= this.#position.cutoffs) return false
    await this.gate.sync()
    return position.cutoffs > this.#position.cutoffs
  }
}

/**
 * Hands each batch of news the gate syncs to `publish` (the Redis feed channel), so services that
 * share Tessera's Redis hear of ended sessions too. Every instance publishes what it syncs: a
 * subscriber may get a change more than once, and applying one twice changes nothing. Failures
 * are dropped: subscribers on Redis hear news only while it is up (see docs/verifier.md).
 */
export function publishFeedNews(
  gate: Pick<UserGate, 'watch'>,
  publish: (batch: RevocationBatch) => Promise<void>,
  clock: Clock,
): void {
  gate.watch((batch) => {
    if (batch.initial || (batch.cutoffs.length === 0 && batch.sessions.length === 0)) return
    const position = { cutoffs: batch.cutoffCursor, sessions: batch.sessionCursor }
    publish(wireBatch(batch, position, clock.now())).catch(() => {})
  })
}
