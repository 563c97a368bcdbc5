/**
 * Rotating an HMAC key ring (issue 17, item 5): tokens issued before `keys rotate` and before
 * `keys rotate --stage` keep working on the running server; HMAC tokens name their key (`kid`);
 * a token without `kid`, as simplejwt signs with the same secret, is tried against the live HMAC
 * keys of its algorithm, and only those.
 */
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createKeyRing,
  type KeyRingDocument,
  loadDocument,
  MAX_KIDLESS_CANDIDATES,
  newStoredKey,
  type StoredKey,
} from '../../src/keys/index.js'
import { readRingFile } from '../../src/node/key-files.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'
import { runCommand } from '../helpers/cli.js'
import { claimsOf, headerOf } from '../helpers/jwt.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }

describe('an HS256 key ring, rotated while the server runs', () => {
  let server: TestServer
  let userId: number
  const ring = () => readRingFile(server.settings.KEY_DIR) as KeyRingDocument
  const keys = (...args: string[]) =>
    runCommand({ TESSERA_KEY_DIR: server.settings.KEY_DIR }, 'keys', ...args)
  const login = async () =>
    (await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json() as {
      access: string
      refresh: string
    }
  const hello = (token: string) =>
    server.app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: `Bearer ${token}` } })
  const refresh = (token: string) =>
    server.app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: token } })

  /** A token as simplejwt signs it with the same secret: header `{alg, typ}`, no `kid`. */
  const simplejwtToken = (secret: Uint8Array) => {
    const now = Math.floor(server.clock.now() / 1000)
    return new SignJWT({
      token_type: 'access',
      exp: now + 300,
      iat: now,
      jti: 'a'.repeat(32),
      user_id: userId,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret)
  }
  const secretOf = (kid: string) =>
    Buffer.from(ring().keys.find((key) => key.kid === kid)?.jwk.k as string, 'base64url')

  beforeAll(async () => {
    // No SIGNING_KEY: the ring file under KEY_DIR holds the HMAC keys.
    server = await startTestServer('sqlite', { SIGNING_KEY: '' })
    userId = await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  it('HMAC tokens name their key, and the JWKS never publishes a secret', async () => {
    const { access } = await login()
    const [only] = ring().keys
    expect(headerOf(access)).toEqual({ alg: 'HS256', typ: 'JWT', kid: only?.kid })
    const jwks = await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    expect(jwks.json()).toEqual({ keys: [] })
  })

  it('tokens issued before "keys rotate" and before "keys rotate --stage" still verify after them', async () => {
    const beforeRotate = await login()
    const firstKid = ring().keys[0]?.kid as string
    const kidless = await simplejwtToken(secretOf(firstKid))

    expect((await keys('rotate')).code).toBe(0)
    expect(await server.keys.check()).toBe(true)
    expect(ring().keys.map((key) => [key.alg, key.status])).toEqual([
      ['HS256', 'active'],
      ['HS256', 'active'],
    ])
    expect((await hello(beforeRotate.access)).statusCode).toBe(200)
    // A kid-less token of the first secret, with two HMAC keys live.
    expect((await hello(kidless)).statusCode).toBe(200)
    const afterRotate = await login()
    expect(headerOf(afterRotate.access).kid).toBe(ring().keys[1]?.kid)

    expect((await keys('rotate', '--stage')).code).toBe(0)
    expect(await server.keys.check()).toBe(true)
    for (const token of [beforeRotate.access, afterRotate.access, kidless]) {
      expect((await hello(token)).statusCode).toBe(200)
    }
    const refreshed = await refresh(beforeRotate.refresh)
    expect(refreshed.statusCode).toBe(200)
    // The staged key does not sign yet: the rotated one still does.
    expect(headerOf(refreshed.json().access).kid).toBe(ring().keys[1]?.kid)
    expect(claimsOf(refreshed.json().access).user_id).toBe(userId)
  })

  it('a kid-less token of the staged (next) key verifies; of a retired or unknown secret it does not', async () => {
    const [first, , staged] = ring().keys
    expect(staged?.status).toBe('next')
    expect((await hello(await simplejwtToken(secretOf(staged?.kid as string)))).statusCode).toBe(200)

    const retiredToken = await simplejwtToken(secretOf(first?.kid as string))
    expect((await keys('retire', first?.kid as string)).code).toBe(0)
    expect(await server.keys.check()).toBe(true)
    const refused = await hello(retiredToken)
    expect(refused.statusCode).toBe(401)
    expect(refused.json()).toMatchObject({ code: 'token_not_valid' })

    const stranger = await hello(await simplejwtToken(randomBytes(64)))
    expect(stranger.statusCode).toBe(401)
    expect(stranger.json()).toMatchObject({ code: 'token_not_valid' })
  })
})

describe('tokens without kid against a ring of several HMAC keys', () => {
  const settings = loadSettings({ mode: 'test' })
  const kidlessToken = (key: StoredKey, alg = key.alg) =>
    new SignJWT({ token_type: 'access', jti: 'c'.repeat(32), user_id: 4 })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setExpirationTime('5m')
      .sign(Buffer.from(key.jwk.k as string, 'base64url'))

  it('tries the signing key, then the newest live keys of the algorithm, a bounded few', async () => {
    const at = (day: number) => new Date(Date.UTC(2026, 0, day))
    const keys = await Promise.all([1, 2, 3, 4, 5].map((day) => newStoredKey('HS256', at(day))))
    const [oldest, , , , newest] = keys as [StoredKey, StoredKey, StoredKey, StoredKey, StoredKey]
    const other = await newStoredKey('HS384', at(6))
    const retired = { ...(await newStoredKey('HS256', at(7))), status: 'retired' as const }
    const ring = createKeyRing(await loadDocument({ keys: [...keys, other, retired] }, 'test'))
    const codec = new TokenCodec(settings, ring, undefined, { cacheSize: 0 })
    expect(MAX_KIDLESS_CANDIDATES).toBe(3)
    for (const key of keys.slice(-MAX_KIDLESS_CANDIDATES)) {
      expect((await codec.verify(await kidlessToken(key), 'access')).userId).toBe(4)
    }
    // Beyond the bound, retired, or of another algorithm: refused.
    for (const token of [
      await kidlessToken(oldest),
      await kidlessToken(retired),
      await kidlessToken(other, 'HS256'),
    ]) {
      await expect(codec.verify(token, 'access')).rejects.toMatchObject({ reason: 'bad_signature' })
    }
    // New tokens name the signing key.
    const issued = (await codec.issue('access', 4, {})).token
    expect(headerOf(issued)).toEqual({ alg: 'HS384', typ: 'JWT', kid: other.kid })
    expect((await codec.verify(await kidlessToken(other), 'access')).userId).toBe(4)
    expect(newest.status).toBe('active')
  })
})
