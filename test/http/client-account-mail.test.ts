/**
 * The account-recovery calls of `@tessera/client` (body mode, as a Node or mobile client uses it)
 * against a real listening Tessera on SQLite with the `memory` mail backend: each call reaches the
 * documented endpoint with the documented body, and the whole flow works end to end.
 */
import { createTesseraClient, TesseraClientError, type TesseraClient } from '@tessera/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MailMessage, MemoryTransport } from '../../src/mail/transports.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const PASSWORD = 'Client-Mail-Pass-1'
const NEW_PASSWORD = 'Client-Mail-Pass-2'

describe('@tessera/client account recovery calls', () => {
  let server: TestServer
  let baseUrl: string
  let sent: MailMessage[]
  const client = (): TesseraClient => createTesseraClient({ baseUrl, mode: 'body', tabCoordination: false })
  /** The token of the newest mail to `to` whose subject matches, once the worker sent it. */
  const tokenOfMail = async (to: string, subject: RegExp): Promise<string> => {
    let token: string | undefined
    await expect
      .poll(
        async () => {
          await server.mail?.background.drain()
          await server.mail?.worker.idle()
          const mail = sent.filter((m) => m.to.includes(to) && subject.test(m.subject)).at(-1)
          token = mail === undefined ? undefined : /#token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1]
          return token
        },
        { timeout: 10_000 },
      )
      .toBeDefined()
    return token as string
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite', { EMAIL_BACKEND: 'memory', EMAIL_POLL_INTERVAL: 1 })
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 })
    if (server.mail === undefined) throw new Error('the server was composed without its mail flows')
    sent = (server.mail.transport as MemoryTransport).sent
  })
  afterAll(async () => {
    await server?.dispose()
  })

  it('requests a reset alike for any address, then sets the new password with the mailed token', async () => {
    await server.createUser({ username: 'clara', email: 'clara@example.com', password: PASSWORD })
    const auth = client()
    await expect(auth.requestPasswordReset('clara@example.com')).resolves.toBeUndefined()
    await expect(auth.requestPasswordReset('nobody@example.com')).resolves.toBeUndefined()
    const token = await tokenOfMail('clara@example.com', /reset/i)
    await expect(auth.confirmPasswordReset(token, 'short')).rejects.toMatchObject({
      status: 400,
      fields: { new_password: expect.any(Array) },
    })
    await auth.confirmPasswordReset(token, NEW_PASSWORD)
    await expect(auth.confirmPasswordReset(token, NEW_PASSWORD)).rejects.toBeInstanceOf(TesseraClientError)
    await expect(auth.login('clara', PASSWORD)).rejects.toMatchObject({ status: 401 })
    await auth.login('clara', NEW_PASSWORD)
    expect(auth.isAuthenticated()).toBe(true)
  })

  it('verifies the address with the mailed token, and resends one when asked', async () => {
    const auth = client()
    await auth.register({ username: 'vera', email: 'vera@example.com', password: PASSWORD })
    await auth.login('vera', PASSWORD)
    await auth.resendVerification()
    const token = await tokenOfMail('vera@example.com', /verif|confirm/i)
    await auth.verifyEmail(token)
    const fresh = client()
    await fresh.login('vera', PASSWORD)
    const access = (await fresh.getAccessToken()) as string
    expect(
      JSON.parse(Buffer.from(access.split('.')[1] as string, 'base64url').toString()).email_verified,
    ).toBe(true)
  })

  it('changes the address only once confirmed from the new one, and the old one can cancel', async () => {
    await server.createUser({ username: 'eddie', email: 'eddie@example.com', password: PASSWORD })
    const auth = client()
    await auth.login('eddie', PASSWORD)
    await auth.changeEmail('eddie.new@example.com')
    expect((await auth.me<{ email: string }>()).email).toBe('eddie@example.com')
    const confirm = await tokenOfMail('eddie.new@example.com', /.*/)
    await auth.confirmEmailChange(confirm)
    expect((await auth.me<{ email: string }>()).email).toBe('eddie.new@example.com')
    const cancel = await tokenOfMail('eddie@example.com', /.*/)
    await auth.cancelEmailChange(cancel)
    const again = client()
    await again.login('eddie', PASSWORD)
    expect((await again.me<{ email: string }>()).email).toBe('eddie@example.com')
  })
})
