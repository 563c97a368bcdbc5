import { type Clock, toEpochSeconds } from '../core/clock.js'
import { NoActiveAccountForToken, TokenInvalid } from '../core/errors.js'
import type { Settings } from '../settings/types.js'
import type { CustomClaimsHook } from '../tokens/claims.js'
import type { ReservedToken, TokenCodec } from '../tokens/codec.js'
import type { TokenType, VerifiedToken } from '../tokens/types.js'
import type { OutstandingToken, TokenLedger, UserRecord, UserStore } from '../store/ports.js'
import type { AuditLog } from './audit.js'
import type { RequestContext } from './context.js'
import type { UserGate } from './user-gate.js'

export type SessionSettings = Pick<
  Settings,
  | 'ROTATE_REFRESH_TOKENS'
  | 'BLACKLIST_AFTER_ROTATION'
  | 'REFRESH_REUSE_INTERVAL'
  | 'SLIDING_TOKEN_REFRESH_LIFETIME'
  | 'SLIDING_TOKEN_REFRESH_EXP_CLAIM'
>

export interface SessionDeps {
  settings: SessionSettings
  codec: TokenCodec
  users: UserStore
  ledger: TokenLedger
  gate: UserGate
  clock: Clock
  customClaims: CustomClaimsHook
  audit: AuditLog
  /** Ends every session of a user (theft response). */
  revokeAll: (userId: number) => Promise<unknown>
}

export interface IssuedPair {
  access: string
  refresh: string
  refreshJti: string
}

/**
 * Token pairs for users: issue at login, refresh (with atomic rotation), verify, blacklist, and
 * sliding tokens. Unlike simplejwt 5.2.2, refresh re-reads the user (inactive or deleted users are
 * refused, claims are fresh) and every rotated token is recorded in the ledger.
 */
export class SessionService {
  constructor(private readonly deps: SessionDeps) {}

