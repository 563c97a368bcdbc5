import { createRemoteJWKSet, errors as joseErrors, importJWK, importSPKI, type JWK } from 'jose'
import { ALGORITHMS, type Algorithm, HMAC_ALGORITHMS, ServiceUnavailable, TokenInvalid } from '@tessera/protocol'
import { publicJwkOf } from './engine/public-jwk.js'
import { TokenVerifier } from './engine/token-verifier.js'
import type { Clock, KeyMaterial, KeyResolver, TokenType, VerifiedToken, VerifyRules } from './engine/types.js'
import type { RevocationFeedHandle, RevocationFeedStatus } from './feed-status.js'
import { RevocationList } from './revocation-list.js'
import { followRevocationRedis, type RevocationRedisOptions } from './revocation-redis.js'
import { followRevocationStream, type RevocationStreamOptions } from './revocation-stream.js'

const HMAC: readonly string[] = HMAC_ALGORITHMS
const systemClock: Clock = { now: () => Date.now() }

export interface VerifierOptions {
  /** Shared HMAC secret (the issuer's `SIGNING_KEY`). */
  secret?: string
  /** The issuer's public key: SPKI PEM or a JWK. */
  publicKey?: string | JWK
  /** The issuer's JWKS (Tessera serves `/.well-known/jwks.json`). */
  jwksUrl?: string
  /** Accepted algorithms: required, never `none` (RFC 8725 §3.1); checked at run time too. */
  algorithms: readonly Algorithm[]
  issuer?: string
  audience?: string
  /** Clock skew allowed on exp/nbf, seconds. */
  leeway?: number
  /** Expected `token_type` claim (default `access`; null accepts any). */
  tokenType?: TokenType | null
  /** JWKS: least time between two fetches caused by unknown `kid`s, ms (default 30 s). */
  cooldownMs?: number
  /** JWKS: how long a fetch may take before failing, ms (default 5 s). */
  timeoutMs?: number
  /** JWKS: keys are refetched after this long even without an unknown kid, ms (default 10 min). */
  cacheMaxAgeMs?: number
  /** Claim names, when the issuer renamed them (simplejwt's settings of the same names). */
  claims?: Partial<Pick<VerifyRules, 'USER_ID_CLAIM' | 'TOKEN_TYPE_CLAIM' | 'JTI_CLAIM'>>
  /** Time source (tests); defaults to the system clock. */
  clock?: Clock
  /**
   * Opt-in revocation feed, so logout-all, password changes and ended sessions reach this
   * service within a second: Tessera's stream (`url` with an introspection client's credentials)
   * or, when this service shares Tessera's Redis, `redis`. Without it a revoked token is accepted
   * here until it expires. See docs/verifier.md.
   */
  revocations?: RevocationStreamOptions | { redis: RevocationRedisOptions }
  /**
   * With a feed: once it has been down (or not yet connected) for longer than this, ms, every
   * `verify` fails with ServiceUnavailable (503) instead of accepting tokens it cannot check.
   * Default: never (fail open: a token revoked meanwhile is accepted until it expires).
   */
  failClosedAfterMs?: number
}

export interface Verifier {
  /**
   * @returns the verified token: type, user id, jti, iat, exp and every claim
   * @throws TokenInvalid (`token_not_valid`) for any token that is not acceptable;
   *   ServiceUnavailable when the JWKS cannot be fetched (a clear error, never a hang)
   */
  verify(token: string): Promise<VerifiedToken>
  /** The revocation feed's status (undefined without a feed), for a health or readiness report. */
  revocationStatus(): RevocationFeedStatus | undefined
  /** Stops the revocation feed (if any). */
  close(): Promise<void>
}

