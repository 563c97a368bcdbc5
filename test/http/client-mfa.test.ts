/**
 * `@tessera/client`'s second-factor calls against a real listening Tessera (SQLite): TOTP
 * enrolment with recovery codes, a login that answers `mfa_required` and is finished with a code,
 * a wrong code, and a recovery code; the client never holds tokens before the second factor.
 */
import { createTesseraClient, type TesseraClient } from '@tessera/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { totpCode } from '../helpers/totp.js'

const PASSWORD = 'Client-Mfa-Pass-1'

describe('@tessera/client second factors', () => {
  let server: TestServer
  let baseUrl: string
  const client = (): TesseraClient => createTesseraClient({ baseUrl, mode: 'body', tabCoordination: false })
  const codeNow = (secret: string) => totpCode(secret, server.clock.now())

  beforeAll(async () => {
    server = await startTestServer('sqlite')
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await server?.dispose()
  })

  it('enrols TOTP, then logs in with a code or a recovery code after mfa_required', async () => {
    await server.createUser({ username: 'mona', password: PASSWORD })
    const first = client()
    expect(await first.login('mona', PASSWORD)).toEqual({ status: 'authenticated' })
    const setup = await first.mfa.setupTotp()
    expect(setup.otpauth_uri).toMatch(/^otpauth:\/\/totp\//)
    expect(setup.qr_svg).toContain('<svg')
    const recovery = await first.mfa.confirmTotp(codeNow(setup.secret))
    expect(recovery).toHaveLength(10)
    expect(await first.mfa.status()).toMatchObject({ totp: true, recovery_codes_remaining: 10 })
    server.clock.advance(30)

    const second = client()
    const answer = await second.login('mona', PASSWORD)
    expect(answer).toEqual({
      status: 'mfa_required',
      methods: expect.arrayContaining(['totp', 'recovery_code']),
    })
    expect(second.isAuthenticated()).toBe(false)
    expect(second.pendingSecondFactor()?.mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await expect(second.completeMfa({ code: '000000' })).rejects.toMatchObject({
      status: 401,
      code: 'authentication_failed',
    })
    await second.completeMfa({ code: codeNow(setup.secret) })
    expect(second.isAuthenticated()).toBe(true)
    expect(second.pendingSecondFactor()).toBeUndefined()
    const access = (await second.getAccessToken()) as string
    expect(JSON.parse(Buffer.from(access.split('.')[1] as string, 'base64url').toString()).amr).toEqual([
      'pwd',
      'otp',
      'mfa',
    ])

    const third = client()
    expect((await third.login('mona', PASSWORD)).status).toBe('mfa_required')
    await third.completeMfa({ recoveryCode: recovery[0] as string })
    expect(third.isAuthenticated()).toBe(true)
    expect((await third.mfa.status()).recovery_codes_remaining).toBe(9)
  })

  it('refuses completeMfa without a pending login, before any request', async () => {
    await expect(client().completeMfa({ code: '123456' })).rejects.toMatchObject({
      code: 'mfa_token_invalid',
    })
  })
})
