import { type Clock, toEpochSeconds } from '../core/clock.js'
import { NoActiveAccountForToken, TokenInvalid } from '../core/errors.js'
import type { Settings } from '../settings/types.js'
import type { CustomClaimsHook } from '../tokens/claims.js'
import type { ReservedToken, TokenCodec } from '../tokens/codec.js'
import type { TokenType, VerifiedToken } from '../tokens/types.js'
import type { OutstandingToken, Replacement, TokenLedger, UserRecord, UserStore } from '../store/ports.js'
import type { AuditLog } from './audit.js'
import type { RequestContext } from './context.js'
import { type Authentication, authenticationOf, withAuthentication } from './mfa/authentication.js'
import { sessionVoidUntil } from './session-end.js'
import type { UserGate } from './user-gate.js'

export type SessionSettings = Pick<
  Settings,
  | 'ROTATE_REFRESH_TOKENS'
  | 'BLACKLIST_AFTER_ROTATION'
  | 'REFRESH_REUSE_INTERVAL'
  | 'SLIDING_TOKEN_REFRESH_LIFETIME'
  | 'SLIDING_TOKEN_REFRESH_EXP_CLAIM'
  | 'SESSION_ID_CLAIM'
  | 'ACCESS_TOKEN_LIFETIME'
  | 'LEEWAY'
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
  /** Tells other instances that sessions of the user ended (Redis); they also poll, so this may fail. */
  announceEnded?: (userId: number) => Promise<void>
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
   * Signs a token for the user in session `sessionId` (null for sliding tokens; the codec writes it
   * only when `SESSION_ID_CLAIM` is set), with the `jti`, `iat` and `exp` reserved for it, if any.
   */
  async #issue(
    type: TokenType,
    userId: number,
    sessionId: string | null,
    claims: Record<string, unknown>,
    options: { extra?: Record<string, unknown>; reserved?: ReservedToken } = {},
  ) {
    const reserved = options.reserved ?? (await this.#reserve(type, userId))
    return this.deps.codec.issue(type, userId, claims, {
      ...options,
      reserved,
      ...(sessionId === null ? {} : { sessionId }),
    })
  }

  /**
   * Fixes a new token's `jti`, `iat` and `exp`. With session ids on, `iat` is now: tokens of a
   * session started after a revocation are valid through their `sid` (`UserGate.revokes`). Without
   * them, a token for a user whose cut-off (the next whole second) has not begun yet waits for it,
   * so it is neither void on arrival nor stamped in the future.
   */
  async #reserve(type: TokenType, userId: number): Promise<ReservedToken> {
    const { codec, clock, gate, settings } = this.deps
    if (settings.SESSION_ID_CLAIM === null || type === 'sliding') {
      const cutoff = gate.cutoffOf(userId)
      const wait = cutoff * 1000 - clock.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1000)))
      return codec.reserve(type, { iat: Math.max(toEpochSeconds(clock.now()), cutoff) })
    }
    return codec.reserve(type)
  }

  /**
   * A fresh pair for a user who just proved who they are; starts a new session (token family).
   * `auth` says how (`amr`, `auth_time`); without it, a password login now.
   */
  async obtainPair(user: UserRecord, ctx: RequestContext, auth?: Authentication): Promise<IssuedPair> {
    const claims = withAuthentication(await this.#claimsFor(user), auth ?? this.passwordLogin())
    const reserved = await this.#reserve('refresh', user.id)
    const sessionId = reserved.jti
    const accessReserved = await this.#reserve('access', user.id)
    await this.deps.ledger.recordIssued(
      this.#record(reserved.jti, user.id, reserved.iat, reserved.exp, null, null, ctx),
    )
    const refresh = await this.#issue('refresh', user.id, sessionId, claims, { reserved })
    const access = await this.#issue('access', user.id, sessionId, claims, { reserved: accessReserved })
    return { access: access.token, refresh: refresh.token, refreshJti: refresh.jti }
  }

  /** The authentication of a password login happening now. */
  passwordLogin(): Authentication {
    return { amr: ['pwd'], authTime: toEpochSeconds(this.deps.clock.now()) }
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
    // Sessions ended are the ledger's to judge: it blacklisted their refresh tokens.
    if (gate.revokedByCutoff(verified, gate.cutoffOf(verified.userId))) throw new TokenInvalid('revoked')
    return {
      user: found.user,
      claims: withAuthentication(customClaims(found.user, found.groups), authenticationOf(verified)),
    }
  }

  /** `findWithGroups` for a store without it: groups are read only for an active user. */
  async #findThenGroups(id: number): Promise<{ user: UserRecord; groups: string[] } | undefined> {
    const user = await this.deps.users.findById(id)
    if (user === undefined || !user.isActive) return user && { user, groups: [] }
    return { user, groups: await this.deps.users.groupNames(id) }
  }

  /**
   * `/token/refresh/`: a new access token, and with rotation a new refresh token whose
   * predecessor is consumed atomically. Concurrent refreshes of one token (two tabs, a retry) get
   * one child: the first rotates, the others are answered that same child while it is unused and
   * within `REFRESH_REUSE_INTERVAL`, so a session never forks. Anything later is a replay.
   *
   * @throws TokenInvalid (`wrong_type`, `blacklisted`, `reused`, `expired`, …), NoActiveAccountForToken
   */
  async refresh(raw: string, ctx: RequestContext): Promise<{ access: string; refresh?: string }> {
    const { settings, codec, ledger, gate } = this.deps
    const old = await codec.verify(raw, 'refresh')
    if (settings.ROTATE_REFRESH_TOKENS && settings.BLACKLIST_AFTER_ROTATION) {
      if (gate.revokedByCutoff(old, gate.cutoffOf(old.userId))) {
        // Refused before anything is rotated; an inactive or deleted user is told so first.
        const state = await gate.load(old.userId)
        if (state.status !== 'active') throw new NoActiveAccountForToken()
        throw new TokenInvalid('revoked')
      }
      return this.#rotate(old, ctx)
    }
    if (await ledger.isBlacklisted(old.jti)) throw new TokenInvalid('blacklisted')
    // Fixed before the database is asked: nothing this refresh signs outlives a session ended after.
    const accessReserved = await this.#reserve('access', old.userId)
    const { user, claims } = await this.#activeUserOf(old)
    const sessionId = old.sessionId ?? null
    let rotated: string | undefined
    if (settings.ROTATE_REFRESH_TOKENS) {
      // simplejwt's semantics with blacklisting off: the old token stays usable.
      const reserved = await this.#reserve('refresh', user.id)
      const next = this.#record(
        reserved.jti,
        user.id,
        reserved.iat,
        reserved.exp,
        old.sessionId ?? null,
        old.jti,
        ctx,
      )
      await ledger.recordIssued(next)
      rotated = (await this.#issue('refresh', user.id, sessionId, claims, { reserved })).token
    }
    const access = await this.#issue('access', user.id, sessionId, claims, { reserved: accessReserved })
    void this.deps.audit.record('refresh', { userId: user.id, context: ctx })
    return rotated === undefined ? { access: access.token } : { access: access.token, refresh: rotated }
  }

  /**
   * Atomic rotation (rotation and blacklist-after-rotation on): the ledger reads the user and
   * rotates in one step. The new tokens' `jti`, `iat` and `exp` are fixed first, so the ledger
   * can record the refresh token, which is signed once the user's claims are known. Refusals: no
   * active account, then the rotation's outcome.
   */
  async #rotate(old: VerifiedToken, ctx: RequestContext): Promise<{ access: string; refresh: string }> {
    const { clock, customClaims, ledger } = this.deps
    const reserved = await this.#reserve('refresh', old.userId)
    const accessReserved = await this.#reserve('access', old.userId)
    const oldRecord = this.#record(old.jti, old.userId, old.iat, old.exp, null, null, ctx)
    const nextRecord = this.#record(reserved.jti, old.userId, reserved.iat, reserved.exp, null, old.jti, ctx)
    const { account, rotation } = await ledger.rotateForActiveUser(
      oldRecord,
      nextRecord,
      new Date(clock.now()),
      true,
    )
    if (rotation === null) throw new NoActiveAccountForToken()
    if (rotation.outcome === 'blacklisted') throw new TokenInvalid('blacklisted')
    const child =
      rotation.outcome === 'already_rotated' ? await this.#repeatedRefresh(old, rotation, ctx) : reserved
    const sessionId = rotation.familyId
    // The session's authentication travels in its refresh token: a refresh is not a login.
    const claims = withAuthentication(customClaims(account.user, account.groups), authenticationOf(old))
    const refresh = await this.#issue('refresh', old.userId, sessionId, claims, { reserved: child })
    const access = await this.#issue('access', old.userId, sessionId, claims, { reserved: accessReserved })
    void this.deps.audit.record('refresh', { userId: old.userId, context: ctx })
    return { access: access.token, refresh: refresh.token }
  }

  /**
   * A refresh token that was already rotated came back. Within `REFRESH_REUSE_INTERVAL` of its
   * rotation, while the token that replaced it is unused and unexpired, this is a race (two tabs,
   * a retried request whose answer was lost): the caller gets that same replacement (same `jti`
   * and `exp`, signed again), so the session keeps one lineage. Otherwise it is a replay of a
   * stolen token: every session of the user ends and the event is audited.
   *
   * @throws TokenInvalid (`reused`)
   */
  async #repeatedRefresh(
    old: VerifiedToken,
    result: { rotatedAt: Date; familyId: string; replacement: Replacement | null },
    ctx: RequestContext,
  ): Promise<ReservedToken> {
    const { settings, clock, audit } = this.deps
    const now = clock.now()
    const age = (now - result.rotatedAt.getTime()) / 1000
    const child = result.replacement
    if (age < settings.REFRESH_REUSE_INTERVAL && child?.unused && child.expiresAt.getTime() > now) {
      return {
        type: 'refresh',
        jti: child.jti,
        iat: toEpochSeconds(child.createdAt.getTime()),
        exp: toEpochSeconds(child.expiresAt.getTime()),
      }
    }
    // Ends every session of the user, this one included (it holds the replayed, unexpired token).
    await this.deps.revokeAll(old.userId)
    await audit.record('refresh_reuse_detected', {
      userId: old.userId,
      context: ctx,
      detail: { family: result.familyId, jti: old.jti, rotated_seconds_ago: Math.round(age) },
    })
    throw new TokenInvalid('reused')
  }

  /**
   * `/token/verify/`: signature and expiry for any token type, plus the blacklist, the token's
   * session and the user's revocation cut-off (simplejwt answers 400 for a blacklisted token;
   * Tessera answers 401).
   */
  async verify(raw: string): Promise<VerifiedToken> {
    const verified = await this.deps.codec.verify(raw, null)
    if (verified.type !== 'access' && (await this.deps.ledger.isBlacklisted(verified.jti))) {
      throw new TokenInvalid('blacklisted')
    }
    const state = await this.deps.gate.load(verified.userId)
    if (this.deps.gate.revokes(verified, state.cutoff)) throw new TokenInvalid('revoked')
    return verified
  }

  /**
   * `/token/blacklist/` (logout): the refresh token can no longer be used, and its session ends:
   * the session's other tokens are blacklisted and its access tokens void on every instance.
   */
  async blacklist(raw: string, ctx: RequestContext): Promise<VerifiedToken> {
    const { ledger, clock, gate, settings } = this.deps
    const verified = await this.deps.codec.verify(raw, 'refresh')
    const record = this.#record(
      verified.jti,
      verified.userId,
      verified.iat,
      verified.exp,
      verified.sessionId ?? null,
      null,
      ctx,
    )
    const now = clock.now()
    const voidUntil = sessionVoidUntil(now, settings)
    const fresh = await ledger.blacklist(record, new Date(now), voidUntil)
    if (!fresh) throw new TokenInvalid('blacklisted')
    // The session id is in the token, or (a token from before session ids) in the feed.
    if (verified.sessionId !== undefined) gate.noteSessionEnded(verified.sessionId, voidUntil.getTime())
    else await gate.sync().catch(() => {})
    await this.deps.announceEnded?.(verified.userId).catch(() => {})
    void this.deps.audit.record('logout', { userId: verified.userId, context: ctx })
    return verified
  }

  /** `/token/sliding/`: one token that is both access and refreshable until its refresh deadline. */
  async obtainSliding(user: UserRecord, auth?: Authentication): Promise<string> {
    const { settings, clock } = this.deps
    const deadline = toEpochSeconds(clock.now()) + settings.SLIDING_TOKEN_REFRESH_LIFETIME
    const claims = withAuthentication(await this.#claimsFor(user), auth ?? this.passwordLogin())
    const issued = await this.#issue('sliding', user.id, null, claims, {
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
    const issued = await this.#issue('sliding', user.id, null, claims, {
      extra: { [settings.SLIDING_TOKEN_REFRESH_EXP_CLAIM]: deadline },
    })
    return issued.token
  }
}
