import { BoundedMap } from '../core/bounded-map.js'
import type { Clock } from '../core/clock.js'
import { ServiceUnavailable } from '../core/errors.js'
import type { RevocationStore, UserStore } from '../store/ports.js'
import type { VerifiedToken } from '../tokens/types.js'

export type UserStatus = 'active' | 'inactive' | 'missing'

export interface UserState {
  readonly status: UserStatus
  /** Tokens issued (iat, epoch seconds) before this are void; 0 = none. */
  readonly cutoff: number
  /** When this state was read, ms. */
  readonly loadedAt: number
}

/** What one `sync` pulled from the feeds, with the cursors after it (see `UserGate.watch`). */
export interface FeedBatch {
  /** The gate's first sync: the whole current state, not news. */
  readonly initial: boolean
  readonly cutoffCursor: number
  readonly sessionCursor: number
  readonly cutoffs: readonly { userId: number; notBefore: number }[]
  readonly sessions: readonly { sessionId: string; voidUntil: number }[]
}

export interface UserGateOptions {
  /** A cached state older than this is served once more and re-read in the background, ms. */
  staleAfterMs?: number
  maxEntries?: number
}

/**
 * What a protected request needs to know about a token's user (active? deleted? tokens revoked
 * before when?) without a database round trip per request. States are read once, kept in memory,
 * invalidated by the revocation feed (another instance's logout-all or deactivation) and by this
 * instance's own writes, and re-read in the background when stale, so even a row edited by hand
 * in the database is seen within `staleAfterMs`.
 */
export class UserGate {
  readonly #states: BoundedMap<number, UserState>
  readonly #loading = new Map<number, Promise<UserState>>()
  readonly #staleAfterMs: number

  constructor(
    private readonly users: Pick<UserStore, 'findById'>,
    private readonly revocations: Pick<RevocationStore, 'cutoffsSince' | 'endedSessionsSince'>,
    private readonly clock: Clock,
    options: UserGateOptions = {},
  ) {
    this.#staleAfterMs = options.staleAfterMs ?? 5000
    this.#states = new BoundedMap(options.maxEntries ?? 100_000)
  }

  /**
   * The cached state, if any, scheduling a background re-read when stale. Synchronous: the hot path.
   * `nowMs`: this gate's clock, when the caller has already read it for the request.
   */
  peek(userId: number, nowMs: number = this.clock.now()): UserState | undefined {
    const state = this.#states.get(userId)
    if (state !== undefined && nowMs - state.loadedAt > this.#staleAfterMs) {
      void this.load(userId).catch(() => {})
    }
    return state
  }

  /** Reads the user's state from the stores (one read in flight per user). */
  load(userId: number): Promise<UserState> {
    const inFlight = this.#loading.get(userId)
    if (inFlight) return inFlight
    const loading = this.#read(userId).finally(() => this.#loading.delete(userId))
    this.#loading.set(userId, loading)
    return loading
  }

  async #read(userId: number): Promise<UserState> {
    let status: UserStatus
    try {
      const user = await this.users.findById(userId)
      status = user === undefined ? 'missing' : user.isActive ? 'active' : 'inactive'
    } catch (error) {
      throw new ServiceUnavailable('database', { cause: error })
    }
    const state: UserState = {
      status,
      cutoff: Math.max(this.#cutoffs.get(userId) ?? 0, 0),
      loadedAt: this.clock.now(),
    }
    this.#remember(userId, state)
    return state
  }

  readonly #cutoffs = new Map<number, number>()
  #cursor = -1
  /** Ended sessions, to the time their last access token expires (ms); bounded by that time. */
  readonly #ended = new Map<string, number>()
  #endedCursor = -1

