/**
 * The key ring never switches algorithm silently (issue 17, item 6): `keys rotate` keeps the
 * ring's algorithm unless `--algorithm` says otherwise; a server whose ALGORITHM disagrees with
 * the ring it is given refuses to start, naming ALGORITHM; a running server never adopts a ring
 * that would sign with another algorithm, and says so at warn level.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'
import { Secret } from '../../src/core/secret.js'
import { exportRing, type KeyRingDocument, newStoredKey } from '../../src/keys/index.js'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { readRingFile } from '../../src/node/key-files.js'
import { loadSettings } from '../../src/settings/load.js'
import { runCommand } from '../helpers/cli.js'
import { headerOf } from '../helpers/jwt.js'

const root = mkdtempSync(join(tmpdir(), 'tessera-ring-algorithm-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshDir = () => join(root, `case-${++counter}`)

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const algs = (dir: string) => (readRingFile(dir) as KeyRingDocument).keys.map((key) => [key.alg, key.status])

function serverSettings(dir: string, overrides: Record<string, string> = {}, mode = 'test' as const) {
  return {
    env: {},
    mode,
    overrides: {
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      KEY_DIR: join(dir, 'keys'),
      ARGON2_MEMORY_KIB: 1024,
      ARGON2_ITERATIONS: 1,
      RATE_LIMIT_ENABLED: false,
      ...overrides,
    },
  }
}

async function startupError(run: () => Promise<unknown>): Promise<SettingsError> {
  try {
    const server = (await run()) as TesseraServer
    await server.close()
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return error as SettingsError
  }
  throw new Error('expected startup to fail')
}

describe('tessera keys rotate keeps the ring algorithm', () => {
  it('without TESSERA_ALGORITHM, rotate and rotate --stage add keys of the ring algorithm', async () => {
    const keyDir = join(freshDir(), 'keys')
    const env = { TESSERA_KEY_DIR: keyDir }
    expect((await runCommand(env, 'keys', 'generate', '--alg', 'EdDSA')).code).toBe(0)
    const rotated = await runCommand(env, 'keys', 'rotate')
    expect(rotated.code).toBe(0)
    expect(rotated.out).toMatch(/^Rotated: EdDSA key /)
    expect((await runCommand(env, 'keys', 'rotate', '--stage')).out).toMatch(/^Staged EdDSA key /)
    expect(algs(keyDir)).toEqual([
      ['EdDSA', 'active'],
      ['EdDSA', 'active'],
      ['EdDSA', 'next'],
    ])
  })

  it('an ALGORITHM setting that differs does not switch the ring: --algorithm does, and says so', async () => {
    const keyDir = join(freshDir(), 'keys')
    const env = { TESSERA_KEY_DIR: keyDir, TESSERA_ALGORITHM: 'EdDSA' }
    expect((await runCommand(env, 'keys', 'generate')).code).toBe(0)
    const kept = await runCommand({ ...env, TESSERA_ALGORITHM: 'HS256' }, 'keys', 'rotate')
    expect(kept.code).toBe(0)
    expect(kept.out).toMatch(/^Rotated: EdDSA key /)
    expect(kept.err).toContain('--algorithm HS256')
    const switched = await runCommand(env, 'keys', 'rotate', '--algorithm', 'HS256')
    expect(switched.code).toBe(0)
    expect(switched.out).toMatch(/^Rotated: HS256 key /)
    // Servers running with ALGORITHM=EdDSA will not follow: the operator is told.
    expect(switched.err).toMatch(/now signs with HS256.*TESSERA_ALGORITHM=HS256/s)
    expect(algs(keyDir).map(([alg]) => alg)).toEqual(['EdDSA', 'EdDSA', 'HS256'])
    const bad = await runCommand(env, 'keys', 'rotate', '--algorithm', 'none')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('must be one of')
  })
})

describe('a server whose ALGORITHM disagrees with its key ring', () => {
  it('refuses to start in production, naming ALGORITHM and the ring algorithm (not SIGNING_KEY)', async () => {
    const dir = freshDir()
    expect(
      (await runCommand({ TESSERA_KEY_DIR: join(dir, 'keys') }, 'keys', 'generate', '--alg', 'EdDSA')).code,
    ).toBe(0)
    // ALGORITHM left at its default, HS256.
    const error = await startupError(() =>
      buildServer({
        logStream: false,
        loadedSettings: loadSettings({
          env: {},
          mode: 'production',
          overrides: {
            DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
            ALLOW_SQLITE_IN_PRODUCTION: true,
            REGISTRATION_OPEN: false,
            EMAIL_BACKEND: 'smtp',
            EMAIL_URL: 'smtp://127.0.0.1:9',
            FRONTEND_URL: 'https://app.example.com',
            MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
            KEY_DIR: join(dir, 'keys'),
          },
        }),
      }),
    )
    expect(error.setting).toBe('ALGORITHM')
    expect(error.message).toContain('EdDSA')
    expect(error.message).toContain('TESSERA_ALGORITHM=EdDSA')
    expect(error.message).not.toContain('SIGNING_KEY:')
  })

  it('production starts on an HMAC key ring (no SIGNING_KEY) of its ALGORITHM', async () => {
    const dir = freshDir()
    const env = { TESSERA_KEY_DIR: join(dir, 'keys') }
    expect((await runCommand(env, 'keys', 'generate', '--algorithm', 'HS256')).code).toBe(0)
    const server = await buildServer({
      logStream: false,
      loadedSettings: loadSettings({
        env: {},
        mode: 'production',
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
          ALLOW_SQLITE_IN_PRODUCTION: true,
          REGISTRATION_OPEN: false,
          EMAIL_BACKEND: 'smtp',
          EMAIL_URL: 'smtp://127.0.0.1:9',
          FRONTEND_URL: 'https://app.example.com',
          MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
          MIGRATE_ON_START: true,
          KEY_DIR: join(dir, 'keys'),
        },
      }),
    })
    try {
      expect(server.keys.signingKey().alg).toBe('HS256')
    } finally {
      await server.close()
    }
  })

  it('refuses a ring made by an operator in development too (no key is added behind their back)', async () => {
    const dir = freshDir()
    const keyDir = join(dir, 'keys')
    await runCommand({ TESSERA_KEY_DIR: keyDir }, 'keys', 'generate', '--alg', 'ES256')
    const error = await startupError(() => buildServer({ logStream: false, settings: serverSettings(dir) }))
    expect(error.setting).toBe('ALGORITHM')
    expect(error.message).toContain('ES256')
    expect(algs(keyDir)).toEqual([['ES256', 'active']])
  })

  it('refuses SIGNING_KEYS whose signing key has another algorithm', async () => {
    const dir = freshDir()
    const ring = exportRing({ keys: [await newStoredKey('EdDSA', new Date())] })
    const error = await startupError(() =>
      buildServer({
        logStream: false,
        settings: {
          ...serverSettings(dir),
          overrides: { ...serverSettings(dir).overrides, SIGNING_KEYS: new Secret(ring) },
        },
      }),
    )
    expect(error.setting).toBe('ALGORITHM')
    expect(error.message).toContain('SIGNING_KEYS')
  })

  it('development keys still follow a changed ALGORITHM (a development key for it is added)', async () => {
    const dir = freshDir()
    const first = await buildServer({ logStream: false, settings: serverSettings(dir) })
    await first.close()
    const second = await buildServer({
      logStream: false,
      settings: serverSettings(dir, { ALGORITHM: 'EdDSA' }),
    })
    try {
      expect(second.keys.signingKey().alg).toBe('EdDSA')
    } finally {
      await second.close()
    }
  })
})

describe('a running server never changes its signing algorithm silently', () => {
  const dir = freshDir()
  const keyDir = join(dir, 'keys')
  let server: TesseraServer
  let logs = ''
  const logLines = () =>
    logs
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } })
  const accessHeader = async () =>
    headerOf((await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json().access)

  beforeAll(async () => {
    await runCommand({ TESSERA_KEY_DIR: keyDir }, 'keys', 'generate', '--alg', 'EdDSA')
    server = await buildServer({
      logStream: new Writable({
        write(chunk, _encoding, done) {
          logs += chunk
          done()
        },
      }),
      settings: serverSettings(dir, { ALGORITHM: 'EdDSA', LOG_LEVEL: 'warn' }),
    })
    await server.app.inject({
      method: 'POST',
      url: '/api/register/',
      payload: { ...ALICE, email: 'a@example.com' },
    })
  })
  afterAll(async () => server.close())

  it('a ring switched to HS256 is not adopted: EdDSA still signs, the JWKS still serves, a warning is logged', async () => {
    const before = await accessHeader()
    expect(before.alg).toBe('EdDSA')
    expect(
      (await runCommand({ TESSERA_KEY_DIR: keyDir }, 'keys', 'rotate', '--algorithm', 'HS256')).code,
    ).toBe(0)
    expect(await server.keys.check()).toBe(false)
    expect(await accessHeader()).toEqual(before)
    const jwks = (await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([before.kid])
    const warnings = logLines().filter((line) => line.level === 40)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.msg).toContain('key ring')
    expect(warnings[0]?.err?.message).toMatch(/ALGORITHM.*HS256/)
  })
})
