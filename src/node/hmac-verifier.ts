/**
 * The codec's `HmacVerifier` for the server, on `node:crypto`: HMAC tokens verified with no promise
 * and no thread-pool hop (jose 6 verifies HMAC through WebCrypto only, asynchronously). The rules
 * (header, claims, reasons) live in the tokens room; this file only decodes and compares.
 */
import { isUtf8 } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { HmacVerifier } from '@tessera/verify/engine'
import { NODE_HASH, nodeKeyOf } from './node-hmac.js'

const BYTE_ORDER_MARK = 0xfeff

export const nodeHmacVerifier: HmacVerifier = {
  decodeText(part) {
    // The codec has checked that the part is canonical base64url, so Buffer decodes it exactly.
    const bytes = Buffer.from(part, 'base64url')
    if (!isUtf8(bytes)) return undefined
    const text = bytes.toString('utf8')
    // jose's TextDecoder drops one leading byte-order mark.
    return text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text
  },

  verify(alg, key, signingInput, signature) {
    // The codec's token shape is ASCII only, so its Latin-1 bytes are its UTF-8 bytes (and cheaper).
    const expected = createHmac(NODE_HASH[alg], nodeKeyOf(key)).update(signingInput, 'latin1').digest()
    const given = Buffer.from(signature, 'base64url')
    // The length is the sender's choice, not a secret; only equal lengths reach the constant-time compare.
    return given.length === expected.length && timingSafeEqual(given, expected)
  },
}
