/**
 * Issue 4 in a real browser (Debian's Chromium driven by playwright-core): the demo page, built
 * here with Vite, in cookie mode against a listening Tessera. Screenshots go to
 * test-output/screenshots/. A missing Chromium fails this suite (it never skips, in CI or not).
 *
 * The server runs in development mode, where the refresh cookie is not `Secure`: the page is
 * served over plain http://127.0.0.1, where Chromium drops Secure cookies (only http://localhost
 * counts as a secure context).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
  type Request,
  type Response,
} from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ROOT = resolve(import.meta.dirname, '../..')
const SHOTS = join(ROOT, 'test-output/screenshots')
const USER = { username: 'browser', email: 'browser@example.com', password: 'Browser-Pass-123' }
/** The client renews 30 s before expiry: with 36 s tokens, the page renews every 6 s. */
const ACCESS_LIFETIME = 36
const RENEWAL_MS = (ACCESS_LIFETIME - 30) * 1000
const HELLO = '{"message":"Hello, World!"}'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** One refresh request as the browser sent it, and what the server answered. */
interface RefreshSeen {
  readonly page: Page | null
  readonly cookie: string
  status?: number
}

function refreshCookieOf(cookieHeader: string | undefined): string {
  return /(?:^|;\s*)refresh_token=([^;]*)/.exec(cookieHeader ?? '')?.[1] ?? ''
}

