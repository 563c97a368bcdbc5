/**
 * Issue 3: every algorithm both ways (Tessera signs, plain jose verifies as an outside party, and
 * the reverse), kid selection, rotation, retirement, and the RFC 8725 §2 attacks.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { exportJWK, importJWK, type JWK, jwtVerify, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { TokenInvalid } from '../../src/core/errors.js'
import {
  createKeyRing,
  type KeyRingDocument,
  loadDocument,
  newStoredKey,
  retireInDocument,
  rotateDocument,
} from '../../src/keys/index.js'
import { loadSettings } from '../../src/settings/load.js'
import { ALGORITHMS, ASYMMETRIC_ALGORITHMS, type Algorithm } from '@tessera/protocol'
import { TokenCodec } from '../../src/tokens/codec.js'

const settings = loadSettings({ mode: 'test' })
const clock = new ManualClock(1_795_000_000_000)
const now = () => new Date(clock.now())

async function ringOf(document: KeyRingDocument) {
  return createKeyRing(await loadDocument(document, 'test'))
}

const codecOf = (ring: Awaited<ReturnType<typeof ringOf>>) =>
  new TokenCodec(settings, ring, clock, { cacheSize: 0 })

async function refused(codec: TokenCodec, token: string): Promise<string> {
  try {
    await codec.verify(token, null)
    return 'accepted'
  } catch (error) {
    expect(error).toBeInstanceOf(TokenInvalid)
    return (error as TokenInvalid).reason
  }
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const payload = () => ({
  token_type: 'access',
  exp: Math.floor(clock.now() / 1000) + 300,
  iat: Math.floor(clock.now() / 1000),
  jti: 'a'.repeat(32),
  user_id: 1,
})

describe.each(ALGORITHMS)('%s', (alg: Algorithm) => {
  it('Tessera signs and an outside party verifies with jose; jose signs and Tessera verifies', async () => {
    const stored = await newStoredKey(alg, now())
    const ring = await ringOf({ keys: [stored] })
    const codec = codecOf(ring)
    const issued = await codec.issue('access', 7, { email: 'a@example.com' })
    const isHmac = alg.startsWith('HS')
    const outsideKey = isHmac
      ? await importJWK(stored.jwk, alg)
      : await importJWK(ring.jwks().keys.find((key) => key.kid === stored.kid) as JWK, alg)
    const { payload: claims, protectedHeader } = await jwtVerify(issued.token, outsideKey, {
      algorithms: [alg],
      currentDate: now(),
    })
    expect(claims).toMatchObject({ token_type: 'access', user_id: 7, email: 'a@example.com' })
    expect(protectedHeader.alg).toBe(alg)
    // Every key names itself, an HMAC secret too (simplejwt and PyJWT ignore kid).
    expect(protectedHeader.kid).toBe(stored.kid)

    // simplejwt signs HMAC tokens without kid: they are tried against the ring's HMAC keys.
    const foreign = await new SignJWT(payload())
      .setProtectedHeader({ alg, typ: 'JWT', ...(isHmac ? {} : { kid: stored.kid }) })
      .sign(await importJWK(stored.jwk, alg))
    expect((await codec.verify(foreign, 'access')).userId).toBe(1)
  })

  if (!alg.startsWith('HS')) {
    it('publishes a usable public JWK with kid, use and alg, and no private member', async () => {
      const ring = await ringOf({ keys: [await newStoredKey(alg, now())] })
      const [jwk] = ring.jwks().keys
      expect(jwk).toMatchObject({ use: 'sig', alg, kid: expect.any(String) })
      if (alg === 'EdDSA') expect(jwk?.crv).toBe('Ed25519')
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'])
        expect(jwk).not.toHaveProperty(member)
    })
  }
})

describe('key ring', () => {
  it('never publishes private or symmetric material, whatever the ring holds', async () => {
    const pool = await Promise.all(ALGORITHMS.map((alg) => newStoredKey(alg, now())))
    await fc.assert(
      fc.asyncProperty(fc.subarray(pool, { minLength: 1 }), async (keys) => {
        const ring = await ringOf({ keys: structuredClone(keys) })
        const published = JSON.stringify(ring.jwks())
        for (const key of keys) {
          for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const) {
            const value = (key.jwk as Record<string, unknown>)[secret]
            if (typeof value === 'string') expect(published).not.toContain(value)
          }
        }
        for (const jwk of ring.jwks().keys) {
          expect(
            Object.keys(jwk).every((member) =>
              ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'use', 'alg'].includes(member),
            ),
          ).toBe(true)
        }
        expect(ring.jwks().keys).toHaveLength(keys.filter((key) => !key.alg.startsWith('HS')).length)
      }),
      { numRuns: 40 },
    )
  })

  it('rotation: new tokens carry the new kid, old tokens still verify; retirement refuses them', async () => {
    const document: KeyRingDocument = { keys: [await newStoredKey('EdDSA', now())] }
    const before = codecOf(await ringOf(document))
    const oldToken = (await before.issue('access', 1, {})).token
    clock.advance(1)
    const next = await rotateDocument(document, 'ES256', now())
    const after = codecOf(await ringOf(structuredClone(document)))
    const newToken = (await after.issue('access', 1, {})).token
    expect(JSON.parse(Buffer.from(newToken.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(next.kid)
    expect((await after.verify(oldToken, 'access')).userId).toBe(1)
    expect((await after.verify(newToken, 'access')).userId).toBe(1)
    const firstKid = document.keys[0]?.kid ?? ''
    expect(() => retireInDocument(document, next.kid)).toThrow(/signs new tokens/)
    retireInDocument(document, firstKid)
    const retired = codecOf(await ringOf(document))
    // EdDSA left the allow-list with its only key: refused before any key is looked up.
    expect(await refused(retired, oldToken)).toBe('alg_not_allowed')
    expect((await retired.verify(newToken, 'access')).userId).toBe(1)
  })

  it('picks the verification key by kid and algorithm only', async () => {
    const a = await newStoredKey('ES256', now())
    const b = await newStoredKey('ES256', now())
    const ring = await ringOf({ keys: [a, b] })
    expect(ring.verificationKey({ alg: 'ES256', kid: a.kid })).toBeDefined()
    expect(ring.verificationKey({ alg: 'ES384', kid: a.kid })).toBeUndefined()
    expect(ring.verificationKey({ alg: 'ES256', kid: 'nope' })).toBeUndefined()
    expect(ring.verificationKey({ alg: 'ES256' })).toBeUndefined()
  })
})

describe('RFC 8725 §2 attacks are refused with token_not_valid', () => {
  it('alg none', async () => {
    const codec = codecOf(await ringOf({ keys: [await newStoredKey('EdDSA', now())] }))
    const hmac = codecOf(await ringOf({ keys: [await newStoredKey('HS256', now())] }))
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const target of [codec, hmac]) {
        const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(payload())}.`
        expect(await refused(target, unsigned)).toBe('alg_not_allowed')
        // A stray signature changes nothing: "none" is never on an allow-list.
        expect(await refused(target, `${unsigned}c2ln`)).toBe('alg_not_allowed')
      }
    }
  })

  it('an HMAC ring never takes an asymmetric token, nor a kid it does not hold', async () => {
    const secret = await newStoredKey('HS256', now())
    const codec = codecOf(await ringOf({ keys: [secret] }))
    const other = await newStoredKey('ES256', now())
    const asymmetric = await new SignJWT(payload())
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: other.kid })
      .sign(await importJWK(other.jwk, 'ES256'))
    expect(await refused(codec, asymmetric)).toBe('alg_not_allowed')
    const key = await importJWK(secret.jwk, 'HS256')
    for (const kid of ['../../etc/passwd', "x' UNION SELECT k FROM keys --", 'unknown']) {
      const token = await new SignJWT(payload())
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
        .sign(key)
      expect(await refused(codec, token)).toBe('unknown_key')
    }
  })

  it('algorithm confusion: an HS256 token keyed with the public key', async () => {
    for (const alg of ASYMMETRIC_ALGORITHMS) {
      const stored = await newStoredKey(alg, now())
      const ring = await ringOf({ keys: [stored] })
      const codec = codecOf(ring)
      const jwk = ring.jwks().keys[0] as JWK
      const publicPem = (await import('node:crypto'))
        .createPublicKey({ key: jwk as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString()
      for (const secret of [publicPem, JSON.stringify(jwk), jwk.x ?? jwk.n ?? '']) {
        for (const header of [
          { alg: 'HS256', typ: 'JWT', kid: stored.kid },
          { alg: 'HS256', typ: 'JWT' },
        ]) {
          const signingInput = `${b64(header)}.${b64(payload())}`
          const signature = createHmac('sha256', secret).update(signingInput).digest('base64url')
          expect(await refused(codec, `${signingInput}.${signature}`)).not.toBe('accepted')
        }
      }
    }
  })

  it('kid injection and key-choosing headers (jku, x5u, jwk, x5c) and crit', async () => {
    const stored = await newStoredKey('ES256', now())
    const codec = codecOf(await ringOf({ keys: [stored] }))
    const signer = await importJWK(stored.jwk, 'ES256')
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const attackerJwk = await exportJWK(attacker.publicKey)
    const forged: Record<string, unknown>[] = [
      { kid: '../../../../etc/passwd' },
      { kid: "' OR '1'='1" },
      { kid: 'unknown-kid' },
      { kid: stored.kid, jku: 'https://evil.example/jwks.json' },
      { kid: stored.kid, x5u: 'https://evil.example/cert.pem' },
      { kid: stored.kid, jwk: attackerJwk },
      { kid: stored.kid, x5c: ['MIIB'] },
      { kid: stored.kid, crit: ['exp'], exp: 1 },
    ]
    for (const extra of forged) {
      const token = await new SignJWT(payload())
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...extra } as never)
        .sign(signer)
        .catch(() => undefined)
      if (token !== undefined) expect(await refused(codec, token)).not.toBe('accepted')
    }
    // The same header signed by the attacker's own embedded key is refused too.
    const selfSigned = await new SignJWT(payload())
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: attackerJwk })
      .sign(attacker.privateKey)
    expect(await refused(codec, selfSigned)).not.toBe('accepted')
  })
})