  /** Records a cut-off learnt from this instance's own write or from the feed. */
  noteCutoff(userId: number, notBefore: number): void {
    if ((this.#cutoffs.get(userId) ?? 0) >= notBefore) return
    this.#cutoffs.set(userId, notBefore)
    const state = this.#states.get(userId)
    if (state) this.#states.set(userId, { ...state, cutoff: notBefore })
  }

  /** The user's cut-off as this instance knows it (0 = none). */
  cutoffOf(userId: number): number {
    return this.#cutoffs.get(userId) ?? 0
  }

  /**
   * Whether a token of this user is void. A token without a session id is void when issued before
   * the user's cut-off. A token with one is void when its session ended; the cut-off voids it only
   * when issued in an earlier second than the revocation (the cut-off is the next whole second),
   * because every session alive at a revocation is ended with it: so a session started on another
   * instance in the revocation's own second, before that instance heard of it, stays valid.
   */
  revokes(
    token: Pick<VerifiedToken, 'iat' | 'sessionId'>,
    cutoff: number,
    nowMs: number = this.clock.now(),
  ): boolean {
    if (this.revokedByCutoff(token, cutoff)) return true
    return token.sessionId !== undefined && this.sessionEnded(token.sessionId, nowMs)
  }

  /**
   * The cut-off part of `revokes` alone: for refresh tokens, whose sessions the ledger judges
   * (it tells a logged-out token from a replayed one).
   */
  revokedByCutoff(token: Pick<VerifiedToken, 'iat' | 'sessionId'>, cutoff: number): boolean {
    return token.iat < (token.sessionId === undefined ? cutoff : cutoff - 1)
  }

  /** Whether the session was ended (and its access tokens may still be around). */
  sessionEnded(sessionId: string, nowMs: number = this.clock.now()): boolean {
    if (this.#ended.size === 0) return false
    const voidUntil = this.#ended.get(sessionId)
    return voidUntil !== undefined && voidUntil > nowMs
  }

  /** Records an ended session learnt from this instance's own write or from the feed. */
  noteSessionEnded(sessionId: string, voidUntil: number): void {
    if ((this.#ended.get(sessionId) ?? 0) >= voidUntil) return
    // Re-inserted at the end: the map stays in (roughly) void-until order for pruning.
    this.#ended.delete(sessionId)
    this.#ended.set(sessionId, voidUntil)
  }

  /** Drops ended sessions none of whose access tokens can still be valid. */
  #pruneEnded(nowMs: number): void {
    for (const [sessionId, voidUntil] of this.#ended) {
      if (voidUntil > nowMs) break
      this.#ended.delete(sessionId)
    }
  }

  #synced = false
  readonly #watchers = new Set<(batch: FeedBatch) => void>()

  /**
   * Calls `listener` after each `sync` that read the feeds (news or not, so the cursors are
   * seen to move), until the returned function is called. Concurrent syncs may repeat a batch.
   */
  watch(listener: (batch: FeedBatch) => void): () => void {
    this.#watchers.add(listener)
    return () => this.#watchers.delete(listener)
  }

  /** Forgets the user's cached state: the next request reads it again. */
  invalidate(userId: number): void {
    this.#states.delete(userId)
  }

  /**
   * Pulls cut-offs changed and sessions ended since the last call (all of them the first time).
   * Called on an interval or when Redis announces a change; cheap when nothing changed.
   */
  async sync(): Promise<number> {
    const initial = !this.#synced
    const { cursor, cutoffs } = await this.revocations.cutoffsSince(this.#cursor)
    for (const { userId, notBefore } of cutoffs) {
      this.noteCutoff(userId, notBefore)
      // A cut-off also marks "something about this user changed" (deactivation, deletion).
      if (this.#cursor >= 0) this.invalidate(userId)
    }
    this.#cursor = cursor
    const ended = await this.revocations.endedSessionsSince(this.#endedCursor)
    for (const session of ended.sessions) this.noteSessionEnded(session.sessionId, session.voidUntil)
    this.#endedCursor = ended.cursor
    this.#pruneEnded(this.clock.now())
    this.#synced = true
    if (this.#watchers.size > 0) {
      const batch: FeedBatch = {
        initial,
        cutoffCursor: cursor,
        sessionCursor: ended.cursor,
        cutoffs,
        sessions: ended.sessions,
      }
      for (const watcher of this.#watchers) {
        // A watcher (a stream, a publisher) that fails must not fail the gate's own sync.
        try {
          watcher(batch)
        } catch {}
      }
    }
    return cutoffs.length + ended.sessions.length
  }

  #remember(userId: number, state: UserState): void {
    this.#states.set(userId, state)
  }
}
