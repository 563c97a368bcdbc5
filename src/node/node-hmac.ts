/**
 * What the HMAC signer and verifier share: the HMAC of a compact JWS signing input, as base64url.
 *
 * Computed by hand from RFC 2104, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), with Node's one-shot
 * `crypto.hash`, because Node 20 has no one-shot HMAC: a `createHmac` object per token (a native
 * object, a digest fetch, a finaliser for the garbage collector) costs more than the two hashes on
 * the hot path (bench/FINDINGS.md). test/tokens/node-hmac.test.ts holds it to `createHmac` for every
 * algorithm and key length; the verifier's differential test holds the whole check to jose.
 */
import * as nodeCrypto from 'node:crypto'
import { createHmac, KeyObject } from 'node:crypto'
import type { HmacAlgorithm } from '@tessera/protocol'
import type { KeyMaterial } from '../keys/ring.js'

const NODE_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const
/** RFC 2104's B: the hash's input block, in bytes. */
const BLOCK_BYTES = { HS256: 64, HS384: 128, HS512: 128 } as const
/** The hash's output, in bytes. */
const DIGEST_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const
const IPAD = 0x36
const OPAD = 0x5c

/** `crypto.hash` (Node ≥ 20.12); older Node 20 releases use `createHmac`. */
const oneShotHash: typeof nodeCrypto.hash | undefined =
  typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined

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

/**
 * One key's padded blocks for one algorithm. `inner` is K ⊕ ipad followed by room for the message;
 * `outer` is K ⊕ opad followed by room for the inner digest. They are as secret as the key and
 * never leave this module.
 */
interface Pads {
  inner: Buffer
  readonly outer: Buffer
}

/**
 * Pads per key, then per algorithm (a raw key may be used with more than one). Keyed by the key
 * object: a raw key's bytes must not change once it has been used (the key ring never changes one).
 */
const padsByKey = new WeakMap<object, Map<HmacAlgorithm, Pads>>()

function padsOf(alg: HmacAlgorithm, key: KeyMaterial): Pads {
  let byAlg = padsByKey.get(key)
  if (byAlg === undefined) {
    byAlg = new Map()
    padsByKey.set(key, byAlg)
  }
  let pads = byAlg.get(alg)
  if (pads === undefined) {
    pads = makePads(alg, key)
    byAlg.set(alg, pads)
  }
  return pads
}

function makePads(alg: HmacAlgorithm, key: KeyMaterial): Pads {
  const block = BLOCK_BYTES[alg]
  const material = nodeKeyOf(key)
  let secret = material instanceof KeyObject ? material.export() : Buffer.from(material)
  if (secret.length > block) {
    // RFC 2104: a key longer than the block is replaced by its hash.
    const long = secret
    secret = nodeCrypto.createHash(NODE_HASH[alg]).update(long).digest()
    long.fill(0)
  }
  const inner = Buffer.alloc(block + 1024, 0)
  const outer = Buffer.alloc(block + DIGEST_BYTES[alg], 0)
  inner.fill(IPAD, 0, block)
  outer.fill(OPAD, 0, block)
  for (let i = 0; i < secret.length; i++) {
    const byte = secret.readUInt8(i)
    inner.writeUInt8(IPAD ^ byte, i)
    outer.writeUInt8(OPAD ^ byte, i)
  }
  secret.fill(0)
  return { inner, outer }
}

/**
 * The HMAC of `signingInput` under `key`, base64url without padding. `signingInput` must be ASCII
 * (a compact JWS signing input is base64url and a dot), so its Latin-1 bytes are its UTF-8 bytes.
 */
export function hmacBase64url(alg: HmacAlgorithm, key: KeyMaterial, signingInput: string): string {
  const hash = oneShotHash
  if (hash === undefined) {
    return createHmac(NODE_HASH[alg], nodeKeyOf(key)).update(signingInput, 'latin1').digest('base64url')
  }
  const pads = padsOf(alg, key)
  const block = BLOCK_BYTES[alg]
  if (pads.inner.length < block + signingInput.length) {
    const grown = Buffer.alloc(block + 2 * signingInput.length, 0)
    pads.inner.copy(grown, 0, 0, block)
    pads.inner.fill(0)
    pads.inner = grown
  }
  const length = block + pads.inner.write(signingInput, block, 'latin1')
  const innerDigest = hash(NODE_HASH[alg], pads.inner.subarray(0, length), 'buffer')
  innerDigest.copy(pads.outer, block)
  return hash(NODE_HASH[alg], pads.outer, 'base64url')
}
