/**
 * The synchronous path for HMAC- and Ed25519-signed tokens: the rules of jose's `jwtVerify`, with
 * the options the codec gives it, checked in jose's order so that every refusal carries the reason
 * jose's would. The node-only work (base64url and UTF-8 decoding, the signature check) is an
 * injected `SyncVerifier`: this room runs anywhere. Whatever this path does not fully understand
 * (`crit`, another algorithm, a key jose would refuse) it leaves to jose. The server's
 * test/tokens/hmac-compact.property.test.ts and eddsa-compact.property.test.ts check it against
 * jose, token for token.
 */
import { type HmacAlgorithm, isHmacAlgorithm, TokenInvalid } from '@tessera/protocol'
import type { KeyMaterial } from './types.js'

/** The algorithms this path can decide: HMAC always, EdDSA (Ed25519) when the verifier checks it. */
export type SyncAlgorithm = HmacAlgorithm | 'EdDSA'

/** Node-backed primitives for this path; the server passes one built on `node:crypto`. */
export interface SyncVerifier {
  /**
   * The text of a canonical base64url part (the codec checked it) as jose's strict UTF-8 decoder
   * reads it (a leading byte-order mark dropped), or undefined when the bytes are not UTF-8.
   */
  decodeText(part: string): string | undefined
  /** Whether `signature` (base64url) is the HMAC of `signingInput` (ASCII), compared in constant time. */
  verify(alg: HmacAlgorithm, key: KeyMaterial, signingInput: string, signature: string): boolean
  /**
   * Whether `signature` (base64url) is a valid Ed25519 signature of `signingInput` (ASCII) under the
   * public `key`. Without it, EdDSA tokens are left to jose (asynchronous WebCrypto).
   */
  verifyEd25519?(key: CryptoKey, signingInput: string, signature: string): boolean
}

/** The claim checks the codec asks of jose (`requiredClaims`, `issuer`, `audience`, `clockTolerance`). */
export interface ClaimRules {
  readonly requiredClaims: readonly string[]
  readonly issuer: string | undefined
  readonly audience: string | undefined
  /** Seconds. */
  readonly clockTolerance: number
}

export interface SyncHeader {
  readonly alg: SyncAlgorithm
  readonly header: Readonly<Record<string, unknown>>
}

/**
 * A compact JWS whose every part is canonical base64url: no padding and, in a short last group, no
 * stray bits (jose decodes `…Q` and `…R` alike; Tessera refuses the second, so a token has one
 * spelling). The alphabet is checked before (the codec's token shape).
 */
export function hasCanonicalParts(token: string): boolean {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  return (
    isCanonicalPart(token, 0, first) &&
    isCanonicalPart(token, first + 1, second) &&
    isCanonicalPart(token, second + 1, token.length)
  )
}

/** Characters whose 6 bits end in four (two chars left) or two (three chars left) zero bits. */
const LAST_OF_TWO = 'AQgw'
const LAST_OF_THREE = 'AEIMQUYcgkosw048'

function isCanonicalPart(token: string, start: number, end: number): boolean {
  const remainder = (end - start) % 4
  if (remainder === 0) return true
  if (remainder === 1) return false
  return (remainder === 2 ? LAST_OF_TWO : LAST_OF_THREE).includes(token.charAt(end - 1))
}

/**
 * The protected header (`part`, the token's first part) when this path decides the token, or
 * undefined to leave it to jose (a `crit` member, or an algorithm this verifier cannot check). The
 * token has the codec's shape. The answer depends on `part` alone, so a caller may keep it.
 *
 * @throws TokenInvalid `malformed` (header not UTF-8 JSON of an object, as jose)
 */
export function syncHeaderOf(part: string, verifier: SyncVerifier): SyncHeader | undefined {
  const header = Object.freeze(jsonObjectOf(verifier.decodeText(part)))
  // jose checks `crit` before anything else, with reasons of its own: left to it.
  if (Object.hasOwn(header, 'crit')) return undefined
  const { alg } = header
  if (typeof alg !== 'string') return undefined
  if (isHmacAlgorithm(alg) || (alg === 'EdDSA' && verifier.verifyEd25519 !== undefined)) {
    return Object.freeze({ alg, header })
  }
  return undefined
}

