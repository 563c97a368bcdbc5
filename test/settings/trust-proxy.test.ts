/** `TRUST_PROXY`: a hop count or proxy addresses; `true` (trust whatever the client wrote) refused. */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/settings/load.js'
import { settingsError } from '../helpers/settings-error.js'

const PRODUCTION = {
  TESSERA_MODE: 'production',
  TESSERA_DATABASE_URL: 'postgres://db/x',
  TESSERA_SIGNING_KEY: randomBytes(48).toString('base64'),
  TESSERA_REGISTRATION_OPEN: 'false',
  TESSERA_EMAIL_BACKEND: 'smtp',
  TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
  TESSERA_FRONTEND_URL: 'https://app.example.com',
  TESSERA_MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
}

describe('TRUST_PROXY', () => {
  it('refuses true in production, naming the variable and what to give instead', () => {
    const error = settingsError(() => loadSettings({ env: { ...PRODUCTION, TESSERA_TRUST_PROXY: 'true' } }))
    expect(error.setting).toBe('TESSERA_TRUST_PROXY')
    expect(error.message).toMatch(
      /^TESSERA_TRUST_PROXY: true would take the client IP from whatever the client writes/,
    )
    expect(error.message).toContain('(e.g. 1)')
    expect(error.message).toContain('10.0.0.0/8,127.0.0.1')
  })

  it('refuses true in every mode, from the environment or from code', () => {
    for (const mode of ['development', 'test'] as const) {
      settingsError(() => loadSettings({ mode, env: { TESSERA_TRUST_PROXY: 'TRUE' } }))
      expect(
        settingsError(() => loadSettings({ mode, overrides: { TRUST_PROXY: true as never } })).message,
      ).toMatch(/^TRUST_PROXY: true would take the client IP/)
    }
  })

  it('reads a hop count, addresses and CIDRs, and off', () => {
    const load = (value: string) =>
      loadSettings({ env: { ...PRODUCTION, TESSERA_TRUST_PROXY: value } }).TRUST_PROXY
    expect(loadSettings().TRUST_PROXY).toBe(false)
    expect(load('1')).toBe(1)
    expect(load(' 2 ')).toBe(2)
    for (const off of ['', '0', 'false', 'FALSE']) expect(load(off)).toBe(false)
    expect(load('10.0.0.0/8, 127.0.0.1,2001:db8::/32,::1')).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '2001:db8::/32',
      '::1',
    ])
    expect(load('loopback')).toEqual(['127.0.0.0/8', '::1/128'])
    expect(loadSettings({ overrides: { TRUST_PROXY: ['uniquelocal'] } }).TRUST_PROXY).toContain(
      '192.168.0.0/16',
    )
    expect(loadSettings({ overrides: { TRUST_PROXY: ['10.0.0.1'] } }).TRUST_PROXY).toEqual(['10.0.0.1'])
    expect(loadSettings({ overrides: { TRUST_PROXY: 3 } }).TRUST_PROXY).toBe(3)
    expect(loadSettings({ overrides: { TRUST_PROXY: 0 as never } }).TRUST_PROXY).toBe(false)
  })

  it('refuses what is neither a hop count nor addresses', () => {
    for (const bad of [
      '33',
      '10.0.0.0/33',
      '::1/129',
      '999.1.1.1',
      'proxy.internal',
      '10.0.0.1,',
      '10.0.0.0/8/1',
      'fe80::1%eth0',
      '01.2.3.4',
      '-1',
    ]) {
      const error = settingsError(() => loadSettings({ env: { TESSERA_TRUST_PROXY: bad } }))
      expect(error.setting).toBe('TESSERA_TRUST_PROXY')
    }
    settingsError(() => loadSettings({ overrides: { TRUST_PROXY: 0.5 as never } }))
  })
})
