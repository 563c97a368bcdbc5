/**
 * The codec's `SyncVerifier` for the server, on `node:crypto`: HMAC and Ed25519 tokens verified
 * with no promise and no thread-pool hop (jose 6 verifies through WebCrypto only, asynchronously).
 * The rules (header, claims, reasons) live in the verification engine; this file only decodes and
 * checks signatures.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import { KeyObject, verify } from 'node:crypto'
import type { SyncVerifier } from '@tessera/verify/engine'
import { hmacBase64url } from './node-hmac.js'

const BYTE_ORDER_MARK = 0xfeff

/** Node key objects of public Ed25519 CryptoKeys, converted once per key. */
const publicKeys = new WeakMap<CryptoKey, KeyObject>()

/**
 * Whether two strings of the same alphabet are equal, in time that depends on their length only
 * (which is public: the algorithm fixes it), never on where they differ.
 */
function constantTimeEqual(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false
  let difference = 0
  for (let i = 0; i < expected.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i)
  return difference === 0
}

export const nodeSyncVerifier: SyncVerifier = {
  decodeText(part) {
    // The codec has checked that the part is canonical base64url, so Buffer decodes it exactly.
    const bytes = Buffer.from(part, 'base64url')
    // ASCII text (every token Tessera issues) reads the same as Latin-1, which makes no UTF-8 pass.
    if (isAscii(bytes)) return bytes.toString('latin1')
    if (!isUtf8(bytes)) return undefined
    const text = bytes.toString('utf8')
    // jose's TextDecoder drops one leading byte-order mark.
    return text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text
  },

  verify(alg, key, signingInput, signature) {
    // Both sides are canonical base64url (the codec refuses any other spelling of the signature),
    // so equal text means equal bytes, and no buffer is decoded for the comparison.
    return constantTimeEqual(signature, hmacBase64url(alg, key, signingInput))
  },

  verifyEd25519(key, signingInput, signature) {
    let publicKey = publicKeys.get(key)
    if (publicKey === undefined) {
      publicKey = KeyObject.from(key)
      publicKeys.set(key, publicKey)
    }
    // A signature of the wrong length is simply not valid (OpenSSL answers false, as WebCrypto does).
    return verify(null, Buffer.from(signingInput, 'latin1'), publicKey, Buffer.from(signature, 'base64url'))
  },
}
