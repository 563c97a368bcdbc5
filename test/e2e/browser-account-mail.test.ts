/**
 * Issue 20 in a real browser (Debian's Chromium, playwright-core): the demo page's "forgot
 * password" to the mail (a real SMTP server in this process) to the link page to the new password
 * to logging in; a mail scanner's GET of the link first consumes nothing; the verification banner
 * goes once the address is confirmed. Link pages and the demo run under their strict CSPs.
 * A missing Chromium fails this suite (it never skips).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { buildDemo, freePort, launchChromium, localServerSettings, SHOTS, watchProblems } from './chromium.js'
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js'

const USER = { username: 'forgetful', email: 'forgetful@example.com', password: 'Forgetful-Pass-123' }
const NEW_PASSWORD = 'Remembered-Pass-456'
/** A user who never asked for a reset (a reset proves the address too, and verifies it). */
const NEWCOMER = { username: 'newcomer', email: 'newcomer@example.com', password: 'Newcomer-Pass-789' }

describe('account mail in Chromium', () => {
  let smtp: TestSmtp
  let server: TesseraServer
  let url: string
  let dir: string
  let browser: Browser
  const problems: string[] = []

  /** Mails to `address` once `count` have arrived. */
  const mailsTo = async (address: string, count: number) => {
    await expect.poll(() => smtp.to(address).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(count)
    return smtp.to(address)
  }
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext()
    const page = await context.newPage()
    watchProblems(page, problems, (error) => `${page.url()}: ${error.message}`)
    return page
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-mail-'))
    const demoDir = join(dir, 'web')
    await buildDemo(demoDir)
    smtp = await startTestSmtp()
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    server = await buildServer({
      logStream: false,
      demoDir,
      settings: {
        env: {},
        mode: 'development',
        overrides: {
          ...localServerSettings(dir),
          EMAIL_BACKEND: 'smtp',
          EMAIL_URL: smtp.url,
          EMAIL_FROM: 'Tessera <accounts@example.com>',
          FRONTEND_URL: url,
          EMAIL_POLL_INTERVAL: 1,
          EMAIL_RETRY_DELAY: 1,
        },
      },
    })
    await server.app.listen({ host: '127.0.0.1', port })
    browser = await launchChromium()
    const registered = await server.app.inject({ method: 'POST', url: '/api/register/', payload: USER })
    expect(registered.statusCode, registered.body).toBe(201)
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await smtp?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('goes from "forgot password" to the mail to a new password to logging in; a scanner GET first consumes nothing', async () => {
    const page = await newPage()
    await page.goto(`${url}/`)
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Not logged in')
    const before = smtp.to(USER.email).length
    await page.getByTestId('forgot-email').fill(USER.email)
    await page.getByTestId('forgot-submit').click()
    await expect
      .poll(() => page.getByTestId('forgot-result').textContent())
      .toContain('If that address has an account')
    // An address without an account gets the very same answer on the page.
    await page.getByTestId('forgot-email').fill('nobody-here@example.com')
    await page.getByTestId('forgot-submit').click()
    await expect
      .poll(() => page.getByTestId('forgot-result').textContent())
      .toContain('If that address has an account')
    await shot(page, 'forgot-password')

    const mails = await mailsTo(USER.email, before + 1)
    const reset = mails.find((mail) => mail.subject === 'Reset your password')
    expect(reset, 'a reset mail').toBeDefined()
    const link = linkIn(reset as never)
    expect(link.origin).toBe(url)

    // A mail scanner or link preview fetches the link (and renders it) before the person does.
    const scanner = await newPage()
    const scanned = await scanner.goto(link.toString())
    expect(scanned?.status()).toBe(200)
    const direct = await scanner.request.get(link.toString())
    expect(direct.status()).toBe(200)
    await scanner.close()

    const linkPage = await newPage()
    const answer = await linkPage.goto(link.toString())
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'")
    await expect.poll(() => linkPage.locator('h1').textContent()).toBe('Choose a new password')
    // The token never stays in the address bar, where it could leak on.
    await expect.poll(() => new URL(linkPage.url()).hash).toBe('')
    await linkPage.locator('input[name="new_password"]').fill(NEW_PASSWORD)
    await linkPage.locator('input[name="new_password_again"]').fill(NEW_PASSWORD)
    await linkPage.getByRole('button').click()
    await expect.poll(() => linkPage.locator('#result').textContent(), { timeout: 10_000 }).not.toBe('')
    const result = (await linkPage.locator('#result').textContent()) ?? ''
    expect(result).not.toMatch(/invalid|expired|wrong|went wrong/i)
    await shot(linkPage, 'password-reset-link-page')

    // The link is spent: a second use is refused.
    const again = await linkPage.evaluate(
      async ([path, token]) => {
        const response = await fetch(path as string, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, new_password: 'Yet-Another-Pass-789' }),
        })
        return response.status
      },
      [link.pathname, new URLSearchParams(link.hash.slice(1)).get('token')],
    )
    expect(again).toBe(400)

    await page.goto(`${url}/`)
    await page.getByTestId('login-username').fill(USER.username)
    await page.getByTestId('login-password').fill(USER.password)
    await page.getByTestId('login-submit').click()
    await expect.poll(() => page.getByTestId('error').textContent()).not.toBe('')
    await page.getByTestId('login-password').fill(NEW_PASSWORD)
    await page.getByTestId('login-submit').click()
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 10_000 }).toBe('Logged in')
  }, 90_000)

  it('shows the verification banner until the address is confirmed from the mail', async () => {
    const registered = await server.app.inject({ method: 'POST', url: '/api/register/', payload: NEWCOMER })
    expect(registered.statusCode, registered.body).toBe(201)
    const logIn = async (page: Page) => {
      await page.getByTestId('login-username').fill(NEWCOMER.username)
      await page.getByTestId('login-password').fill(NEWCOMER.password)
      await page.getByTestId('login-submit').click()
      await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 10_000 }).toBe('Logged in')
    }
    const page = await newPage()
    await page.goto(`${url}/`)
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Not logged in')
    await logIn(page)
    await expect.poll(() => page.getByTestId('verify-banner').isVisible()).toBe(true)
    await shot(page, 'verification-banner')
    // "Send the link again" asks for a second mail.
    await page.getByTestId('resend').click()
    await mailsTo(NEWCOMER.email, 2)

    // The newest link (a resend may void the one before it).
    const verification = (await mailsTo(NEWCOMER.email, 2))
      .filter((mail) => /verif|confirm/i.test(mail.subject ?? ''))
      .at(-1)
    expect(verification, 'a verification mail').toBeDefined()
    const linkPage = await newPage()
    await linkPage.goto(linkIn(verification as never).toString())
    await expect.poll(() => linkPage.locator('h1').textContent()).toBe('Confirm your e-mail address')
    await linkPage.getByRole('button').click()
    await expect.poll(() => linkPage.locator('#result').textContent(), { timeout: 10_000 }).not.toBe('')
    expect((await linkPage.locator('#result').textContent()) ?? '').not.toMatch(/invalid|expired|went wrong/i)

    // A new login reads the verified state (the claim and /me/ both say so now).
    await page.getByTestId('logout').click()
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Not logged in')
    await logIn(page)
    await expect.poll(() => page.getByTestId('verify-banner').isVisible()).toBe(false)
    expect(problems).toEqual([])
  }, 90_000)
})
