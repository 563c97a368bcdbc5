/**
 * `@tessera/verify`: verify Tessera (and simplejwt) access tokens in any service, locally (a
 * shared secret, a public key or the issuer's JWKS), with guards for Fastify, a middleware for
 * Express, and an opt-in revocation feed. Depends on jose and `@tessera/protocol` only.
 */
export { createVerifier, type Verifier, type VerifierOptions } from './create-verifier.js'
export type { TokenType, VerifiedToken } from './engine/types.js'
export type { RevocationFeedStatus } from './feed-status.js'
export { type ExpressOptions, tesseraExpress } from './guard/express.js'
export {
  type AuthenticatedRequest,
  admin,
  authenticated,
  authenticatedOrReadOnly,
  type Guard,
  type GuardOptions,
  guarded,
  hasRole,
  hasScope,
  recentAuth,
  requireMfa,
  type TesseraUser,
  tesseraAuth,
  type UserGuard,
} from './guard/plugin.js'
export { userOf } from './guard/principal.js'
export { authErrorResponse, type ErrorResponse } from './responses.js'
export type { RedisSubscriber, RevocationRedisOptions } from './revocation-redis.js'
export type { RevocationStreamOptions } from './revocation-stream.js'
