/**
 * Property tests of the token parser: whatever arrives, verification either succeeds or throws
 * TokenInvalid, never anything else; any change to a valid token is refused.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { TokenInvalid } from '../../src/core/errors.js'
import { hmacKeyRing } from '../../src/keys/hmac.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'

const settings = loadSettings({
  mode: 'test',
  overrides: { SIGNING_KEY: 'property-test-key-of-sufficient-length!!' },
})
const clock = new ManualClock(1_795_000_000_000)
let codec: TokenCodec
let valid: string

beforeAll(async () => {
  codec = new TokenCodec(
    settings,
    await hmacKeyRing('property-test-key-of-sufficient-length!!', 'HS256'),
    clock,
    { cacheSize: 0 },
  )
  valid = (await codec.issue('access', 7, { email: 'a@example.com', roles: ['staff'] })).token
})

async function outcome(token: string): Promise<'ok' | 'invalid' | 'other'> {
  try {
    await codec.verify(token, 'access')
    return 'ok'
  } catch (error) {
    return error instanceof TokenInvalid ? 'invalid' : 'other'
  }
}

const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/)
const jsonPart = fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'))

describe('token parser properties', () => {
  it('the valid token verifies (so the properties below are not vacuous)', async () => {
    expect(await outcome(valid)).toBe('ok')
  })

  it('arbitrary strings are refused with TokenInvalid only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (input) => {
        expect(await outcome(input)).toBe('invalid')
      }),
      { numRuns: 500 },
    )
  })

  it('three-part strings with arbitrary JSON header and payload are refused with TokenInvalid only', async () => {
    await fc.assert(
      fc.asyncProperty(jsonPart, jsonPart, b64url, async (header, payload, signature) => {
        expect(await outcome(`${header}.${payload}.${signature}`)).toBe('invalid')
      }),
      { numRuns: 500 },
    )
  })

  it('flipping any character of a valid token makes it invalid', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    await fc.assert(
      fc.asyncProperty(fc.nat(valid.length - 1), fc.nat(alphabet.length - 1), async (index, pick) => {
        const original = valid[index]
        if (original === '.') return
        let replacement = alphabet[pick] ?? 'A'
        if (replacement === original) replacement = original === 'A' ? 'B' : 'A'
        const changed = valid.slice(0, index) + replacement + valid.slice(index + 1)
        // Even a change to the last character's stray bits, which leaves the decoded bytes equal.
        expect(await outcome(changed)).toBe('invalid')
      }),
      { numRuns: 300 },
    )
  })

  it('a token has one spelling: stray bits in the last character of a part are refused as malformed', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const parts = valid.split('.')
    for (const [index, part] of parts.entries()) {
      const spare = part.length % 4 === 2 ? 15 : part.length % 4 === 3 ? 3 : 0
      if (spare === 0) continue
      const last = alphabet.indexOf(part.at(-1) ?? '')
      for (let bits = 1; bits <= spare; bits++) {
        const respelled = part.slice(0, -1) + alphabet[last | bits]
        // The same bytes as the original: jose alone would accept the signature part.
        expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(part, 'base64url'))
        const token = parts.map((p, i) => (i === index ? respelled : p)).join('.')
        await expect(codec.verify(token, 'access')).rejects.toMatchObject({ reason: 'malformed' })
      }
    }
    // HS256's 43-character signature has two stray bits, so the loop above is never empty.
    expect((parts[2] ?? '').length % 4).toBe(3)
  })

  it('a token with alg none, or with a key-choosing header, is refused', async () => {
    const [, payload, signature] = valid.split('.')
    const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    for (const forged of [
      { alg: 'none', typ: 'JWT' },
      { alg: 'HS256', typ: 'JWT', jku: 'https://evil.example/jwks.json' },
      { alg: 'HS256', typ: 'JWT', jwk: { kty: 'oct', k: 'AAAA' } },
      { alg: 'HS256', typ: 'JWT', crit: ['exp'] },
      { alg: 'HS512', typ: 'JWT' },
    ]) {
      expect(await outcome(`${header(forged)}.${payload}.${signature}`)).toBe('invalid')
      expect(await outcome(`${header(forged)}.${payload}.`)).toBe('invalid')
    }
  })

  it('issue and verify round-trip the claims', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), fc.emailAddress(), async (userId, email) => {
        const issued = await codec.issue('refresh', userId, { email, roles: [] })
        const verified = await codec.verify(issued.token, 'refresh')
        expect(verified.userId).toBe(userId)
        expect(verified.claims.email).toBe(email)
        expect(verified.jti).toBe(issued.jti)
      }),
      { numRuns: 50 },
    )
  })
})
