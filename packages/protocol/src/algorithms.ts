/**
 * The JOSE signing algorithms (RFC 7518 names, as in a token's `alg` and a JWKS key's `alg`) that
 * Tessera issues and verifies: the one list the settings, the keys and the verifier check against.
 */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const
export const ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const
export type Algorithm = (typeof ALGORITHMS)[number]
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]

export const isHmacAlgorithm = (alg: string): alg is HmacAlgorithm =>
  (HMAC_ALGORITHMS as readonly string[]).includes(alg)
