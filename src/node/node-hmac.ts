/** What the HMAC signer and verifier share: Node's hash names and Node key objects of Tessera's keys. */
import { KeyObject } from 'node:crypto'
import type { KeyMaterial } from '../keys/ring.js'

export const NODE_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const

/** Node key objects of WebCrypto keys, converted once per key. */
const nodeKeys = new WeakMap<CryptoKey, KeyObject>()

export function nodeKeyOf(key: KeyMaterial): KeyObject | Uint8Array {
  if (key instanceof Uint8Array) return key
  let converted = nodeKeys.get(key)
  if (converted === undefined) {
    // Works for non-extractable keys too: the secret stays inside the key object.
    converted = KeyObject.from(key)
    nodeKeys.set(key, converted)
  }
  return converted
}