/**
 * Verifies Tessera (or simplejwt) tokens in another service, locally: no call to the issuer per
 * request. With `jwksUrl` the key set is cached, refetched on an unknown `kid` (after a key
 * rotation) at most once per cool-down, and a JWKS host that is down gives a clear error.
 *
 * @example
 * const verifier = createVerifier({ jwksUrl: 'https://auth.example.com/.well-known/jwks.json', algorithms: ['EdDSA'] })
 * const token = await verifier.verify(bearerToken) // token.userId, token.claims.roles
 * @throws TypeError at creation for contradictory or unsafe options
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const sources = [options.secret, options.publicKey, options.jwksUrl].filter(
    (source) => source !== undefined,
  )
  if (sources.length !== 1)
    throw new TypeError('createVerifier: give exactly one of secret, publicKey or jwksUrl')
  const algorithms: string[] = [...options.algorithms]
  if (algorithms.length === 0)
    throw new TypeError('createVerifier: algorithms must list at least one algorithm')
  if (algorithms.some((alg) => alg.toLowerCase() === 'none'))
    throw new TypeError('createVerifier: "none" is never allowed')
  const unknown = algorithms.filter((alg) => !(ALGORITHMS as readonly string[]).includes(alg))
  if (unknown.length > 0) {
    throw new TypeError(`createVerifier: unsupported algorithms ${unknown.join(', ')}`)
  }
  const hmac = algorithms.filter((alg) => HMAC.includes(alg))
  if (options.secret !== undefined && hmac.length !== algorithms.length) {
    throw new TypeError('createVerifier: a secret verifies HS256/HS384/HS512 only')
  }
  if (options.secret === undefined && hmac.length > 0) {
    throw new TypeError('createVerifier: HMAC algorithms need a secret, never a public key (RFC 8725 §2.1)')
  }
  // The classic confusion (RFC 8725 §2.1): a public key handed over as the HMAC secret would let
  // anyone who reads the JWKS forge tokens.
  if (options.secret !== undefined && /-----BEGIN |"kty"\s*:/.test(options.secret)) {
    throw new TypeError('createVerifier: the secret looks like a key; a public key goes in publicKey')
  }
  if (options.jwksUrl !== undefined && !/^https?:$/.test(new URL(options.jwksUrl).protocol)) {
    throw new TypeError('createVerifier: jwksUrl must be an http(s) URL')
  }
  const rules: VerifyRules = {
    LEEWAY: options.leeway ?? 0,
    AUDIENCE: options.audience ?? null,
    ISSUER: options.issuer ?? null,
    USER_ID_CLAIM: options.claims?.USER_ID_CLAIM ?? 'user_id',
    TOKEN_TYPE_CLAIM: options.claims?.TOKEN_TYPE_CLAIM ?? 'token_type',
    JTI_CLAIM: options.claims?.JTI_CLAIM ?? 'jti',
    SESSION_ID_CLAIM: 'sid',
  }
  // A remote key set can withdraw a key: reuse a verification no longer than the key set itself.
  const reuseMs =
    options.jwksUrl !== undefined ? (options.cacheMaxAgeMs ?? 600_000) : Number.POSITIVE_INFINITY
  const codec = new TokenVerifier(rules, resolverFor(options, algorithms), options.clock, {
    cacheMaxAgeMs: reuseMs,
  })
  const expected = options.tokenType === undefined ? 'access' : options.tokenType
  const clock = options.clock ?? systemClock
  if (options.failClosedAfterMs !== undefined && options.revocations === undefined) {
    throw new TypeError('createVerifier: failClosedAfterMs needs a revocations feed')
  }
  if (options.failClosedAfterMs !== undefined && !(options.failClosedAfterMs >= 0)) {
    throw new TypeError('createVerifier: failClosedAfterMs must be a number of ms, 0 or more')
  }
  if (options.revocations === undefined) {
    return {
      verify: (token) => codec.verify(token, expected),
      revocationStatus: () => undefined,
      close: async () => {},
    }
  }
  const list = new RevocationList()
  const feed = startFeed(options.revocations, list, clock)
  const failClosedAfterMs = options.failClosedAfterMs
  return {
    async verify(token) {
      const verified = await codec.verify(token, expected)
      if (list.revokes(verified, clock.now())) throw new TokenInvalid('revoked')
      if (failClosedAfterMs !== undefined && feed.downLongerThan(failClosedAfterMs)) {
        throw new ServiceUnavailable('revocations')
      }
      return verified
    },
    revocationStatus: () => feed.handle.status(),
    close: () => feed.handle.close(),
  }
}

function startFeed(
  source: NonNullable<VerifierOptions['revocations']>,
  list: RevocationList,
  clock: Clock,
): { handle: RevocationFeedHandle; downLongerThan(ms: number): boolean } {
  let handle: RevocationFeedHandle
  if ('redis' in source) {
    handle = followRevocationRedis(source.redis, list, clock)
  } else {
    if (!/^https?:$/.test(new URL(source.url).protocol)) {
      throw new TypeError('createVerifier: revocations.url must be an http(s) URL')
    }
    if (!source.clientId || !source.clientSecret) {
      throw new TypeError('createVerifier: revocations needs clientId and clientSecret')
    }
    handle = followRevocationStream(source, list, clock)
  }
  return {
    handle,
    downLongerThan(ms) {
      const { state, downSince } = handle.status()
      return state !== 'connected' && downSince !== undefined && clock.now() - downSince > ms
    },
  }
}

function resolverFor(options: VerifierOptions, algorithms: string[]): KeyResolver {
  if (options.secret !== undefined) {
    const secret = new TextEncoder().encode(options.secret)
    return { algorithms, verificationKey: () => secret }
  }
  if (options.publicKey !== undefined) return publicKeyResolver(options.publicKey, algorithms)
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl as string), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  })
  return {
    algorithms,
    async verificationKey(header) {
      try {
        return (await jwks({
          alg: header.alg,
          ...(header.kid !== undefined ? { kid: header.kid } : {}),
        })) as KeyMaterial
      } catch (error) {
        if (
          error instanceof joseErrors.JWKSNoMatchingKey ||
          error instanceof joseErrors.JWKSMultipleMatchingKeys
        ) {
          throw new TokenInvalid('unknown_key', { cause: error })
        }
        throw new ServiceUnavailable('jwks', { cause: error })
      }
    },
  }
}

/**
 * A fixed public key (SPKI PEM or JWK), checked at creation: a private key or a symmetric JWK is a
 * configuration mistake, refused with TypeError rather than discovered on the first request.
 * Only the public members are imported; a JWK with a `kid` verifies only tokens naming it.
 */
