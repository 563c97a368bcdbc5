import type { RevocationBatch, RevocationReset } from '@tessera/protocol'
import type { VerifiedToken } from './engine/types.js'

/** Longest session id taken from the feed: Tessera's are 32 hex characters. */
const MAX_SID_LENGTH = 256

const isEpoch = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

/**
 * What the revocation feed said, in memory: per-user cut-offs and ended sessions, judged exactly
 * as Tessera's `UserGate.revokes` does, so a token is refused here when Tessera refuses it.
 * Entries from the feed are checked one by one; a malformed one is skipped, never trusted.
 */
export class RevocationList {
  readonly #cutoffs = new Map<number, number>()
  /** Session id to the time its last access token expires, ms; kept (roughly) in that order. */
  readonly #ended = new Map<string, number>()
  /** After a reset: every token issued before this (epoch s) is void, whatever its session. */
  #resetBefore = 0

  apply(batch: Pick<RevocationBatch, 'cutoffs' | 'sessions'>, nowMs: number): void {
    for (const entry of Array.isArray(batch.cutoffs) ? batch.cutoffs : []) {
      if (!Number.isSafeInteger(entry?.user_id) || !isEpoch(entry.not_before)) continue
      if ((this.#cutoffs.get(entry.user_id) ?? 0) < entry.not_before)
        this.#cutoffs.set(entry.user_id, entry.not_before)
    }
    for (const entry of Array.isArray(batch.sessions) ? batch.sessions : []) {
      if (typeof entry?.sid !== 'string' || entry.sid.length > MAX_SID_LENGTH || !isEpoch(entry.void_until))
        continue
      if ((this.#ended.get(entry.sid) ?? 0) >= entry.void_until) continue
      this.#ended.delete(entry.sid)
      this.#ended.set(entry.sid, entry.void_until)
    }
    this.#prune(nowMs)
  }

  /** The feed cannot say what was missed: forget everything, and void what was issued before. */
  reset(reset: Pick<RevocationReset, 'not_before'>): void {
    this.#cutoffs.clear()
    this.#ended.clear()
    if (isEpoch(reset.not_before)) this.#resetBefore = Math.max(this.#resetBefore, reset.not_before)
  }

  /**
   * Tessera's rule (`UserGate.revokes`): a token without a session id is void when issued before
   * its user's cut-off; one with a session id when its session ended, or when issued in a second
   * before the cut-off's (every session alive at a revocation is ended with it, and a session
   * begun in the revocation's own second on another instance stays valid).
   */
  revokes(token: Pick<VerifiedToken, 'userId' | 'iat' | 'sessionId'>, nowMs: number): boolean {
    if (token.iat < this.#resetBefore) return true
    const cutoff = this.#cutoffs.get(token.userId)
    if (cutoff !== undefined && token.iat < (token.sessionId === undefined ? cutoff : cutoff - 1)) return true
    if (token.sessionId === undefined || this.#ended.size === 0) return false
    const voidUntil = this.#ended.get(token.sessionId)
    return voidUntil !== undefined && voidUntil > nowMs
  }

  #prune(nowMs: number): void {
    for (const [sessionId, voidUntil] of this.#ended) {
      if (voidUntil > nowMs) break
      this.#ended.delete(sessionId)
    }
  }
}
