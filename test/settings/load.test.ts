import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Secret } from '../../src/core/secret.js'
import { ModeDefault, SPECS } from '../../src/settings/defaults.js'
import { duration } from '../../src/settings/kinds.js'
import { headerNameFromMeta, loadSettings } from '../../src/settings/load.js'
import { MODES } from '../../src/settings/types.js'
import { settingsError } from '../helpers/settings-error.js'

/** Random-looking: production refuses a guessable secret such as 32 × 'x' (secret-strength.test.ts). */
const STRONG = 'pX3v9QkZ7mW2tLr8bN4cJ6hY1sD5fG0aEeUoIiRq'

describe('loadSettings', () => {
  it('has the documented secure defaults', () => {
    const s = loadSettings()
    expect(s).toMatchObject({
      MODE: 'development',
      ACCESS_TOKEN_LIFETIME: 300,
      REFRESH_TOKEN_LIFETIME: 86_400,
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
      ALGORITHM: 'HS256',
      AUTH_HEADER_TYPES: ['Bearer', 'JWT'],
      HOST: '127.0.0.1',
      PORT: 8000,
    })
  })

  it('reads TESSERA_* variables with durations, booleans and lists', () => {
    const s = loadSettings({
      env: {
        TESSERA_ACCESS_TOKEN_LIFETIME: '5m',
        TESSERA_REFRESH_TOKEN_LIFETIME: '1d',
        TESSERA_LEEWAY: '30',
        TESSERA_ROTATE_REFRESH_TOKENS: 'false',
        TESSERA_AUTH_HEADER_TYPES: 'Bearer, Token',
        TESSERA_PORT: '9001',
        UNRELATED: 'ignored',
      },
    })
    expect(s.ACCESS_TOKEN_LIFETIME).toBe(300)
    expect(s.REFRESH_TOKEN_LIFETIME).toBe(86_400)
    expect(s.LEEWAY).toBe(30)
    expect(s.ROTATE_REFRESH_TOKENS).toBe(false)
    expect(s.AUTH_HEADER_TYPES).toEqual(['Bearer', 'Token'])
    expect(s.PORT).toBe(9001)
  })

  it('reads conventional DATABASE_URL and REDIS_URL, the prefixed form winning', () => {
    expect(
      loadSettings({ env: { DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:6379' } }),
    ).toMatchObject({
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'redis://r:6379',
    })
    expect(
      loadSettings({ env: { DATABASE_URL: 'postgres://db/x', TESSERA_DATABASE_URL: 'sqlite:y' } })
        .DATABASE_URL,
    ).toBe('sqlite:y')
  })

  it('code overrides beat the environment', () => {
    const s = loadSettings({ env: { TESSERA_PORT: '9001' }, overrides: { PORT: 9002 } })
    expect(s.PORT).toBe(9002)
  })

  it('an unknown TESSERA_ variable is an error naming it', () => {
    const error = settingsError(() => loadSettings({ env: { TESSERA_ACCES_TOKEN_LIFETIME: '5m' } }))
    expect(error.message).toContain('TESSERA_ACCES_TOKEN_LIFETIME')
    expect(error.message).toContain('unknown setting')
  })

  it('a bad value is an error naming the variable and what was expected', () => {
    expect(
      settingsError(() => loadSettings({ env: { TESSERA_ACCESS_TOKEN_LIFETIME: 'soon' } })).message,
    ).toMatch(/^TESSERA_ACCESS_TOKEN_LIFETIME: expected seconds or a duration/)
    expect(settingsError(() => loadSettings({ env: { TESSERA_PORT: '70000' } })).message).toContain(
      'TESSERA_PORT',
    )
    expect(settingsError(() => loadSettings({ env: { TESSERA_ALGORITHM: 'none' } })).message).toContain(
      'one of HS256',
    )
    expect(
      settingsError(() => loadSettings({ env: { TESSERA_ROTATE_REFRESH_TOKENS: 'yes' } })).message,
    ).toContain('true or false')
    expect(settingsError(() => loadSettings({ overrides: { NOT_A_SETTING: 1 } as never })).message).toContain(
      'NOT_A_SETTING',
    )
  })

  it('production refuses a short HMAC key, SQLite without opt-in, and insecure cookies', () => {
    const prod = {
      TESSERA_MODE: 'production',
      TESSERA_DATABASE_URL: 'postgres://db/x',
      TESSERA_REGISTRATION_OPEN: 'false',
      TESSERA_EMAIL_BACKEND: 'smtp',
      TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
      TESSERA_FRONTEND_URL: 'https://app.example.com',
      TESSERA_MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
    }
    // A missing key is the key ring's to report: a ring file may hold it (test/keys/key-files.test.ts).
    expect(loadSettings({ env: prod }).SIGNING_KEY).toBeNull()
    expect(
      settingsError(() => loadSettings({ env: { ...prod, TESSERA_SIGNING_KEY: 'short-but-8+' } })).message,
    ).toContain('at least 32 bytes')
    expect(
      settingsError(() =>
        loadSettings({ env: { ...prod, TESSERA_SIGNING_KEY: STRONG, TESSERA_DATABASE_URL: 'sqlite:x' } }),
      ).setting,
    ).toBe('DATABASE_URL')
    expect(
      loadSettings({
        env: {
          ...prod,
          TESSERA_SIGNING_KEY: STRONG,
          TESSERA_DATABASE_URL: 'sqlite:x',
          TESSERA_ALLOW_SQLITE_IN_PRODUCTION: 'true',
        },
      }).MODE,
    ).toBe('production')
    expect(
      settingsError(() =>
        loadSettings({
          env: { ...prod, TESSERA_SIGNING_KEY: STRONG, TESSERA_REFRESH_COOKIE_SECURE: 'false' },
        }),
      ).setting,
    ).toBe('REFRESH_COOKIE_SECURE')
    expect(loadSettings({ env: { ...prod, TESSERA_SIGNING_KEY: STRONG } }).MODE).toBe('production')
  })

  it('second factors: production needs MFA_SECRET_KEY and https passkey origins on the relying party id', () => {
    const prod = {
      TESSERA_MODE: 'production',
      TESSERA_DATABASE_URL: 'postgres://db/x',
      TESSERA_REGISTRATION_OPEN: 'false',
      TESSERA_EMAIL_BACKEND: 'smtp',
      TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
      TESSERA_FRONTEND_URL: 'https://app.example.com',
      TESSERA_SIGNING_KEY: STRONG,
    }
    expect(settingsError(() => loadSettings({ env: prod })).setting).toBe('MFA_SECRET_KEY')
    const withKey = { ...prod, TESSERA_MFA_SECRET_KEY: 'k'.repeat(8) + STRONG }
    expect(loadSettings({ env: withKey }).WEBAUTHN_RP_ID).toBeNull()
    expect(
      settingsError(() =>
        loadSettings({ env: { ...withKey, TESSERA_WEBAUTHN_ORIGINS: 'http://app.example.com' } }),
      ).setting,
    ).toBe('WEBAUTHN_ORIGINS')
    // Every origin must be on the relying party id, in any mode.
    expect(
      settingsError(() =>
        loadSettings({
          env: { TESSERA_WEBAUTHN_RP_ID: 'example.com', TESSERA_WEBAUTHN_ORIGINS: 'https://example.org' },
        }),
      ).message,
    ).toContain('not on the relying party id')
    expect(
      loadSettings({
        env: {
          TESSERA_WEBAUTHN_RP_ID: 'example.com',
          TESSERA_WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com',
        },
      }).WEBAUTHN_ORIGINS,
    ).toEqual(['https://app.example.com', 'https://example.com'])
    expect(settingsError(() => loadSettings({ env: { TESSERA_MFA_SECRET_KEY: 'short' } })).setting).toBe(
      'MFA_SECRET_KEY',
    )
  })

  it('is deeply frozen', () => {
    const s = loadSettings()
    expect(Object.isFrozen(s)).toBe(true)
    expect(Object.isFrozen(s.AUTH_HEADER_TYPES)).toBe(true)
    expect(() => {
      ;(s as { PORT: number }).PORT = 1
    }).toThrow(TypeError)
  })

  it('never prints the signing key', () => {
    const s = loadSettings({ env: { TESSERA_SIGNING_KEY: 'very-secret-signing-key-value-123456' } })
    expect(s.SIGNING_KEY).toBeInstanceOf(Secret)
    expect(JSON.stringify(s)).not.toContain('very-secret')
    expect(inspect(s, { depth: 5 })).not.toContain('very-secret')
    expect(String(s.SIGNING_KEY)).toBe('[redacted]')
    expect(s.SIGNING_KEY?.reveal()).toBe('very-secret-signing-key-value-123456')
  })

  it('maps Django META header names', () => {
    expect(headerNameFromMeta('HTTP_AUTHORIZATION')).toBe('authorization')
    expect(headerNameFromMeta('HTTP_X_CSRFTOKEN')).toBe('x-csrftoken')
    expect(headerNameFromMeta('X-Api-Token')).toBe('x-api-token')
  })

  it('every default passes its own kind, in every mode', () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      const fallback = spec.default
      const values = fallback instanceof ModeDefault ? MODES.map((mode) => fallback.for(mode)) : [fallback]
      for (const value of values)
        expect((spec.kind.accepts as (v: unknown) => boolean)(value), name).toBe(true)
    }
  })

  it('resolves mode-dependent defaults once the mode is known, for unset or empty settings only', () => {
    expect(loadSettings({ mode: 'development' })).toMatchObject({
      REFRESH_COOKIE_SECURE: false,
      SERVE_DEMO: true,
      REGISTRATION_OPEN: true,
    })
    expect(loadSettings({ mode: 'test' })).toMatchObject({ REFRESH_COOKIE_SECURE: true, SERVE_DEMO: true })
    // Empty means the mode's default; a value given wins in any mode.
    expect(
      loadSettings({
        env: { TESSERA_MODE: 'test', TESSERA_SERVE_DEMO: '', TESSERA_REGISTRATION_OPEN: 'false' },
      }),
    ).toMatchObject({ SERVE_DEMO: true, REGISTRATION_OPEN: false })
    expect(loadSettings({ mode: 'development', overrides: { REFRESH_COOKIE_SECURE: true } })).toMatchObject({
      REFRESH_COOKIE_SECURE: true,
    })
  })
})

describe('duration parser', () => {
  it('accepts seconds and units and round-trips', () => {
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.constantFrom(['s', 1], ['m', 60], ['h', 3600], ['d', 86_400], ['w', 604_800]),
        (n, [unit, factor]) => {
          expect(duration.parse(`${n}${unit}`)).toBe(n * (factor as number))
          expect(duration.parse(String(n))).toBe(n)
        },
      ),
    )
  })

  it('any other string throws a plain Error, never something else', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        try {
          const value = duration.parse(raw)
          expect(Number.isSafeInteger(value)).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(Error)
          expect((error as Error).message).toMatch(/^expected seconds/)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
