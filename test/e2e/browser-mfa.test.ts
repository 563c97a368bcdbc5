/**
 * Issue 21 in a real browser (Debian's Chromium, playwright-core, a CDP virtual authenticator): the
 * demo page enrols TOTP from its QR code's key and shows the recovery codes once, registers a
 * passkey, and logs in with a recovery code, with the passkey as second factor, and with the
 * passkey alone. The page runs on http://localhost (a WebAuthn relying party must be a domain).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TesseraServer } from '../../src/server/build.js'
import { totpCode } from '../helpers/totp.js'
import {
  addPlatformAuthenticator,
  launchChromium,
  SHOTS,
  startPasskeyServer,
  watchProblems,
} from './chromium.js'

const USER = { username: 'twofactor', email: 'twofactor@example.com', password: 'Two-Factor-Pass-123' }

describe('second factors on the demo page in Chromium', () => {
  let server: TesseraServer
  let browser: Browser
  let page: Page
  let url: string
  let dir: string
  const problems: string[] = []
  const status = () => page.getByTestId('status').textContent()
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  const logOut = async () => {
    await page.getByTestId('logout').click()
    await expect.poll(status).toBe('Not logged in')
  }
  const passwordStep = async () => {
    await page.getByTestId('login-username').fill(USER.username)
    await page.getByTestId('login-password').fill(USER.password)
    await page.getByTestId('login-submit').click()
    await expect.poll(() => page.getByTestId('mfa-form').isVisible()).toBe(true)
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-mfa-'))
    ;({ server, url } = await startPasskeyServer(dir))
    const registered = await server.app.inject({ method: 'POST', url: '/api/register/', payload: USER })
    expect(registered.statusCode, registered.body).toBe(201)
    browser = await launchChromium()
    const context = await browser.newContext()
    page = await context.newPage()
    watchProblems(page, problems)
    await addPlatformAuthenticator(context, page)
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('enrols TOTP and a passkey, then logs in with a recovery code, a passkey second step and a passkey alone', async () => {
    await page.goto(`${url}/`)
    await expect.poll(status).toBe('Not logged in')
    await page.getByTestId('login-username').fill(USER.username)
    await page.getByTestId('login-password').fill(USER.password)
    await page.getByTestId('login-submit').click()
    await expect.poll(status, { timeout: 10_000 }).toBe('Logged in')
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toContain('no authenticator app')

    // TOTP: the key under the QR code, a code from it, and ten recovery codes shown once.
    await page.getByTestId('totp-setup').click()
    await expect.poll(() => page.getByTestId('totp-enrol').isVisible()).toBe(true)
    expect(await page.locator('[data-testid="totp-qr"] svg').count()).toBe(1)
    const secret = (await page.getByTestId('totp-secret').textContent()) ?? ''
    expect(secret).toMatch(/^[A-Z2-7]+$/)
    const code = totpCode(secret)
    await page.getByTestId('totp-code').fill(code)
    await page.getByTestId('totp-confirm').click()
    await expect.poll(() => page.locator('[data-testid="recovery-codes"] li').count()).toBe(10)
    const recovery = (await page.locator('[data-testid="recovery-codes"] li').first().textContent()) ?? ''
    await shot('mfa-recovery-codes')

    // A passkey on the virtual authenticator.
    await page.getByTestId('passkey-add').click()
    await expect
      .poll(() => page.getByTestId('mfa-status').textContent(), { timeout: 10_000 })
      .toContain('1 passkey(s)')
    await shot('mfa-factors')

    // Recovery codes are gone from the page with the session; a recovery code finishes a login.
    await logOut()
    await passwordStep()
    expect(await page.getByTestId('mfa-methods').textContent()).toContain('totp')
    await shot('mfa-second-step')
    await page.getByTestId('mfa-code').fill(recovery)
    await page.getByTestId('mfa-submit').click()
    await expect.poll(status, { timeout: 10_000 }).toBe('Logged in')
    expect(await page.getByTestId('recovery').isVisible()).toBe(false)
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toContain('9 recovery code(s) left')

    // The passkey as the second step.
    await logOut()
    await passwordStep()
    await page.getByTestId('mfa-passkey').click()
    await expect.poll(status, { timeout: 10_000 }).toBe('Logged in')

    // The passkey alone: no username, no password.
    await logOut()
    await page.getByTestId('passkey-login').click()
    await expect.poll(status, { timeout: 10_000 }).toBe('Logged in')
    expect(problems).toEqual([])
  }, 120_000)
})
