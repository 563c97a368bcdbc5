/**
 * The errors every Tessera package raises for a refused token or request, with stable codes.
 * They know no HTTP status: the server's error map and the guards' answer choose it. Shared here
 * so that a server, a verifier and their guards agree on one class per failure (`instanceof`).
 */
import type { ErrorCode } from './codes.js'

export class TesseraError extends Error {
  readonly code: ErrorCode = 'server_error'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Why a token was refused. Logged and audited; the wire text is `tokenFailureText`'s. */
export type TokenFailure =
  | 'malformed'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'alg_not_allowed'
  | 'unknown_key'
  | 'bad_header'
  | 'bad_claims'
  | 'no_user_id'
  | 'wrong_type'
  | 'blacklisted'
  | 'revoked'
  | 'reused'

/** The token is invalid, expired, of the wrong type or revoked (`token_not_valid`). */
export class TokenInvalid extends TesseraError {
  override readonly code = 'token_not_valid'
  constructor(
    readonly reason: TokenFailure,
    options?: { cause?: unknown },
  ) {
    super(`token rejected: ${reason}`, options)
  }
}

/** A token refused by a protected view: simplejwt adds `messages` per token class tried. */
export class AccessTokenRejected extends TesseraError {
  override readonly code = 'token_not_valid'
  constructor(readonly reason: TokenFailure) {
    super(`access token rejected: ${reason}`)
  }
}

/** The Authorization header names a known scheme but is not `<scheme> <token>`. */
export class BadAuthorizationHeader extends TesseraError {
  override readonly code = 'bad_authorization_header'
  constructor() {
    super('Authorization header must contain two space-delimited values')
  }
}

/** No credentials on a request that needs them. */
export class NotAuthenticated extends TesseraError {
  override readonly code = 'not_authenticated'
  constructor() {
    super('Authentication credentials were not provided.')
  }
}

export class PermissionDenied extends TesseraError {
  override readonly code = 'permission_denied'
  constructor(message = 'You do not have permission to perform this action.') {
    super(message)
  }
}

/** A dependency (database, Redis, a JWKS host, a revocation feed) is unreachable: retry later. */
export class ServiceUnavailable extends TesseraError {
  override readonly code = 'service_unavailable'
  constructor(
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options)
  }
}

/** simplejwt's wire text for each reason a token is refused. */
export function tokenFailureText(reason: TokenFailure): string {
  if (reason === 'wrong_type') return 'Token has wrong type'
  // A replayed (reused) refresh token is blacklisted by its rotation: say so, as simplejwt does.
  if (reason === 'blacklisted' || reason === 'reused') return 'Token is blacklisted'
  if (reason === 'revoked') return 'Token has been revoked'
  if (reason === 'no_user_id') return 'Token contained no recognizable user identification'
  return 'Token is invalid or expired'
}

/**
 * The action needs a recent authentication: the token's `auth_time` is older than the route
 * allows (or absent). The caller logs in again (with its second factor) and retries.
 */
export class ReauthenticationRequired extends TesseraError {
  override readonly code = 'reauthentication_required'
  constructor(readonly maxAge: number) {
    super('This action requires a recent authentication. Log in again and retry.')
  }
}

/** The action needs a token whose login used a second factor (`amr` holds `mfa`). */
export class SecondFactorRequired extends TesseraError {
  override readonly code = 'mfa_required'
  constructor() {
    super('This action requires a login with a second factor.')
  }
}
