/**
 * Compact JWS signing for the HMAC algorithms through `node:crypto`, by hand: the codec's
 * `HmacSigner` for the server (the tokens room runs anywhere and cannot use `node:crypto`).
 *
 * Why not jose here: jose 6 signs through WebCrypto only, where an HMAC is a job on libuv's thread
 * pool and a promise, many times the cost of the hash itself; a refresh signs twice, a login twice
 * (bench/FINDINGS.md).
 * Signing is the safe half to write by hand: it decides nothing about trust (verifying by hand,
 * `sync-verifier.ts`, does, and a differential test holds it to jose's answers). A test checks that
 * these tokens are byte for byte the ones jose makes from the same header and claims.
 */
import type { HmacSigner } from '../tokens/codec.js'
import { hmacBase64url } from './node-hmac.js'

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

/**
 * `header.payload.signature`, each part as jose would encode it: base64url of the JSON text, no
 * padding. The caller builds the header (`alg` must name the key's algorithm).
 */
export const signHmacJws: HmacSigner = (alg, key, header, payload) => {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
  return `${signingInput}.${hmacBase64url(alg, key, signingInput)}`
}