  async #claimsFor(user: UserRecord): Promise<Record<string, unknown>> {
    return this.deps.customClaims(user, await this.deps.users.groupNames(user.id))
  }

  #record(
    jti: string,
    userId: number,
    iat: number,
    exp: number,
    family: string | null,
    parent: string | null,
    ctx: RequestContext,
  ): OutstandingToken {
    return {
      jti,
      userId,
      familyId: family ?? jti,
      parentJti: parent,
      createdAt: new Date(iat * 1000),
      expiresAt: new Date(exp * 1000),
      userAgent: ctx.userAgent,
      ip: ctx.ip,
    }
  }

  /**
   * Signs a token for the user (with the `jti`, `iat` and `exp` reserved for it, if any), stamped
   * at `#issuedAt`.
   */
  #issue(
    type: TokenType,
    userId: number,
    claims: Record<string, unknown>,
    options: { extra?: Record<string, unknown>; reserved?: ReservedToken } = {},
  ) {
    return this.deps.codec.issue(type, userId, claims, { iat: this.#issuedAt(userId), ...options })
  }

  /**
   * Right after a revocation the user's cut-off can be up to a second ahead of the clock (it
   * covers the whole current second); new tokens are stamped at the cut-off so they are not void
   * on arrival.
   */
  #issuedAt(userId: number): number {
    return Math.max(toEpochSeconds(this.deps.clock.now()), this.deps.gate.cutoffOf(userId))
  }

  /** A fresh pair for a user who just proved who they are; starts a new token family. */
  async obtainPair(user: UserRecord, ctx: RequestContext): Promise<IssuedPair> {
    const claims = await this.#claimsFor(user)
    const refresh = await this.#issue('refresh', user.id, claims)
    await this.deps.ledger.recordIssued(
      this.#record(refresh.jti, user.id, refresh.iat, refresh.exp, null, null, ctx),
    )
    const access = await this.#issue('access', user.id, claims)
    return { access: access.token, refresh: refresh.token, refreshJti: refresh.jti }
  }

  /**
   * The user behind a refresh or sliding token, with the claims for their new tokens; refused when
   * inactive, deleted or revoked. One read when the store offers `findWithGroups`.
   */
  async #activeUserOf(
    verified: VerifiedToken,
  ): Promise<{ user: UserRecord; claims: Record<string, unknown> }> {
    const { users, gate, customClaims } = this.deps
    const found =
      users.findWithGroups !== undefined
        ? await users.findWithGroups(verified.userId)
        : await this.#findThenGroups(verified.userId)
    if (found === undefined || !found.user.isActive) throw new NoActiveAccountForToken()
    // The cut-offs are held in memory and kept fresh (poll / Redis): no read for them.
    if (verified.iat < gate.cutoffOf(verified.userId)) throw new TokenInvalid('revoked')
    return { user: found.user, claims: customClaims(found.user, found.groups) }
  }

  /** `findWithGroups` for a store without it: groups are read only for an active user. */
  async #findThenGroups(id: number): Promise<{ user: UserRecord; groups: string[] } | undefined> {
    const user = await this.deps.users.findById(id)
    if (user === undefined || !user.isActive) return user && { user, groups: [] }
    return { user, groups: await this.deps.users.groupNames(id) }
  }

  /**
   * `/token/refresh/`: a new access token, and with rotation a new refresh token whose
   * predecessor is consumed atomically: of concurrent refreshes of one token exactly one wins.
   *
   * @throws TokenInvalid (`wrong_type`, `blacklisted`, `expired`, …), NoActiveAccountForToken
   */
  async refresh(raw: string, ctx: RequestContext): Promise<{ access: string; refresh?: string }> {
    const { settings, codec, ledger, clock } = this.deps
    const old = await codec.verify(raw, 'refresh')
    const atomic = settings.ROTATE_REFRESH_TOKENS && settings.BLACKLIST_AFTER_ROTATION
    // A revoked token takes the two-step path, which refuses it before anything is rotated.
    if (
      atomic &&
      ledger.rotateForActiveUser !== undefined &&
      old.iat >= this.deps.gate.cutoffOf(old.userId)
    ) {
      return this.#refreshInOneStep(old, ledger.rotateForActiveUser.bind(ledger), ctx)
    }
    // With atomic rotation the ledger answers "blacklisted" itself, and tells a rotated token
    // (a race or a replay) from a logged-out one; otherwise look the blacklist up first.
    if (!atomic && (await ledger.isBlacklisted(old.jti))) throw new TokenInvalid('blacklisted')
    const { user, claims } = await this.#activeUserOf(old)
    let rotated: string | undefined
    if (settings.ROTATE_REFRESH_TOKENS) {
      const next = await this.#issue('refresh', user.id, claims)
      const oldRecord = this.#record(old.jti, user.id, old.iat, old.exp, null, null, ctx)
      const nextRecord = this.#record(next.jti, user.id, next.iat, next.exp, null, old.jti, ctx)
      if (atomic) {
        const result = await ledger.rotate(oldRecord, nextRecord, new Date(clock.now()), true)
        if (result.outcome === 'blacklisted') throw new TokenInvalid('blacklisted')
        if (result.outcome === 'already_rotated') {
          await this.#repeatedRefresh(old, result, { ...nextRecord, familyId: result.familyId }, ctx)
        }
      } else {
        // simplejwt semantics with blacklisting off: the old token stays usable.
        await ledger.recordIssued(nextRecord)
      }
      rotated = next.token
    }
    const access = await this.#issue('access', user.id, claims)
    void this.deps.audit.record('refresh', { userId: user.id, context: ctx })
    return rotated === undefined ? { access: access.token } : { access: access.token, refresh: rotated }
  }

  /**
   * Atomic rotation where the ledger reads the user and rotates in one step (one round trip on
   * PostgreSQL): the new refresh token's `jti`, `iat` and `exp` are fixed first, so the ledger can
   * record it, and it is signed once the user's claims are known. The refusals are the two-step
   * path's, in its order: no active account, then the rotation's outcome (the caller checked the
   * cut-off).
   */
  async #refreshInOneStep(
    old: VerifiedToken,
    rotateForActiveUser: NonNullable<TokenLedger['rotateForActiveUser']>,
    ctx: RequestContext,
  ): Promise<{ access: string; refresh: string }> {
    const { codec, clock, customClaims } = this.deps
    const reserved = codec.reserve('refresh', { iat: this.#issuedAt(old.userId) })
    const oldRecord = this.#record(old.jti, old.userId, old.iat, old.exp, null, null, ctx)
    const nextRecord = this.#record(reserved.jti, old.userId, reserved.iat, reserved.exp, null, old.jti, ctx)
    const { account, rotation } = await rotateForActiveUser(
      oldRecord,
      nextRecord,
      new Date(clock.now()),
      true,
    )
    if (rotation === null) throw new NoActiveAccountForToken()
    if (rotation.outcome === 'blacklisted') throw new TokenInvalid('blacklisted')
    if (rotation.outcome === 'already_rotated') {
      await this.#repeatedRefresh(old, rotation, { ...nextRecord, familyId: rotation.familyId }, ctx)
    }
    const claims = customClaims(account.user, account.groups)
    const refresh = await this.#issue('refresh', old.userId, claims, { reserved })
    const access = await this.#issue('access', old.userId, claims)
    void this.deps.audit.record('refresh', { userId: old.userId, context: ctx })
    return { access: access.token, refresh: refresh.token }
  }

  /**
   * A refresh token that was already rotated came back. Within `REFRESH_REUSE_INTERVAL` of its
   * rotation this is a race (two tabs, a retried request whose answer was lost): the caller gets
   * a sibling token in the same family, so nobody is logged out and no second family appears.
   * Later it is a replay of a stolen token: every session of the user ends (the family's refresh
   * tokens are blacklisted and a cut-off voids the access tokens), and the event is audited.
   *
   * @throws TokenInvalid (`reused`, or `blacklisted` when the session was already ended)
   */
  async #repeatedRefresh(
    old: VerifiedToken,
    result: { rotatedAt: Date; replacedBy: string | null; familyId: string },
    sibling: OutstandingToken,
    ctx: RequestContext,
  ): Promise<void> {
    const { settings, ledger, clock, audit } = this.deps
    const age = (clock.now() - result.rotatedAt.getTime()) / 1000
    if (age < settings.REFRESH_REUSE_INTERVAL) {
      // The winner's session must still be alive: a logout or revocation since then ends this too.
      if (result.replacedBy !== null && (await ledger.isBlacklisted(result.replacedBy))) {
        throw new TokenInvalid('blacklisted')
      }
      await ledger.recordIssued(sibling)
      return
    }
    await ledger.revokeFamily(result.familyId, new Date(clock.now()))
    await this.deps.revokeAll(old.userId)
    await audit.record('refresh_reuse_detected', {
      userId: old.userId,
      context: ctx,
      detail: { family: result.familyId, jti: old.jti, rotated_seconds_ago: Math.round(age) },
    })
    throw new TokenInvalid('reused')
  }

  /**
   * `/token/verify/`: signature and expiry for any token type, plus the blacklist and the user's
   * revocation cut-off (simplejwt answers 400 for a blacklisted token; Tessera answers 401).
   */
  async verify(raw: string): Promise<VerifiedToken> {
    const verified = await this.deps.codec.verify(raw, null)
    if (verified.type !== 'access' && (await this.deps.ledger.isBlacklisted(verified.jti))) {
      throw new TokenInvalid('blacklisted')
    }
    const state = await this.deps.gate.load(verified.userId)
    if (verified.iat < state.cutoff) throw new TokenInvalid('revoked')
    return verified
  }

  /** `/token/blacklist/` (logout): the refresh token can no longer be used. */
  async blacklist(raw: string, ctx: RequestContext): Promise<VerifiedToken> {
    const verified = await this.deps.codec.verify(raw, 'refresh')
    const record = this.#record(verified.jti, verified.userId, verified.iat, verified.exp, null, null, ctx)
    const fresh = await this.deps.ledger.blacklist(record, new Date(this.deps.clock.now()))
    if (!fresh) throw new TokenInvalid('blacklisted')
    void this.deps.audit.record('logout', { userId: verified.userId, context: ctx })
    return verified
  }

  /** `/token/sliding/`: one token that is both access and refreshable until its refresh deadline. */
  async obtainSliding(user: UserRecord): Promise<string> {
    const { settings, clock } = this.deps
    const deadline = toEpochSeconds(clock.now()) + settings.SLIDING_TOKEN_REFRESH_LIFETIME
    const claims = await this.#claimsFor(user)
    const issued = await this.#issue('sliding', user.id, claims, {
      extra: { [settings.SLIDING_TOKEN_REFRESH_EXP_CLAIM]: deadline },
    })
    return issued.token
  }

  /** `/token/sliding/refresh/`: a new sliding token, as long as the refresh deadline has not passed. */
  async refreshSliding(raw: string): Promise<string> {
    const { settings, codec, clock, ledger } = this.deps
    const old = await codec.verify(raw, 'sliding')
    if (await ledger.isBlacklisted(old.jti)) throw new TokenInvalid('blacklisted')
    const deadline = old.claims[settings.SLIDING_TOKEN_REFRESH_EXP_CLAIM]
    if (typeof deadline !== 'number' || deadline <= toEpochSeconds(clock.now()))
      throw new TokenInvalid('expired')
    const { user, claims } = await this.#activeUserOf(old)
    const issued = await this.#issue('sliding', user.id, claims, {
      extra: { [settings.SLIDING_TOKEN_REFRESH_EXP_CLAIM]: deadline },
    })
    return issued.token
  }
}
