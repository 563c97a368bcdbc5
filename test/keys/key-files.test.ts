/**
 * `src/node/key-files.ts`: where the key ring comes from (SIGNING_KEYS, SIGNING_KEY(+VERIFYING_KEY),
 * KEY_DIR/keyring.json), development generation that survives restarts, production refusals, and
 * the file operations behind `tessera keys`.
 */
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importJWK, jwtVerify, SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { SettingsError, TokenInvalid } from '../../src/core/errors.js'
import { Secret } from '../../src/core/secret.js'
import { exportRing, type KeyRing, newStoredKey } from '../../src/keys/index.js'
import {
  generateKeyRingFile,
  type KeySettings,
  listKeys,
  loadOrCreateKeyRing,
  retireKey,
  ringPath,
  rotateKeyRingFile,
} from '../../src/node/key-files.js'
import { loadSettings } from '../../src/settings/load.js'
import type { Algorithm } from '@tessera/protocol'
import { TokenCodec } from '../../src/tokens/codec.js'

const root = mkdtempSync(join(tmpdir(), 'tessera-key-files-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshDir = () => join(root, `case-${++counter}`, 'keys')

const tokenSettings = loadSettings({ mode: 'test' })
const codec = (ring: KeyRing) => new TokenCodec(tokenSettings, ring, undefined, { cacheSize: 0 })

function keySettings(overrides: Partial<KeySettings>): KeySettings {
  return {
    MODE: 'development',
    ALGORITHM: 'HS256',
    SIGNING_KEY: null,
    SIGNING_KEYS: null,
    VERIFYING_KEY: null,
    KEY_DIR: freshDir(),
    ...overrides,
  }
}

const headerOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<string, unknown>

describe('development keys', () => {
  it.each(['HS256', 'EdDSA'] as Algorithm[])(
    '%s: generated once (0600 in a 0700 folder), reused after a restart, marked as development',
    async (alg) => {
      const settings = keySettings({ ALGORITHM: alg })
      const first = await loadOrCreateKeyRing(settings)
      expect(statSync(settings.KEY_DIR).mode & 0o777).toBe(0o700)
      expect(statSync(ringPath(settings.KEY_DIR)).mode & 0o777).toBe(0o600)
      const file = JSON.parse(readFileSync(ringPath(settings.KEY_DIR), 'utf8'))
      expect(file.keys).toHaveLength(1)
      expect(file.keys[0]).toMatchObject({ alg, status: 'active', generated_for_development: true })
      if (alg === 'HS256') {
        // A random 64-byte secret, never a guessable one.
        expect(Buffer.from(file.keys[0].k, 'base64url')).toHaveLength(64)
        expect(first.jwks().keys).toEqual([])
      }
      const token = (await codec(first).issue('access', 3, {})).token
      const restarted = await loadOrCreateKeyRing(settings)
      expect((await codec(restarted).verify(token, 'access')).userId).toBe(3)
      // Every key names itself in kid, an HMAC secret too (simplejwt and PyJWT ignore it).
      expect(headerOf(token).kid).toBe(first.signingKey().kid)
      expect(headerOf(token).kid).toBe(file.keys[0].kid)
    },
  )

  it('two processes starting at once end up with one key', async () => {
    const settings = keySettings({ ALGORITHM: 'ES256' })
    const rings = await Promise.all([loadOrCreateKeyRing(settings), loadOrCreateKeyRing(settings)])
    const token = (await codec(rings[0]).issue('access', 1, {})).token
    expect((await codec(rings[1]).verify(token, 'access')).userId).toBe(1)
    expect(JSON.parse(readFileSync(ringPath(settings.KEY_DIR), 'utf8')).keys).toHaveLength(1)
  })
})

describe('production', () => {
  it('never generates a key', async () => {
    for (const alg of ['HS256', 'EdDSA'] as Algorithm[]) {
      const settings = keySettings({ ALGORITHM: alg })
      await expect(loadOrCreateKeyRing(settings, { mode: 'production' })).rejects.toBeInstanceOf(
        SettingsError,
      )
      expect(existsSync(ringPath(settings.KEY_DIR))).toBe(false)
    }
  })

  it('refuses a key generated for development, from the file or from SIGNING_KEYS', async () => {
    const settings = keySettings({ ALGORITHM: 'EdDSA' })
    await loadOrCreateKeyRing(settings)
    await expect(loadOrCreateKeyRing(settings, { mode: 'production' })).rejects.toThrow(/development/)
    const fromEnv = keySettings({
      ALGORITHM: 'EdDSA',
      SIGNING_KEYS: new Secret(readFileSync(ringPath(settings.KEY_DIR), 'utf8')),
    })
    await expect(loadOrCreateKeyRing(fromEnv, { mode: 'production' })).rejects.toThrow(/development/)
  })

  it('accepts a ring made by "tessera keys generate"', async () => {
    const settings = keySettings({ ALGORITHM: 'ES256', MODE: 'production' })
    const key = await generateKeyRingFile(settings.KEY_DIR, 'ES256')
    expect((await loadOrCreateKeyRing(settings)).signingKey().kid).toBe(key.kid)
  })
})

describe('keys from the environment (containers)', () => {
  it('SIGNING_KEYS: a JWK Set of private keys, with kids and status', async () => {
    const old = await newStoredKey('RS256', new Date('2026-01-01T00:00:00Z'))
    const current = await newStoredKey('EdDSA', new Date('2026-03-01T00:00:00Z'))
    const settings = keySettings({
      ALGORITHM: 'EdDSA',
      SIGNING_KEYS: new Secret(exportRing({ keys: [old, current] })),
    })
    const ring = await loadOrCreateKeyRing(settings, { mode: 'production' })
    expect(ring.signingKey().kid).toBe(current.kid)
    expect(ring.jwks().keys.map((key) => key.kid)).toEqual([old.kid, current.kid])
    expect(existsSync(settings.KEY_DIR)).toBe(false)
  })

  it('SIGNING_KEY as PKCS#8 PEM with its VERIFYING_KEY, and a peer public key that only verifies', async () => {
    const own = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const peer = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = (key: typeof own.publicKey, type: 'spki' | 'pkcs8') =>
      key.export({ type, format: 'pem' }).toString()
    const ownOnly = await loadOrCreateKeyRing(
      keySettings({
        ALGORITHM: 'ES256',
        SIGNING_KEY: new Secret(pem(own.privateKey, 'pkcs8')),
        VERIFYING_KEY: pem(own.publicKey, 'spki'),
      }),
    )
    expect(ownOnly.jwks().keys).toHaveLength(1)
    const withPeer = await loadOrCreateKeyRing(
      keySettings({
        ALGORITHM: 'ES256',
        SIGNING_KEY: new Secret(JSON.stringify(own.privateKey.export({ format: 'jwk' }))),
        VERIFYING_KEY: pem(peer.publicKey, 'spki'),
      }),
    )
    expect(withPeer.signingKey().kid).toBe(ownOnly.signingKey().kid)
    const peerKid = withPeer.jwks().keys.find((key) => key.kid !== withPeer.signingKey().kid)?.kid
    const peerToken = await new SignJWT({ token_type: 'access', jti: 'c'.repeat(32), user_id: 8 })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: peerKid as string })
      .setExpirationTime('5m')
      .sign(peer.privateKey)
    expect((await codec(withPeer).verify(peerToken, 'access')).userId).toBe(8)
  })

  it('SIGNING_KEY as an HMAC secret: simplejwt-style tokens an outside party verifies', async () => {
    const secret = 'a-shared-secret-of-at-least-thirty-two-bytes'
    const ring = await loadOrCreateKeyRing(
      keySettings({ ALGORITHM: 'HS384', SIGNING_KEY: new Secret(secret) }),
      { mode: 'production' },
    )
    const token = (await codec(ring).issue('access', 2, {})).token
    const { protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS384'],
    })
    // The kid is a hash of a hash of the secret: stable across restarts, revealing nothing.
    expect(protectedHeader).toEqual({ alg: 'HS384', typ: 'JWT', kid: ring.signingKey().kid })
    expect(ring.signingKey().kid).not.toContain(secret.slice(0, 8))
    // simplejwt's tokens with this secret carry no kid, and verify.
    const simplejwt = await new SignJWT({ token_type: 'access', jti: 'b'.repeat(32), user_id: 5 })
      .setProtectedHeader({ alg: 'HS384', typ: 'JWT' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret))
    expect((await codec(ring).verify(simplejwt, 'access')).userId).toBe(5)
  })

  it('a malformed key is a SettingsError that does not repeat the key', async () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----'
    const error = await loadOrCreateKeyRing(
      keySettings({ ALGORITHM: 'RS256', SIGNING_KEY: new Secret(garbage) }),
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as Error).message).not.toContain('bm90IGEga2V5')
    const notJson = keySettings({ ALGORITHM: 'EdDSA', SIGNING_KEYS: new Secret('{"keys": [') })
    await expect(loadOrCreateKeyRing(notJson)).rejects.toBeInstanceOf(SettingsError)
  })
})

