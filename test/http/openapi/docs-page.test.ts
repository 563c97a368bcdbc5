/**
 * The docs page (`/api/docs/`, swagger-ui): HTML whose every script, stylesheet and icon comes from
 * this server, under a CSP that names no other origin; its document is Tessera's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCS_PAGE_CSP } from '../../../src/http/routes/docs-page.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'

describe('the docs page', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite')
  })
  afterAll(async () => server.dispose())

  it('serves HTML and its assets from this server only, under its CSP', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/api/docs/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toBe(DOCS_PAGE_CSP)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    // Only this origin: no scheme, no host, in any source of the policy.
    expect(DOCS_PAGE_CSP).not.toMatch(/https?:|\*|\/\//)
    expect(DOCS_PAGE_CSP).toContain("script-src 'self';")
    const links = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '')
    expect(links.length).toBeGreaterThanOrEqual(5)
    const types: string[] = []
    for (const link of links) {
      expect(link, 'a relative link').toMatch(/^\.\//)
      const url = new URL(link, 'http://tessera.test/api/docs/')
      expect(url.host).toBe('tessera.test')
      const asset = await server.app.inject({ method: 'GET', url: url.pathname })
      expect(asset.statusCode, url.pathname).toBe(200)
      expect(asset.headers['content-security-policy']).toBe(DOCS_PAGE_CSP)
      types.push(String(asset.headers['content-type']).split(';')[0] ?? '')
      // No asset pulls anything in from elsewhere (CSS imports, script URLs it would load).
      expect(asset.body).not.toMatch(/@import\s+url\(["']?https?:/)
    }
    expect(new Set(types)).toEqual(new Set(['text/css', 'image/png', 'application/javascript']))
  })

  it("shows Tessera's document, served at the path without its slash too", async () => {
    const initializer = await server.app.inject({
      method: 'GET',
      url: '/api/docs/static/swagger-initializer.js',
    })
    expect(initializer.body).toContain("resolveUrl('./json')")
    expect(initializer.body).toContain('validatorUrl: null')
    const schema = (await server.app.inject({ method: 'GET', url: '/api/schema/' })).json()
    expect((await server.app.inject({ method: 'GET', url: '/api/docs/json' })).json()).toEqual(schema)
    const unslashed = await server.app.inject({ method: 'GET', url: '/api/docs' })
    expect(unslashed.statusCode).toBe(200)
    for (const match of unslashed.body.matchAll(/(?:src|href)="([^"]+)"/g)) {
      expect(match[1]).toMatch(/^\/api\/docs\/static\//)
    }
  })

  it('answers missing files with a JSON 404', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/docs/static/nope.js' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ detail: 'Not found.' })
  })
})
