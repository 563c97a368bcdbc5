import { type Clock, toEpochSeconds } from '../core/clock.js'
import { UserNotFound } from '../core/errors.js'
import type { OutstandingToken, RevocationStore, TokenLedger, UserStore } from '../store/ports.js'
import type { AuditEventName, AuditFacts } from './audit.js'
import type { RequestContext } from './context.js'
import { type SessionEndSettings, sessionVoidUntil } from './session-end.js'
import type { UserGate } from './user-gate.js'

/** What a user may do beyond their own account: Django's two flags. */
export interface UserFlags {
  isStaff?: boolean
  isSuperuser?: boolean
}

/**
 * Who made an operator change through the admin API: audited as `detail.actor` with the request's
 * address. Changes from the CLI have none (whoever runs it holds the database).
 */
export interface Actor {
  readonly userId: number
  readonly isSuperuser: boolean
  readonly context?: RequestContext
}

/** The audit facts of a change to `userId` (or to no user) made by `by`. */
export function actorFacts(
  by: Actor | undefined,
  userId: number | null,
  detail: Record<string, unknown> = {},
): AuditFacts {
  return {
    userId,
    ...(by?.context ? { context: by.context } : {}),
    detail: by === undefined ? detail : { ...detail, actor: by.userId },
  }
}

/**
 * Changes that end a user's sessions everywhere: deactivation, deletion, logout-all, and an
 * operator's revoke. Each writes the user's cut-off (so access tokens issued before it stop
 * working on every instance) and blacklists their refresh tokens.
 */
export class AccountAdmin {
  constructor(
    private readonly deps: {
      users: UserStore
      ledger: TokenLedger
      revocations: RevocationStore
      gate: UserGate
      clock: Clock
      settings: SessionEndSettings
      /**
       * Tells other instances at once (Redis) that the user's cut-off moved or sessions ended
       * (`notBefore` 0); they also poll the database, so this may fail.
       */
      announce?: (userId: number, notBefore: number) => Promise<void>
      /** Where operator changes (activation, flags, groups) are recorded. */
      audit?: { record(event: AuditEventName, facts?: AuditFacts): Promise<void> }
    },
  ) {}

  /**
   * Voids every token of the user issued up to now: the cut-off (the next whole second) for tokens
   * without a session id, and every session of the user ended (their refresh tokens blacklisted,
   * their access tokens void through `sid`) in one transaction that waits for rotations in flight,
   * so a refresh that began before this call yields nothing valid after it. Sessions started
   * after it are valid on every instance (`UserGate.revokes`).
   */
  async revokeAll(userId: number): Promise<number> {
    const { ledger, revocations, gate, clock } = this.deps
    const now = clock.now()
    const cutoff = toEpochSeconds(now) + 1
    await revocations.setCutoff(userId, cutoff)
    gate.noteCutoff(userId, cutoff)
    const ended = await ledger.revokeUser(userId, new Date(now), sessionVoidUntil(now, this.deps.settings))
    // Other instances learn it from the feed; this one at once (or at its next poll if this fails).
    await gate.sync().catch(() => {})
    await this.deps.announce?.(userId, cutoff).catch(() => {})
    return ended
  }

  /**
   * Ends one session of the user (a device signed out from the sessions list): its refresh
   * tokens blacklisted and its access tokens void on every instance within a second.
   */
  async endSession(userId: number, sessionId: string): Promise<number> {
    const { ledger, gate, clock } = this.deps
    const now = clock.now()
    const voidUntil = sessionVoidUntil(now, this.deps.settings)
    const ended = await ledger.revokeFamily(sessionId, new Date(now), voidUntil)
    gate.noteSessionEnded(sessionId, voidUntil.getTime())
    await this.deps.announce?.(userId, 0).catch(() => {})
    return ended
  }

