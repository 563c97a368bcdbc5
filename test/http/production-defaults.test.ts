/**
 * Issue 17, item 17: open registration is an explicit choice in production, and the demo (the page
 * at `/` and `GET /api/hello/`) is off in production unless asked for.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { loadSettings } from '../../src/settings/load.js'
import type { Mode } from '../../src/settings/types.js'

const HTML = { accept: 'text/html' }
const KEY = 'Vq3n8ZpL2wXr6TbK9mYc4HdF7sJg1QeA5uNo0RiW'
const PRODUCTION_ENV = {
  TESSERA_MODE: 'production',
  TESSERA_DATABASE_URL: 'postgres://db/x',
  TESSERA_SIGNING_KEY: KEY,
  TESSERA_EMAIL_BACKEND: 'smtp',
  TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
  TESSERA_FRONTEND_URL: 'https://app.example.com',
  TESSERA_MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
}
const alice = { username: 'alice', email: 'alice@example.com', password: 'Alice-Pass-123' }

let dir: string
let dist: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-prod-'))
  dist = join(dir, 'dist')
  mkdirSync(dist, { recursive: true })
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>demo</title>')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const servers: TesseraServer[] = []
afterAll(async () => {
  for (const server of servers) await server.close()
})

async function serverIn(mode: Mode, overrides: Record<string, unknown> = {}): Promise<TesseraServer> {
  const server = await buildServer({
    logStream: false,
    demoDir: dist,
    settings: {
      env: {},
      mode,
      overrides: {
        DATABASE_URL: `sqlite:${join(dir, `${Math.random().toString(36).slice(2)}.sqlite3`)}`,
        ALLOW_SQLITE_IN_PRODUCTION: true,
        MIGRATE_ON_START: true,
        KEY_DIR: join(dir, 'keys'),
        SIGNING_KEY: KEY,
        RATE_LIMIT_ENABLED: false,
        ARGON2_MEMORY_KIB: 1024,
        ARGON2_ITERATIONS: 1,
        EMAIL_BACKEND: 'smtp',
        EMAIL_URL: 'smtp://127.0.0.1:9',
        FRONTEND_URL: 'https://app.example.com',
        MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
        ...overrides,
      },
    },
  })
  servers.push(server)
  return server
}

describe('REGISTRATION_OPEN', () => {
  it('production refuses to start without an explicit choice, naming the variable', () => {
    let error: unknown
    try {
      loadSettings({ env: PRODUCTION_ENV })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).message).toContain('TESSERA_REGISTRATION_OPEN')
    expect(
      loadSettings({ env: { ...PRODUCTION_ENV, TESSERA_REGISTRATION_OPEN: 'false' } }).REGISTRATION_OPEN,
    ).toBe(false)
  })

  it('is open by default in development', async () => {
    const server = await serverIn('development')
    const response = await server.app.inject({ method: 'POST', url: '/api/register/', payload: alice })
    expect(response.statusCode).toBe(201)
  })

  it('closed: register answers 403 in DRF shape and creates nobody; login still works', async () => {
    const server = await serverIn('production', { REGISTRATION_OPEN: false })
    const response = await server.app.inject({ method: 'POST', url: '/api/register/', payload: alice })
    expect(response.statusCode).toBe(403)
    expect(response.json()).toEqual({ detail: 'Registration is closed.', code: 'registration_closed' })
    expect(await server.stores.users.findByUsername('alice')).toBeUndefined()
  })

  it('open in production when the operator says so', async () => {
    const server = await serverIn('production', { REGISTRATION_OPEN: true })
    const response = await server.app.inject({ method: 'POST', url: '/api/register/', payload: alice })
    expect(response.statusCode).toBe(201)
  })
})

describe('SERVE_DEMO by mode', () => {
  it('production serves neither the demo page nor /api/hello/ by default', async () => {
    const server = await serverIn('production', { REGISTRATION_OPEN: false })
    const page = await server.app.inject({ method: 'GET', url: '/', headers: HTML })
    expect(page.headers['content-type']).toMatch(/^application\/json/)
    const hello = await server.app.inject({ method: 'GET', url: '/api/hello/' })
    expect(hello.statusCode).toBe(404)
    expect(hello.json()).toMatchObject({ detail: expect.any(String) })
  })

  it('production with SERVE_DEMO=true serves both', async () => {
    const server = await serverIn('production', { REGISTRATION_OPEN: false, SERVE_DEMO: true })
    const page = await server.app.inject({ method: 'GET', url: '/', headers: HTML })
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect((await server.app.inject({ method: 'GET', url: '/api/hello/' })).statusCode).toBe(401)
  })

  it('development serves both by default', async () => {
    const server = await serverIn('development')
    const page = await server.app.inject({ method: 'GET', url: '/', headers: HTML })
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect((await server.app.inject({ method: 'GET', url: '/api/hello/' })).statusCode).toBe(401)
  })
})
