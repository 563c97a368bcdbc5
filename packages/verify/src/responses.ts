import {
  AccessTokenRejected,
  BadAuthorizationHeader,
  type DetailError,
  type ErrorCode,
  NotAuthenticated,
  PermissionDenied,
  ReauthenticationRequired,
  SecondFactorRequired,
  ServiceUnavailable,
  type TokenMessage,
  TokenInvalid,
  tokenFailureText,
} from '@tessera/protocol'

/** An answer to a refused request: status, JSON body and headers (lower-case names). */
export interface ErrorResponse {
  readonly status: number
  readonly body: DetailError
  readonly headers: Readonly<Record<string, string>>
}

/**
 * simplejwt's and DRF's answers for the errors of authentication and permission, byte for byte:
 * the guards answer with it, and the Tessera server's error map takes these errors from here, so
 * a token refused by a service and by Tessera itself reads the same. Undefined for other errors.
 */
export function authErrorResponse(error: unknown): ErrorResponse | undefined {
  // simplejwt's authentication raises this after the token verified: no per-class `messages`.
  if (error instanceof AccessTokenRejected && error.reason === 'no_user_id') {
    return detail(401, tokenFailureText(error.reason), 'token_not_valid')
  }
  if (error instanceof AccessTokenRejected) {
    const message: TokenMessage = {
      token_class: 'AccessToken',
      token_type: 'access',
      message: tokenFailureText(error.reason),
    }
    return {
      status: 401,
      body: { detail: 'Given token not valid for any token type', code: 'token_not_valid', messages: [message] },
      headers: {},
    }
  }
  if (error instanceof TokenInvalid) return detail(401, tokenFailureText(error.reason), 'token_not_valid')
  // DRF's NotAuthenticated and PermissionDenied carry no `code` on the wire.
  if (error instanceof NotAuthenticated) return detail(401, error.message)
  if (error instanceof BadAuthorizationHeader) return detail(401, error.message, error.code)
  if (error instanceof PermissionDenied) return detail(403, error.message)
  // Authenticated, but not recently enough or without a second factor: 403, so that a client
  // does not take it for an expired token and refresh (a refresh keeps `auth_time` and `amr`).
  if (error instanceof ReauthenticationRequired || error instanceof SecondFactorRequired)
    return detail(403, error.message, error.code)
  if (error instanceof ServiceUnavailable) {
    return {
      status: 503,
      body: { detail: 'Service temporarily unavailable, try again later.', code: 'service_unavailable' },
      headers: { 'retry-after': '1' },
    }
  }
  return undefined
}

function detail(status: number, text: string, code?: ErrorCode): ErrorResponse {
  return { status, body: code === undefined ? { detail: text } : { detail: text, code }, headers: {} }
}
