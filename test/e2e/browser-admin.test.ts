/**
 * The admin web UI (issue 22) in a real browser (Debian's Chromium, playwright-core) on SQLite: a
 * superuser with TOTP signs in (password, then code), finds a user, deactivates them after the
 * confirmation, sees their session end (their refresh token is refused) and reads the audit
 * entry; the main path again with the keyboard alone; axe-core finds no violation on any main
 * screen at laptop and phone widths; a non-staff user is refused by the UI and gets 403 from every
 * admin route of the OpenAPI document; every write control of every screen does what it says
 * (create, password, MFA reset, groups and members, blacklist, client secrets, keys); staff who must enrol a second factor first are told so; the
 * UI at its own path with another API prefix, for a staff member who can read and change nothing.
 * Screenshots go to test-output/screenshots (docs/admin-screens holds copies).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PATHS } from '@tessera/protocol'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import type { Settings } from '../../src/settings/types.js'
import { totpCode } from '../helpers/totp.js'
import { buildAdmin, FAST_HASHING, freePort, launchChromium, ROOT, SHOTS, watchProblems } from './chromium.js'

const PASSWORD = 'Admin-Browser-Pass-42!'
const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')
const LAPTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }

interface Running {
  server: TesseraServer
  url: string
}

async function start(
  dir: string,
  adminDir: string,
  overrides: Partial<Record<keyof Settings, unknown>> = {},
) {
  const port = await freePort()
  const server = await buildServer({
    logStream: false,
    adminDir,
    settings: {
      env: {},
      mode: 'development',
      overrides: {
        DATABASE_URL: `sqlite:${join(dir, `${port}.sqlite3`)}`,
        KEY_DIR: join(dir, `keys-${port}`),
        ...FAST_HASHING,
        RATE_LIMIT_ENABLED: false,
        EMAIL_BACKEND: 'memory',
        // Each sign-in spends a TOTP step: the test's codes run a few steps ahead of the clock.
        TOTP_WINDOW: 5,
        ...(overrides as Record<string, string>),
      },
    },
  })
  await server.app.listen({ host: '127.0.0.1', port })
  return { server, url: `http://localhost:${port}` }
}

async function makeUser(
  server: TesseraServer,
  username: string,
  flags: { staff?: boolean; superuser?: boolean } = {},
): Promise<number> {
  const user = await server.stores.users.create({
    username,
    email: `${username}@example.com`,
    passwordHash: await server.hasher.hash(PASSWORD),
    isActive: true,
    isStaff: flags.staff ?? false,
  })
  if (flags.superuser) await server.stores.users.update(user.id, { isSuperuser: true })
  return user.id
}

/** A token pair for `username` over HTTP (body mode): a live session the admin can see end. */
async function obtain(server: TesseraServer, username: string) {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/token/',
    payload: { username, password: PASSWORD },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { access: string; refresh: string }
}

