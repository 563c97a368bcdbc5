/**
 * Issue 20 across instances and outages, over real SMTP: two servers on one PostgreSQL database
 * send each queued mail exactly once, and a mail asked for while the SMTP server is down arrives
 * once it is back, once. The HTTP answers never wait for SMTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startTestSmtp, type TestSmtp, tokenIn } from '../helpers/smtp.js'

const PASSWORD = 'Wonderland-42!'
const MAIL_SETTINGS = { EMAIL_BACKEND: 'smtp', EMAIL_RETRY_DELAY: 1, EMAIL_POLL_INTERVAL: 1 } as const

describe('two instances on one PostgreSQL database', () => {
  let smtp: TestSmtp
  let first: TestServer
  let second: TestServer

  beforeAll(async () => {
    smtp = await startTestSmtp()
    first = await startTestServer('postgres', { ...MAIL_SETTINGS, EMAIL_URL: smtp.url })
    second = await startTestServer('postgres', {
      ...MAIL_SETTINGS,
      EMAIL_URL: smtp.url,
      DATABASE_URL: first.databaseUrl,
    })
  })
  afterAll(async () => {
    await second?.close()
    await first?.dispose()
    await smtp?.stop()
  })

  it('sends every mail once, whichever instance queued it and whichever sends it', async () => {
    const count = 12
    for (let i = 0; i < count; i++) await first.createUser({ username: `u${i}`, password: PASSWORD })
    // Requests spread over both instances; both workers claim from the same outbox.
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        (i % 2 === 0 ? first : second).app.inject({
          method: 'POST',
          url: '/api/password/reset/',
          payload: { email: `u${i}@example.com` },
        }),
      ),
    )
    for (const answer of answers) expect(answer.statusCode).toBe(202)
    await smtp.waitFor(count)
    // Both workers poll again: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await Promise.all([first.mail.worker.idle(), second.mail.worker.idle()])
    const recipients = smtp.messages.map((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text).sort()
    expect(recipients).toEqual(Array.from({ length: count }, (_, i) => `u${i}@example.com`).sort())
    expect(await first.stores.outbox.pending()).toBe(0)

    // A link mailed by either instance works on the other.
    const mail = smtp.to('u1@example.com')[0]
    const res = await first.app.inject({
      method: 'POST',
      url: '/api/password/reset/confirm/',
      payload: { token: tokenIn(mail as never), new_password: 'Another-Pass-88' },
    })
    expect(res.statusCode).toBe(200)
  })
})

describe('an SMTP outage', () => {
  let smtp: TestSmtp
  let server: TestServer

  beforeAll(async () => {
    smtp = await startTestSmtp()
    server = await startTestServer('sqlite', { ...MAIL_SETTINGS, EMAIL_URL: smtp.url })
  })
  afterAll(async () => {
    await server?.dispose()
    await smtp?.stop()
  })

  it('keeps the mail queued while the server is down and delivers it once when it is back', async () => {
    await server.createUser({ username: 'otto', password: PASSWORD })
    await smtp.stop()
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/password/reset/',
      payload: { email: 'otto@example.com' },
    })
    expect(res.statusCode).toBe(202)
    // The first attempt fails (connection refused) and is scheduled again.
    const deadline = Date.now() + 10_000
    for (;;) {
      await server.mail.background.drain()
      await server.mail.worker.idle()
      const row = await server.stores.db.selectFrom('mail_outbox').selectAll().executeTakeFirst()
      if (row !== undefined && Number(row.attempts) >= 1 && row.lease_owner === null) {
        expect(row.due_at).not.toBeNull()
        expect(row.last_error).toMatch(/ECONNREFUSED|connect/i)
        break
      }
      if (Date.now() > deadline) throw new Error('no failed attempt recorded')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(smtp.messages).toHaveLength(0)

    await smtp.start()
    server.clock.advance(60)
    await smtp.waitFor(1)
    // Further polls send nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await server.mail.worker.idle()
    expect(smtp.to('otto@example.com')).toHaveLength(1)
    expect(await server.stores.outbox.pending()).toBe(0)
  })

  it('keeps what is queued across a restart: a new instance on the same database sends it', async () => {
    await server.createUser({ username: 'rosa', password: PASSWORD })
    await smtp.stop()
    await server.app.inject({
      method: 'POST',
      url: '/api/password/reset/',
      payload: { email: 'rosa@example.com' },
    })
    await server.mail.background.drain()
    await server.mail.worker.idle()
    await server.close()
    expect(smtp.to('rosa@example.com')).toHaveLength(0)
    await smtp.start()
    const restarted = await startTestServer('sqlite', {
      ...MAIL_SETTINGS,
      EMAIL_URL: smtp.url,
      DATABASE_URL: server.databaseUrl,
    })
    try {
      restarted.clock.advance(60)
      restarted.mail.worker.kick()
      const deadline = Date.now() + 10_000
      while (smtp.to('rosa@example.com').length === 0) {
        if (Date.now() > deadline) throw new Error('the queued mail was not sent after the restart')
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      expect(smtp.to('rosa@example.com')).toHaveLength(1)
    } finally {
      await restarted.close()
    }
  })
})
