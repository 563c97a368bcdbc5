/**
 * Production refuses a guessable HMAC secret (issue 17, item 14): 32 × "a" was accepted because
 * only the length was checked. The rule (src/settings/secret-strength.ts, docs/settings.md) is
 * applied to SIGNING_KEY and to the HMAC keys of a key ring; development keeps accepting anything
 * of 8 bytes or more.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'
import { Secret } from '../../src/core/secret.js'
import { exportRing, newStoredKey, type StoredKey } from '../../src/keys/index.js'
import { loadOrCreateKeyRing, writeRingFile } from '../../src/node/key-files.js'
import { loadSettings } from '../../src/settings/load.js'

const PRODUCTION = {
  TESSERA_MODE: 'production',
  TESSERA_DATABASE_URL: 'postgres://db/x',
  TESSERA_REGISTRATION_OPEN: 'false',
  TESSERA_EMAIL_BACKEND: 'smtp',
  TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
  TESSERA_FRONTEND_URL: 'https://app.example.com',
  TESSERA_MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
}

const WEAK = [
  'a'.repeat(32),
  'a'.repeat(100),
  'ab'.repeat(16),
  'abc'.repeat(20),
  'password'.repeat(4),
  'secret123'.repeat(4),
  'changeme-changeme-changeme-changeme',
  'abcdefghijklmnopqrstuvwxyz012345',
  '01234567890123456789012345678901',
  `${'x'.repeat(31)}y`,
]

function refusal(secret: string, algorithm = 'HS256'): SettingsError {
  try {
    loadSettings({ env: { ...PRODUCTION, TESSERA_SIGNING_KEY: secret, TESSERA_ALGORITHM: algorithm } })
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return error as SettingsError
  }
  throw new Error(`expected ${JSON.stringify(secret)} to be refused`)
}

describe('production SIGNING_KEY strength', () => {
  it.each(WEAK)('refuses %j, telling how to make a good one and never echoing it', (secret) => {
    const error = refusal(secret)
    expect(error.setting).toBe('SIGNING_KEY')
    expect(error.message).toContain('openssl rand -base64 48')
    expect(error.message).not.toContain(secret.slice(0, 12))
  })

  it('refuses them for HS384 and HS512 too', () => {
    expect(refusal('a'.repeat(64), 'HS384').setting).toBe('SIGNING_KEY')
    expect(refusal('ab'.repeat(40), 'HS512').setting).toBe('SIGNING_KEY')
  })

  it('accepts random secrets of 32 bytes and more, however they are written', () => {
    for (let round = 0; round < 200; round++) {
      for (const secret of [
        randomBytes(32).toString('base64'),
        randomBytes(32).toString('base64url'),
        randomBytes(32).toString('hex'),
        randomBytes(48).toString('base64'),
      ]) {
        expect(
          loadSettings({ env: { ...PRODUCTION, TESSERA_SIGNING_KEY: secret } }).SIGNING_KEY?.reveal(),
        ).toBe(secret)
      }
    }
  })

  it('development and test accept any secret of 8 bytes or more, as before', () => {
    for (const mode of ['development', 'test'] as const) {
      for (const secret of WEAK) {
        expect(loadSettings({ mode, overrides: { SIGNING_KEY: secret } }).SIGNING_KEY?.reveal()).toBe(secret)
      }
    }
  })
})

describe('production HMAC keys in a key ring', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-secret-strength-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const weakKey = async (): Promise<StoredKey> => {
    const key = await newStoredKey('HS256', new Date())
    return { ...key, jwk: { ...key.jwk, k: Buffer.from('a'.repeat(48)).toString('base64url') } }
  }
  const settings = (overrides: { SIGNING_KEYS?: Secret; KEY_DIR?: string }) => ({
    MODE: 'production' as const,
    ALGORITHM: 'HS256' as const,
    SIGNING_KEY: null,
    SIGNING_KEYS: null,
    VERIFYING_KEY: null,
    KEY_DIR: join(root, 'unused'),
    ...overrides,
  })

  it('refuses a guessable oct key in SIGNING_KEYS or keyring.json; accepts generated ones', async () => {
    const good = await newStoredKey('HS256', new Date('2026-01-01T00:00:00Z'))
    const weak = await weakKey()
    const fromEnv = settings({ SIGNING_KEYS: new Secret(exportRing({ keys: [good, weak] })) })
    await expect(loadOrCreateKeyRing(fromEnv)).rejects.toThrow(/openssl rand -base64 48/)
    const dir = join(root, 'ring')
    writeRingFile(dir, { keys: [good, weak] })
    await expect(loadOrCreateKeyRing(settings({ KEY_DIR: dir }))).rejects.toBeInstanceOf(SettingsError)
    // A retired key verifies nothing: it may stay in the ring.
    writeRingFile(dir, { keys: [good, { ...weak, status: 'retired' }] })
    expect((await loadOrCreateKeyRing(settings({ KEY_DIR: dir }))).signingKey().kid).toBe(good.kid)
    // Development takes the same ring.
    writeRingFile(dir, { keys: [good, weak] })
    expect(
      (await loadOrCreateKeyRing(settings({ KEY_DIR: dir }), { mode: 'development' })).signingKey().kid,
    ).toBe(weak.kid)
  })
})
