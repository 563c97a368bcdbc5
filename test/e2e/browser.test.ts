/**
 * Issue 4 in a real browser (Debian's Chromium driven by playwright-core): the demo page, built
 * here with Vite, in cookie mode against a listening Tessera. Screenshots go to
 * test-output/screenshots/. A missing Chromium fails this suite (it never skips, in CI or not).
 *
 * The server runs in development mode, where the refresh cookie is not `Secure`: the page is
 * served over plain http://127.0.0.1, where Chromium drops Secure cookies (only http://localhost
 * counts as a secure context).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { buildDemo, launchChromium, localServerSettings, SHOTS } from './chromium.js'
import { cookieOf, type Exchange, type RecordingProxy, startRecordingProxy } from './recording-proxy.js'

const USER = { username: 'browser', email: 'browser@example.com', password: 'Browser-Pass-123' }
/**
 * Short-lived tokens, as the report had: the client renews a sixth of the lifetime before
 * expiry but at least 1 s before, so with 6 s tokens the page renews every 5 s (a fixed 30 s margin
 * would renew before every call).
 */
const ACCESS_LIFETIME = 6
const RENEWAL_MS = (ACCESS_LIFETIME - 1) * 1000
const HELLO = '{"message":"Hello, World!"}'

/** The refresh requests of a session that reached the server, in order. */
const refreshesIn = (log: readonly Exchange[]) =>
  log.filter(
    (exchange) =>
      exchange.method === 'POST' &&
      exchange.path === '/api/token/refresh/' &&
      cookieOf(exchange.headers, 'refresh_token') !== '',
  )

