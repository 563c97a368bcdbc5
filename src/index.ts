/**
 * `tessera`: verify Tessera (and simplejwt) tokens anywhere, with no Fastify and no SQL. For the
 * server, see `tessera/server`; for guards in your own Fastify app, `@tessera/verify` (also as `tessera/fastify`).
 */
export { ServiceUnavailable, TesseraError, TokenInvalid } from './core/errors.js'
export {
  createKeyRing,
  generatePrivateJwk,
  type KeyRing,
  loadPrivateJwk,
  loadPrivatePem,
  loadPublicKey,
} from './keys/index.js'
export { TokenCodec } from './tokens/codec.js'
export type { TokenType, VerifiedToken } from './tokens/types.js'
export {
  createVerifier,
  type RedisSubscriber,
  type RevocationFeedStatus,
  type RevocationRedisOptions,
  type RevocationStreamOptions,
  type Verifier,
  type VerifierOptions,
} from '@tessera/verify'
