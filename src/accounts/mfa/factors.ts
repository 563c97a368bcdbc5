/**
 * A user's second factors: TOTP (RFC 6238 with otpauth: SHA-1, 6 digits, 30 s steps), recovery
 * codes and, through `PasskeyStore`, passkeys. A TOTP code is accepted once: the step it belongs to
 * is recorded atomically, and a code of that step or an earlier one is refused (RFC 6238 §5.2).
 */
import { Secret as OtpSecret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import type { MfaMethod } from '@tessera/protocol'
import type { Clock } from '../../core/clock.js'
import { ServiceUnavailable, ValidationFailed } from '../../core/errors.js'
import type { MfaStore, PasskeyStore, UserRecord } from '../../store/ports.js'
import type { AuditLog } from '../audit.js'
import type { RequestContext } from '../context.js'
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js'
import { type SecretBox, UnreadableSecret } from './secret-box.js'

export const TOTP_PERIOD = 30
export const TOTP_DIGITS = 6
const CODE = /^\d{6}$/

/** What the user is told by mail when a factor changes. */
export type FactorChange =
  | 'totp_enabled'
  | 'totp_disabled'
  | 'recovery_codes_regenerated'
  | 'passkey_added'
  | 'passkey_removed'
  | 'mfa_reset'

export interface FactorDeps {
  store: MfaStore
  passkeys: PasskeyStore
  box: SecretBox
  clock: Clock
  audit: Pick<AuditLog, 'record'>
  /** `TOTP_ISSUER`: the name authenticator apps show. */
  issuer: string
  /** Steps either side of now that are still accepted (clock drift). */
  window: number
  /** Tells the user (by mail) that a factor was added or removed; never fails the change. */
  notify?: (userId: number, change: FactorChange) => void
}

const invalidCode = () => new ValidationFailed({ code: ['Invalid or expired code.'] })

export class SecondFactors {
  constructor(private readonly deps: FactorDeps) {}

  #totp(secret: string, user: Pick<UserRecord, 'username'>): TOTP {
    return new TOTP({
      issuer: this.deps.issuer,
      label: user.username,
      secret: OtpSecret.fromBase32(secret),
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD,
    })
  }

  /** The methods that can complete a login of this user, in a stable order. */
  async methods(userId: number): Promise<MfaMethod[]> {
    const [totp, passkeys, codes] = await Promise.all([
      this.deps.store.totp(userId),
      this.deps.passkeys.listFor(userId),
      this.deps.store.remainingRecoveryCodes(userId),
    ])
    const methods: MfaMethod[] = []
    if (totp?.confirmedAt != null) methods.push('totp')
    if (passkeys.length > 0) methods.push('webauthn')
    if (methods.length > 0 && codes > 0) methods.push('recovery_code')
    return methods
  }

  async status(userId: number) {
    const [totp, passkeys, codes] = await Promise.all([
      this.deps.store.totp(userId),
      this.deps.passkeys.listFor(userId),
      this.deps.store.remainingRecoveryCodes(userId),
    ])
    return {
      totp: totp?.confirmedAt != null,
      recovery_codes_remaining: codes,
      passkeys: passkeys.length,
      methods: await this.methods(userId),
    }
  }

  /**
   * Starts TOTP enrolment: a fresh secret, not in force until `confirm`. A second setup before
   * confirming replaces the first secret.
   *
   * @throws ValidationFailed when TOTP is already on (turn it off first).
   */
  async setup(user: UserRecord): Promise<{ secret: string; otpauth_uri: string; qr_svg: string }> {
    const secret = new OtpSecret({ size: 20 }).base32
    const stored = await this.deps.store.setPendingTotp(
      user.id,
      this.deps.box.seal(secret, user.id),
      new Date(this.deps.clock.now()),
    )
    if (!stored) throw new ValidationFailed({ non_field_errors: ['TOTP is already enabled.'] })
    const uri = this.#totp(secret, user).toString()
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    return { secret, otpauth_uri: uri, qr_svg: svg }
  }

  /**
   * The time step `code` belongs to for this secret now, or undefined. Codes of the steps within
   * `window` of now are accepted (otpauth compares in constant time).
   */
  #stepOf(secret: string, user: UserRecord, code: string): number | undefined {
    if (!CODE.test(code)) return undefined
    const timestamp = this.deps.clock.now()
    const delta = this.#totp(secret, user).validate({ token: code, timestamp, window: this.deps.window })
    if (delta === null) return undefined
    return Math.floor(timestamp / 1000 / TOTP_PERIOD) + delta
  }

  /**
   * Confirms the pending secret with a code from it: TOTP is on, and the answer is a new set of
   * recovery codes (shown once).
   *
   * @throws ValidationFailed (`code`) for a wrong, stale or replayed code, or nothing pending.
   */
  async confirm(user: UserRecord, code: string, context: RequestContext): Promise<string[]> {
    const record = await this.deps.store.totp(user.id)
    if (record === undefined || record.confirmedAt !== null) throw invalidCode()
    const step = this.#stepOf(await this.#secretOf(record.secret, user.id), user, code)
    const now = new Date(this.deps.clock.now())
    if (step === undefined || !(await this.deps.store.acceptTotpStep(user.id, step, now, true)))
      throw invalidCode()
    void this.deps.audit.record('mfa_totp_enabled', { userId: user.id, context })
    this.deps.notify?.(user.id, 'totp_enabled')
    return this.#newRecoveryCodes(user.id)
  }

  /**
   * The user's TOTP secret, opened; one sealed under a fallback key is sealed again under the
   * current one, so an old key can be dropped once every secret was used after the rotation.
   *
   * @throws ServiceUnavailable when no configured key opens it (an operator's key change: 503,
   *   never a wrong-code answer that would blame the user)
   */
  async #secretOf(sealed: string, userId: number): Promise<string> {
    let secret: string
    try {
      secret = this.deps.box.open(sealed, userId)
    } catch (error) {
      if (error instanceof UnreadableSecret) throw new ServiceUnavailable('MFA_SECRET_KEY', { cause: error })
      throw error
    }
    if (!this.deps.box.isCurrent(sealed)) {
      await this.deps.store.resealTotp(userId, sealed, this.deps.box.seal(secret, userId))
    }
    return secret
  }

  /** Whether `code` is a current, unused code of the user's confirmed TOTP; a true answer uses it. */
  async verifyTotp(user: UserRecord, code: string): Promise<boolean> {
    const record = await this.deps.store.totp(user.id)
    if (record === undefined || record.confirmedAt === null) return false
    const step = this.#stepOf(await this.#secretOf(record.secret, user.id), user, code)
    if (step === undefined) return false
    return this.deps.store.acceptTotpStep(user.id, step, new Date(this.deps.clock.now()), false)
  }

  /** Whether `typed` is one of the user's unused recovery codes; a true answer uses it. */
  async redeemRecoveryCode(userId: number, typed: string): Promise<boolean> {
    const hash = recoveryCodeHash(typed)
    if (hash === undefined) return false
    return this.deps.store.redeemRecoveryCode(userId, hash, new Date(this.deps.clock.now()))
  }

  /**
   * A new set of recovery codes; the old ones stop working.
   *
   * @throws ValidationFailed when the user has no second factor (codes would recover nothing).
   */
  async regenerateRecoveryCodes(userId: number, context: RequestContext): Promise<string[]> {
    const methods = await this.methods(userId)
    if (!methods.includes('totp') && !methods.includes('webauthn'))
      throw new ValidationFailed({ non_field_errors: ['Enable a second factor first.'] })
    const codes = await this.#newRecoveryCodes(userId)
    void this.deps.audit.record('mfa_recovery_codes_regenerated', { userId, context })
    this.deps.notify?.(userId, 'recovery_codes_regenerated')
    return codes
  }

  async #newRecoveryCodes(userId: number): Promise<string[]> {
    const codes = newRecoveryCodes()
    const hashes = codes.map((code) => recoveryCodeHash(code) as string)
    await this.deps.store.replaceRecoveryCodes(userId, hashes, new Date(this.deps.clock.now()))
    return codes
  }

  /** Turns TOTP off; recovery codes go too once no factor is left. False when it was not on. */
  async disableTotp(userId: number, context: RequestContext): Promise<boolean> {
    const record = await this.deps.store.totp(userId)
    if (record === undefined) return false
    await this.deps.store.deleteTotp(userId)
    if (record.confirmedAt === null) return false
    await this.dropCodesIfNoFactor(userId)
    void this.deps.audit.record('mfa_totp_disabled', { userId, context })
    this.deps.notify?.(userId, 'totp_disabled')
    return true
  }

  /** Recovery codes recover a second factor: with none left, they go. */
  async dropCodesIfNoFactor(userId: number): Promise<void> {
    const methods = await this.methods(userId)
    if (!methods.includes('totp') && !methods.includes('webauthn'))
      await this.deps.store.replaceRecoveryCodes(userId, [], new Date(this.deps.clock.now()))
  }

  /** The operator's reset: every factor and recovery code of the user goes; audited, the user told. */
  async reset(userId: number, by: string): Promise<{ totp: boolean; passkeys: number }> {
    const totp = await this.deps.store.deleteTotp(userId)
    const passkeys = await this.deps.passkeys.deleteAllFor(userId)
    await this.deps.store.replaceRecoveryCodes(userId, [], new Date(this.deps.clock.now()))
    await this.deps.audit.record('mfa_reset', { userId, detail: { by, totp, passkeys } })
    this.deps.notify?.(userId, 'mfa_reset')
    return { totp, passkeys }
  }
}
