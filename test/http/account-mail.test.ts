/**
 * Issue 20 over real SMTP, on SQLite and PostgreSQL: password reset, e-mail verification and
 * e-mail change, with the mail read back from an SMTP server in this process.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'
import { linkIn, startTestSmtp, type TestSmtp, tokenIn } from '../helpers/smtp.js'

const PASSWORD = 'Wonderland-42!'
const NEW_PASSWORD = 'Looking-Glass-77?'

const post = (app: FastifyInstance, url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers })

const login = (app: FastifyInstance, username: string, password: string) =>
  post(app, '/api/token/', { username, password })

async function accessFor(app: FastifyInstance, username: string, password = PASSWORD): Promise<string> {
  const res = await login(app, username, password)
  expect(res.statusCode, res.body).toBe(200)
  return (res.json() as { access: string }).access
}

for (const backend of BACKENDS) {
  describe(`account mail over SMTP (${backend})`, () => {
    let smtp: TestSmtp
    let server: TestServer
    let app: FastifyInstance

    /** Everything asked for so far is queued and the worker has tried to send it. */
    const settle = async () => {
      await server.mail.background.drain()
      await server.mail.worker.idle()
    }
    /** Mails to `address` once `count` of them have arrived. */
    const mailsTo = async (address: string, count: number) => {
      const deadline = Date.now() + 10_000
      for (;;) {
        await settle()
        const found = smtp.to(address)
        if (found.length >= count) return found
        if (Date.now() > deadline)
          throw new Error(`expected ${count} mails to ${address}, got ${found.length}`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }

    beforeAll(async () => {
      smtp = await startTestSmtp()
      server = await startTestServer(backend, {
        EMAIL_BACKEND: 'smtp',
        EMAIL_URL: smtp.url,
        EMAIL_FROM: 'Tessera <accounts@example.com>',
        FRONTEND_URL: 'https://app.example.com',
        EMAIL_RETRY_DELAY: 1,
        EMAIL_POLL_INTERVAL: 1,
      })
      app = server.app
    })
    afterAll(async () => {
      await server?.dispose()
      await smtp?.stop()
    })

    describe('password reset', () => {
      it('mails a single-use link; the new password works, the old one and every session end', async () => {
        await server.createUser({ username: 'rita', password: PASSWORD })
        const before = await login(app, 'rita', PASSWORD)
        const { refresh, access } = before.json() as { refresh: string; access: string }

        const res = await post(app, '/api/password/reset/', { email: 'RITA@example.com' })
        expect(res.statusCode).toBe(202)
        const [mail] = await mailsTo('rita@example.com', 1)
        expect(mail?.from?.value).toEqual([{ name: 'Tessera', address: 'accounts@example.com' }])
        expect(mail?.subject).toBe('Reset your password')
        expect(mail?.html).toContain('https://app.example.com/api/password/reset/confirm/#token=')
        const link = linkIn(mail as never)
        expect(`${link.origin}${link.pathname}`).toBe('https://app.example.com/api/password/reset/confirm/')
        const token = tokenIn(mail as never)

        // The validators apply, and a refused password leaves the link working.
        const weak = await post(app, '/api/password/reset/confirm/', { token, new_password: 'rita' })
        expect(weak.statusCode).toBe(400)
        expect(Object.keys(weak.json())).toEqual(['new_password'])

        const done = await post(app, '/api/password/reset/confirm/', { token, new_password: NEW_PASSWORD })
        expect(done.statusCode).toBe(200)
        expect(done.headers['cache-control']).toBe('no-store')

        const again = await post(app, '/api/password/reset/confirm/', {
          token,
          new_password: 'Another-Pass-99',
        })
        expect(again.statusCode).toBe(400)
        expect(again.json()).toEqual({ token: ['Invalid or expired link.'] })

        expect((await login(app, 'rita', PASSWORD)).statusCode).toBe(401)
        expect((await login(app, 'rita', NEW_PASSWORD)).statusCode).toBe(200)
        // Every session ended: its refresh token and its access token.
        expect((await post(app, '/api/token/refresh/', { refresh })).statusCode).toBe(401)
        server.clock.advance(1)
        await server.gate.sync()
        const me = await app.inject({
          method: 'GET',
          url: '/api/me/',
          headers: { authorization: `Bearer ${access}` },
        })
        expect(me.statusCode).toBe(401)

        const events = (await server.stores.audit.recent(50)).map((event) => event.event)
        expect(events).toEqual(expect.arrayContaining(['password_reset_requested', 'password_reset']))
      })

      it('answers the same status and body for unknown, inactive and unusable-password addresses, and mails none of them', async () => {
        await server.createUser({ username: 'ivy', password: PASSWORD, isActive: false })
        const unusable = await server.createUser({ username: 'una', password: PASSWORD })
        await server.stores.users.update(unusable, { passwordHash: '!unusable' })
        await server.createUser({ username: 'kim', password: PASSWORD })
        const answers = []
        for (const email of ['kim@example.com', 'nobody@example.com', 'ivy@example.com', 'una@example.com']) {
          const res = await post(app, '/api/password/reset/', { email })
          answers.push({ status: res.statusCode, body: res.body, type: res.headers['content-type'] })
        }
        expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1)
        expect(answers[0]?.status).toBe(202)
        await mailsTo('kim@example.com', 1)
        await settle()
        for (const email of ['nobody@example.com', 'ivy@example.com', 'una@example.com']) {
          expect(smtp.to(email)).toEqual([])
        }
      })

      it('voids a link once a newer one is asked for, or once the password changes', async () => {
        await server.createUser({ username: 'nia', password: PASSWORD })
        await post(app, '/api/password/reset/', { email: 'nia@example.com' })
        const first = tokenIn((await mailsTo('nia@example.com', 1))[0] as never)
        await post(app, '/api/password/reset/', { email: 'nia@example.com' })
        const second = tokenIn((await mailsTo('nia@example.com', 2))[1] as never)
        expect(second).not.toBe(first)
        const stale = await post(app, '/api/password/reset/confirm/', {
          token: first,
          new_password: NEW_PASSWORD,
        })
        expect(stale.json()).toEqual({ token: ['Invalid or expired link.'] })

        // The password changes another way: the newer link is void too.
        const access = await accessFor(app, 'nia')
        const changed = await post(
          app,
          '/api/me/password/',
          { old_password: PASSWORD, new_password: 'Changed-Pass-31' },
          { authorization: `Bearer ${access}` },
        )
        expect(changed.statusCode).toBe(200)
        const after = await post(app, '/api/password/reset/confirm/', {
          token: second,
          new_password: NEW_PASSWORD,
        })
        expect(after.statusCode).toBe(400)
        expect((await login(app, 'nia', 'Changed-Pass-31')).statusCode).toBe(200)
      })

      it('expires links after PASSWORD_RESET_TIMEOUT', async () => {
        await server.createUser({ username: 'eve', password: PASSWORD })
        await post(app, '/api/password/reset/', { email: 'eve@example.com' })
        const token = tokenIn((await mailsTo('eve@example.com', 1))[0] as never)
        server.clock.advance(server.settings.PASSWORD_RESET_TIMEOUT + 1)
        const res = await post(app, '/api/password/reset/confirm/', { token, new_password: NEW_PASSWORD })
        expect(res.json()).toEqual({ token: ['Invalid or expired link.'] })
      })

      it('refuses malformed requests in DRF shape', async () => {
        expect((await post(app, '/api/password/reset/', {})).json()).toEqual({
          email: ['This field is required.'],
        })
        expect((await post(app, '/api/password/reset/', { email: 'not-an-address' })).json()).toEqual({
          email: ['Enter a valid email address.'],
        })
        const res = await post(app, '/api/password/reset/confirm/', { token: 'x'.repeat(43) })
        expect(res.json()).toEqual({ new_password: ['This field is required.'] })
        const bogus = await post(app, '/api/password/reset/confirm/', {
          token: 'short',
          new_password: NEW_PASSWORD,
        })
        expect(bogus.json()).toEqual({ token: ['Invalid or expired link.'] })
      })
    })

    describe('scanner-safe links', () => {
      it('a GET of any link serves a page with a strict CSP and consumes nothing', async () => {
        await server.createUser({ username: 'sam', password: PASSWORD })
        await post(app, '/api/password/reset/', { email: 'sam@example.com' })
        const mail = (await mailsTo('sam@example.com', 1))[0]
        const link = linkIn(mail as never)
        const token = tokenIn(mail as never)
        // What a mail scanner fetches: the path (a fragment never leaves the client), even with the token in the query.
        for (const url of [link.pathname, `${link.pathname}?token=${token}`]) {
          const page = await app.inject({ method: 'GET', url })
          expect(page.statusCode).toBe(200)
          expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
          const csp = String(page.headers['content-security-policy'])
          expect(csp).toContain("default-src 'none'")
          expect(csp).toContain("script-src 'self'")
          expect(csp).not.toContain('unsafe-inline')
          expect(page.headers['referrer-policy']).toBe('no-referrer')
          expect(page.headers['x-frame-options']).toBe('DENY')
          expect(page.body).not.toMatch(/<script>(?!<\/script>)|<script[^>]*>[^<]/)
          expect(page.body).toContain('<script src="/api/links/page.js" defer></script>')
        }
        const script = await app.inject({ method: 'GET', url: '/api/links/page.js' })
        expect(script.statusCode).toBe(200)
        expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
        expect(script.body).toContain("method: 'POST'")
        for (const path of [
          '/api/email/verify/',
          '/api/email/change/confirm/',
          '/api/email/change/cancel/',
        ]) {
          expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(200)
        }
        // The link still works after all those GETs.
        const res = await post(app, '/api/password/reset/confirm/', { token, new_password: NEW_PASSWORD })
        expect(res.statusCode).toBe(200)
      })
    })

    describe('e-mail verification', () => {
      it('registration mails a link; the token then says email_verified', async () => {
        const res = await post(app, '/api/register/', {
          username: 'vera',
          email: 'vera@example.com',
          password: PASSWORD,
        })
        expect(res.statusCode).toBe(201)
        const mail = (await mailsTo('vera@example.com', 1))[0]
        expect(mail?.subject).toBe('Confirm your e-mail address')
        const claims = (token: string) =>
          JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<
            string,
            unknown
          >
        expect(claims(await accessFor(app, 'vera')).email_verified).toBe(false)
        const verified = await post(app, '/api/email/verify/', { token: tokenIn(mail as never) })
        expect(verified.statusCode).toBe(200)
        expect(claims(await accessFor(app, 'vera')).email_verified).toBe(true)
        const reused = await post(app, '/api/email/verify/', { token: tokenIn(mail as never) })
        expect(reused.json()).toEqual({ token: ['Invalid or expired link.'] })
      })

      it('resend: authenticated, or by address without a session; the same answer whoever asks', async () => {
        await server.createUser({ username: 'rex', password: PASSWORD })
        const access = await accessFor(app, 'rex')
        const mine = await post(app, '/api/email/verify/resend/', {}, { authorization: `Bearer ${access}` })
        expect(mine.statusCode).toBe(202)
        await mailsTo('rex@example.com', 1)
        const byAddress = await post(app, '/api/email/verify/resend/', { email: 'rex@example.com' })
        const unknown = await post(app, '/api/email/verify/resend/', { email: 'nobody-rex@example.com' })
        expect(byAddress.statusCode).toBe(202)
        expect(unknown.statusCode).toBe(202)
        expect(unknown.body).toBe(byAddress.body)
        const mails = await mailsTo('rex@example.com', 2)
        // Only the newest link works.
        expect(
          (await post(app, '/api/email/verify/', { token: tokenIn(mails[0] as never) })).statusCode,
        ).toBe(400)
        expect(
          (await post(app, '/api/email/verify/', { token: tokenIn(mails[1] as never) })).statusCode,
        ).toBe(200)
        const bad = await post(app, '/api/email/verify/resend/', {}, { authorization: 'Bearer not-a-token' })
        expect(bad.statusCode).toBe(401)
      })

      it('registration with an address that has an account answers exactly as a new one and mails the owner', async () => {
        await server.createUser({ username: 'olga', password: PASSWORD })
        const fresh = await post(app, '/api/register/', {
          username: 'newbie1',
          email: 'newbie1@example.com',
          password: PASSWORD,
        })
        const taken = await post(app, '/api/register/', {
          username: 'newbie2',
          email: 'OLGA@example.com',
          password: PASSWORD,
        })
        const next = await post(app, '/api/register/', {
          username: 'newbie3',
          email: 'newbie3@example.com',
          password: PASSWORD,
        })
        expect(taken.statusCode).toBe(fresh.statusCode)
        expect(Object.keys(taken.json())).toEqual(Object.keys(fresh.json()))
        expect(Object.keys(taken.headers).sort()).toEqual(Object.keys(fresh.headers).sort())
        expect(taken.json()).toEqual({
          id: expect.any(Number),
          username: 'newbie2',
          email: 'OLGA@example.com',
        })
        // Its id is taken from the sequence: the accounts made around it leave the same gap.
        const ids = [fresh, taken, next].map((res) => (res.json() as { id: number }).id)
        expect(ids[1]).toBe((ids[0] as number) + 1)
        expect(ids[2]).toBe((ids[1] as number) + 1)
        const notice = (await mailsTo('olga@example.com', 1))[0]
        expect(notice?.subject).toBe('Someone tried to sign up with your address')
        expect(await server.stores.users.findByUsername('newbie2')).toBeUndefined()
      })
    })

    describe('e-mail change', () => {
      it('applies only once confirmed from the new address; the old one is told', async () => {
        await server.createUser({ username: 'carl', password: PASSWORD })
        const access = await accessFor(app, 'carl')
        const res = await post(
          app,
          '/api/email/change/',
          { email: 'carl.new@example.com' },
          { authorization: `Bearer ${access}` },
        )
        expect(res.statusCode).toBe(202)
        const confirm = (await mailsTo('carl.new@example.com', 1))[0]
        const notice = (await mailsTo('carl@example.com', 1))[0]
        expect(notice?.text).toContain('carl.new@example.com')
        expect(notice?.text).toContain('/api/email/change/cancel/#token=')
        const me = () =>
          app.inject({ method: 'GET', url: '/api/me/', headers: { authorization: `Bearer ${access}` } })
        expect((await me()).json()).toMatchObject({ email: 'carl@example.com' })
        expect(
          (await post(app, '/api/email/change/confirm/', { token: tokenIn(confirm as never) })).statusCode,
        ).toBe(200)
        expect((await me()).json()).toMatchObject({ email: 'carl.new@example.com' })
        expect((await server.stores.users.findByUsername('carl'))?.emailVerified).toBe(true)
      })

      it('the old address can cancel: before the confirmation it voids it, after it restores the address and ends every session', async () => {
        await server.createUser({ username: 'dora', password: PASSWORD })
        const access = await accessFor(app, 'dora')
        const auth = { authorization: `Bearer ${access}` }
        await post(app, '/api/email/change/', { email: 'thief@example.com' }, auth)
        const confirm = (await mailsTo('thief@example.com', 1))[0]
        const notice = (await mailsTo('dora@example.com', 1))[0]
        // Confirmed (a stolen session), then cancelled from the old address.
        expect(
          (await post(app, '/api/email/change/confirm/', { token: tokenIn(confirm as never) })).statusCode,
        ).toBe(200)
        expect((await server.stores.users.findByUsername('dora'))?.email).toBe('thief@example.com')
        const cancelled = await post(app, '/api/email/change/cancel/', { token: tokenIn(notice as never) })
        expect(cancelled.statusCode).toBe(200)
        expect((await server.stores.users.findByUsername('dora'))?.email).toBe('dora@example.com')
        server.clock.advance(1)
        await server.gate.sync()
        expect((await app.inject({ method: 'GET', url: '/api/me/', headers: auth })).statusCode).toBe(401)

        // Cancelled before it was confirmed: the confirmation link is void.
        const again = await accessFor(app, 'dora')
        await post(
          app,
          '/api/email/change/',
          { email: 'dora2@example.com' },
          { authorization: `Bearer ${again}` },
        )
        const confirm2 = (await mailsTo('dora2@example.com', 1))[0]
        const notice2 = (await mailsTo('dora@example.com', 2))[1]
        expect(
          (await post(app, '/api/email/change/cancel/', { token: tokenIn(notice2 as never) })).statusCode,
        ).toBe(200)
        expect(
          (await post(app, '/api/email/change/confirm/', { token: tokenIn(confirm2 as never) })).statusCode,
        ).toBe(400)
        expect((await server.stores.users.findByUsername('dora'))?.email).toBe('dora@example.com')
      })

      it('answers the same for an address another account has, and mails nobody', async () => {
        await server.createUser({ username: 'fay', password: PASSWORD })
        await server.createUser({ username: 'gus', password: PASSWORD })
        const access = await accessFor(app, 'fay')
        const auth = { authorization: `Bearer ${access}` }
        const taken = await post(app, '/api/email/change/', { email: 'gus@example.com' }, auth)
        const free = await post(app, '/api/email/change/', { email: 'fay.free@example.com' }, auth)
        expect(taken.statusCode).toBe(202)
        expect(taken.body).toBe(free.body)
        await mailsTo('fay.free@example.com', 1)
        expect(smtp.to('gus@example.com')).toEqual([])
      })
    })
  })
}
