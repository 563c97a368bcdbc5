import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'

/** A stand-in for web/dist, so these tests need no Vite build. */
const PAGE =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script>' +
  '<link rel="stylesheet" href="/assets/index-def456.css"></head><body data-testid="demo"></body></html>'

async function serverWith(
  dir: string,
  demoDir: string,
  overrides: Record<string, unknown> = {},
): Promise<TesseraServer> {
  return buildServer({
    logStream: false,
    demoDir,
    settings: {
      env: {},
      mode: 'test',
      overrides: {
        DATABASE_URL: `sqlite:${join(dir, `${Math.random().toString(36).slice(2)}.sqlite3`)}`,
        KEY_DIR: join(dir, 'keys'),
        SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
        RATE_LIMIT_ENABLED: false,
        ...overrides,
      },
    },
  })
}

const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16"/></svg>'

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

describe('demo page at /', () => {
  let dir: string
  let server: TesseraServer
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-demo-'))
    const dist = join(dir, 'dist')
    mkdirSync(join(dist, 'assets'), { recursive: true })
    writeFileSync(join(dist, 'index.html'), PAGE)
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("demo")\n')
    writeFileSync(join(dist, 'assets', 'index-def456.css'), 'body { color: black }\n')
    writeFileSync(join(dist, 'favicon.svg'), ICON)
    writeFileSync(join(dist, 'secret.txt'), 'not an asset')
    writeFileSync(join(dist, 'assets', 'notes.md'), 'no type for this')
    server = await serverWith(dir, dist)
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the built page to browsers, under a CSP that allows no inline script or style', async () => {
    const html = await server.app.inject({ method: 'GET', url: '/', headers: HTML })
    expect(html.statusCode).toBe(200)
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(html.body).toBe(PAGE)
    const csp = String(html.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(html.headers['x-frame-options']).toBe('DENY')
    expect(html.headers['cache-control']).toBe('no-cache')
  })

  it('answers the JSON index to API clients at the same address', async () => {
    for (const headers of [{ accept: 'application/json' }, { accept: '*/*' }, {}]) {
      const json = await server.app.inject({ method: 'GET', url: '/', headers })
      expect(json.statusCode).toBe(200)
      expect(json.headers['content-type']).toMatch(/^application\/json/)
      expect(json.json()).toMatchObject({
        name: 'tessera',
        endpoints: { tokenObtain: '/api/token/', jwks: '/.well-known/jwks.json' },
      })
    }
  })

  it('serves the hashed assets with their types and long caching', async () => {
    const script = await server.app.inject({ method: 'GET', url: '/assets/index-abc123.js' })
    expect(script.statusCode).toBe(200)
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(script.body).toBe('console.log("demo")\n')
    const style = await server.app.inject({ method: 'GET', url: '/assets/index-def456.css' })
    expect(style.statusCode).toBe(200)
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8')
  })

  it('serves the favicon the page links to, so browsers log no 404', async () => {
    const icon = await server.app.inject({ method: 'GET', url: '/favicon.svg' })
    expect(icon.statusCode).toBe(200)
    expect(icon.headers['content-type']).toBe('image/svg+xml')
    expect(icon.headers['cache-control']).toBe('public, max-age=86400')
    expect(icon.body).toBe(ICON)
  })

  it('serves nothing else: no traversal, no files outside assets/, no unknown types', async () => {
    for (const url of [
      '/assets/nope.js',
      '/assets/notes.md',
      '/assets/..%2Fsecret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/../secret.txt',
      '/secret.txt',
      '/index.html',
    ]) {
      const response = await server.app.inject({ method: 'GET', url, headers: HTML })
      expect(response.statusCode, url).toBe(404)
      expect(response.headers['content-type'], url).toMatch(/^application\/json/)
      expect(response.body, url).not.toContain('not an asset')
    }
  })

  it('without a build, tells browsers to run it (a static page, still no script)', async () => {
    const bare = await serverWith(dir, join(dir, 'missing'))
    try {
      const html = await bare.app.inject({ method: 'GET', url: '/', headers: HTML })
      expect(html.statusCode).toBe(200)
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(html.body).toMatch(/not built/)
      expect(html.body).toContain('vite build')
      expect(html.body).not.toMatch(/<script|<style|style=/)
      expect((await bare.app.inject({ method: 'GET', url: '/assets/index-abc123.js' })).statusCode).toBe(404)
      const json = await bare.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } })
      expect(json.json()).toMatchObject({ name: 'tessera' })
    } finally {
      await bare.close()
    }
  })

  it('SERVE_DEMO=false: the JSON index for everyone, and no assets', async () => {
    const off = await serverWith(dir, join(dir, 'dist'), { SERVE_DEMO: false })
    try {
      const response = await off.app.inject({ method: 'GET', url: '/', headers: HTML })
      expect(response.headers['content-type']).toMatch(/^application\/json/)
      expect(response.json()).toMatchObject({ name: 'tessera' })
      expect((await off.app.inject({ method: 'GET', url: '/assets/index-abc123.js' })).statusCode).toBe(404)
    } finally {
      await off.close()
    }
  })
})
