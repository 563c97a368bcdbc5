/**
 * Introspection has its own limit, per authenticated client (issue 17, item 12): it never spends
 * the refresh bucket of the address it comes from, one client cannot exhaust another's, and
 * callers that fail client authentication are limited per address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashClientSecret } from '../../src/accounts/clients.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
let octet = 0
const address = () => `10.77.${Math.floor(Math.random() * 250)}.${++octet % 250}`

describe('introspection rate limit', () => {
  let server: TestServer
  let pair: { access: string; refresh: string }
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_WINDOW: 60,
      RATE_LIMIT_REFRESH_PER_IP: 3,
      RATE_LIMIT_INTROSPECT_PER_CLIENT: 4,
    })
    await server.createUser(ALICE)
    for (const clientId of ['billing', 'reports', 'ledger']) {
      await server.stores.clients.create({
        clientId,
        secretHash: hashClientSecret(`${clientId}-secret`),
        name: clientId,
      })
    }
    pair = (await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json()
  })
  afterAll(async () => server.dispose())

  const introspect = (clientId: string, remoteAddress: string, secret = `${clientId}-secret`) =>
    server.app.inject({
      method: 'POST',
      url: '/api/token/introspect/',
      headers: {
        authorization: basic(clientId, secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ token: pair.access }).toString(),
      remoteAddress,
    })

  it('never spends the refresh bucket of the address it comes from', async () => {
    const ip = address()
    for (let i = 0; i < 4; i++) expect((await introspect('billing', ip)).statusCode).toBe(200)
    let refresh = pair.refresh
    for (let i = 0; i < 3; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/token/refresh/',
        payload: { refresh },
        remoteAddress: ip,
      })
      expect(res.statusCode).toBe(200)
      refresh = res.json().refresh
    }
  })

  it('counts per client, wherever its calls come from', async () => {
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await introspect('reports', address())).statusCode)
    expect(codes).toEqual([200, 200, 200, 200, 429, 429])
    const limited = await introspect('reports', address())
    expect(limited.json()).toMatchObject({ code: 'throttled' })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another client is not affected.
    expect((await introspect('ledger', address())).statusCode).toBe(200)
  })

  it('counts failed client authentication per address, never against the client named', async () => {
    const guesser = address()
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await introspect('ledger', guesser, 'guess')).statusCode)
    expect(codes).toEqual([401, 401, 401, 401, 429, 429])
    // 'ledger' made one call of its own earlier: three more fit in its window.
    for (let i = 0; i < 3; i++) expect((await introspect('ledger', address())).statusCode).toBe(200)
    expect((await introspect('ledger', address())).statusCode).toBe(429)
  })
})
