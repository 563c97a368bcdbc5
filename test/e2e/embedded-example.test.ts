/**
 * The example app of examples/embedded (issue 19): a Fastify app of its own with Tessera under
 * /api. In process through inject, and as a real process that SIGTERM stops. Uses the built
 * package (`npm run build` first): the example imports `tessera/plugin` as users do.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { LogCapture } from '../helpers/log-capture.js'
import { trackResources } from '../helpers/resources.js'

const EXAMPLE_DIR = resolve(import.meta.dirname, '../../examples/embedded')
const USER = { username: 'shopper', email: 'shopper@example.com', password: 'Shopper-Pass-123' }

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** TESSERA_* variables for a fresh SQLite file, cheap hashing and no rate limits. */
function tesseraEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-embedded-'))
  dirs.push(dir)
  return {
    TESSERA_MODE: 'test',
    TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
    TESSERA_KEY_DIR: join(dir, 'keys'),
    TESSERA_SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
    TESSERA_RATE_LIMIT_ENABLED: 'false',
    TESSERA_ARGON2_MEMORY_KIB: '1024',
    TESSERA_ARGON2_ITERATIONS: '1',
    TESSERA_LOGIN_TIMING_PBKDF2_ITERATIONS: '0',
  }
}

type BuildExample = (options: { settings?: unknown; logger?: unknown }) => Promise<FastifyInstance>

async function exampleApp(logs: LogCapture): Promise<FastifyInstance> {
  const url = pathToFileURL(join(EXAMPLE_DIR, 'app.mjs')).href
  const { buildApp } = (await import(url)) as { buildApp: BuildExample }
  return buildApp({ settings: { env: tesseraEnv() }, logger: { stream: logs } })
}

describe('examples/embedded, in process', () => {
  it("logs in through Tessera's routes and calls the app's protected route with the token", async () => {
    const logs = new LogCapture()
    const app = await exampleApp(logs)
    try {
      expect((await app.inject({ method: 'GET', url: '/' })).json()).toEqual({
        service: 'shop',
        login: '/api/token/',
      })
      const anonymous = await app.inject({ method: 'GET', url: '/orders' })
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="api"')
      const registered = await app.inject({ method: 'POST', url: '/api/register/', payload: USER })
      expect(registered.statusCode, registered.body).toBe(201)
      const id = registered.json().id as number
      const login = await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: USER.username, password: USER.password },
      })
      expect(login.statusCode, login.body).toBe(200)
      const { access } = login.json() as { access: string }
      const orders = await app.inject({
        method: 'GET',
        url: '/orders',
        headers: { authorization: `Bearer ${access}` },
      })
      expect(orders.statusCode).toBe(200)
      expect(orders.json()).toEqual({ user: id, roles: [], orders: [] })
      // The app's error handler answers the app's routes; Tessera's map answers Tessera's.
      const broken = await app.inject({ method: 'GET', url: '/broken' })
      expect(broken.statusCode).toBe(409)
      expect(broken.json()).toEqual({ error: 'the warehouse is closed', from: 'app' })
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: USER.username },
      })
      expect(wrong.statusCode).toBe(400)
      expect(wrong.json()).toEqual({ password: ['This field is required.'] })
      // One logger: the app's line and Tessera's audit line land on the same stream.
      const messages = logs.lines().map((line) => line.msg)
      expect(messages).toContain('app route failed')
      expect(messages).toContain('audit: login_succeeded')
    } finally {
      await app.close()
    }
  })

  it('leaves nothing running after close', async () => {
    const tracker = trackResources()
    try {
      const app = await exampleApp(new LogCapture())
      await app.listen({ host: '127.0.0.1', port: 0 })
      const port = (app.server.address() as { port: number }).port
      const res = await fetch(`http://127.0.0.1:${port}/api/register/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(USER),
      })
      expect(res.status).toBe(201)
      await app.close()
      // TODO(#19): prom-client's event-loop-delay histogram (src/server/metrics.ts) is never disabled.
      expect(await tracker.leftAlive({ ignore: ['ELDHISTOGRAM'] })).toEqual([])
    } finally {
      tracker.stop()
    }
  })
})

describe('examples/embedded, as a real process', () => {
  it('serves both apps on one port and exits by itself after SIGTERM', async () => {
    const child = spawn(process.execPath, [join(EXAMPLE_DIR, 'server.mjs')], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', ...tesseraEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
    })
    child.stderr?.on('data', (chunk) => {
      output += chunk
    })
    const exited = new Promise<number | string>((done) =>
      child.on('exit', (code, signal) => done(code ?? signal ?? -1)),
    )
    try {
      let base: string | undefined
      for (let i = 0; i < 400 && base === undefined; i++) {
        base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
        if (base === undefined) await new Promise((done) => setTimeout(done, 25))
      }
      expect(base, output).toBeDefined()
      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      expect((await post('/api/register/', USER)).status).toBe(201)
      const login = await post('/api/token/', { username: USER.username, password: USER.password })
      expect(login.status).toBe(200)
      const { access } = (await login.json()) as { access: string }
      const orders = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${access}` } })
      expect(orders.status).toBe(200)
      expect(await orders.json()).toMatchObject({ orders: [] })
      // Keep-alive connections left open by fetch must not hold the shutdown.
      child.kill('SIGTERM')
      const code = await Promise.race([
        exited,
        new Promise((done) => setTimeout(() => done('still running'), 10_000)),
      ])
      expect(code, output).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
