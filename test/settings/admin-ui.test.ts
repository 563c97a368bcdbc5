/**
 * ADMIN_UI_ENABLED and ADMIN_UI_PATH: the UI follows the admin API unless set, is off in
 * production, and its path is refused where it would overlap the API or the demo page's assets.
 */
import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'

type Overrides = Partial<{ [K in keyof Settings]: Settings[K] | string }>
const load = (overrides: Overrides, env: Record<string, string> = {}) =>
  loadSettings({ env, mode: 'development', overrides })
const refusal = (overrides: Overrides, env: Record<string, string> = {}) => {
  try {
    load(overrides, env)
  } catch (error) {
    return (error as Error).message
  }
  return 'accepted'
}

describe('ADMIN_UI_ENABLED', () => {
  it('is on outside production, at /admin/, and off with the admin API unless set', () => {
    expect(load({})).toMatchObject({ ADMIN_UI_ENABLED: true, ADMIN_UI_PATH: '/admin/' })
    expect(load({ ADMIN_ENABLED: false }).ADMIN_UI_ENABLED).toBe(false)
    expect(load({}, { TESSERA_ADMIN_UI_ENABLED: 'false' }).ADMIN_UI_ENABLED).toBe(false)
  })

  it('is off in production unless set, and never without the admin API', () => {
    const production = {
      TESSERA_MODE: 'production',
      TESSERA_SIGNING_KEY: 'kR3v9Xw2LmQ8pZt5Yc7Nb4Hd6Fg1Js0Ae-Uo_Ii',
      DATABASE_URL: 'postgres://db/tessera',
      TESSERA_REGISTRATION_OPEN: 'false',
      TESSERA_EMAIL_BACKEND: 'smtp',
      TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
      TESSERA_FRONTEND_URL: 'https://app.example.com',
      TESSERA_MFA_SECRET_KEY: 'Vq8Lm3Zx7Rt2Wp9Kc4Nb6Hd1Fg5Js0Ae-Uo_Ii.yT',
    }
    expect(loadSettings({ env: production })).toMatchObject({ ADMIN_ENABLED: false, ADMIN_UI_ENABLED: false })
    const on = loadSettings({
      env: { ...production, TESSERA_ADMIN_ENABLED: 'true', TESSERA_ADMIN_UI_ENABLED: 'true' },
    })
    expect(on.ADMIN_UI_ENABLED).toBe(true)
    expect(() => loadSettings({ env: { ...production, TESSERA_ADMIN_UI_ENABLED: 'true' } })).toThrow(
      'TESSERA_ADMIN_UI_ENABLED: needs ADMIN_ENABLED',
    )
    expect(refusal({ ADMIN_ENABLED: false, ADMIN_UI_ENABLED: true })).toContain('needs ADMIN_ENABLED')
  })
})

describe('ADMIN_UI_PATH', () => {
  it('takes a path of its own', () => {
    expect(load({ ADMIN_UI_PATH: '/ops/console/' }).ADMIN_UI_PATH).toBe('/ops/console/')
    expect(load({ API_PREFIX: '', ADMIN_UI_PATH: '/admin/' }).ADMIN_UI_PATH).toBe('/admin/')
    expect(load({ API_PREFIX: '/auth', ADMIN_UI_PATH: '/api/' }).ADMIN_UI_PATH).toBe('/api/')
  })

  it.each([
    ['/ops', 'must start and end with "/"'],
    ['ops/', 'must start and end with "/"'],
    ['/', 'must start and end with "/"'],
    ['/a b/', 'must start and end with "/"'],
    ['/api/', 'must not overlap API_PREFIX (/api)'],
    ['/api/admin/', 'must not overlap API_PREFIX (/api)'],
    ['/assets/', 'must not overlap a path the server answers (/assets/)'],
    ['/assets/admin/', 'must not overlap a path the server answers (/assets/)'],
    ['/healthz/', 'must not overlap a path the server answers (/healthz)'],
    ['/.well-known/jwks.json/', 'must not overlap a path the server answers (/.well-known/jwks.json)'],
  ])('refuses %s', (path, message) => {
    expect(refusal({ ADMIN_UI_PATH: path })).toContain(`ADMIN_UI_PATH: ${message}`)
  })

  it('is not checked for overlaps while the UI is off', () => {
    expect(load({ API_PREFIX: '/admin', ADMIN_UI_ENABLED: false }).API_PREFIX).toBe('/admin')
    expect(refusal({ API_PREFIX: '/admin' })).toContain('ADMIN_UI_PATH: must not overlap API_PREFIX (/admin)')
    expect(refusal({ ADMIN_UI_ENABLED: false, ADMIN_UI_PATH: 'ops' })).toContain(
      'must start and end with "/"',
    )
  })

  it('with the API at the root, refuses the paths of its routes', () => {
    expect(refusal({ API_PREFIX: '', ADMIN_UI_PATH: '/token/' })).toContain(
      'overlap a path the server answers (/token/)',
    )
    expect(refusal({ API_PREFIX: '', ADMIN_UI_PATH: '/admin/users/' })).toContain('(/admin/users/)')
    expect(refusal({ API_PREFIX: '', ADMIN_UI_PATH: '/sessions/abc/' })).toContain('(/sessions/)')
    expect(refusal({ API_PREFIX: '', ADMIN_UI_PATH: '/docs/' })).toContain('(/docs/)')
  })
})
