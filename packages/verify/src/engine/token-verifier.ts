import { type JWTVerifyOptions, type JWTVerifyResult, errors as joseErrors, jwtVerify } from 'jose'
import { TesseraError, type TokenFailure, TokenInvalid } from '@tessera/protocol'
import { BoundedMap } from './bounded-map.js'
import {
  type ClaimRules,
  hasCanonicalParts,
  type SyncHeader,
  type SyncVerifier,
  syncHeaderOf,
  verifyCompactNow,
} from './sync-compact.js'
import type {
  Clock,
  FoundKeys,
  KeyMaterial,
  KeyResolver,
  TokenType,
  VerifiedToken,
  VerifyRules,
} from './types.js'
import { VerifiedTokenCache } from './verified-cache.js'

/** Longer tokens are refused before any parsing: no legitimate Tessera token comes near it. */
export const MAX_TOKEN_LENGTH = 8192
/**
 * Header parameters that would let a token choose its own key or demand unknown processing
 * (RFC 8725 §3.10, §2.6). Tessera never follows them, and refuses tokens that carry them.
 */
const FORBIDDEN_HEADER_PARAMS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
/** Protected headers kept parsed (a key's tokens share one); past this many, the oldest go. */
const REMEMBERED_HEADERS = 64

const systemClock: Clock = { now: () => Date.now() }
const toEpochSeconds = (ms: number): number => Math.floor(ms / 1000)
const isHmac = (alg: string): boolean => alg === 'HS256' || alg === 'HS384' || alg === 'HS512'

export interface TokenVerifierOptions {
  /** Verified tokens kept for the hot path (0 turns the cache off; default 10,000). */
  cacheSize?: number
  /** How long a verification may be reused, ms (remote key sets can withdraw keys). */
  cacheMaxAgeMs?: number
  /**
   * Synchronous verification of HMAC tokens, and of EdDSA tokens when it offers Ed25519 (see
   * `SyncVerifier`); without one, jose verifies.
   */
  syncVerifier?: SyncVerifier
}

/**
 * Verifies Tessera's (and simplejwt's) tokens: an explicit algorithm allow-list, `typ` checked,
 * header parameters that name a key source refused, the compact form spelled canonically, and
 * simplejwt's claims read in its order. jose verifies; HMAC and EdDSA tokens may be verified
 * synchronously through an injected `SyncVerifier` (held to jose's rules, see sync-compact.ts);
 * verified tokens other than HMAC ones are kept in a bounded cache, each still checked for expiry
 * and type when seen again.
 */
