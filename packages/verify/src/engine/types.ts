/** Key material as jose takes it: imported once, never per call. */
export type KeyMaterial = CryptoKey | Uint8Array

export type TokenType = 'access' | 'refresh' | 'sliding'

/** Verified claims: simplejwt's registered claims under their configured names, plus custom ones. */
export interface VerifiedToken {
  readonly type: TokenType
  readonly userId: number
  readonly jti: string
  /** Epoch seconds. */
  readonly iat: number
  readonly exp: number
  /** The session (token family) the token belongs to, from `SESSION_ID_CLAIM`; absent on sliding tokens. */
  readonly sessionId?: string
  /** The whole payload as signed (custom claims included), frozen. */
  readonly claims: Readonly<Record<string, unknown>>
}

/** What verification checks besides the signature, under simplejwt's setting names. */
export interface VerifyRules {
  /** Clock skew allowed on `exp`, `nbf` and `iat`, seconds. */
  readonly LEEWAY: number
  readonly AUDIENCE: string | null
  readonly ISSUER: string | null
  readonly USER_ID_CLAIM: string
  readonly TOKEN_TYPE_CLAIM: string
  readonly JTI_CLAIM: string
  /** The session (token family) id claim; null when tokens carry none. */
  readonly SESSION_ID_CLAIM: string | null
}

/** Fields of a token's protected header used to choose a verification key. */
export interface KeySelector {
  readonly alg: string
  readonly kid?: string | undefined
}

/** One key, or a few to try in order (a token without `kid`, see `KeyResolver`). */
export type FoundKeys = KeyMaterial | readonly KeyMaterial[] | undefined

/**
 * What verification needs of a key source: the algorithm allow-list and a key per header. A key
 * ring is one; a remote JWKS is another (it may have to fetch, so it may answer a promise). For a
 * token without `kid`, a ring may answer the few live HMAC keys of its algorithm, tried in order.
 */
export interface KeyResolver {
  readonly algorithms: readonly string[]
  verificationKey(header: KeySelector): FoundKeys | Promise<FoundKeys>
}

/** Injectable time source: milliseconds since the epoch. */
export interface Clock {
  now(): number
}
