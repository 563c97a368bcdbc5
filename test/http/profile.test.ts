/**
 * Issue 17, item 11: `PATCH /api/me/` checks the e-mail with registration's validator and is rate
 * limited, so it is no cheaper a probe of which addresses exist than registration.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MemoryTransport } from '../../src/mail/index.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }

async function accessFor(app: FastifyInstance, remoteAddress = '10.9.9.9'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/token/', payload: ALICE, remoteAddress })
  expect(res.statusCode).toBe(200)
  return (res.json() as { access: string }).access
}

const patchMe = (app: FastifyInstance, access: string, payload: unknown, remoteAddress = '10.1.2.3') =>
  app.inject({
    method: 'PATCH',
    url: '/api/me/',
    payload: payload as Record<string, unknown>,
    headers: { authorization: `Bearer ${access}` },
    remoteAddress,
  })

describe('PATCH /api/me/ e-mail validation', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  it('refuses what registration refuses, with the same messages', async () => {
    const access = await accessFor(server.app)
    for (const email of ['<img/src=x/onerror=alert(1)>@a.b', 'a"b@example.com', 'x@-bad-.com', 'a@b']) {
      const res = await patchMe(server.app, access, { email })
      expect(res.statusCode, email).toBe(400)
      expect(res.json()).toEqual({ email: ['Enter a valid email address.'] })
      const registered = await server.app.inject({
        method: 'POST',
        url: '/api/register/',
        payload: { username: 'probe', email, password: 'Wonderland-42!' },
      })
      expect(registered.json()).toEqual({ email: ['Enter a valid email address.'] })
    }
    const nul = await patchMe(server.app, access, { email: 'a\u0000@example.com' })
    expect(nul.statusCode).toBe(400)
    expect(nul.json().email).toContain('Null characters are not allowed.')
  })

  it('accepts a valid address, trimmed as DRF trims, and mails it a confirmation before changing anything', async () => {
    const access = await accessFor(server.app)
    const res = await patchMe(server.app, access, { email: '  alice.new@example.com ' })
    expect(res.statusCode).toBe(202)
    expect(res.json()).toEqual({ detail: 'A confirmation link has been sent to the new address.' })
    await server.mail.background.drain()
    await server.mail.worker.idle()
    const sent = (server.mail.transport as MemoryTransport).sent
    expect(sent.map((mail) => mail.to)).toEqual(['alice.new@example.com', 'alice@example.com'])
    const me = await server.app.inject({
      method: 'GET',
      url: '/api/me/',
      headers: { authorization: `Bearer ${access}` },
    })
    expect(me.json()).toMatchObject({ username: 'alice', email: 'alice@example.com' })
  })

  it('answers 200 with the user, unchanged, for the address the account already has', async () => {
    const access = await accessFor(server.app)
    const res = await patchMe(server.app, access, { email: 'ALICE@example.com' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ username: 'alice', email: 'alice@example.com' })
  })
})

describe('PATCH /api/me/ rate limit', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', { RATE_LIMIT_ENABLED: true, RATE_LIMIT_PROFILE_PER_IP: 3 })
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  it('answers 429 throttled past RATE_LIMIT_PROFILE_PER_IP changes from one address; reads stay free', async () => {
    const access = await accessFor(server.app)
    for (let i = 0; i < 3; i++) {
      expect((await patchMe(server.app, access, { email: `probe${i}@example.com` })).statusCode).toBe(202)
    }
    const limited = await patchMe(server.app, access, { email: 'probe9@example.com' })
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'throttled' })
    const read = await server.app.inject({
      method: 'GET',
      url: '/api/me/',
      headers: { authorization: `Bearer ${access}` },
      remoteAddress: '10.1.2.3',
    })
    expect(read.statusCode).toBe(200)
    // Another address is not affected.
    expect((await patchMe(server.app, access, { email: 'other@example.com' }, '10.3.2.1')).statusCode).toBe(
      202,
    )
  })
})
