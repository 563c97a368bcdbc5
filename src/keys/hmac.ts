import { SettingsError } from '../core/errors.js'
import type { Algorithm } from '@tessera/protocol'
import { isHmacAlgorithm } from './algorithms.js'
import { createKeyRing } from './keyring.js'
import { hmacSecretJwk, loadPrivateJwk } from './material.js'
import type { KeyRing } from './ring.js'

/**
 * A key ring of one shared secret, as simplejwt's `SIGNING_KEY`. Its tokens carry the secret's
 * `kid` (a hash of a hash of it, as the server's), which simplejwt and PyJWT ignore; a token
 * without `kid` is tried against the secret. Imported once as a non-extractable WebCrypto key.
 */
export async function hmacKeyRing(secret: string, alg: Algorithm): Promise<KeyRing> {
  if (!isHmacAlgorithm(alg)) throw new SettingsError('ALGORITHM', `${alg} is not an HMAC algorithm`)
  const loaded = await loadPrivateJwk(hmacSecretJwk(secret), alg)
  return createKeyRing([{ ...loaded, status: 'active', createdAt: 0 }])
}
