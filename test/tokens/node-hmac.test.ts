/**
 * The hand-made HMAC (src/node/node-hmac.ts) against node:crypto's `createHmac`: every algorithm,
 * keys shorter than, as long as and longer than the hash's block, raw bytes and non-extractable
 * WebCrypto keys, messages from empty to longer than the buffer it starts with.
 */
import { createHmac, webcrypto } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { hmacBase64url } from '../../src/node/node-hmac.js'

const ALGS = [
  { alg: 'HS256', hash: 'sha256', block: 64 },
  { alg: 'HS384', hash: 'sha384', block: 128 },
  { alg: 'HS512', hash: 'sha512', block: 128 },
] as const
const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.']

const expected = (hash: string, key: Uint8Array, message: string) =>
  createHmac(hash, key).update(message, 'latin1').digest('base64url')

const importHmac = (key: Uint8Array, hash: string) =>
  webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: `SHA-${hash.slice(3)}` }, false, [
    'sign',
    'verify',
  ]) as Promise<CryptoKey>

describe('hmacBase64url', () => {
  for (const { alg, hash, block } of ALGS) {
    it(`${alg}: equals createHmac for keys around the ${block}-byte block and messages of every size`, async () => {
      const message = (n: number) => Array.from({ length: n }, (_, i) => BASE64URL[(i * 7) % 65]).join('')
      for (const keyLength of [1, 32, block - 1, block, block + 1, 3 * block]) {
        const key = Uint8Array.from({ length: keyLength }, (_, i) => (i * 31 + keyLength) & 0xff)
        const cryptoKey = await importHmac(key, hash)
        // 5000 outgrows the first buffer; the shorter ones after it reuse the grown one.
        for (const n of [0, 1, 200, 5000, 3, 1100]) {
          expect(hmacBase64url(alg, key, message(n))).toBe(expected(hash, key, message(n)))
          expect(hmacBase64url(alg, cryptoKey, message(n))).toBe(expected(hash, key, message(n)))
        }
      }
    })
  }

  it('keeps one raw key apart per algorithm', () => {
    const key = new Uint8Array(48).fill(7)
    for (const { alg, hash } of [...ALGS, ...ALGS]) {
      expect(hmacBase64url(alg, key, 'a.b')).toBe(expected(hash, key, 'a.b'))
    }
  })

  it('equals createHmac for generated keys and signing inputs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALGS),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.constantFrom(...BASE64URL), { maxLength: 2000 }).map((chars) => chars.join('')),
        ({ alg, hash }, key, message) => {
          expect(hmacBase64url(alg, key, message)).toBe(expected(hash, key, message))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('falls back to createHmac where node:crypto has no one-shot hash (Node 20 before 20.12)', async () => {
    vi.resetModules()
    const createHmacCalls = vi.fn()
    vi.doMock('node:crypto', async (importOriginal) => {
      const original = await importOriginal<typeof import('node:crypto')>()
      return {
        ...original,
        hash: undefined,
        createHmac: (...args: Parameters<typeof createHmac>) => {
          createHmacCalls()
          return original.createHmac(...args)
        },
      }
    })
    try {
      const fallback = await import('../../src/node/node-hmac.js')
      const key = new Uint8Array(100).fill(9)
      for (const { alg, hash } of ALGS) {
        expect(fallback.hmacBase64url(alg, key, 'x.y')).toBe(expected(hash, key, 'x.y'))
      }
      expect(createHmacCalls).toHaveBeenCalledTimes(ALGS.length)
    } finally {
      vi.doUnmock('node:crypto')
      vi.resetModules()
    }
  })
})
