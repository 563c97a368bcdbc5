/**
 * Whether an HMAC secret looks random enough for production. A secret is a set of bytes someone
 * chose; nothing can prove it random, but patterns people type can be told apart from the output
 * of a random generator: this estimate is low for those and far above the bar for random bytes in
 * any common encoding (hex, base64).
 */

/** The estimated strength production asks of an HMAC secret, in bits (RFC 7518 §3.2 asks 256 of real entropy). */
export const MIN_SECRET_BITS = 128

/** What every refusal of a weak secret tells the operator to do instead. */
export const SECRET_ADVICE = 'generate one with "openssl rand -base64 48" (or use "tessera keys generate")'

/**
 * An estimate of a secret's strength in bits, over its bytes: each byte adds log2 of the number of
 * distinct byte values in the secret, except a byte that continues a run of equal steps (`aaaa`,
 * `abcd`, `1357`) or ends a three-byte sequence seen earlier in the secret (`abcabc…`,
 * `passwordpassword`), which adds nothing.
 */
export function estimatedSecretBits(secret: Uint8Array): number {
  const distinct = new Set(secret).size
  if (distinct < 2) return 0
  const seen = new Set<number>()
  let fresh = Math.min(secret.length, 2)
  for (let i = 2; i < secret.length; i++) {
    const [a, b, c] = [secret[i - 2] as number, secret[i - 1] as number, secret[i] as number]
    const triple = (a << 16) | (b << 8) | c
    const predictable = c - b === b - a || seen.has(triple)
    seen.add(triple)
    if (!predictable) fresh++
  }
  return fresh * Math.log2(distinct)
}

/** True when `secret` falls short of `MIN_SECRET_BITS` by `estimatedSecretBits`. */
export const isGuessableSecret = (secret: Uint8Array): boolean =>
  estimatedSecretBits(secret) < MIN_SECRET_BITS
