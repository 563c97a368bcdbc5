/**
 * How a session's user proved who they are, carried in its tokens as RFC 8176 `amr` and OpenID
 * Connect `auth_time` claims. Set at login and copied from the refresh token on every refresh: a
 * refresh is not a new authentication, so `auth_time` never moves forward without a login.
 */
import type { VerifiedToken } from '../../tokens/types.js'

/** RFC 8176 §2 values Tessera writes. */
export type AmrValue = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'mfa'

export interface Authentication {
  /** The methods used, in the order used (`pwd` first for a password login). */
  readonly amr: readonly string[]
  /** Epoch seconds of the login. */
  readonly authTime: number
  /**
   * The user must enrol a second factor first (`MFA_REQUIRED_FOR_STAFF`): the tokens carry
   * `mfa_enrollment: true` and none of the staff claims, and Tessera's own routes accept them
   * only for setting up a factor.
   */
  readonly enrollmentOnly?: boolean
}

/** The claim that marks tokens limited to enrolling a second factor. */
export const ENROLLMENT_CLAIM = 'mfa_enrollment'

/** The claims staff powers come from, left out of enrolment-only tokens. */
const STAFF_CLAIMS = ['roles', 'is_staff', 'is_superuser'] as const

/** The claims for tokens of a session authenticated by `auth`, on top of the user's claims. */
export function withAuthentication(
  claims: Record<string, unknown>,
  auth: Authentication | undefined,
): Record<string, unknown> {
  if (auth === undefined) return claims
  const out: Record<string, unknown> = { ...claims, amr: [...auth.amr], auth_time: auth.authTime }
  if (auth.enrollmentOnly === true) {
    for (const name of STAFF_CLAIMS) delete out[name]
    out[ENROLLMENT_CLAIM] = true
  }
  return out
}

/**
 * What a verified token says of its session's authentication; undefined for tokens issued before
 * Tessera wrote these claims (they keep none through refreshes, and count as not recent).
 */
export function authenticationOf(token: VerifiedToken): Authentication | undefined {
  const { amr, auth_time: authTime } = token.claims
  if (!Array.isArray(amr) || typeof authTime !== 'number' || !Number.isSafeInteger(authTime)) return undefined
  const methods = amr.filter((value): value is string => typeof value === 'string')
  return {
    amr: methods,
    authTime,
    ...(token.claims[ENROLLMENT_CLAIM] === true ? { enrollmentOnly: true } : {}),
  }
}

/** Whether the session used a second factor (RFC 8176 `mfa`). */
export const usedSecondFactor = (auth: Authentication | undefined): boolean =>
  auth?.amr.includes('mfa') === true
