/**
 * The hand-written HMAC signer (`src/node/hmac-signer.ts`) against jose: for any header and claims,
 * the same bytes as jose's SignJWT, and jose verifies them as an outside party would.
 */
import fc from 'fast-check'
import { jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { hmacKeyRing } from '../../src/keys/hmac.js'
import { signHmacJws } from '../../src/node/hmac-signer.js'

const SECRET = 'a-secret-for-the-hmac-signer-test-0123456789'
const ALGS = ['HS256', 'HS384', 'HS512'] as const

// Claims as JSON allows them, with any Unicode text (lone surrogates included: both sides encode
// them the same way, as U+FFFD).
const claims = fc.dictionary(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
  ),
  { maxKeys: 8 },
)

describe('HMAC signing by hand', () => {
  for (const alg of ALGS) {
    it(`${alg}: the same token as jose's SignJWT, verified by jose`, async () => {
      const ring = await hmacKeyRing(SECRET, alg)
      const { key } = ring.signingKey()
      await fc.assert(
        fc.asyncProperty(
          claims,
          fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
          async (payload, kid) => {
            const header: Record<string, unknown> = { alg, typ: 'JWT' }
            if (kid !== undefined) header.kid = kid
            const mine = signHmacJws(alg, key, header, payload)
            const jose = await new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key)
            expect(mine).toBe(jose)
            const verified = await jwtVerify(mine, new TextEncoder().encode(SECRET), { algorithms: [alg] })
            expect(verified.payload).toEqual(JSON.parse(JSON.stringify(payload)))
          },
        ),
        { numRuns: 300 },
      )
    })
  }

  it('takes raw key bytes as well as a WebCrypto key', async () => {
    const bytes = new TextEncoder().encode(SECRET)
    const payload = { sub: 'x', n: 1 }
    const fromBytes = signHmacJws('HS256', bytes, { alg: 'HS256', typ: 'JWT' }, payload)
    const ring = await hmacKeyRing(SECRET, 'HS256')
    expect(fromBytes).toBe(signHmacJws('HS256', ring.signingKey().key, { alg: 'HS256', typ: 'JWT' }, payload))
  })

  it('signs with the key given: another secret does not verify', async () => {
    const ring = await hmacKeyRing(SECRET, 'HS512')
    const token = signHmacJws('HS512', ring.signingKey().key, { alg: 'HS512', typ: 'JWT' }, { a: 1 })
    await expect(
      jwtVerify(token, new TextEncoder().encode(`${SECRET}-other`), { algorithms: ['HS512'] }),
    ).rejects.toThrow(/signature/)
  })
})