/** axe-core's violations on the page as it is (the source evaluated through the protocol, not a script tag: the CSP holds). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE)
  return page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (context: Document, options: object) => Promise<unknown> } }
    ).axe
    const result = (await axe.run(document, { resultTypes: ['violations'] })) as {
      violations: { id: string; nodes: { target: string[] }[] }[]
      passes: unknown[]
    }
    // No rule passing would mean axe saw no page at all.
    if (result.passes.length === 0) return ['axe checked nothing']
    return result.violations.map(
      (v) => `${v.id}: ${v.nodes.map((node) => node.target.join(' ')).join(' | ')}`,
    )
  })
}

describe('the admin UI in Chromium', () => {
  let dir: string
  let adminDir: string
  let main: Running
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let totpSecret: string
  let lastStep = 0
  const ids: Record<string, number> = {}
  const problems: string[] = []

  const watch = (target: Page) => watchProblems(target, problems)
  /** Full page, except with a modal open: its backdrop covers the viewport only. */
  const shot = (target: Page, name: string, fullPage = true) =>
    target.screenshot({ path: join(SHOTS, `admin-${name}.png`), fullPage })
  /** A TOTP code of a step no sign-in has used yet (each step is accepted once). */
  const nextCode = () => {
    const step = Math.max(Math.floor(Date.now() / 30_000), lastStep + 1)
    lastStep = step
    return totpCode(totpSecret, step * 30_000)
  }
  const title = (target: Page) => target.getByTestId('screen-title').textContent()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-browser-admin-'))
    adminDir = join(dir, 'admin')
    await buildAdmin(adminDir)
    main = await start(dir, adminDir)
    const { server } = main
    ids.root = await makeUser(server, 'root', { staff: true, superuser: true })
    ids.alice = await makeUser(server, 'alice')
    ids.carol = await makeUser(server, 'carol')
    ids.bob = await makeUser(server, 'bob')
    for (let n = 1; n <= 4; n++) ids[`member${n}`] = await makeUser(server, `member${n}`)
    await server.stores.users.setGroups(ids.alice, ['support'])

    // The superuser enrols TOTP through the API, as the demo page would.
    const { access } = await obtain(server, 'root')
    const auth = { authorization: `Bearer ${access}` }
    const setup = await server.app.inject({
      method: 'POST',
      url: '/api/mfa/totp/setup/',
      headers: auth,
      payload: {},
    })
    totpSecret = (setup.json() as { secret: string }).secret
    lastStep = Math.floor(Date.now() / 30_000)
    const code = totpCode(totpSecret, lastStep * 30_000)
    const confirmed = await server.app.inject({
      method: 'POST',
      url: '/api/mfa/totp/confirm/',
      headers: auth,
      payload: { code },
    })
    expect(confirmed.statusCode, confirmed.body).toBe(200)

    browser = await launchChromium()
    context = await browser.newContext({ viewport: LAPTOP })
    page = await context.newPage()
    watch(page)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await main?.server.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('signs in with TOTP, deactivates a user after confirming, sees their session end and the audit entry', async () => {
    const alice = await obtain(main.server, 'alice')
    await page.goto(`${main.url}/admin/`)
    await page.getByTestId('sign-in-form').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await shot(page, 'sign-in')
    await page.getByTestId('login').fill('root')
    await page.getByTestId('password').fill(PASSWORD)
    await page.getByTestId('sign-in').click()
    await page.getByTestId('mfa-form').waitFor()
    await shot(page, 'second-factor')
    await page.getByTestId('mfa-code').fill(nextCode())
    await page.getByTestId('mfa-submit').click()
    await expect.poll(() => title(page), { timeout: 10_000 }).toBe('Users')
    expect(await page.getByTestId('who').textContent()).toBe('root · superuser')

    // Find alice.
    await page.getByTestId('user-search').fill('alic')
    await page.getByTestId('user-search-submit').click()
    await expect.poll(() => page.getByTestId('user-row').count()).toBe(1)
    await page.getByRole('link', { name: 'alice', exact: true }).click()
    await expect.poll(() => title(page)).toBe('User alice')
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1)

    // Deactivate her: the UI asks first; Cancel changes nothing.
    await page.getByTestId('flag-is_active').uncheck()
    await page.getByTestId('account-save').click()
    await page.getByTestId('confirm-dialog').waitFor()
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain('deactivates the account')
    await page.getByTestId('confirm-cancel').click()
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Nothing was changed.')
    expect((await main.server.stores.users.findById(ids.alice as number))?.isActive).toBe(true)
    await page.getByTestId('account-save').click()
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Saved alice.')
    expect((await main.server.stores.users.findById(ids.alice as number))?.isActive).toBe(false)

    // Her session is over: none listed, and her refresh token is refused.
    await page.getByTestId('no-sessions').waitFor()
    const refresh = await main.server.app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      payload: { refresh: alice.refresh },
    })
    expect(refresh.statusCode).toBe(401)
    const hello = await main.server.app.inject({
      method: 'GET',
      url: '/api/me/',
      headers: { authorization: `Bearer ${alice.access}` },
    })
    expect(hello.statusCode).toBe(401)

    // The audit log has the entry, with the acting superuser.
    await page.getByRole('link', { name: 'Audit log' }).click()
    await expect.poll(() => title(page)).toBe('Audit log')
    await page.getByTestId('audit-event').fill('user_deactivated')
    await page.getByTestId('audit-filter').click()
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1)
    const row = (await page.getByTestId('audit-row').textContent()) ?? ''
    expect(row).toContain('user_deactivated')
    // The user by name, the id beside it.
    expect(row).toContain(`alice #${ids.alice}`)
    expect(row).toContain(`"actor":${ids.root}`)

    // The CSV export, with the same filter.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('audit-export').click(),
    ])
    const csv = readFileSync(await download.path(), 'utf8')
    expect(csv.split('\r\n')[0]).toBe('id,at,event,user,ip,user_agent,detail,username')
    expect(csv).toContain(`user_deactivated,${ids.alice}`)
    expect(problems).toEqual([])
  }, 90_000)

  it('every main screen passes axe-core at laptop and phone widths', async () => {
    const screens: [string, string, () => Promise<void>][] = [
      ['users', 'Users', async () => {}],
      ['user', 'User alice', async () => {}],
      ['groups', 'Groups', async () => {}],
      ['tokens', 'Refresh tokens', async () => {}],
      ['audit', 'Audit log', async () => {}],
      [
        'clients',
        'Introspection clients',
        async () => {
          // A client's secret is shown once, in a dialog.
          await page.getByLabel('New client name').fill('billing')
          await page.getByRole('button', { name: 'Create client' }).click()
          await page.getByTestId('secret-dialog').waitFor()
          expect(await page.getByTestId('client-secret').textContent()).toMatch(/^\S{20,}$/)
          expect(await axeViolations(page)).toEqual([])
          await shot(page, 'client-secret', false)
          await page.getByRole('button', { name: 'I have copied it' }).click()
        },
      ],
      [
        'keys',
        'Signing keys',
        async () => {
          await page.getByRole('button', { name: 'Stage a new key' }).click()
          await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Staged')
        },
      ],
    ]
    for (const [screen, heading, prepare] of screens) {
      await page.setViewportSize(LAPTOP)
      await page.goto(`${main.url}/admin/#/${screen === 'user' ? `users/${ids.alice}` : screen}`)
      await expect.poll(() => title(page), { timeout: 10_000 }).toBe(heading)
      await page.waitForLoadState('networkidle')
      await prepare()
      expect(await axeViolations(page), `${screen} at laptop width`).toEqual([])
      await shot(page, screen)
      await page.setViewportSize(PHONE)
      expect(await axeViolations(page), `${screen} at phone width`).toEqual([])
      if (screen === 'users' || screen === 'user') await shot(page, `${screen}-phone`)
    }
    // A confirmation dialog too.
    await page.setViewportSize(LAPTOP)
    await page.goto(`${main.url}/admin/#/users/${ids.carol}`)
    await expect.poll(() => title(page)).toBe('User carol')
    await page.getByTestId('logout-all').click()
    await page.getByTestId('confirm-dialog').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await shot(page, 'confirm', false)
    await page.keyboard.press('Escape')
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' })
    expect(problems).toEqual([])
  }, 120_000)

  it('works with the keyboard alone: Tab, Enter and Escape, with visible focus', async () => {
    await obtain(main.server, 'carol')
    const keyboard = await browser.newContext({ viewport: LAPTOP })
    const kpage = await keyboard.newPage()
    watch(kpage)
    const focused = () =>
      kpage.evaluate(() => {
        const node = document.activeElement as HTMLElement | null
        return {
          testId: node?.dataset.testid ?? '',
          text: (node?.textContent ?? '').trim(),
          tag: node?.tagName ?? '',
          inDialog: node?.closest('dialog') !== null && node?.closest('dialog') !== undefined,
          outline: node ? getComputedStyle(node).outlineStyle : '',
        }
      })
    /** Tab (or Shift+Tab) until `match` has focus; fails after `limit` presses. */
    const tabTo = async (match: (f: Awaited<ReturnType<typeof focused>>) => boolean, limit = 40) => {
      for (let n = 0; n < limit; n++) {
        await kpage.keyboard.press('Tab')
        if (match(await focused())) return
      }
      throw new Error(`focus never reached the element; last: ${JSON.stringify(await focused())}`)
    }

    await kpage.goto(`${main.url}/admin/`)
    await kpage.getByTestId('sign-in-form').waitFor()
    await tabTo((f) => f.testId === 'login')
    await kpage.keyboard.type('root')
    await kpage.keyboard.press('Tab')
    expect((await focused()).testId).toBe('password')
    await kpage.keyboard.type(PASSWORD)
    await kpage.keyboard.press('Enter')
    await kpage.getByTestId('mfa-form').waitFor()
    // The code field has focus as soon as the second step shows.
    await expect.poll(async () => (await focused()).testId).toBe('mfa-code')
    // A fresh field: nothing of the password step is left in it.
    expect(await kpage.getByTestId('mfa-code').inputValue()).toBe('')
    await kpage.keyboard.type(nextCode())
    await kpage.keyboard.press('Enter')
    await expect.poll(() => title(kpage), { timeout: 10_000 }).toBe('Users')

    await tabTo((f) => f.testId === 'user-search')
    expect((await focused()).outline).toBe('solid')
    await kpage.keyboard.type('carol')
    await kpage.keyboard.press('Enter')
    await expect.poll(() => kpage.getByTestId('user-row').count()).toBe(1)
    await tabTo((f) => f.tag === 'A' && f.text === 'carol')
    expect((await focused()).outline).toBe('solid')
    await kpage.keyboard.press('Enter')
    await expect.poll(() => title(kpage)).toBe('User carol')
    await expect.poll(() => kpage.getByTestId('session-row').count()).toBe(1)

    // Escape closes the confirmation and gives focus back to the button that opened it.
    await tabTo((f) => f.testId === 'logout-all')
    await kpage.keyboard.press('Enter')
    await kpage.getByTestId('confirm-dialog').waitFor()
    expect((await focused()).inDialog).toBe(true)
    for (let n = 0; n < 5; n++) {
      await kpage.keyboard.press('Tab')
      expect((await focused()).inDialog, 'Tab stays in the dialog').toBe(true)
    }
    await kpage.keyboard.press('Escape')
    await kpage.getByTestId('confirm-dialog').waitFor({ state: 'hidden' })
    expect((await focused()).testId).toBe('logout-all')
    expect(await kpage.getByTestId('session-row').count()).toBe(1)

    // Enter again, Tab to the confirming button, Enter: every session of carol ends.
    await kpage.keyboard.press('Enter')
    await kpage.getByTestId('confirm-dialog').waitFor()
    await tabTo((f) => f.testId === 'confirm-ok', 5)
    await kpage.keyboard.press('Enter')
    await expect.poll(() => kpage.getByTestId('notice').textContent()).toBe('1 session(s) of carol ended.')
    await kpage.getByTestId('no-sessions').waitFor()
    expect(await kpage.getByTestId('confirm-dialog').isVisible()).toBe(false)
    await keyboard.close()
    expect(problems).toEqual([])
  }, 90_000)

  it('refuses a user who is not staff: the UI says so, and every admin route answers 403', async () => {
    const refused = await browser.newContext({ viewport: PHONE })
    const rpage = await refused.newPage()
    watch(rpage)
    await rpage.goto(`${main.url}/admin/`)
    await rpage.getByTestId('login').fill('bob')
    await rpage.getByTestId('password').fill(PASSWORD)
    await rpage.getByTestId('sign-in').click()
    await rpage.getByTestId('refused').waitFor({ timeout: 10_000 })
    expect(await rpage.getByTestId('refused').textContent()).toContain('bob is neither staff nor a superuser')
    expect(await rpage.getByRole('navigation').count()).toBe(0)
    expect(await axeViolations(rpage)).toEqual([])
    await shot(rpage, 'refused')
    await rpage.getByTestId('sign-out').click()
    await rpage.getByTestId('sign-in-form').waitFor()
    await refused.close()

    // Every admin operation of the OpenAPI document, and every path of the route table in it.
    const schema = (await main.server.app.inject({ method: 'GET', url: '/api/schema/' })).json() as {
      paths: Record<string, Record<string, unknown>>
    }
    const adminPaths = Object.keys(schema.paths).filter((path) => path.startsWith('/api/admin/'))
    for (const path of Object.values(ADMIN_PATHS)) expect(adminPaths).toContain(`/api${path}`)
    const { access } = await obtain(main.server, 'bob')
    const values: Record<string, string> = {
      id: String(ids.alice),
      user_id: String(ids.alice),
      sid: '0'.repeat(32),
      jti: '0'.repeat(32),
      kid: 'some-key',
      client_id: 'some-client',
    }
    let calls = 0
    for (const path of adminPaths) {
      const url = path.replace(/\{(\w+)\}/g, (_all, name: string) => values[name] ?? '1')
      for (const method of Object.keys(schema.paths[path] ?? {})) {
        if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue
        const res = await main.server.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { authorization: `Bearer ${access}` },
          ...(method === 'get' || method === 'delete' ? {} : { payload: {} }),
        })
        expect(res.statusCode, `${method.toUpperCase()} ${url}`).toBe(403)
        expect(res.json()).toEqual({ detail: 'You do not have permission to perform this action.' })
        calls++
      }
    }
    expect(calls).toBeGreaterThanOrEqual(Object.keys(ADMIN_PATHS).length)
    expect(problems).toEqual([])
  }, 60_000)

  it('every write control does what it says: users, groups, tokens, clients, keys', async () => {
    const { server } = main
    const wpage = await (await browser.newContext({ viewport: LAPTOP })).newPage()
    watch(wpage)
    const notice = () => wpage.getByTestId('notice').textContent()
    const confirm = async () => {
      await wpage.getByTestId('confirm-dialog').waitFor()
      await wpage.getByTestId('confirm-ok').click()
    }
    const signIn = async () => {
      await wpage.getByTestId('login').fill('root')
      await wpage.getByTestId('password').fill(PASSWORD)
      await wpage.getByTestId('sign-in').click()
      await wpage.getByTestId('mfa-code').fill(nextCode())
      await wpage.getByTestId('mfa-submit').click()
      await wpage.getByTestId('who').waitFor({ timeout: 10_000 })
    }
    await wpage.goto(`${main.url}/admin/`)
    await signIn()
    await expect.poll(() => title(wpage)).toBe('Users')

    // Create a user, then give them a new password.
    await wpage.getByTestId('user-create-open').click()
    const create = wpage.getByTestId('user-create')
    await create.getByLabel('Username').fill('dave')
    await create.getByLabel('E-mail').fill('dave@example.com')
    await create.getByLabel('Password').fill('Dave-Strong-Pass-9!')
    await create.getByRole('button', { name: 'Create' }).click()
    await expect.poll(() => title(wpage)).toBe('User dave')
    const dave = (await server.stores.users.findByUsername('dave'))?.id as number
    await wpage.getByLabel('New password').fill('Dave-Other-Pass-8!')
    await wpage.getByRole('button', { name: 'Set password' }).click()
    await confirm()
    await expect.poll(notice).toBe('The password of dave was set.')
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'dave', password: 'Dave-Other-Pass-8!' },
    })
    expect(login.statusCode).toBe(200)

    // The superuser's own page offers no way to lock themselves out (the API refuses it anyway).
    await wpage.goto(`${main.url}/admin/#/users/${ids.root}`)
    await wpage.getByTestId('self-note').waitFor()
    expect(await wpage.getByTestId('flag-is_active').isDisabled()).toBe(true)
    expect(await wpage.getByTestId('flag-is_superuser').isDisabled()).toBe(true)
    expect(await wpage.getByTestId('flag-email_verified').isDisabled()).toBe(false)

    // Reset a user's second factors (member1 enrols TOTP first).
    const member = await obtain(server, 'member1')
    const auth = { authorization: `Bearer ${member.access}` }
    const setup = await server.app.inject({
      method: 'POST',
      url: '/api/mfa/totp/setup/',
      headers: auth,
      payload: {},
    })
    const code = totpCode((setup.json() as { secret: string }).secret)
    expect(
      (
        await server.app.inject({
          method: 'POST',
          url: '/api/mfa/totp/confirm/',
          headers: auth,
          payload: { code },
        })
      ).statusCode,
    ).toBe(200)
    await wpage.goto(`${main.url}/admin/#/users/${ids.member1}`)
    await expect.poll(() => wpage.getByTestId('user-mfa').textContent()).toContain('has a second factor')
    await wpage.getByRole('button', { name: 'Reset second factors' }).click()
    await confirm()
    await expect.poll(notice).toBe('The second factors of member1 were removed.')
    await expect.poll(() => wpage.getByTestId('user-mfa').textContent()).toContain('has no second factor')

    // Groups: create, add and remove a member, rename, delete.
    await wpage.getByRole('link', { name: 'Groups' }).click()
    await wpage.getByLabel('New group name').fill('ops')
    await wpage.getByRole('button', { name: 'Create group' }).click()
    await expect.poll(notice).toBe('Created the group ops.')
    await wpage.getByRole('link', { name: 'ops', exact: true }).click()
    await expect.poll(() => title(wpage)).toBe('Group ops')
    await wpage.getByLabel('Add a member (username or user id)').fill('dave')
    await wpage.getByRole('button', { name: 'Add member' }).click()
    await expect.poll(notice).toBe('Added dave.')
    expect(
      (await server.stores.admin.listUsers({ search: 'dave', offset: 0, limit: 5, ordering: [] })).rows[0]
        ?.groups,
    ).toEqual(['ops'])
    await wpage.getByRole('button', { name: 'Remove dave' }).click()
    await confirm()
    await expect.poll(notice).toBe('Removed dave.')
    await wpage.getByRole('link', { name: 'All groups' }).click()
    await wpage.getByRole('button', { name: 'Rename ops' }).click()
    await wpage.getByLabel('New name').fill('operations')
    await wpage.getByRole('button', { name: 'Rename', exact: true }).click()
    await expect.poll(notice).toContain('Renamed ops to operations')
    await wpage.getByRole('button', { name: 'Delete operations' }).click()
    await confirm()
    await expect.poll(notice).toBe('Deleted the group operations.')
    await expect.poll(() => wpage.getByRole('link', { name: 'operations' }).count()).toBe(0)

    // Blacklist dave's refresh token: his session ends. (Leaving the group ended his first one.)
    const daveTokens = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'dave', password: 'Dave-Other-Pass-8!' },
    })
    const { refresh: daveRefresh } = daveTokens.json() as { refresh: string }
    await wpage.getByRole('link', { name: 'Refresh tokens' }).click()
    await wpage.getByLabel('User id').fill(String(dave))
    await wpage.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => wpage.locator('[data-testid="tokens-table"] tbody tr').count()).toBe(2)
    expect(await wpage.getByTestId('tokens-table').locator('tbody tr').first().textContent()).toContain(
      `dave #${dave}`,
    )
    await wpage.getByRole('button', { name: /^Blacklist token/ }).click()
    await confirm()
    await expect.poll(notice).toBe('The token was blacklisted and its session ended.')
    const refused = await server.app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      payload: { refresh: daveRefresh },
    })
    expect(refused.statusCode).toBe(401)

    // An introspection client: created, its secret rotated (shown once each time), deleted.
    await wpage.getByRole('link', { name: 'Introspection clients' }).click()
    await wpage.getByLabel('New client name').fill('reports')
    await wpage.getByRole('button', { name: 'Create client' }).click()
    const first = await wpage.getByTestId('client-secret').textContent()
    await wpage.getByRole('button', { name: 'I have copied it' }).click()
    await wpage.getByRole('button', { name: 'Rotate secret of reports' }).click()
    await confirm()
    await expect.poll(() => wpage.getByTestId('client-secret').textContent()).not.toBe(first)
    await wpage.getByRole('button', { name: 'I have copied it' }).click()
    await expect.poll(notice).toBe('Rotated the secret of reports.')
    await wpage.getByRole('button', { name: 'Delete reports' }).click()
    await confirm()
    await expect.poll(notice).toBe('Deleted the client reports.')

    // Keys: stage one, promote it, retire the one it replaced.
    await wpage.getByRole('link', { name: 'Signing keys' }).click()
    await wpage.getByRole('button', { name: 'Stage a new key' }).click()
    await expect.poll(notice).toContain('Staged')
    const staged = ((await notice()) ?? '').replace(/^Staged (\S+):.*$/, '$1')
    const before = await wpage
      .locator('[data-testid="keys-table"] tbody tr', { hasText: 'Yes' })
      .locator('code')
      .textContent()
    await wpage.getByRole('button', { name: `Promote ${staged}` }).click()
    await confirm()
    await expect.poll(notice).toBe(`${staged} signs new tokens.`)
    // Retiring the old key refuses the tokens it signed, this page's too: sign in again first.
    await wpage.getByTestId('sign-out').click()
    await signIn()
    await wpage.goto(`${main.url}/admin/#/keys`)
    await expect.poll(() => title(wpage)).toBe('Signing keys')
    await wpage.getByRole('button', { name: `Retire ${before}` }).click()
    await confirm()
    await expect.poll(notice).toBe(`${before} is retired.`)
    // The list reloads after the notice: wait for the row to say so.
    await expect
      .poll(() =>
        wpage.locator('[data-testid="keys-table"] tbody tr', { hasText: before ?? '' }).textContent(),
      )
      .toContain('Retired')
    expect(problems).toEqual([])
    await wpage.context().close()
  }, 120_000)

  it('tells staff who must enrol a second factor first (MFA_REQUIRED_FOR_STAFF) what to do', async () => {
    const strict = await start(dir, adminDir, { MFA_REQUIRED_FOR_STAFF: true })
    try {
      await makeUser(strict.server, 'newbie', { staff: true })
      const enrol = await browser.newContext({ viewport: LAPTOP })
      const epage = await enrol.newPage()
      watch(epage)
      await epage.goto(`${strict.url}/admin/`)
      await epage.getByTestId('login').fill('newbie')
      await epage.getByTestId('password').fill(PASSWORD)
      await epage.getByTestId('sign-in').click()
      await epage.getByTestId('enrol-required').waitFor({ timeout: 10_000 })
      const text = (await epage.getByTestId('enrol-required').textContent()) ?? ''
      expect(text).toContain('Set up a second factor first')
      expect(text).toContain('/api/mfa/totp/setup/')
      expect(await epage.getByRole('navigation').count()).toBe(0)
      expect(await axeViolations(epage)).toEqual([])
      await shot(epage, 'enrol-required')
      await enrol.close()
    } finally {
      await strict.server.close()
    }
    expect(problems).toEqual([])
  }, 60_000)

  it('serves the UI at its own path with another API prefix; staff read and see no write control', async () => {
    const other = await start(dir, adminDir, { ADMIN_UI_PATH: '/ops/console/', API_PREFIX: '/auth' })
    try {
      await makeUser(other.server, 'watcher', { staff: true })
      await makeUser(other.server, 'someone')
      expect((await other.server.app.inject({ method: 'GET', url: '/admin/' })).statusCode).toBe(404)
      const staff = await browser.newContext({ viewport: LAPTOP })
      const spage = await staff.newPage()
      watch(spage)
      const calls: string[] = []
      spage.on('request', (request) => calls.push(new URL(request.url()).pathname))
      await spage.goto(`${other.url}/ops/console/`)
      await spage.getByTestId('login').fill('watcher')
      await spage.getByTestId('password').fill(PASSWORD)
      await spage.getByTestId('sign-in').click()
      await expect.poll(() => title(spage), { timeout: 10_000 }).toBe('Users')
      expect(await spage.getByTestId('who').textContent()).toBe('watcher · staff (read-only)')
      await spage.getByTestId('read-only').waitFor()
      expect(await spage.getByTestId('user-create-open').count()).toBe(0)
      await spage.getByRole('link', { name: 'someone' }).click()
      await expect.poll(() => title(spage)).toBe('User someone')
      expect(await spage.getByTestId('account-form').count()).toBe(0)
      expect(await spage.getByTestId('logout-all').count()).toBe(0)
      expect(await spage.locator('main button').count()).toBe(0)
      expect(
        calls
          .filter((path) => path.includes('/admin/users/'))
          .every((path) => path.startsWith('/auth/admin/')),
      ).toBe(true)
      expect(calls).toContain('/auth/token/')
      await shot(spage, 'read-only')
      await staff.close()
    } finally {
      await other.server.close()
    }
    expect(problems).toEqual([])
  }, 60_000)
})
