import {
  AccessTokenRejected,
  type DetailError,
  ReauthenticationRequired,
  SecondFactorRequired,
  TesseraError,
  TokenInvalid,
} from '@tessera/protocol'
import type { VerifiedToken } from '../engine/types.js'
import { authErrorResponse } from '../responses.js'

/** The caller, as a guard sees it: from the access token's claims alone (no database). */
export interface TesseraUser {
  readonly id: number
  readonly roles: readonly string[]
  readonly scopes: readonly string[]
  readonly email: string | undefined
  /** RFC 8176 authentication methods of the login (`pwd`, `otp`, `hwk`, `swk`, `user`, `mfa`). */
  readonly amr: readonly string[]
  /** When the login happened (epoch seconds; refreshes keep it); undefined when the token says not. */
  readonly authTime: number | undefined
  readonly claims: Readonly<Record<string, unknown>>
}

/** The one principal builder of the Fastify guards and the Express middleware. */
export function userOf(token: VerifiedToken): TesseraUser {
  const claims = token.claims
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((role) => typeof role === 'string') : []
  const scopes =
    typeof claims.scope === 'string'
      ? claims.scope.split(' ').filter(Boolean)
      : Array.isArray(claims.scopes)
        ? claims.scopes.filter((scope): scope is string => typeof scope === 'string')
        : []
  return {
    id: token.userId,
    roles,
    scopes,
    email: typeof claims.email === 'string' ? claims.email : undefined,
    amr: Array.isArray(claims.amr) ? claims.amr.filter((value) => typeof value === 'string') : [],
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
    claims,
  }
}

/** Refuses a user whose login used no second factor (`SecondFactorRequired`, 403 `mfa_required`). */
export function mfaRefusal(user: TesseraUser): TesseraError | undefined {
  return user.amr.includes('mfa') ? undefined : new SecondFactorRequired()
}

/**
 * Refuses a user whose login (`auth_time`) is more than `maxAge` seconds old at `nowMs`, or
 * unknown (`ReauthenticationRequired`, 403 `reauthentication_required`).
 */
export function staleAuthRefusal(user: TesseraUser, maxAge: number, nowMs: number): TesseraError | undefined {
  const age = user.authTime === undefined ? Number.POSITIVE_INFINITY : Math.floor(nowMs / 1000) - user.authTime
  return age <= maxAge ? undefined : new ReauthenticationRequired(maxAge)
}

/**
 * What a failed verification means to a guard: a rejected token answers as an access token
 * rejected on Tessera's own routes (`token_not_valid` with simplejwt's `messages`, "Token has been
 * revoked" for a revoked one); other Tessera errors (JWKS or feed down: 503) as themselves.
 * Anything else is not a verdict on the request and is left to the framework (undefined).
 */
export function guardFailure(error: unknown): TesseraError | undefined {
  if (error instanceof TokenInvalid) return new AccessTokenRejected(error.reason)
  if (error instanceof TesseraError) return error
  return undefined
}

/**
 * The one error-to-response function of the guards: status, body and headers as the Tessera
 * server answers (`authErrorResponse`), with the `WWW-Authenticate` challenge on every 401.
 */
export function guardResponse(
  error: TesseraError,
  challenge: string,
): { status: number; body: DetailError; headers: Record<string, string> } {
  const response = authErrorResponse(error) ?? {
    status: 500,
    body: { detail: 'A server error occurred.', code: 'server_error' },
    headers: {},
  }
  return {
    status: response.status,
    body: response.body,
    headers: {
      ...response.headers,
      ...(response.status === 401 ? { 'WWW-Authenticate': challenge } : {}),
    },
  }
}
