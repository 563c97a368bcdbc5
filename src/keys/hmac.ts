import { SettingsError } from '../core/errors.js'
import { HMAC_ALGORITHMS, type Algorithm } from '../settings/types.js'
import type { KeyRing, SigningKey } from './ring.js'

export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]

const HASH: Record<HmacAlgorithm, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' }

export const isHmacAlgorithm = (alg: string): alg is HmacAlgorithm =>
  (HMAC_ALGORITHMS as readonly string[]).includes(alg)

/**
 * A key ring of one shared secret, as simplejwt's `SIGNING_KEY`: tokens carry no `kid`, and only
 * `alg` verifies. The secret is imported once as a non-extractable WebCrypto key.
 */
export async function hmacKeyRing(secret: string, alg: Algorithm): Promise<KeyRing> {
  if (!isHmacAlgorithm(alg)) throw new SettingsError('ALGORITHM', `${alg} is not an HMAC algorithm`)
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: HASH[alg] },
    false,
    ['sign', 'verify'],
  )
  const signing: SigningKey = { kid: undefined, alg, key }
  return {
    algorithms: [alg],
    signingKey: () => signing,
    verificationKey: (header) => (header.alg === alg ? key : undefined),
    jwks: () => ({ keys: [] }),
  }
}
