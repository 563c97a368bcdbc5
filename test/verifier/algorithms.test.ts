/**
 * createVerifier as another service uses it: every algorithm both ways (Tessera signs and the
 * verifier checks; plain jose signs as an outside issuer and the verifier checks), and the
 * RFC 8725 §2 attacks, each refused with TokenInvalid.
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { exportJWK, importJWK, type JWK, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { TokenInvalid } from '../../src/core/errors.js'
import { createKeyRing, hmacKeyRing, loadDocument, newStoredKey } from '../../src/keys/index.js'
import { loadSettings } from '../../src/settings/load.js'
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from '@tessera/protocol'
import { TokenCodec } from '../../src/tokens/codec.js'
import { createVerifier, type Verifier } from '@tessera/verify'

const settings = loadSettings({ mode: 'test' })
const SECRET = 'a-shared-secret-that-is-long-enough-for-hs512-tokens-0123456789abcdef'
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const claims = () => ({
  token_type: 'access',
  exp: Math.floor(Date.now() / 1000) + 300,
  iat: Math.floor(Date.now() / 1000),
  jti: 'b'.repeat(32),
  user_id: 42,
})

async function reason(verifier: Verifier, token: string): Promise<string> {
  const outcome = await verifier.verify(token).then(
    () => 'accepted',
    (error: unknown) => error,
  )
  if (outcome === 'accepted') return outcome
  expect(outcome).toBeInstanceOf(TokenInvalid)
  expect((outcome as TokenInvalid).code).toBe('token_not_valid')
  return (outcome as TokenInvalid).reason
}

async function asymmetric(alg: (typeof ASYMMETRIC_ALGORITHMS)[number]) {
  const stored = await newStoredKey(alg, new Date())
  const ring = createKeyRing(await loadDocument({ keys: [stored] }, 'test'))
  const jwk = ring.jwks().keys[0] as JWK
  const pem = createPublicKey({ key: jwk as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString()
  return { stored, jwk, pem, codec: new TokenCodec(settings, ring) }
}

describe.each(ASYMMETRIC_ALGORITHMS)('%s with a public key', (alg) => {
  it('verifies tokens Tessera signs and tokens plain jose signs, from a PEM and from a JWK', async () => {
    const { stored, jwk, pem, codec } = await asymmetric(alg)
    const ours = (await codec.issue('access', 42, { roles: ['staff'] })).token
    const theirs = await new SignJWT(claims())
      .setProtectedHeader({ alg, typ: 'JWT', kid: stored.kid })
      .sign(await importJWK(stored.jwk, alg))
    for (const publicKey of [pem, jwk, JSON.stringify(jwk)]) {
      const verifier = createVerifier({ publicKey, algorithms: [alg] })
      expect(await verifier.verify(ours)).toMatchObject({ userId: 42, claims: { roles: ['staff'] } })
      expect((await verifier.verify(theirs)).userId).toBe(42)
    }
  })

  it('refuses alg none and an HMAC token keyed with the public key (algorithm confusion)', async () => {
    const { stored, jwk, pem } = await asymmetric(alg)
    const verifier = createVerifier({ publicKey: pem, algorithms: [alg] })
    for (const none of ['none', 'None', 'NONE']) {
      expect(await reason(verifier, `${b64({ alg: none, typ: 'JWT' })}.${b64(claims())}.`)).not.toBe(
        'accepted',
      )
    }
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: stored.kid })}.${b64(claims())}`
      const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
      expect(await reason(verifier, forged)).toBe('alg_not_allowed')
    }
  })
})

describe.each(HMAC_ALGORITHMS)('%s with a shared secret', (alg) => {
  it('verifies tokens Tessera signs (with kid) and tokens plain jose signs (without, as simplejwt)', async () => {
    const codec = new TokenCodec(settings, await hmacKeyRing(SECRET, alg))
    const verifier = createVerifier({ secret: SECRET, algorithms: [alg] })
    expect((await verifier.verify((await codec.issue('access', 42, {})).token)).userId).toBe(42)
    const theirs = await new SignJWT(claims())
      .setProtectedHeader({ alg, typ: 'JWT' })
      .sign(new TextEncoder().encode(SECRET))
    expect((await verifier.verify(theirs)).userId).toBe(42)
    const wrongSecret = createVerifier({ secret: `${SECRET}-other`, algorithms: [alg] })
    expect(await reason(wrongSecret, theirs)).toBe('bad_signature')
  })
})

describe('header injection against a verifier', () => {
  it('refuses jku, x5u, jwk, x5c and crit, and a kid other than the configured key', async () => {
    const { stored, jwk } = await asymmetric('ES256')
    const verifier = createVerifier({ publicKey: { ...jwk }, algorithms: ['ES256'] })
    const signer = await importJWK(stored.jwk, 'ES256')
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const attackerJwk = await exportJWK(attacker.publicKey)
    const cases: [Record<string, unknown>, string][] = [
      [{ jku: 'https://evil.example/jwks.json' }, 'bad_header'],
      [{ x5u: 'https://evil.example/cert.pem' }, 'bad_header'],
      [{ jwk: attackerJwk }, 'bad_header'],
      [{ x5c: ['MIIB'] }, 'bad_header'],
      [{ kid: '../../../../etc/passwd' }, 'unknown_key'],
      [{ kid: "' OR '1'='1' --" }, 'unknown_key'],
    ]
    for (const [extra, expected] of cases) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: stored.kid, ...extra } as never)
        .sign(signer)
      expect(await reason(verifier, token)).toBe(expected)
    }
    // jose refuses to sign an unknown crit member, so the header is assembled by hand.
    const header = { alg: 'ES256', typ: 'JWT', kid: stored.kid, crit: ['x-tessera'], 'x-tessera': 1 }
    const input = `${b64(header)}.${b64(claims())}`
    const { sign } = await import('node:crypto')
    const signature = sign('sha256', Buffer.from(input), {
      key: createPrivateKey({ key: stored.jwk as never, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url')
    expect(await reason(verifier, `${input}.${signature}`)).not.toBe('accepted')
    // The attacker's own key, embedded in the token, is never used.
    const selfSigned = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: attackerJwk })
      .sign(attacker.privateKey)
    expect(await reason(verifier, selfSigned)).not.toBe('accepted')
  })
})

describe('createVerifier refuses misconfiguration at creation', () => {
  it('private keys, symmetric JWKs, PEMs as secrets, unknown algorithms and odd URLs', async () => {
    const { stored, pem } = await asymmetric('RS256')
    const privatePem = createPrivateKey({ key: stored.jwk as never, format: 'jwk' })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString()
    expect(() => createVerifier({ publicKey: privatePem, algorithms: ['RS256'] })).toThrow(TypeError)
    expect(() => createVerifier({ publicKey: stored.jwk, algorithms: ['RS256'] })).toThrow(/public JWK/)
    expect(() => createVerifier({ publicKey: { kty: 'oct', k: 'c2VjcmV0' }, algorithms: ['RS256'] })).toThrow(
      TypeError,
    )
    expect(() => createVerifier({ publicKey: '{not json', algorithms: ['RS256'] })).toThrow(TypeError)
    expect(() => createVerifier({ secret: pem, algorithms: ['HS256'] })).toThrow(/looks like a key/)
    // @ts-expect-error not a supported algorithm (the type refuses it; JavaScript callers get the TypeError)
    expect(() => createVerifier({ secret: SECRET, algorithms: ['HS1'] })).toThrow(/unsupported/)
    expect(() => createVerifier({ jwksUrl: 'file:///etc/passwd', algorithms: ['RS256'] })).toThrow(TypeError)
    expect(() => createVerifier({ jwksUrl: 'not a url', algorithms: ['RS256'] })).toThrow(TypeError)
  })
})