  /**
   * Blacklists one refresh token and ends its session, as a logout with it does: every live
   * token of its family blacklisted and its access tokens void on every instance within a second.
   * False when it was blacklisted already.
   */
  async blacklistToken(token: OutstandingToken, by?: Actor): Promise<boolean> {
    const { ledger, gate, clock } = this.deps
    const now = clock.now()
    const voidUntil = sessionVoidUntil(now, this.deps.settings)
    const done = await ledger.blacklist(token, new Date(now), voidUntil)
    gate.noteSessionEnded(token.familyId, voidUntil.getTime())
    await this.deps.announce?.(token.userId, 0).catch(() => {})
    if (done) {
      await this.deps.audit?.record(
        'token_blacklisted',
        actorFacts(by, token.userId, { jti: token.jti, session: token.familyId }),
      )
    }
    return done
  }

  async setActive(userId: number, active: boolean, by?: Actor): Promise<boolean> {
    const updated = await this.deps.users.update(userId, { isActive: active })
    if (updated === undefined) return false
    if (!active) await this.revokeAll(userId)
    this.deps.gate.invalidate(userId)
    await this.deps.audit?.record(active ? 'user_activated' : 'user_deactivated', actorFacts(by, userId))
    return true
  }

  /**
   * Sets the staff and superuser flags. Tokens carry them (`is_staff`, `is_superuser`), so taking
   * one away voids every token issued before, as logout-all does; granting one takes effect at
   * the user's next login or refresh.
   *
   * @throws UserNotFound for an unknown user
   */
  async setFlags(userId: number, flags: UserFlags, by?: Actor): Promise<void> {
    const before = await this.deps.users.findById(userId)
    if (before === undefined) throw new UserNotFound()
    await this.deps.users.update(userId, flags)
    const demoted =
      (flags.isStaff === false && before.isStaff) || (flags.isSuperuser === false && before.isSuperuser)
    if (demoted) await this.revokeAll(userId)
    this.deps.gate.invalidate(userId)
    await this.deps.audit?.record(
      'user_roles_changed',
      actorFacts(by, userId, {
        staff: flags.isStaff ?? before.isStaff,
        superuser: flags.isSuperuser ?? before.isSuperuser,
        revoked: demoted,
      }),
    )
  }

  /**
   * Adds the user to `group` or removes them from it. The `roles` claim lists groups, so a
   * removal voids every token issued before, as logout-all does. False when nothing changed.
   *
   * @throws UserNotFound for an unknown user
   */
  async setMembership(userId: number, group: string, member: boolean, by?: Actor): Promise<boolean> {
    const groups = await this.deps.users.groupNames(userId)
    if (groups.includes(group) === member) return false
    await this.setGroups(userId, member ? [...groups, group] : groups.filter((name) => name !== group), by)
    return true
  }

  /**
   * Makes `names` the user's groups. Any removal voids every token issued before, as logout-all
   * does (the `roles` claim lists groups); each group added or removed is audited.
   *
   * @throws UserNotFound for an unknown user
   */
  async setGroups(userId: number, names: readonly string[], by?: Actor): Promise<void> {
    const before = await this.deps.users.groupNames(userId)
    const wanted = [...new Set(names)]
    const added = wanted.filter((name) => !before.includes(name))
    const removed = before.filter((name) => !wanted.includes(name))
    if (added.length === 0 && removed.length === 0) return
    await this.deps.users.setGroups(userId, wanted)
    if (removed.length > 0) await this.revokeAll(userId)
    this.deps.gate.invalidate(userId)
    for (const group of added) {
      await this.deps.audit?.record('group_member_added', actorFacts(by, userId, { group }))
    }
    for (const group of removed) {
      await this.deps.audit?.record('group_member_removed', actorFacts(by, userId, { group }))
    }
  }

  async deleteUser(userId: number): Promise<boolean> {
    await this.revokeAll(userId)
    const deleted = await this.deps.users.delete(userId)
    this.deps.gate.invalidate(userId)
    return deleted
  }
}
