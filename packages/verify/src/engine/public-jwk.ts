import type { JWK } from 'jose'

/** The members a public JWK may carry, per key type: anything else (d, p, q, k, …) never leaves. */
export const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
}

/**
 * A copy of `jwk` with only public members, plus `kid`, `use: "sig"` and `alg` (what verifiers
 * expect); undefined for a key type with no public form (a symmetric `oct` key).
 */
export function publicJwkOf(jwk: JWK, kid: string, alg: string): JWK | undefined {
  const allowed = PUBLIC_MEMBERS[jwk.kty ?? '']
  if (allowed === undefined) return undefined
  const out: JWK = {}
  for (const member of allowed) {
    const value = (jwk as Record<string, unknown>)[member]
    if (typeof value === 'string') (out as Record<string, unknown>)[member] = value
  }
  return { ...out, kid, use: 'sig', alg }
}
