/**
 * The admin user list's "has MFA" filter and the `has_mfa` field (issue 22 with issue 21), on
 * SQLite and PostgreSQL: a confirmed TOTP secret or a passkey counts; a TOTP setup never confirmed
 * and recovery codes alone do not; a reset by the admin takes the user out of the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'
import { totpCode } from '../helpers/totp.js'

const PASSWORD = 'Has-Mfa-Pass-42!'

interface Listed {
  count: number
  results: { username: string; has_mfa: boolean }[]
}

for (const backend of BACKENDS) {
  describe(`GET /api/admin/users/?has_mfa= (${backend})`, () => {
    let server: TestServer
    let rootAccess: string
    const ids: Record<string, number> = {}

    const accessOf = async (username: string) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username, password: PASSWORD },
      })
      expect(res.statusCode, res.body).toBe(200)
      return (res.json() as { access: string }).access
    }
    const call = (method: 'GET' | 'POST', url: string, access: string, payload?: object) =>
      server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${access}` },
        ...(payload === undefined ? {} : { payload }),
      })
    const usernames = async (query: string) => {
      const res = await call('GET', `/api/admin/users/?ordering=username&${query}`, rootAccess)
      expect(res.statusCode, res.body).toBe(200)
      return (res.json() as Listed).results.map((user) => user.username)
    }

    beforeAll(async () => {
      server = await startTestServer(backend)
      for (const name of ['root', 'totp', 'pending', 'passkey', 'codes', 'plain']) {
        ids[name] = await server.createUser({ username: name, password: PASSWORD, isStaff: name === 'root' })
      }
      await server.stores.users.update(ids.root as number, { isSuperuser: true })
      rootAccess = await accessOf('root')

      // A confirmed TOTP secret, through the user's own API.
      const totpAccess = await accessOf('totp')
      const setup = await call('POST', '/api/mfa/totp/setup/', totpAccess, {})
      const { secret } = setup.json() as { secret: string }
      const code = totpCode(secret, server.clock.now())
      expect((await call('POST', '/api/mfa/totp/confirm/', totpAccess, { code })).statusCode).toBe(200)
      // A setup never confirmed is not in force.
      expect((await call('POST', '/api/mfa/totp/setup/', await accessOf('pending'), {})).statusCode).toBe(200)
      // A passkey row, as a registration stores it (the ceremony itself is the browser suites' part).
      const now = new Date(server.clock.now())
      await server.stores.passkeys.add({
        id: 'credential-of-passkey',
        userId: ids.passkey as number,
        userHandle: 'handle-of-passkey',
        publicKey: 'cHVibGljLWtleQ',
        counter: 0,
        transports: ['internal'],
        name: 'laptop',
        backedUp: false,
        deviceType: 'singleDevice',
        createdAt: now,
        lastUsedAt: null,
      })
      // Recovery codes left behind without a factor complete no login.
      await server.stores.mfa.replaceRecoveryCodes(ids.codes as number, ['a'.repeat(64), 'b'.repeat(64)], now)
    })
    afterAll(async () => server?.dispose())

    it('true: a confirmed TOTP secret or a passkey; false: everyone else', async () => {
      expect(await usernames('has_mfa=true')).toEqual(['passkey', 'totp'])
      expect(await usernames('has_mfa=false')).toEqual(['codes', 'pending', 'plain', 'root'])
      expect(await usernames('has_mfa=True&search=pass')).toEqual(['passkey'])
      expect(await usernames('has_mfa=0&is_staff=true')).toEqual(['root'])
      expect(await usernames('has_mfa=')).toHaveLength(6)
      const page = await call('GET', '/api/admin/users/?has_mfa=1&page_size=1', rootAccess)
      expect((page.json() as Listed).count).toBe(2)
    })

    it('shows has_mfa on every user answer', async () => {
      const listed = (await call('GET', '/api/admin/users/?ordering=username', rootAccess)).json() as Listed
      expect(Object.fromEntries(listed.results.map((user) => [user.username, user.has_mfa]))).toEqual({
        codes: false,
        passkey: true,
        pending: false,
        plain: false,
        root: false,
        totp: true,
      })
      const one = await call('GET', `/api/admin/users/${ids.totp}/`, rootAccess)
      expect(one.json()).toMatchObject({ username: 'totp', has_mfa: true })
      const patched = await server.app.inject({
        method: 'PATCH',
        url: `/api/admin/users/${ids.passkey}/`,
        headers: { authorization: `Bearer ${rootAccess}` },
        payload: { email_verified: true },
      })
      expect(patched.json()).toMatchObject({ username: 'passkey', has_mfa: true, email_verified: true })
      const created = await call('POST', '/api/admin/users/', rootAccess, {
        username: 'newcomer',
        email: 'newcomer@example.com',
        password: PASSWORD,
      })
      expect(created.statusCode, created.body).toBe(201)
      expect(created.json()).toMatchObject({ username: 'newcomer', has_mfa: false })
    })

    it('a bad value is a field error; a reset takes the user out of the list', async () => {
      const bad = await call('GET', '/api/admin/users/?has_mfa=perhaps', rootAccess)
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toEqual({
        has_mfa: ['Select a valid choice. perhaps is not one of the available choices.'],
      })
      const reset = await call('POST', `/api/admin/users/${ids.totp}/mfa/reset/`, rootAccess, {})
      expect(reset.statusCode, reset.body).toBe(200)
      expect(await usernames('has_mfa=true')).toEqual(['passkey'])
      const one = await call('GET', `/api/admin/users/${ids.totp}/`, rootAccess)
      expect(one.json()).toMatchObject({ has_mfa: false })
    })
  })
}