function publicKeyResolver(source: string | JWK, algorithms: string[]): KeyResolver {
  const pem = typeof source === 'string' && source.trim().startsWith('-----BEGIN') ? source.trim() : undefined
  if (pem !== undefined && !pem.startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new TypeError('createVerifier: publicKey must be a PEM public key (SPKI), never a private key')
  }
  let jwk: JWK | undefined
  if (pem === undefined) {
    try {
      jwk = typeof source === 'string' ? (JSON.parse(source) as JWK) : source
    } catch {
      throw new TypeError('createVerifier: publicKey must be an SPKI PEM or a JWK')
    }
    if (typeof jwk !== 'object' || jwk === null || 'd' in jwk || 'k' in jwk) {
      throw new TypeError('createVerifier: publicKey must be a public JWK (no "d", no symmetric key)')
    }
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty ?? '')) {
      throw new TypeError('createVerifier: publicKey must be an RSA, EC or OKP public JWK')
    }
  }
  const expectedKid = jwk?.kid
  const imported = new Map<string, Promise<KeyMaterial>>()
  const keyFor = (alg: string): Promise<KeyMaterial> => {
    let key = imported.get(alg)
    if (key === undefined) {
      key = (
        jwk === undefined
          ? importSPKI(pem as string, alg)
          : importJWK(bareJwk(publicJwkOf(jwk, '', alg) as JWK), alg)
      ) as Promise<KeyMaterial>
      imported.set(alg, key)
    }
    return key
  }
  return {
    algorithms,
    async verificationKey(header) {
      if (expectedKid !== undefined && header.kid !== undefined && header.kid !== expectedKid)
        return undefined
      try {
        return await keyFor(header.alg)
      } catch {
        // The key does not fit this algorithm (an RSA key and an ES256 header): no key, not a crash.
        return undefined
      }
    },
  }
}

function bareJwk(jwk: JWK): JWK {
  const { kid: _kid, use: _use, alg: _alg, ...bare } = jwk
  return bare
}