/**
 * The claims of a token whose header `syncHeaderOf` took and whose key the codec chose, checked as
 * jose checks them; undefined when jose would refuse the key itself (then jose answers).
 *
 * @throws TokenInvalid `bad_signature`, `malformed`, `bad_claims`, `not_yet_valid`, `expired`
 */
export function verifyCompactNow(
  token: string,
  { alg, header }: SyncHeader,
  key: KeyMaterial,
  verifier: SyncVerifier,
  rules: ClaimRules,
  nowMs: number,
): Record<string, unknown> | undefined {
  const lastDot = token.lastIndexOf('.')
  const signingInput = token.slice(0, lastDot)
  const signature = token.slice(lastDot + 1)
  let valid: boolean
  if (alg === 'EdDSA') {
    if (verifier.verifyEd25519 === undefined || !isUsableEd25519Key(key)) return undefined
    valid = verifier.verifyEd25519(key, signingInput, signature)
  } else {
    if (!isUsableHmacKey(key, alg)) return undefined
    valid = verifier.verify(alg, key, signingInput, signature)
  }
  if (!valid) throw new TokenInvalid('bad_signature')
  const claims = jsonObjectOf(verifier.decodeText(token.slice(token.indexOf('.') + 1, lastDot)))
  checkClaims(header, claims, rules, nowMs)
  return claims
}

/** jose's test for a JSON object: a plain object, not an array or null. */
function jsonObjectOf(text: string | undefined): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = text === undefined ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TokenInvalid('malformed')
  return parsed as Record<string, unknown>
}

/** The keys jose verifies HMAC with and no error: non-empty bytes, or an HMAC CryptoKey for `alg`. */
function isUsableHmacKey(key: KeyMaterial, alg: HmacAlgorithm): boolean {
  if (key instanceof Uint8Array) return key.length > 0
  if (!(key instanceof CryptoKey) || key.type !== 'secret') return false
  const algorithm = key.algorithm as HmacKeyAlgorithm
  return (
    algorithm.name === 'HMAC' &&
    algorithm.hash?.name === `SHA-${alg.slice(2)}` &&
    key.usages.includes('verify')
  )
}

/**
 * The EdDSA keys this path takes: a public Ed25519 CryptoKey allowed to verify, which jose takes as
 * it is. Raw bytes (which jose would import) and anything else are left to jose.
 */
function isUsableEd25519Key(key: KeyMaterial): key is CryptoKey {
  return (
    key instanceof CryptoKey &&
    key.type === 'public' &&
    key.algorithm.name === 'Ed25519' &&
    key.usages.includes('verify')
  )
}

/** jose's `typ` comparison: case-insensitive, `application/` implied when there is no slash. */
const normalizeTyp = (value: string): string => {
  const lower = value.toLowerCase()
  return value.includes('/') ? lower : `application/${lower}`
}

/** jose's `validateClaimsSet` for `typ: 'JWT'` and the codec's rules, in its order. */
function checkClaims(
  header: Readonly<Record<string, unknown>>,
  claims: Record<string, unknown>,
  rules: ClaimRules,
  nowMs: number,
): void {
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== 'application/jwt') {
    throw new TokenInvalid('bad_claims')
  }
  for (const claim of rules.requiredClaims) {
    if (!Object.hasOwn(claims, claim)) throw new TokenInvalid('bad_claims')
  }
  if (rules.issuer !== undefined && claims.iss !== rules.issuer) throw new TokenInvalid('bad_claims')
  if (rules.audience !== undefined && !hasAudience(claims.aud, rules.audience)) {
    throw new TokenInvalid('bad_claims')
  }
  // jose reads the time as a Date does: whole milliseconds, then whole seconds.
  const now = Math.floor(Math.trunc(nowMs) / 1000)
  const tolerance = rules.clockTolerance
  if (claims.iat !== undefined && typeof claims.iat !== 'number') throw new TokenInvalid('bad_claims')
  const { nbf, exp } = claims
  // jose reports a non-numeric `nbf` as an `nbf` failure, which the codec calls not yet valid.
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) {
    throw new TokenInvalid('not_yet_valid')
  }
  if (exp !== undefined && typeof exp !== 'number') throw new TokenInvalid('bad_claims')
  if (exp !== undefined && exp <= now - tolerance) throw new TokenInvalid('expired')
}

function hasAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience
  return Array.isArray(aud) && aud.includes(audience)
}
