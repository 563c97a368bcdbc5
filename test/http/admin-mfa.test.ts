/**
 * The admin API's reset of a user's second factors (issue 22 with issue 21): a superuser removes
 * them and ends the user's sessions, the user logs in with the password alone again, staff
 * cannot, and the audit log names the acting admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { totpCode } from '../helpers/totp.js'

const PASSWORD = 'Admin-Mfa-Pass-1!'

describe('POST /api/admin/users/{id}/mfa/reset/', () => {
  let server: TestServer
  const login = (username: string) =>
    server.app.inject({ method: 'POST', url: '/api/token/', payload: { username, password: PASSWORD } })
  const accessOf = async (username: string) => {
    const res = await login(username)
    expect(res.statusCode, res.body).toBe(200)
    return (res.json() as { access: string }).access
  }
  const post = (url: string, access: string, payload: object = {}) =>
    server.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${access}` } })

  beforeAll(async () => {
    server = await startTestServer('sqlite')
  })
  afterAll(async () => {
    await server?.dispose()
  })

  it('removes every factor and session; staff may not; audited with the actor', async () => {
    const rootId = await server.createUser({ username: 'root', password: PASSWORD, isStaff: true })
    await server.stores.users.update(rootId, { isSuperuser: true })
    await server.createUser({ username: 'watcher', password: PASSWORD, isStaff: true })
    const userId = await server.createUser({ username: 'lost', password: PASSWORD })
    const access = await accessOf('lost')
    const setup = await post('/api/mfa/totp/setup/', access)
    const { secret } = setup.json() as { secret: string }
    const code = totpCode(secret, server.clock.now())
    expect((await post('/api/mfa/totp/confirm/', access, { code })).statusCode).toBe(200)
    expect((await login('lost')).json()).toMatchObject({ code: 'mfa_required' })

    const url = `/api/admin/users/${userId}/mfa/reset/`
    expect((await post(url, await accessOf('watcher'))).statusCode).toBe(403)
    expect((await post('/api/admin/users/999999/mfa/reset/', await accessOf('root'))).statusCode).toBe(404)
    const reset = await post(url, await accessOf('root'))
    expect(reset.statusCode, reset.body).toBe(200)
    expect(reset.json()).toMatchObject({ totp: true, passkeys: 0 })
    expect((reset.json() as { sessions: number }).sessions).toBeGreaterThan(0)
    // The old session is over; the password alone logs in again.
    const hello = await server.app.inject({
      method: 'GET',
      url: '/api/hello/',
      headers: { authorization: `Bearer ${access}` },
    })
    expect(hello.statusCode).toBe(401)
    expect((await login('lost')).statusCode).toBe(200)
    // Audit writes are not awaited by the request: poll until the entry is there.
    await expect
      .poll(async () => (await server.stores.audit.recent(50)).some((event) => event.event === 'mfa_reset'))
      .toBe(true)
    const entry = (await server.stores.audit.recent(50)).find(
      (event) => event.event === 'mfa_reset' && event.userId === userId,
    )
    expect(entry?.detail).toMatchObject({ by: `admin:${rootId}` })
  })
})
