import { type JWTHeaderParameters, SignJWT } from 'jose'
import { type KeyResolver, TokenVerifier, type TokenVerifierOptions } from '@tessera/verify/engine'
import { type Clock, systemClock, toEpochSeconds } from '../core/clock.js'
import { newJti } from '../core/ids.js'
import { isHmacAlgorithm } from '../keys/algorithms.js'
import type { KeyMaterial, KeyRing } from '../keys/ring.js'
import { type CustomClaims, RESERVED_CLAIMS, type TokenSettings, type TokenType } from './types.js'

export { MAX_TOKEN_LENGTH } from '@tessera/verify/engine'
export type { KeyResolver }

export interface IssueOptions {
  /** Issued-at override, epoch seconds (sliding refresh keeps its original deadline this way). */
  iat?: number
  /** Extra registered claims, e.g. the sliding refresh deadline. */
  extra?: Record<string, unknown>
  /** Sign with the `jti`, `iat` and `exp` that `reserve` fixed earlier (then `iat` is ignored). */
  reserved?: ReservedToken
  /** The session (token family) id, written under `SESSION_ID_CLAIM` when that is set. */
  sessionId?: string
}

/**
 * The `jti`, `iat` and `exp` of a token not yet signed, so that a store can record it before the
 * claims that go in it are known (a refresh reads the user and rotates in one step).
 */
export interface ReservedToken {
  readonly type: TokenType
  readonly jti: string
  readonly iat: number
  readonly exp: number
}

/**
 * Signs a compact JWS with an HMAC algorithm, synchronously: `header.payload.signature`, each part
 * as jose encodes it. The server passes one built on `node:crypto` (this room runs anywhere, so it
 * cannot); without one, jose signs.
 */
export type HmacSigner = (
  alg: 'HS256' | 'HS384' | 'HS512',
  key: KeyMaterial,
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
) => string

export interface TokenCodecOptions extends TokenVerifierOptions {
  /** A faster signer for the HMAC algorithms (see `HmacSigner`). */
  hmacSigner?: HmacSigner
}

export interface IssuedToken {
  token: string
  jti: string
  iat: number
  exp: number
}

/**
 * Signs and verifies Tessera's tokens: simplejwt's claims and header on issue; verification as
 * `@tessera/verify`'s `TokenVerifier` does it (the one verification engine), with the server's
 * synchronous HMAC path and verified-token cache.
 */
export class TokenCodec extends TokenVerifier {
  readonly #hmacSigner: HmacSigner | undefined
  readonly #settings: TokenSettings
  readonly #signingKeys: KeyRing | undefined
  constructor(
    settings: TokenSettings,
    keys: KeyRing | (KeyResolver & { signingKey?: never }),
    clock: Clock = systemClock,
    options: TokenCodecOptions = {},
  ) {
    super(settings, keys, clock, options)
    this.#settings = settings
    this.#hmacSigner = options.hmacSigner
    this.#signingKeys = 'signingKey' in keys && keys.signingKey !== undefined ? (keys as KeyRing) : undefined
  }

  lifetimeOf(type: TokenType): number {
    if (type === 'access') return this.#settings.ACCESS_TOKEN_LIFETIME
    if (type === 'refresh') return this.#settings.REFRESH_TOKEN_LIFETIME
    return this.#settings.SLIDING_TOKEN_LIFETIME
  }

  /** Fixes a new token's `jti`, `iat` (default: now) and `exp`; `issue` signs it later. */
  reserve(type: TokenType, options: { iat?: number } = {}): ReservedToken {
    const now = toEpochSeconds(this.clock.now())
    return { type, jti: newJti(), iat: options.iat ?? now, exp: now + this.lifetimeOf(type) }
  }

  /**
   * Signs a token of `type` for `userId`, claims in simplejwt's order.
   *
   * @throws TypeError when `options.reserved` was reserved for another type
   */
  async issue(
    type: TokenType,
    userId: number,
    custom: CustomClaims,
    options: IssueOptions = {},
  ): Promise<IssuedToken> {
    const s = this.#settings
    const reserved = options.reserved ?? this.reserve(type, options)
    if (reserved.type !== type)
      throw new TypeError(`a ${reserved.type} token was reserved, not a ${type} token`)
    const { jti, iat, exp } = reserved
    const payload: Record<string, unknown> = {
      [s.TOKEN_TYPE_CLAIM]: type,
      exp,
      iat,
      [s.JTI_CLAIM]: jti,
      [s.USER_ID_CLAIM]: userId,
    }
    for (const [name, value] of Object.entries({ ...custom, ...options.extra })) {
      if (
        !(name in payload) &&
        !(RESERVED_CLAIMS as readonly string[]).includes(name) &&
        name !== s.SESSION_ID_CLAIM
      )
        payload[name] = value
    }
    // After simplejwt's claims, so its claim set comes first and in its order.
    if (s.SESSION_ID_CLAIM !== null && options.sessionId !== undefined)
      payload[s.SESSION_ID_CLAIM] = options.sessionId
    if (s.AUDIENCE !== null) payload.aud = s.AUDIENCE
    if (s.ISSUER !== null) payload.iss = s.ISSUER
    if (this.#signingKeys === undefined)
      throw new TypeError('this codec only verifies: it has no signing key')
    const signer = this.#signingKeys.signingKey()
    const header: JWTHeaderParameters = { alg: signer.alg, typ: 'JWT', kid: signer.kid }
    const token =
      this.#hmacSigner !== undefined && isHmacAlgorithm(signer.alg)
        ? this.#hmacSigner(signer.alg, signer.key, header, payload)
        : await new SignJWT(payload).setProtectedHeader(header).sign(signer.key)
    return { token, jti, iat, exp }
  }
}
