/**
 * Rate limits and login throttling (issue 5): 429 in the documented shape with Retry-After,
 * reset after the window, per-account throttling that does not lock the owner out elsewhere, and
 * limits shared between instances through Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { REDIS_URL } from '../store/backends.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
/** Client addresses as light-my-request labels (no traffic leaves the process); unique per run. */
const address = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`

describe('rate limits (memory)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_WINDOW: 1,
      RATE_LIMIT_LOGIN_PER_IP: 5,
      RATE_LIMIT_LOGIN_PER_ACCOUNT: 3,
      RATE_LIMIT_REGISTER_PER_IP: 2,
    })
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  const obtain = (remoteAddress: string, password = ALICE.password, username = ALICE.username) =>
    server.app.inject({ method: 'POST', url: '/api/token/', payload: { username, password }, remoteAddress })

  it('answers 429 throttled with Retry-After past the per-IP limit, then resets', async () => {
    const ip = address()
    for (let i = 0; i < 5; i++) {
      expect((await obtain(ip, 'wrong', `nobody${i}`)).statusCode).toBe(401)
    }
    const limited = await obtain(ip)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toEqual({
      detail: 'Request was throttled. Expected available in 1 seconds.',
      code: 'throttled',
    })
    expect(limited.headers['retry-after']).toBe('1')
    // Another address is not affected.
    expect((await obtain(address())).statusCode).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await obtain(ip)).statusCode).toBe(200)
  })

  it('repeated failures slow one account down for that address only, and expire', async () => {
    const attacker = address()
    for (let i = 0; i < 3; i++) expect((await obtain(attacker, 'guess')).statusCode).toBe(401)
    // Even the right password waits out the window from the attacker's address...
    const locked = await obtain(attacker)
    expect(locked.statusCode).toBe(429)
    expect(locked.json().code).toBe('throttled')
    // ...while the owner, elsewhere, logs in as usual.
    expect((await obtain(address())).statusCode).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await obtain(attacker)).statusCode).toBe(200)
  })

  it('register has its own limit', async () => {
    const ip = address()
    const register = (n: number) =>
      server.app.inject({
        method: 'POST',
        url: '/api/register/',
        payload: {
          username: `user${n}${ip.replaceAll('.', '')}`,
          email: `u${n}${ip}@example.com`.replaceAll('.1', '1'),
          password: 'x',
        },
        remoteAddress: ip,
      })
    expect((await register(1)).statusCode).toBe(400)
    expect((await register(2)).statusCode).toBe(400)
    expect((await register(3)).statusCode).toBe(429)
  })

  it('writes a rate_limited audit event', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const events = await server.stores.audit.recent(200)
    expect(events.some((event) => event.event === 'rate_limited')).toBe(true)
  })
})

describe('rate limits shared through Redis', () => {
  it('two instances count one address together', async () => {
    const overrides = {
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_WINDOW: 60,
      RATE_LIMIT_LOGIN_PER_IP: 4,
      REDIS_URL,
    }
    const a = await startTestServer('postgres', overrides)
    const b = await startTestServer('postgres', {
      ...overrides,
      DATABASE_URL: a.databaseUrl,
      REDIS_PREFIX: a.redisPrefix,
    })
    try {
      await a.createUser(ALICE)
      const ip = address()
      const codes: number[] = []
      for (const app of [a.app, b.app, a.app, b.app, a.app]) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/token/',
          payload: ALICE,
          remoteAddress: ip,
        })
        codes.push(res.statusCode)
      }
      expect(codes).toEqual([200, 200, 200, 200, 429])
    } finally {
      await b.dispose()
      await a.dispose()
    }
  })
})