export class TokenVerifier {
  readonly #cache: VerifiedTokenCache
  readonly #syncVerifier: SyncVerifier | undefined
  /** Whether the synchronous path can decide `alg` (EdDSA only with a verifier that checks Ed25519). */
  readonly #decidesSync: (alg: string) => boolean
  readonly #claimRules: ClaimRules
  readonly #reusesForever: boolean
  /** Encoded protected header → `syncHeaderOf`'s answer (null: left to jose). */
  readonly #syncHeaders = new BoundedMap<string, SyncHeader | null>(REMEMBERED_HEADERS)
  #generation = 0
  constructor(
    protected readonly rules: VerifyRules,
    protected readonly keys: KeyResolver,
    protected readonly clock: Clock = systemClock,
    options: TokenVerifierOptions = {},
  ) {
    this.#cache = new VerifiedTokenCache(
      options.cacheSize ?? 10_000,
      options.cacheMaxAgeMs ?? Number.POSITIVE_INFINITY,
    )
    this.#syncVerifier = options.syncVerifier
    const ed25519 = options.syncVerifier?.verifyEd25519 !== undefined
    this.#decidesSync = (alg) => isHmac(alg) || (ed25519 && alg === 'EdDSA')
    this.#claimRules = {
      // As the jose path: the user id claim is checked after the type (#claimsOf).
      requiredClaims: ['exp', rules.TOKEN_TYPE_CLAIM, rules.JTI_CLAIM],
      issuer: rules.ISSUER ?? undefined,
      audience: rules.AUDIENCE ?? undefined,
      clockTolerance: rules.LEEWAY,
    }
    this.#reusesForever = (options.cacheMaxAgeMs ?? Number.POSITIVE_INFINITY) === Number.POSITIVE_INFINITY
  }

  /**
   * Changes whenever verifications stop being reusable (`forgetVerified`). A caller that keeps a
   * verified token of its own (the HTTP layer remembers the last one per connection) reuses it only
   * while this is unchanged. Always undefined for a verifier whose verifications expire by age (a
   * remote JWKS): those must be looked up in the cache every time.
   */
  get generation(): number | undefined {
    return this.#reusesForever ? this.#generation : undefined
  }

  /**
   * A token this verifier verified before, seen again: checked again for expiry and type, as
   * `verifyNow` would. `nowMs` lets a caller that already read the clock for the request pass it on.
   *
   * @throws TokenInvalid (`expired`, `wrong_type`)
   */
  recheck(
    verified: VerifiedToken,
    token: string,
    expected: TokenType | null,
    nowMs: number = this.clock.now(),
  ): VerifiedToken {
    return this.#check(verified, token, expected, nowMs)
  }

  /**
   * Verifies signature, algorithm, `typ`, expiry (with `LEEWAY`), issuer and audience, then the
   * token type when `expected` is given.
   *
   * @throws TokenInvalid with the reason (`malformed`, `bad_signature`, `expired`, `wrong_type`, …);
   *   other Tessera errors from the key source (ServiceUnavailable when a JWKS cannot be fetched)
   */
  async verify(token: string, expected: TokenType | null): Promise<VerifiedToken> {
    const nowMs = this.clock.now()
    return (
      this.verifyNow(token, expected, nowMs) ??
      this.#check(await this.#verifyWithJose(token, expected), token, expected, this.clock.now())
    )
  }

  /**
   * The hot path, with no promise: with a `syncVerifier`, an HMAC token is verified on the spot
   * (and is not cached: the check costs less than a lookup that misses) and an EdDSA token is
   * answered from the verified-token cache or verified on the spot and cached; any other token is
   * answered from the cache. A cached answer is still checked for expiry and type. Undefined when
   * only `verify` can answer: a token not seen before that this path cannot check, a `crit`
   * header, or keys that only jose or a promise can give.
   *
   * @throws TokenInvalid as `verify`
   */
  verifyNow(
    token: string,
    expected: TokenType | null,
    nowMs: number = this.clock.now(),
  ): VerifiedToken | undefined {
    const verified = this.#verifySyncNow(token, nowMs, expected) ?? this.#cache.get(token, nowMs)
    return verified === undefined ? undefined : this.#check(verified, token, expected, nowMs)
  }

  /** Forget cached verifications, e.g. after a key was retired. */
  forgetVerified(): void {
    this.#generation++
    this.#cache.clear()
  }

  #check(verified: VerifiedToken, token: string, expected: TokenType | null, nowMs: number): VerifiedToken {
    if (verified.exp + this.rules.LEEWAY <= toEpochSeconds(nowMs)) {
      this.#cache.delete(token)
      throw new TokenInvalid('expired')
    }
    if (expected !== null && verified.type !== expected) throw new TokenInvalid('wrong_type')
    return verified
  }

  /** The compact form both paths require: bounded, three base64url parts, each spelled canonically. */
  #checkShape(token: string): void {
    if (
      typeof token !== 'string' ||
      token.length > MAX_TOKEN_LENGTH ||
      !TOKEN_SHAPE.test(token) ||
      !hasCanonicalParts(token)
    ) {
      throw new TokenInvalid('malformed')
    }
  }

  /**
   * The keys for a protected header, the same on both paths: one, or for a token without `kid` the
   * few live HMAC keys of its algorithm to try in order. A header naming a key source is refused.
   */
  #keysFor(
    header: Readonly<Record<string, unknown>>,
  ): readonly KeyMaterial[] | Promise<readonly KeyMaterial[]> {
    for (const param of FORBIDDEN_HEADER_PARAMS) {
      if (param in header) throw new TokenInvalid('bad_header')
    }
    const found = this.keys.verificationKey({
      alg: header.alg as string,
      kid: header.kid as string | undefined,
    })
    return isPromiseLike(found) ? Promise.resolve(found).then(asKeyList) : asKeyList(found)
  }

  /** The synchronous path (see `verifyNow`), undefined where the cache or jose must answer. */
  #verifySyncNow(token: string, nowMs: number, expected: TokenType | null): VerifiedToken | undefined {
    const verifier = this.#syncVerifier
    // Read on every call: a key source that reloads may change its allow-list.
    if (verifier === undefined || !this.keys.algorithms.some(this.#decidesSync)) return undefined
    this.#checkShape(token)
    const header = this.#syncHeaderOf(token, verifier)
    if (header === undefined) return undefined
    if (!this.keys.algorithms.includes(header.alg)) throw new TokenInvalid('alg_not_allowed')
    // A signature check costs far more than a cache lookup for EdDSA, far less for HMAC.
    const cacheable = !isHmac(header.alg)
    if (cacheable) {
      const cached = this.#cache.get(token, nowMs)
      if (cached !== undefined) return cached
    }
    const keys = this.#keysFor(header.header)
    if (isPromiseLike(keys)) return undefined
    const [first, ...others] = keys
    if (first === undefined) throw new TokenInvalid('unknown_key')
    let payload: Record<string, unknown> | undefined
    try {
      payload = verifyCompactNow(token, header, first, verifier, this.#claimRules, nowMs)
    } catch (error) {
      // A token without `kid`: the other live keys, each only after a wrong signature.
      if (!(error instanceof TokenInvalid && error.reason === 'bad_signature') || others.length === 0)
        throw error
      payload = this.#verifyWithOthers(token, header, others, verifier, nowMs, error)
    }
    if (payload === undefined) return undefined
    const verified = this.#claimsOf(payload, expected)
    if (cacheable) this.#cache.set(token, verified, nowMs)
    return verified
  }

  /** `syncHeaderOf` of the token's header, parsed once per distinct header (malformed ones never kept). */
  #syncHeaderOf(token: string, verifier: SyncVerifier): SyncHeader | undefined {
    const part = token.slice(0, token.indexOf('.'))
    const known = this.#syncHeaders.get(part)
    if (known !== undefined) return known ?? undefined
    const header = syncHeaderOf(part, verifier)
    this.#syncHeaders.set(part, header ?? null)
    return header
  }

  #verifyWithOthers(
    token: string,
    header: SyncHeader,
    keys: readonly KeyMaterial[],
    verifier: SyncVerifier,
    nowMs: number,
    firstFailure: TokenInvalid,
  ): Record<string, unknown> | undefined {
    let failure = firstFailure
    for (const key of keys) {
      try {
        return verifyCompactNow(token, header, key, verifier, this.#claimRules, nowMs)
      } catch (error) {
        if (!(error instanceof TokenInvalid && error.reason === 'bad_signature')) throw error
        failure = error
      }
    }
    throw failure
  }

  /** jose's verification, for what `verifyNow` could not answer; the result is cached. */
  async #verifyWithJose(token: string, expected: TokenType | null): Promise<VerifiedToken> {
    const now = this.clock.now()
    this.#checkShape(token)
    const s = this.rules
    const options: JWTVerifyOptions = {
      algorithms: [...this.keys.algorithms],
      typ: 'JWT',
      clockTolerance: s.LEEWAY,
      currentDate: new Date(now),
      // The user id claim is checked after the type (#claimsOf), in simplejwt's order.
      requiredClaims: ['exp', s.TOKEN_TYPE_CLAIM, s.JTI_CLAIM],
      ...(s.ISSUER !== null ? { issuer: s.ISSUER } : {}),
      ...(s.AUDIENCE !== null ? { audience: s.AUDIENCE } : {}),
    }
    // Further keys a token without `kid` may have been signed with, tried only when the first fails.
    let others: readonly KeyMaterial[] = []
    let payload: Record<string, unknown>
    try {
      const result = await jwtVerify(
        token,
        async (header) => {
          const [first, ...rest] = await this.#keysFor(header)
          if (first === undefined) throw new TokenInvalid('unknown_key')
          others = rest
          return first
        },
        options,
      ).catch((error: unknown) =>
        others.length > 0 && error instanceof joseErrors.JWSSignatureVerificationFailed
          ? verifyWithAny(token, others, options, error)
          : Promise.reject(error),
      )
      payload = result.payload as Record<string, unknown>
    } catch (error) {
      // Tessera's own errors pass through (TokenInvalid, or ServiceUnavailable from a JWKS fetch).
      throw error instanceof TesseraError ? error : new TokenInvalid(failureOf(error), { cause: error })
    }
    const verified = this.#claimsOf(payload, expected)
    this.#cache.set(token, verified, this.clock.now())
    return verified
  }

  /**
   * The claims Tessera relies on, checked in simplejwt's order: type, then the user id. `iat` must
   * be a finite number no later than the current second + LEEWAY (PyJWT ≥ 2.6 refuses a future
   * `iat`): a token stamped in the future would outlive every revocation cut-off. The current
   * second counts whole, up to its end: a cut-off covers the whole second it falls in, and a token
   * issued right after one is stamped with it.
   */
  #claimsOf(payload: Record<string, unknown>, expected: TokenType | null): VerifiedToken {
    const s = this.rules
    const type = payload[s.TOKEN_TYPE_CLAIM]
    const userId = payload[s.USER_ID_CLAIM]
    const jti = payload[s.JTI_CLAIM]
    const exp = payload.exp
    const iat = payload.iat ?? 0
    if (type !== 'access' && type !== 'refresh' && type !== 'sliding') throw new TokenInvalid('wrong_type')
    if (expected !== null && type !== expected) throw new TokenInvalid('wrong_type')
    if (userId === undefined) throw new TokenInvalid('no_user_id')
    if (typeof userId !== 'number' || !Number.isSafeInteger(userId)) throw new TokenInvalid('bad_claims')
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 255) throw new TokenInvalid('bad_claims')
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new TokenInvalid('bad_claims')
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new TokenInvalid('bad_claims')
    if (iat > toEpochSeconds(this.clock.now()) + 1 + s.LEEWAY) throw new TokenInvalid('not_yet_valid')
    const sid = s.SESSION_ID_CLAIM === null ? undefined : payload[s.SESSION_ID_CLAIM]
    if (sid !== undefined && (typeof sid !== 'string' || sid.length === 0 || sid.length > 64))
      throw new TokenInvalid('bad_claims')
    const claims = Object.freeze(payload)
    return Object.freeze(
      sid === undefined
        ? { type, userId, jti, iat, exp, claims }
        : { type, userId, jti, iat, exp, sessionId: sid, claims },
    )
  }
}

/**
 * The first of `keys` whose signature check passes (each costs one check; the caller bounds how
 * many). Any failure other than a wrong signature ends the search: the claims would fail alike.
 */
async function verifyWithAny(
  token: string,
  keys: readonly KeyMaterial[],
  options: JWTVerifyOptions,
  firstFailure: unknown,
): Promise<JWTVerifyResult> {
  let failure = firstFailure
  for (const key of keys) {
    try {
      return await jwtVerify(token, key, options)
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw error
      failure = error
    }
  }
  throw failure
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'

/** A key source's answer as a list: one key, the candidates for a token without `kid`, or none. */
function asKeyList(found: FoundKeys): readonly KeyMaterial[] {
  return Array.isArray(found) ? found : found === undefined ? [] : [found as KeyMaterial]
}

/** jose's error codes to Tessera's reasons; no jose class leaves this module. */
function failureOf(error: unknown): TokenFailure {
  if (error instanceof joseErrors.JWTExpired) return 'expired'
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature'
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'alg_not_allowed'
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'not_yet_valid' : 'bad_claims'
  }
  if (error instanceof joseErrors.JOSENotSupported) return 'alg_not_allowed'
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown_key'
  return 'malformed'
}
