/**
 * The admin UI's passkey second step in a real browser (Debian's Chromium, playwright-core, a CDP
 * virtual authenticator): a superuser registers a passkey on the demo page, then signs in to the
 * admin with the password and "Use a passkey", and the audit log has that login. With the
 * credential gone from the authenticator, the same button leaves them on the second step with an
 * error and no session. The pages run on http://localhost (a WebAuthn relying party must be a
 * domain); both are served by one server, so one page and one authenticator do both.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TesseraServer } from '../../src/server/build.js'
import type { AuditEvent } from '../../src/store/ports.js'
import {
  addPlatformAuthenticator,
  launchChromium,
  SHOTS,
  startPasskeyServer,
  watchProblems,
} from './chromium.js'

const ROOT_USER = { username: 'keyholder', password: 'Admin-Passkey-Pass-42!' }

describe('the admin sign-in with a passkey in Chromium', () => {
  let dir: string
  let server: TesseraServer
  let url: string
  let browser: Browser
  let page: Page
  let cdp: CDPSession
  let authenticatorId: string
  let rootId: number
  const problems: string[] = []

  const title = () => page.getByTestId('screen-title').textContent()
  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `admin-passkey-${name}.png`), fullPage: true })
  /** The root user's audit events of one kind, newest first. */
  const audited = async (event: string): Promise<AuditEvent[]> =>
    (await server.stores.audit.recent(500)).filter((e) => e.event === event && e.userId === rootId)
  const passwordStep = async () => {
    await page.goto(`${url}/admin/`)
    await page.getByTestId('sign-in-form').waitFor({ timeout: 10_000 })
    await page.getByTestId('login').fill(ROOT_USER.username)
    await page.getByTestId('password').fill(ROOT_USER.password)
    await page.getByTestId('sign-in').click()
    await page.getByTestId('mfa-form').waitFor({ timeout: 10_000 })
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-admin-passkey-'))
    ;({ server, url } = await startPasskeyServer(dir, { admin: true }))
    const user = await server.stores.users.create({
      username: ROOT_USER.username,
      email: `${ROOT_USER.username}@example.com`,
      passwordHash: await server.hasher.hash(ROOT_USER.password),
      isActive: true,
      isStaff: true,
    })
    await server.stores.users.update(user.id, { isSuperuser: true })
    rootId = user.id

    browser = await launchChromium()
    const context = await browser.newContext()
    page = await context.newPage()
    watchProblems(page, problems)
    ;({ cdp, authenticatorId } = await addPlatformAuthenticator(context, page))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('registers a passkey on the demo page, then signs in to the admin with it', async () => {
    // The demo page: a password login (no second factor yet), a passkey, and out again.
    const status = () => page.getByTestId('status').textContent()
    await page.goto(`${url}/`)
    await expect.poll(status).toBe('Not logged in')
    await page.getByTestId('login-username').fill(ROOT_USER.username)
    await page.getByTestId('login-password').fill(ROOT_USER.password)
    await page.getByTestId('login-submit').click()
    await expect.poll(status, { timeout: 10_000 }).toBe('Logged in')
    await page.getByTestId('passkey-add').click()
    await expect
      .poll(() => page.getByTestId('mfa-status').textContent(), { timeout: 10_000 })
      .toContain('1 passkey(s)')
    expect(await server.stores.passkeys.listFor(rootId)).toHaveLength(1)
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    await page.getByTestId('logout').click()
    await expect.poll(status).toBe('Not logged in')

    // The demo page again: its second step offers the passkey alone too, and it logs in.
    await page.getByTestId('login-username').fill(ROOT_USER.username)
    await page.getByTestId('login-password').fill(ROOT_USER.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('mfa-form').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('mfa-code').isVisible()).toBe(false)
    expect(await page.getByTestId('mfa-submit').isVisible()).toBe(false)
    await page.getByTestId('mfa-passkey').click()
    await expect.poll(status, { timeout: 10_000 }).toBe('Logged in')
    expect(await page.getByTestId('mfa-form').isVisible()).toBe(false)
    await page.getByTestId('logout').click()
    await expect.poll(status).toBe('Not logged in')

    // The admin: the password, then the second step offers the passkey alone (this account has
    // no code to type), focused, and the passkey finishes the sign-in.
    await passwordStep()
    expect(await page.getByTestId('mfa-instruction').textContent({ timeout: 5_000 })).toBe(
      'Use your passkey to finish signing in.',
    )
    expect(await page.getByTestId('mfa-code').count()).toBe(0)
    expect(await page.getByTestId('mfa-submit').count()).toBe(0)
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid))
      .toBe('mfa-passkey')
    await shot('second-factor')
    await page.getByTestId('mfa-passkey').click()
    await expect.poll(title, { timeout: 10_000 }).toBe('Users')
    expect(await page.getByTestId('who').textContent()).toBe(`${ROOT_USER.username} · superuser`)
    expect(await page.getByTestId('mfa-form').count()).toBe(0)
    await shot('signed-in')

    // Three logins: the demo page's with the password alone, its second with the passkey, then
    // the admin's, proved by the password and the passkey (`hwk`: a hardware-bound key), from
    // this browser.
    await expect.poll(async () => (await audited('login_succeeded')).length).toBe(3)
    const [login] = await audited('login_succeeded')
    expect(login?.detail.amr).toEqual(['pwd', 'hwk', 'mfa'])
    expect(login?.userAgent).toContain('Chrome')
    expect(problems).toEqual([])
  }, 90_000)

  it('stays on the second step with an error when the authenticator has no credential', async () => {
    await page.getByTestId('sign-out').click()
    await page.getByTestId('sign-in-form').waitFor()
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId })
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toEqual([])
    const challenges = (await audited('mfa_challenge_issued')).length
    const logins = (await audited('login_succeeded')).length

    await passwordStep()
    await page.getByTestId('mfa-passkey').click()
    await page.getByTestId('error').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('error').textContent()).toMatch(/not allowed|timed out/i)
    await shot('no-credential')
    // Still the second step, ready for another try; no admin screen, no session.
    expect(await page.getByTestId('mfa-form').isVisible()).toBe(true)
    expect(await page.getByTestId('mfa-passkey').isEnabled()).toBe(true)
    expect(await page.getByTestId('who').count()).toBe(0)
    await page.reload()
    await page.getByTestId('sign-in-form').waitFor({ timeout: 10_000 })
    // The password step was audited; no login followed it.
    await expect.poll(async () => (await audited('mfa_challenge_issued')).length).toBe(challenges + 1)
    expect(await audited('login_succeeded')).toHaveLength(logins)
    expect(problems).toEqual([])
  }, 90_000)
})
