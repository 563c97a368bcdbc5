import type { Settings } from '../settings/types.js'

export type { TokenType, VerifiedToken } from '@tessera/verify/engine'

/** What a token says about its user besides the id: `email`, `roles`, or a project's own claims. */
export type CustomClaims = Record<string, unknown>

export type TokenSettings = Pick<
  Settings,
  | 'ACCESS_TOKEN_LIFETIME'
  | 'REFRESH_TOKEN_LIFETIME'
  | 'SLIDING_TOKEN_LIFETIME'
  | 'SLIDING_TOKEN_REFRESH_LIFETIME'
  | 'LEEWAY'
  | 'AUDIENCE'
  | 'ISSUER'
  | 'USER_ID_CLAIM'
  | 'TOKEN_TYPE_CLAIM'
  | 'JTI_CLAIM'
  | 'SLIDING_TOKEN_REFRESH_EXP_CLAIM'
  | 'SESSION_ID_CLAIM'
>

/** Claims that custom claims may never overwrite. */
export const RESERVED_CLAIMS = ['exp', 'iat', 'nbf', 'jti', 'iss', 'aud', 'sub'] as const
