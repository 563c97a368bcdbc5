/**
 * Issue 4 in a real browser (Debian's Chromium driven by playwright-core): the demo page in cookie
 * mode against a listening Tessera. Screenshots go to test-output/screenshots/. In CI a missing
 * Chromium fails this suite (it never skips).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SHOTS = resolve(import.meta.dirname, '../../test-output/screenshots')
const USER = { username: 'browser', email: 'browser@example.com', password: 'Browser-Pass-123' }
/** Short enough that the client's 30 s skew makes it refresh after a few seconds. */
const ACCESS_LIFETIME = 34

describe('demo page in Chromium', () => {
  let server: TesseraServer
  let url: string
  let dir: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const refreshRequests: string[] = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`)
    mkdirSync(SHOTS, { recursive: true })
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-'))
    server = await buildServer({
      logStream: false,
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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    context = await browser.newContext()
    context.on('request', (request) => {
      if (request.url().includes('/api/token/refresh/')) refreshRequests.push(request.url())
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

  it('registers and logs in through the page; the profile shows', async () => {
    await page.goto(url)
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Not logged in')
    await shot(page, '1-anonymous')
    await page.getByTestId('register-username').fill(USER.username)
    await page.getByTestId('register-email').fill(USER.email)
    await page.getByTestId('register-password').fill(USER.password)
    await page.getByTestId('register-submit').click()
    await expect.poll(() => page.getByTestId('profile-username').textContent()).toBe(USER.username)
    expect(await page.getByTestId('profile-email').textContent()).toBe(USER.email)
    // The refresh token is in an HttpOnly cookie, invisible to scripts; the CSRF token is not.
    const cookies = await context.cookies()
    expect(cookies.find((cookie) => cookie.name === 'refresh_token')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    })
    expect(await page.evaluate(() => document.cookie)).not.toContain('refresh_token')
    expect(await page.evaluate(() => document.cookie)).toContain('csrftoken=')
    await shot(page, '2-profile')
  }, 30_000)

  it('calls the protected route', async () => {
    await page.getByTestId('hello').click()
    await expect
      .poll(() => page.getByTestId('hello-result').textContent())
      .toBe('{"message":"Hello, World!"}')
  })

  it('refreshes the access token silently when it nears expiry', async () => {
    const before = refreshRequests.length
    await page.waitForTimeout((ACCESS_LIFETIME - 30 + 1) * 1000)
    await page.evaluate(() => {
      const result = document.querySelector('[data-testid="hello-result"]')
      if (result) result.textContent = ''
    })
    await page.getByTestId('hello').click()
    await expect
      .poll(() => page.getByTestId('hello-result').textContent())
      .toBe('{"message":"Hello, World!"}')
    expect(refreshRequests.length).toBe(before + 1)
    expect(Number(await page.getByTestId('refreshes').textContent())).toBeGreaterThanOrEqual(1)
    await shot(page, '3-refreshed')
  }, 30_000)

  it('a reload keeps the session through the cookie', async () => {
    await page.reload()
    await expect.poll(() => page.getByTestId('profile-username').textContent()).toBe(USER.username)
  })

  it('two tabs do not race for one refresh token', async () => {
    const second = await context.newPage()
    await second.goto(url)
    await expect.poll(() => second.getByTestId('profile-username').textContent()).toBe(USER.username)
    await page.waitForTimeout((ACCESS_LIFETIME - 30 + 1) * 1000)
    const before = refreshRequests.length
    const unauthorized: number[] = []
    for (const tab of [page, second]) {
      tab.on('response', (response) => {
        if (response.status() === 401) unauthorized.push(response.status())
      })
    }
    await Promise.all([page.getByTestId('hello').click(), second.getByTestId('hello').click()])
    await expect
      .poll(() => second.getByTestId('hello-result').textContent())
      .toBe('{"message":"Hello, World!"}')
    await expect
      .poll(() => page.getByTestId('hello-result').textContent())
      .toBe('{"message":"Hello, World!"}')
    expect(refreshRequests.length - before).toBe(1)
    expect(unauthorized).toEqual([])
    await shot(second, '4-second-tab')

    // Logging out in one tab ends the session in both.
    await page.getByTestId('logout').click()
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Not logged in')
    await expect.poll(() => second.getByTestId('status').textContent()).toBe('Not logged in')
    await second.reload()
    await expect.poll(() => second.getByTestId('status').textContent()).toBe('Not logged in')
    await shot(second, '5-logged-out')
    await second.close()
  }, 60_000)

  it('a forged request without the CSRF header is refused', async () => {
    await page.getByTestId('login-username').fill(USER.username)
    await page.getByTestId('login-password').fill(USER.password)
    await page.getByTestId('login-submit').click()
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Logged in')
    // A script that rides the cookie without the CSRF header (what a forged form or an XSS-less
    // cross-site request can do at most) is refused, and the session is not consumed.
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
    // From another site (localhost is not 127.0.0.1), the SameSite=Strict cookie is not even sent.
    const other = await context.newPage()
    await other.goto(url.replace('127.0.0.1', 'localhost'))
    const crossSite = await other.evaluate(async (target) => {
      try {
        const response = await fetch(`${target}/api/token/refresh/`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: '{}',
        })
        return response.status
      } catch {
        return 'blocked'
      }
    }, url)
    expect(crossSite).not.toBe(200)
    await other.close()
    await page.getByTestId('hello').click()
    await expect
      .poll(() => page.getByTestId('hello-result').textContent())
      .toBe('{"message":"Hello, World!"}')
  }, 30_000)
})
