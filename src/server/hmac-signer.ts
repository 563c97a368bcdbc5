/**
 * Compact JWS signing for the HMAC algorithms through `node:crypto`, by hand: the codec's
 * `HmacSigner` for the server (the tokens room runs anywhere and cannot use `node:crypto`).
 *
 * Why not jose here: jose 6 signs through WebCrypto only. There an HMAC is a job on libuv's thread
 * pool and a promise, about 40 µs of a refresh's time for a hash that takes a microsecond or two.
 * A refresh signs twice, a login twice, and the refresh benchmark was short of its bar.
 * Signing is the safe half to write by hand: it decides nothing about trust. Every token is still
 * verified by jose, with the algorithm allow-list and the claim checks. A test checks that these
 * tokens are byte for byte the ones jose makes from the same header and claims.
 */
import { createHmac, KeyObject } from 'node:crypto'
import type { KeyMaterial } from '../keys/ring.js'
import type { HmacSigner } from '../tokens/codec.js'

const NODE_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const

/** Node key objects of WebCrypto keys, converted once per key. */
const nodeKeys = new WeakMap<CryptoKey, KeyObject>()

function nodeKeyOf(key: KeyMaterial): KeyObject | Uint8Array {
  if (key instanceof Uint8Array) return key
  let converted = nodeKeys.get(key)
  if (converted === undefined) {
    // Works for non-extractable keys too: the secret stays inside the key object.
    converted = KeyObject.from(key)
    nodeKeys.set(key, converted)
  }
  return converted
}

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

/**
 * `header.payload.signature`, each part as jose would encode it: base64url of the JSON text, no
 * padding. The caller builds the header (`alg` must name the key's algorithm).
 */
export const signHmacJws: HmacSigner = (alg, key, header, payload) => {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
  const signature = createHmac(NODE_HASH[alg], nodeKeyOf(key)).update(signingInput).digest('base64url')
  return `${signingInput}.${signature}`
}
