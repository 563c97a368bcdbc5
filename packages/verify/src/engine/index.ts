/**
 * `@tessera/verify/engine`: the token verification engine itself, for code that builds its own
 * verifier (the Tessera server does). Apps want `createVerifier` and the guards from
 * `@tessera/verify` instead.
 */
export { headerFromRaw, MAX_AUTH_HEADER_LENGTH, authorizationOf, tokenFromAuthorization } from '../auth-header.js'
export { BoundedMap } from './bounded-map.js'
export type { ClaimRules, SyncAlgorithm, SyncHeader, SyncVerifier } from './sync-compact.js'
export { MAX_TOKEN_LENGTH, TokenVerifier, type TokenVerifierOptions } from './token-verifier.js'
export type {
  Clock,
  FoundKeys,
  KeyMaterial,
  KeyResolver,
  KeySelector,
  TokenType,
  VerifiedToken,
  VerifyRules,
} from './types.js'
export { PUBLIC_MEMBERS, publicJwkOf } from './public-jwk.js'
