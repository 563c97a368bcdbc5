import type { JWK } from 'jose'
import type { Algorithm } from '@tessera/protocol'

import type { KeyMaterial, KeySelector } from '@tessera/verify/engine'

export type { KeyMaterial, KeySelector }

export interface SigningKey {
  /** Set for every key, HMAC too: simplejwt and PyJWT ignore it, and rotation needs it. */
  readonly kid: string
  readonly alg: Algorithm
  readonly key: KeyMaterial
}

/**
 * The keys a Tessera instance signs and verifies with. The newest active key signs; every key
 * not yet retired verifies, so a rotation never breaks a token still within its lifetime.
 */
export interface KeyRing {
  /** The algorithm allow-list for verification (RFC 8725 §3.1): never `none`. */
  readonly algorithms: readonly Algorithm[]
  signingKey(): SigningKey
  /**
   * The key for a token header, or undefined when no key matches (unknown `kid`, or an algorithm
   * the key was not made for: an HMAC key is never tried as a public key, nor the reverse). For a
   * token without `kid`, the live HMAC keys of its algorithm, a few at most, to try in order.
   */
  verificationKey(header: KeySelector): KeyMaterial | readonly KeyMaterial[] | undefined
  /** The public JWK Set: asymmetric public keys only; empty for HMAC. */
  jwks(): { keys: JWK[] }
}
