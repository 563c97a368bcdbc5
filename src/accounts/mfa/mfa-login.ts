/**
 * The second step of a login. A right password on an account with a second factor yields no
 * tokens: it stores a random, single-use `mfa_token` (its SHA-256 only) valid for
 * `MFA_TOKEN_LIFETIME`, and `complete` turns it and one factor into the login. Attempts are
 * counted on the token (at most `MFA_MAX_ATTEMPTS`, across instances: the count is in the
 * database) and per account (`RATE_LIMIT_MFA_PER_ACCOUNT` failures per window); failures are
 * audited.
 */
import type { MfaMethod } from '@tessera/protocol'
import { type Clock, toEpochSeconds } from '../../core/clock.js'
import { MfaFailed, MfaRequired, MfaTokenInvalid, ValidationFailed } from '../../core/errors.js'
import type { MfaChallengePurpose, MfaStore, UserRecord, UserStore } from '../../store/ports.js'
import type { AuditLog } from '../audit.js'
import type { RequestContext } from '../context.js'
import { linkTokenHash, newLinkToken } from '../link-tokens.js'
import type { LoginThrottle } from '../login-throttle.js'
import type { Authentication } from './authentication.js'
import type { SecondFactors } from './factors.js'
import type { Passkeys } from './passkeys.js'

export interface MfaLoginDeps {
  store: MfaStore
  users: UserStore
  factors: SecondFactors
  passkeys?: Passkeys | undefined
  clock: Clock
  audit: Pick<AuditLog, 'record'>
  /** `MFA_TOKEN_LIFETIME`, seconds. */
  lifetime: number
  /** `MFA_MAX_ATTEMPTS` per `mfa_token`. */
  maxAttempts: number
  /** Failed second steps per account (`RATE_LIMIT_MFA_PER_ACCOUNT`); none when limits are off. */
  throttle?: LoginThrottle | undefined
  /** `MFA_REQUIRED_FOR_STAFF`. */
  requiredForStaff: boolean
}

/** One factor, as `POST /api/token/mfa/` takes it: exactly one of the fields. */
export type SecondFactor = { code: string } | { recovery_code: string } | { webauthn: unknown }

/** What a password login leads to. */
export type AfterPassword =
  | { next: 'tokens'; auth: Authentication }
  /** Staff without a factor while MFA_REQUIRED_FOR_STAFF: tokens limited to enrolling one. */
  | { next: 'enroll'; auth: Authentication }

export class MfaLogin {
  constructor(private readonly deps: MfaLoginDeps) {}

  /**
   * After a right password: the authentication for tokens, or, for a user with a second factor,
   * `MfaRequired` with a fresh `mfa_token`.
   *
   * @throws MfaRequired
   */
  async afterPassword(
    user: UserRecord,
    purpose: MfaChallengePurpose,
    context: RequestContext,
  ): Promise<AfterPassword> {
    const methods = await this.deps.factors.methods(user.id)
    const now = this.deps.clock.now()
    const auth: Authentication = { amr: ['pwd'], authTime: toEpochSeconds(now) }
    if (methods.length === 0) {
      if (this.deps.requiredForStaff && (user.isStaff || user.isSuperuser))
        return { next: 'enroll', auth: { ...auth, enrollmentOnly: true } }
      return { next: 'tokens', auth }
    }
    const token = newLinkToken()
    await this.deps.store.issueChallenge({
      hash: linkTokenHash(token) as string,
      userId: user.id,
      purpose,
      createdAt: new Date(now),
      expiresAt: new Date(now + this.deps.lifetime * 1000),
    })
    void this.deps.audit.record('mfa_challenge_issued', { userId: user.id, context, detail: { methods } })
    throw new MfaRequired(token, methods)
  }

  /**
   * The user of a live `mfa_token`, counting nothing: for passkey options of a second step.
   *
   * @throws MfaTokenInvalid
   */
  async userOf(mfaToken: string): Promise<number> {
    const hash = linkTokenHash(mfaToken)
    // Counted as an attempt: options cost a stored challenge each.
    const challenge =
      hash &&
      (await this.deps.store.attemptChallenge(hash, new Date(this.deps.clock.now()), this.deps.maxAttempts))
    if (!challenge) throw new MfaTokenInvalid()
    return challenge.userId
  }

  /**
   * Completes the login with one factor.
   *
   * @throws MfaTokenInvalid, MfaFailed, Throttled, ValidationFailed
   */
  async complete(
    mfaToken: string,
    factor: SecondFactor,
    context: RequestContext,
  ): Promise<{ user: UserRecord; purpose: MfaChallengePurpose; auth: Authentication }> {
    const { deps } = this
    const hash = linkTokenHash(mfaToken)
    const challenge =
      hash && (await deps.store.attemptChallenge(hash, new Date(deps.clock.now()), deps.maxAttempts))
    if (!hash || !challenge) throw new MfaTokenInvalid()
    const user = await deps.users.findById(challenge.userId)
    if (user === undefined || !user.isActive) throw new MfaTokenInvalid()
    const account = `mfa:${user.id}`
    await deps.throttle?.attempt(account, null)
    const proved = await this.#check(user, factor)
    if (proved === undefined) {
      void deps.audit.record('mfa_failed', {
        userId: user.id,
        context,
        detail: { method: methodOf(factor), attempt: challenge.attempts },
      })
      throw new MfaFailed()
    }
    // One completion per token, whatever the races: the loser starts over.
    if (!(await deps.store.finishChallenge(hash, new Date(deps.clock.now())))) throw new MfaTokenInvalid()
    await deps.throttle?.succeeded(account, null)
    if (methodOf(factor) === 'recovery_code') {
      void deps.audit.record('mfa_recovery_code_used', {
        userId: user.id,
        context,
        detail: { remaining: await deps.store.remainingRecoveryCodes(user.id) },
      })
    }
    return {
      user,
      purpose: challenge.purpose,
      auth: { amr: ['pwd', ...proved, 'mfa'], authTime: toEpochSeconds(deps.clock.now()) },
    }
  }

  /** The `amr` values the factor proves, or undefined when it does not verify. */
  async #check(user: UserRecord, factor: SecondFactor): Promise<string[] | undefined> {
    const { factors, passkeys } = this.deps
    if ('code' in factor) return (await factors.verifyTotp(user, factor.code)) ? ['otp'] : undefined
    if ('recovery_code' in factor)
      return (await factors.redeemRecoveryCode(user.id, factor.recovery_code)) ? ['otp'] : undefined
    if (passkeys === undefined) throw new ValidationFailed({ webauthn: ['Passkeys are not enabled.'] })
    try {
      const assertion = await passkeys.assert(factor.webauthn, user.id)
      return assertion.amr.filter((value) => value !== 'user')
    } catch (error) {
      if (error instanceof ValidationFailed) return undefined
      throw error
    }
  }
}

const methodOf = (factor: SecondFactor): MfaMethod =>
  'code' in factor ? 'totp' : 'recovery_code' in factor ? 'recovery_code' : 'webauthn'