describe('demo page in Chromium', () => {
  let server: TesseraServer
  let proxy: RecordingProxy
  /** The proxy's address: what the browser talks to. */
  let url: string
  let dir: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const unauthorized: string[] = []
  /** Script errors and CSP violations in the demo's tabs. */
  const problems: string[] = []
  /** Everything the tabs' consoles showed as an error (a failed request included), and 4xx/5xx answers. */
  const consoleErrors: string[] = []
  const failedResponses: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-'))
    const demoDir = join(dir, 'web')
    // The page must run under `script-src 'self'; style-src 'self'`: nothing inline.
    const built = await buildDemo(demoDir)
    expect(built).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=/)
    expect(built).toMatch(/<link rel="stylesheet"[^>]* href="\/assets\/[^"]+\.css"/)
    server = await buildServer({
      logStream: false,
      demoDir,
      settings: {
        env: {},
        mode: 'development',
        overrides: {
          ...localServerSettings(dir),
          ACCESS_TOKEN_LIFETIME: ACCESS_LIFETIME,
        },
      },
    })
    // The browser talks to the server through a recording proxy: the refresh requests, with the
    // cookies they really carried, as the server saw them.
    proxy = await startRecordingProxy(await server.app.listen({ host: '127.0.0.1', port: 0 }))
    url = proxy.url
    browser = await launchChromium()
    context = await browser.newContext()
    context.on('response', (response: Response) => {
      const request = `${response.request().method()} ${response.url()}`
      if (response.status() === 401) unauthorized.push(request)
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${request}`)
    })
    context.on('page', (tab) => {
      tab.on('pageerror', (error) => problems.push(`${tab.url()}: ${error.message}`))
      tab.on('console', (message) => {
        if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text())
        if (message.type() === 'error') consoleErrors.push(`${tab.url()}: ${message.text()}`)
      })
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await proxy?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const shot = (target: Page, name: string) =>
    target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  const text = (target: Page, testId: string) => target.getByTestId(testId).textContent()
  const callHello = async (target: Page) => {
    await target.evaluate(() => {
      const result = document.querySelector('[data-testid="hello-result"]')
      if (result) result.textContent = ''
    })
    await target.getByTestId('hello').click()
    await expect.poll(() => text(target, 'hello-result')).toBe(HELLO)
  }

  /** Requests to `path` the server saw from log index `from` on. */
  const requestsTo = (method: string, path: string, from = 0) =>
    proxy.log.slice(from).filter((exchange) => exchange.method === method && exchange.path === path)
  /** Lets the page's start-up requests (and the proxy's log of them) finish. */
  const settle = (target: Page) => target.waitForLoadState('networkidle')

  it('a logged-out load asks no refresh, loads its icon, and logs nothing in the console', async () => {
    await page.goto(url)
    await expect.poll(() => text(page, 'status')).toBe('Not logged in')
    await settle(page)
    // No session cookie: the page does not ask the server for one (that answered 400 and the
    // browser logged it).
    expect(requestsTo('POST', '/api/token/refresh/')).toEqual([])
    expect(requestsTo('GET', '/favicon.svg').map((exchange) => exchange.status)).toEqual([200])
    expect(consoleErrors).toEqual([])
    expect(failedResponses).toEqual([])
    expect(await page.getByTestId('error').isHidden()).toBe(true)
  })

  it('registers and logs in through the page; the profile shows', async () => {
    await shot(page, '1-anonymous')
    await page.getByTestId('register-username').fill(USER.username)
    await page.getByTestId('register-email').fill(USER.email)
    await page.getByTestId('register-password').fill(USER.password)
    await page.getByTestId('register-submit').click()
    await expect.poll(() => text(page, 'profile-username')).toBe(USER.username)
    expect(await text(page, 'profile-email')).toBe(USER.email)
    await expect.poll(() => text(page, 'expires').then(Number)).toBeGreaterThan(0)
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
    // The stylesheet applied (a CSP block would leave the page unstyled).
    expect(await page.evaluate(() => getComputedStyle(document.body).maxWidth)).toBe('720px')
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
    await expect.poll(() => text(page, 'expires').then(Number)).toBeGreaterThan(0)
    await callHello(page)
    const refreshes = refreshesIn(proxy.log)
    expect(refreshes.length).toBeGreaterThan(0)
    for (const refresh of refreshes) {
      expect(refresh.status).toBe(200)
      expect(refresh.headers['x-csrftoken']).toBe(cookieOf(refresh.headers, 'csrftoken'))
    }
    expect(unauthorized).toEqual([])
    await shot(page, '3-refreshed')
  }, 30_000)

  it('clicks on the protected route within one token lifetime make no refresh', async () => {
    // Right after a renewal, the token has about 5 s to live before its next one is due.
    const renewed = Number(await text(page, 'refreshes'))
    await expect
      .poll(() => text(page, 'refreshes').then(Number), { timeout: RENEWAL_MS + 5000 })
      .toBeGreaterThan(renewed)
    const from = proxy.log.length
    const started = Date.now()
    let clicks = 0
    while (Date.now() - started < RENEWAL_MS - 2000) {
      await callHello(page)
      clicks++
    }
    expect(clicks).toBeGreaterThan(3)
    expect(requestsTo('POST', '/api/token/refresh/', from)).toEqual([])
    expect(requestsTo('GET', '/api/hello/', from).length).toBe(clicks)
  }, 30_000)

  it('an error banner clears once a later call succeeds', async () => {
    await page.route('**/api/hello/', (route) => route.abort())
    await page.getByTestId('hello').click()
    await expect.poll(() => page.getByTestId('error').isVisible()).toBe(true)
    await page.unroute('**/api/hello/')
    await callHello(page)
    await expect.poll(() => page.getByTestId('error').isHidden()).toBe(true)
  })

  it('a reload keeps the session through the cookie: one refresh, one /me, nothing in the console', async () => {
    consoleErrors.length = 0
    failedResponses.length = 0
    await settle(page)
    const from = proxy.log.length
    await page.reload()
    await expect.poll(() => text(page, 'profile-username')).toBe(USER.username)
    await settle(page)
    expect(requestsTo('POST', '/api/token/refresh/', from).map((exchange) => exchange.status)).toEqual([200])
    expect(requestsTo('GET', '/api/me/', from).map((exchange) => exchange.status)).toEqual([200])
    expect(consoleErrors).toEqual([])
    expect(failedResponses).toEqual([])
    await callHello(page)
  })

  it('two tabs renew together without racing: one refresh per expiry, never one token twice', async () => {
    const second = await context.newPage()
    await second.goto(url)
    await expect.poll(() => text(second, 'profile-username')).toBe(USER.username)
    const from = refreshesIn(proxy.log).length
    // Two renewals' worth, while both tabs also call the protected route at the same moment.
    await page.waitForTimeout(RENEWAL_MS + 1000)
    await Promise.all([callHello(page), callHello(second)])
    await page.waitForTimeout(RENEWAL_MS)
    await Promise.all([callHello(page), callHello(second)])
    const refreshes = refreshesIn(proxy.log)
    const window = refreshes.slice(from)
    // Tabs take turns: each expiry costs one request, sent by whichever tab got there first...
    expect(window.length).toBeGreaterThanOrEqual(2)
    expect(window.length).toBeLessThanOrEqual(3)
    // ...and no refresh token was ever presented twice (which a race would do), or refused.
    const spent = refreshes.map((refresh) => cookieOf(refresh.headers, 'refresh_token'))
    expect(new Set(spent).size).toBe(spent.length)
    expect(window.map((refresh) => refresh.status)).toEqual(window.map(() => 200))
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
    consoleErrors.length = 0
    failedResponses.length = 0
    const beforeReload = proxy.log.length
    await second.reload()
    await expect.poll(() => text(second, 'status')).toBe('Not logged in')
    await settle(second)
    // Logged out: the reload asks nothing and logs nothing.
    expect(requestsTo('POST', '/api/token/refresh/', beforeReload)).toEqual([])
    expect(consoleErrors).toEqual([])
    expect(failedResponses).toEqual([])
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

  it('forged requests from another origin of the same site are refused, though the cookie rides along', async () => {
    // SameSite=Strict cookies still travel between origins of one site (http://localhost:A and
    // http://localhost:B): here only the CSRF defences stand between the attacker and the session.
    const victimUser = { username: 'victim', email: 'victim@example.com', password: 'Victim-Pass-123' }
    const registered = await fetch(`${url}/api/register/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(victimUser),
    })
    expect(registered.status).toBe(201)
    // The attacker's page, on its own little server.
    const evilServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end('<!doctype html><title>Prize</title><h1>You won a prize!</h1>')
    })
    await new Promise<void>((done) => evilServer.listen(0, '127.0.0.1', done))
    const attacker = `http://localhost:${(evilServer.address() as AddressInfo).port}`
    const origin = url.replace('127.0.0.1', 'localhost')
    const victim = await browser.newContext()
    try {
      const tab = await victim.newPage()
      await tab.goto(origin)
      await tab.getByTestId('login-username').fill(victimUser.username)
      await tab.getByTestId('login-password').fill(victimUser.password)
      await tab.getByTestId('login-submit').click()
      await expect.poll(() => text(tab, 'status')).toBe('Logged in')
      const refreshCookie = async () =>
        (await victim.cookies()).find((cookie) => cookie.name === 'refresh_token')?.value
      const before = await refreshCookie()
      expect(before).toBeTruthy()

      const evil = await victim.newPage()
      await evil.goto(`${attacker}/`)
      const from = proxy.log.length
      const outcomes = await evil.evaluate(async (target) => {
        const attempt = async (path: string, init: RequestInit) => {
          try {
            const response = await fetch(target + path, {
              method: 'POST',
              credentials: 'include',
              body: '{}',
              ...init,
            })
            return response.type === 'opaque' ? 'opaque' : response.status
          } catch {
            return 'blocked'
          }
        }
        return {
          // What a form or a no-cors fetch can send: no custom header, a "simple" content type.
          refresh: await attempt('/api/token/refresh/', {
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
          }),
          logout: await attempt('/api/token/blacklist/', {
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
          }),
          // JSON and the transport header need a CORS preflight, which the server does not grant.
          json: await attempt('/api/token/blacklist/', {
            headers: { 'content-type': 'application/json', 'x-auth-transport': 'cookie' },
          }),
        }
      }, origin)
      expect(outcomes).toEqual({ refresh: 'opaque', logout: 'opaque', json: 'blocked' })
      // The classic forged form, posted by a top-level navigation.
      await evil.evaluate((target) => {
        const form = document.createElement('form')
        form.method = 'POST'
        form.enctype = 'text/plain'
        form.action = `${target}/api/token/blacklist/`
        const field = document.createElement('input')
        field.name = '{"a":"'
        field.value = '"}'
        form.append(field)
        document.body.append(form)
        form.submit()
      }, origin)
      await evil.waitForURL(`${origin}/api/token/blacklist/`)
      await shot(evil, '7-forged-form')

      const forged = proxy.log.slice(from).filter((exchange) => exchange.headers.origin === attacker)
      const posts = forged.filter((exchange) => exchange.method === 'POST')
      expect(posts.map((exchange) => exchange.path)).toEqual([
        '/api/token/refresh/',
        '/api/token/blacklist/',
        '/api/token/blacklist/',
      ])
      for (const post of posts) {
        // The cookie was sent: SameSite alone would not have stopped these...
        expect(cookieOf(post.headers, 'refresh_token')).toBe(before)
        // ...but the server refused every one (JSON only, before any token is read).
        expect(post.status).toBe(415)
      }
      // The JSON attempt never got past its preflight.
      expect(forged.filter((exchange) => exchange.method === 'OPTIONS').length).toBeLessThanOrEqual(1)

      // The victim's session is untouched: same refresh cookie, and the page still works.
      expect(await refreshCookie()).toBe(before)
      await callHello(tab)
    } finally {
      await victim.close()
      await new Promise<void>((done) => evilServer.close(() => done()))
    }
  }, 30_000)

  it('ran without a script error or a CSP violation', () => {
    expect(problems).toEqual([])
  })
})
