import { type Clock, toEpochSeconds } from '../core/clock.js'
import type { RevocationStore, TokenLedger, UserStore } from '../store/ports.js'
import type { UserGate } from './user-gate.js'

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
      /** Tells other instances at once (Redis); they also poll the database, so this may fail. */
      announce?: (userId: number, notBefore: number) => Promise<void>
    },
  ) {}

  /**
   * Voids every token of the user issued up to now. The cut-off is the next whole second, so a
   * token issued earlier in this same second is void too; tokens issued from now on carry
   * `iat` >= the cut-off (see `cutoffIat`).
   */
  async revokeAll(userId: number): Promise<number> {
    const { ledger, revocations, gate, clock } = this.deps
    const now = clock.now()
    const cutoff = toEpochSeconds(now) + 1
    await revocations.setCutoff(userId, cutoff)
    gate.noteCutoff(userId, cutoff)
    await this.deps.announce?.(userId, cutoff).catch(() => {})
    return ledger.revokeUser(userId, new Date(now))
  }

  async setActive(userId: number, active: boolean): Promise<boolean> {
    const updated = await this.deps.users.update(userId, { isActive: active })
    if (updated === undefined) return false
    if (!active) await this.revokeAll(userId)
    this.deps.gate.invalidate(userId)
    return true
  }

  async deleteUser(userId: number): Promise<boolean> {
    await this.revokeAll(userId)
    const deleted = await this.deps.users.delete(userId)
    this.deps.gate.invalidate(userId)
    return deleted
  }
}
