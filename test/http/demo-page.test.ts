import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const DIST = resolve(import.meta.dirname, '../../web/dist')

describe('demo page at /', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite')
  })
  afterAll(async () => server.dispose())

  it('serves the built page to browsers with a strict CSP, and the JSON index to API clients', async () => {
    const html = await server.app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'text/html,application/xhtml+xml' },
    })
    expect(html.statusCode).toBe(200)
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(html.body).toContain('data-testid="login-form"')
    expect(html.body).not.toMatch(/<script>(?!<\/script>)|style="/)
    expect(html.headers['content-security-policy']).toContain("script-src 'self'")
    expect(html.headers['x-frame-options']).toBe('DENY')
    const json = await server.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } })
    expect(json.json()).toMatchObject({
      name: 'tessera',
      endpoints: { tokenObtain: '/api/token/', jwks: '/.well-known/jwks.json' },
    })
  })

  it('serves the hashed assets with long caching, and nothing outside them', async () => {
    const script = readdirSync(resolve(DIST, 'assets')).find((name) => name.endsWith('.js'))
    expect(script).toBeDefined()
    const asset = await server.app.inject({ method: 'GET', url: `/assets/${script}` })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(asset.headers['cache-control']).toContain('immutable')
    for (const url of [
      '/assets/..%2Fpackage.json',
      '/assets/nope.js',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    ]) {
      expect((await server.app.inject({ method: 'GET', url })).statusCode).toBe(404)
    }
  })
})