describe('ring file operations', () => {
  it('rotate keeps old tokens valid and signs new ones with the new kid; retire refuses old tokens', async () => {
    const settings = keySettings({ ALGORITHM: 'EdDSA', MODE: 'production' })
    const first = await generateKeyRingFile(settings.KEY_DIR, 'EdDSA', { now: new Date('2026-01-01') })
    const oldToken = (await codec(await loadOrCreateKeyRing(settings)).issue('access', 5, {})).token

    const second = await rotateKeyRingFile(settings.KEY_DIR, 'EdDSA', { now: new Date('2026-02-01') })
    const rotated = codec(await loadOrCreateKeyRing(settings))
    const newToken = (await rotated.issue('access', 5, {})).token
    expect(headerOf(oldToken).kid).toBe(first.kid)
    expect(headerOf(newToken).kid).toBe(second.kid)
    expect((await rotated.verify(oldToken, 'access')).userId).toBe(5)

    expect(() => retireKey(settings.KEY_DIR, second.kid)).toThrow(/rotate first/)
    retireKey(settings.KEY_DIR, first.kid)
    const retired = codec(await loadOrCreateKeyRing(settings))
    const error = await retired.verify(oldToken, 'access').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TokenInvalid)
    expect((error as TokenInvalid).reason).toBe('unknown_key')
    expect((await retired.verify(newToken, 'access')).userId).toBe(5)

    expect(await listKeys(settings.KEY_DIR)).toEqual([
      expect.objectContaining({ kid: first.kid, status: 'retired', signing: false }),
      expect.objectContaining({ kid: second.kid, status: 'active', signing: true }),
    ])
    expect(statSync(ringPath(settings.KEY_DIR)).mode & 0o777).toBe(0o600)
  })

  it('generate refuses to replace a ring unless forced; operations need a ring', async () => {
    const dir = freshDir()
    expect(() => retireKey(dir, 'x')).toThrow(SettingsError)
    await expect(rotateKeyRingFile(dir, 'ES256')).rejects.toBeInstanceOf(SettingsError)
    await generateKeyRingFile(dir, 'ES256')
    await expect(generateKeyRingFile(dir, 'ES256')).rejects.toThrow(/exists/)
    const replaced = await generateKeyRingFile(dir, 'EdDSA', { force: true })
    expect((await listKeys(dir)).map((key) => key.kid)).toEqual([replaced.kid])
  })

  it('a hand-written JWK Set in keyring.json is read, and its keys get thumbprint kids', async () => {
    const dir = freshDir()
    await generateKeyRingFile(dir, 'ES256')
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
    writeFileSync(ringPath(dir), JSON.stringify({ keys: [{ ...jwk, alg: 'EdDSA' }] }), { mode: 0o600 })
    const [listed] = await listKeys(dir)
    const ring = await loadOrCreateKeyRing(keySettings({ ALGORITHM: 'EdDSA', KEY_DIR: dir }))
    expect(listed).toMatchObject({ alg: 'EdDSA', status: 'active', signing: true })
    expect(ring.signingKey().kid).toBe(listed?.kid)
    const publicJwk = ring.jwks().keys[0]
    expect(publicJwk?.kid).toBe(listed?.kid)
    // An outside party verifies with the published key alone.
    const token = (await codec(ring).issue('access', 1, {})).token
    await expect(jwtVerify(token, await importJWK(publicJwk ?? {}, 'EdDSA'))).resolves.toBeDefined()
  })
})
