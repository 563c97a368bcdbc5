export { createVerifier, type Verifier, type VerifierOptions } from './create-verifier.js'
export type { RevocationFeedStatus } from './feed-status.js'
export type { RedisSubscriber, RevocationRedisOptions } from './revocation-redis.js'
export type { RevocationStreamOptions } from './revocation-stream.js'