describe('demo page in Chromium', () => {
  let server: TesseraServer
  let url: string
  let dir: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const refreshes: RefreshSeen[] = []
  const pending: Promise<unknown>[] = []
  const unauthorized: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
    }
    mkdirSync(SHOTS, { recursive: true })
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-'))
    const demoDir = join(dir, 'web')
    await build({
      configFile: join(ROOT, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: demoDir, emptyOutDir: true },
    })
    server = await buildServer({
      logStream: false,
      demoDir,
      settings: {
        env: {},
        mode: 'development',
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
          KEY_DIR: join(dir, 'keys'),
          ACCESS_TOKEN_LIFETIME: ACCESS_LIFETIME,
          ARGON2_MEMORY_KIB: 1024,
          ARGON2_ITERATIONS: 1,
          RATE_LIMIT_ENABLED: false,
        },
      },
    })
    url = await server.app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    context = await browser.newContext()
    // Every refresh request, with the refresh token its cookie carried: two tabs racing would send
    // the same one twice.
    context.on('request', (request: Request) => {
      if (request.method() !== 'POST' || !request.url().endsWith('/api/token/refresh/')) return
      const seen: RefreshSeen = { page: request.frame().page(), cookie: '' }
      refreshes.push(seen)
      pending.push(
        request.allHeaders().then(async (headers) => {
          ;(seen as { cookie: string }).cookie = refreshCookieOf(headers.cookie)
          seen.status = (await request.response())?.status()
        }),
      )
    })
    context.on('response', (response: Response) => {
      if (response.status() === 401) unauthorized.push(`${response.request().method()} ${response.url()}`)
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const shot = (target: Page, name: string) =>
    target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  const settled = () => Promise.all(pending)
  const text = (target: Page, testId: string) => target.getByTestId(testId).textContent()
  const callHello = async (target: Page) => {
    await target.evaluate(() => {
      const result = document.querySelector('[data-testid="hello-result"]')
      if (result) result.textContent = ''
    })
    await target.getByTestId('hello').click()
    await expect.poll(() => text(target, 'hello-result')).toBe(HELLO)
  }

  it('registers and logs in through the page; the profile shows', async () => {
    await page.goto(url)
    await expect.poll(() => text(page, 'status')).toBe('Not logged in')
    await shot(page, '1-anonymous')
    await page.getByTestId('register-username').fill(USER.username)
    await page.getByTestId('register-email').fill(USER.email)
    await page.getByTestId('register-password').fill(USER.password)
    await page.getByTestId('register-submit').click()
    await expect.poll(() => text(page, 'profile-username')).toBe(USER.username)
    expect(await text(page, 'profile-email')).toBe(USER.email)
    expect(Number(await text(page, 'expires'))).toBeGreaterThan(ACCESS_LIFETIME - 5)
    // The refresh token is in an HttpOnly cookie, invisible to scripts; the CSRF token is not.
    const cookies = await context.cookies()
    expect(cookies.find((cookie) => cookie.name === 'refresh_token')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/api/token/',
    })
    expect(await page.evaluate(() => document.cookie)).not.toContain('refresh_token')
    expect(await page.evaluate(() => document.cookie)).toContain('csrftoken=')
    // No script can find the access token in storage either.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0)
    await shot(page, '2-profile')
  }, 30_000)

  it('calls the protected route', async () => {
    await callHello(page)
  })

  it('renews the access token silently before it expires, and keeps calling the protected route', async () => {
    const before = Number(await text(page, 'refreshes'))
    // Nobody touches the page: it renews on its own.
    await expect
      .poll(() => text(page, 'refreshes').then(Number), { timeout: RENEWAL_MS + 5000 })
      .toBeGreaterThan(before)
    await expect.poll(() => text(page, 'expires').then(Number)).toBeGreaterThan(30)
    await callHello(page)
    await settled()
    expect(refreshes.length).toBeGreaterThan(0)
    expect(refreshes.every((seen) => seen.status === 200 && seen.cookie !== '')).toBe(true)
    expect(unauthorized).toEqual([])
    await shot(page, '3-refreshed')
  }, 30_000)

  it('a reload keeps the session through the cookie', async () => {
    await page.reload()
    await expect.poll(() => text(page, 'profile-username')).toBe(USER.username)
    await callHello(page)
  })

  it('two tabs renew together without racing: one refresh per expiry, never one token twice', async () => {
    const second = await context.newPage()
    await second.goto(url)
    await expect.poll(() => text(second, 'profile-username')).toBe(USER.username)
    const from = refreshes.length
    // Two renewals' worth, while both tabs also call the protected route at the same moment.
    await page.waitForTimeout(RENEWAL_MS + 1000)
    await Promise.all([callHello(page), callHello(second)])
    await page.waitForTimeout(RENEWAL_MS)
    await Promise.all([callHello(page), callHello(second)])
    await settled()
    const window = refreshes.slice(from)
    // Tabs take turns: each expiry costs one request, sent by whichever tab got there first...
    expect(window.length).toBeGreaterThanOrEqual(2)
    expect(window.length).toBeLessThanOrEqual(3)
    // ...and no refresh token was ever presented twice (which a race would do), or refused.
    const all = refreshes.map((seen) => seen.cookie)
    expect(new Set(all).size).toBe(all.length)
    expect(window.every((seen) => seen.status === 200)).toBe(true)
    expect(unauthorized).toEqual([])
    // Both tabs hold the same, latest access token.
    expect(
      Math.abs(Number(await text(page, 'expires')) - Number(await text(second, 'expires'))),
    ).toBeLessThanOrEqual(1)
    expect(Number(await text(second, 'refreshes'))).toBeGreaterThanOrEqual(1)
    await shot(second, '4-second-tab')

    // Logging out in one tab ends the session in both.
    await page.getByTestId('logout').click()
    await expect.poll(() => text(page, 'status')).toBe('Not logged in')
    await expect.poll(() => text(second, 'status')).toBe('Not logged in')
    expect((await context.cookies()).filter((cookie) => cookie.name === 'refresh_token')).toEqual([])
    await second.reload()
    await expect.poll(() => text(second, 'status')).toBe('Not logged in')
    await shot(second, '5-logged-out')
    await second.close()
  }, 60_000)

  it('logs in through the login form; a request without the CSRF header is refused', async () => {
    await page.getByTestId('login-username').fill(USER.username)
    await page.getByTestId('login-password').fill('wrong password')
    await page.getByTestId('login-submit').click()
    await expect.poll(() => text(page, 'error')).toBe('No active account found with the given credentials')
    await shot(page, '6-login-error')
    await page.getByTestId('login-password').fill(USER.password)
    await page.getByTestId('login-submit').click()
    await expect.poll(() => text(page, 'status')).toBe('Logged in')
    // A script that rides the cookie without the CSRF header is refused, and the session survives.
    const forged = await page.evaluate(async () => {
      const response = await fetch('/api/token/refresh/', {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json', 'x-auth-transport': 'cookie' },
        body: '{}',
      })
      return { status: response.status, body: await response.json() }
    })
    expect(forged).toEqual({
      status: 403,
      body: { detail: 'CSRF Failed: CSRF token missing.', code: 'csrf_failed' },
    })
    await callHello(page)
  }, 30_000)

  it('a forged request from another origin of the same site is refused, though the cookie rides along', async () => {
    // SameSite=Strict cookies still travel between origins of one site (http://localhost:A and
    // http://localhost:B): here only the CSRF defences stand between the attacker and the session.
    const victimUser = { username: 'victim', email: 'victim@example.com', password: 'Victim-Pass-123' }
    const registered = await fetch(`${url}/api/register/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(victimUser),
    })
    expect(registered.status).toBe(201)
    const victim = await browser.newContext()
    const cleanups: (() => Promise<void>)[] = [() => victim.close()]
    try {
      const origin = url.replace('127.0.0.1', 'localhost')
      const tab = await victim.newPage()
      await tab.goto(origin)
      await tab.getByTestId('login-username').fill(victimUser.username)
      await tab.getByTestId('login-password').fill(victimUser.password)
      await tab.getByTestId('login-submit').click()
      await expect.poll(() => text(tab, 'status')).toBe('Logged in')
      const cookieBefore = (await victim.cookies()).find((cookie) => cookie.name === 'refresh_token')?.value
      expect(cookieBefore).toBeTruthy()

      // The attacker's page, on its own little server: same site (localhost), another origin.
      const evilServer = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        response.end('<!doctype html><title>Prize</title><h1>You won a prize!</h1>')
      })
      await new Promise<void>((done) => evilServer.listen(0, '127.0.0.1', done))
      cleanups.push(() => new Promise<void>((done) => evilServer.close(() => done())))
      const attacker = `http://localhost:${(evilServer.address() as AddressInfo).port}`
      const evil = await victim.newPage()
      await evil.goto(`${attacker}/`)
      const seen: { method: string; status: number; cookie: string; body: string }[] = []
      const watched: Promise<void>[] = []
      evil.on('response', (response) => {
        const request = response.request()
        if (!request.url().startsWith(`${origin}/api/`)) return
        watched.push(
          (async () => {
            console.log(await request.allHeaders(), await request.headersArray())
            seen.push({
              method: request.method(),
              status: response.status(),
              cookie: refreshCookieOf((await request.allHeaders()).cookie),
              body: await response.text().catch(() => ''),
            })
          })(),
        )
      })
      const outcomes = await evil.evaluate(async (target) => {
        const attempt = async (init: RequestInit) => {
          try {
            const response = await fetch(`${target}/api/token/refresh/`, {
              method: 'POST',
              credentials: 'include',
              body: '{}',
              ...init,
            })
            return response.type === 'opaque' ? 'opaque' : response.status
          } catch (error) {
            return `blocked ${error}`
          }
        }
        return {
          // What a form or a no-cors fetch can send: no custom header, a "simple" content type.
          simple: await attempt({ mode: 'no-cors', headers: { 'content-type': 'text/plain' } }),
          // JSON and the transport header need a CORS preflight, which the server does not grant.
          json: await attempt({
            headers: { 'content-type': 'application/json', 'x-auth-transport': 'cookie' },
          }),
        }
      }, origin)
      console.log(outcomes)
      await new Promise((r) => setTimeout(r, 500))
      console.log(seen)
      expect(outcomes).toEqual({ simple: 'opaque', json: 'blocked' })
      await expect.poll(() => seen.length).toBeGreaterThanOrEqual(1)
      // The simple request did reach the server with the victim's cookie, and was refused.
      const posted = seen.filter((entry) => entry.cookie !== '')
      expect(posted.length).toBeGreaterThanOrEqual(1)
      for (const entry of posted) expect(entry.status).toBeGreaterThanOrEqual(400)
      expect(seen.some((entry) => entry.status === 200)).toBe(false)
      await shot(evil, '7-attacker')

      // The victim's session is untouched: same refresh cookie, and the page still works.
      expect((await victim.cookies()).find((cookie) => cookie.name === 'refresh_token')?.value).toBe(
        cookieBefore,
      )
      await callHello(tab)
    } finally {
      for (const cleanup of cleanups) await cleanup()
    }
  }, 30_000)
})
