/**
 * The admin web UI's page over HTTP (no browser): a strict CSP on everything it serves, the
 * server's values in its `<meta>` tags, assets from memory only, 404 when the UI is off (and in
 * production by default), and a custom ADMIN_UI_PATH.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PAGE_CSP } from '../../src/http/routes/admin-page.js'
import { buildServer, type TesseraServer } from '../../src/server/build.js'

/** A stand-in for admin/dist with the placeholders of admin/index.html, so no Vite build is needed. */
const PAGE =
  '<!doctype html><html><head>' +
  '<meta name="tessera-api-prefix" content="__TESSERA_API_PREFIX__" />' +
  '<meta name="tessera-login-field" content="__TESSERA_LOGIN_FIELD__" />' +
  '<meta name="tessera-csrf-cookie" content="__TESSERA_CSRF_COOKIE__" />' +
  '<meta name="tessera-csrf-header" content="__TESSERA_CSRF_HEADER__" />' +
  '<script type="module" src="./assets/index-abc123.js"></script></head><body></body></html>'

describe('the admin UI page', () => {
  let dir: string
  let dist: string
  const servers: TesseraServer[] = []
  const serve = async (overrides: Record<string, unknown> = {}, mode: 'test' | 'production' = 'test') => {
    const server = await buildServer({
      logStream: false,
      adminDir: dist,
      settings: {
        env: {},
        mode,
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, `${Math.random().toString(36).slice(2)}.sqlite3`)}`,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
          RATE_LIMIT_ENABLED: false,
          ...overrides,
        },
      },
    })
    servers.push(server)
    return server
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-admin-page-'))
    dist = join(dir, 'dist')
    mkdirSync(join(dist, 'assets'), { recursive: true })
    writeFileSync(join(dist, 'index.html'), PAGE)
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("admin")\n')
    writeFileSync(join(dist, 'assets', 'index-def456.css'), 'body { color: black }\n')
    writeFileSync(join(dist, 'assets', 'notes.md'), 'no type for this')
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  })
  afterAll(async () => {
    for (const server of servers) await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the page at /admin/ under a strict CSP, with the server settings in its meta tags', async () => {
    const server = await serve({ CSRF_HEADER_NAME: 'HTTP_X_XSRF_TOKEN', LOGIN_FIELD: 'email' })
    const res = await server.app.inject({ method: 'GET', url: '/admin/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toBe(ADMIN_PAGE_CSP)
    const directives = Object.fromEntries(
      csp.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/)
        return [name, values.join(' ')]
      }),
    )
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'frame-ancestors': "'none'",
      'object-src': "'none'",
      'base-uri': "'none'",
    })
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|data:|\*/)
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.body).toContain('<meta name="tessera-api-prefix" content="/api" />')
    expect(res.body).toContain('<meta name="tessera-login-field" content="email" />')
    expect(res.body).toContain('<meta name="tessera-csrf-cookie" content="csrftoken" />')
    expect(res.body).toContain('<meta name="tessera-csrf-header" content="x-xsrf-token" />')
    expect(res.body).not.toContain('__TESSERA_')

    const asset = await server.app.inject({ method: 'GET', url: '/admin/assets/index-abc123.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(asset.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP)
    expect((await server.app.inject({ method: 'GET', url: '/admin/favicon.svg' })).statusCode).toBe(200)
    for (const url of [
      '/admin/assets/notes.md',
      '/admin/assets/..%2Findex.html',
      '/admin/index.html',
      '/admin/x/',
    ]) {
      const missing = await server.app.inject({ method: 'GET', url })
      expect(missing.statusCode, url).toBe(404)
      expect(missing.json()).toEqual({ detail: 'Not found.' })
    }
    // Without the slash, relative asset URLs would miss: a redirect that keeps the query.
    const bare = await server.app.inject({ method: 'GET', url: '/admin?x=1' })
    expect(bare.statusCode).toBe(308)
    expect(bare.headers.location).toBe('/admin/?x=1')
    // The page is not part of the API's document.
    const schema = (await server.app.inject({ method: 'GET', url: '/api/schema/' })).json() as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(schema.paths).filter((path) => path.startsWith('/admin'))).toEqual([])
  })

  it('is served at ADMIN_UI_PATH, and calls the API at API_PREFIX', async () => {
    const server = await serve({ ADMIN_UI_PATH: '/ops/console/', API_PREFIX: '/auth' })
    const res = await server.app.inject({ method: 'GET', url: '/ops/console/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP)
    expect(res.body).toContain('<meta name="tessera-api-prefix" content="/auth" />')
    expect(
      (await server.app.inject({ method: 'GET', url: '/ops/console/assets/index-abc123.js' })).statusCode,
    ).toBe(200)
    expect((await server.app.inject({ method: 'GET', url: '/admin/' })).statusCode).toBe(404)
  })

  it('answers 404 when the UI is off, when the admin API is off, and in production unless turned on', async () => {
    const off = await serve({ ADMIN_UI_ENABLED: false })
    for (const url of ['/admin/', '/admin/assets/index-abc123.js']) {
      const res = await off.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.json()).toEqual({ detail: 'Not found.' })
    }
    // The API stays: only the page is off.
    expect((await off.app.inject({ method: 'GET', url: '/api/admin/users/' })).statusCode).toBe(401)
    const noApi = await serve({ ADMIN_ENABLED: false })
    expect(noApi.settings.ADMIN_UI_ENABLED).toBe(false)
    expect((await noApi.app.inject({ method: 'GET', url: '/admin/' })).statusCode).toBe(404)

    const production = {
      ALLOW_SQLITE_IN_PRODUCTION: true,
      MIGRATE_ON_START: true,
      REGISTRATION_OPEN: false,
      EMAIL_BACKEND: 'smtp',
      EMAIL_URL: 'smtp://mail.example.com:587',
      FRONTEND_URL: 'https://app.example.com',
      MFA_SECRET_KEY: 'Vq8Lm3Zx7Rt2Wp9Kc4Nb6Hd1Fg5Js0Ae-Uo_Ii.yT',
      SIGNING_KEY: 'kR3v9Xw2LmQ8pZt5Yc7Nb4Hd6Fg1Js0Ae-Uo_Ii',
    }
    const closed = await serve(production, 'production')
    expect((await closed.app.inject({ method: 'GET', url: '/admin/' })).statusCode).toBe(404)
    const open = await serve({ ...production, ADMIN_ENABLED: true, ADMIN_UI_ENABLED: true }, 'production')
    expect((await open.app.inject({ method: 'GET', url: '/admin/' })).statusCode).toBe(200)
  })
})
