/**
 * Redis unreachable (issue 5): Tessera degrades as documented in SECURITY.md. Logins and
 * refreshes keep working (rate limits fail open, the login throttle fails open), revocations
 * still reach other instances through the database poll, readiness says "degraded", and
 * everything recovers when Redis returns.
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }

describe('Redis outage', () => {
  const proxy = new TcpProxy(6379)
  let a: TestServer
  let b: TestServer

  beforeAll(async () => {
    const port = await proxy.start()
    const overrides = {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMIT_ENABLED: true,
      REVOCATION_POLL_INTERVAL: 1,
    }
    a = await startTestServer('postgres', overrides)
    b = await startTestServer('postgres', {
      ...overrides,
      DATABASE_URL: a.databaseUrl,
      REDIS_PREFIX: a.redisPrefix,
    })
    await a.createUser(ALICE)
  })
  afterAll(async () => {
    await b?.dispose()
    await a?.dispose()
    await proxy.cut()
  })

  it('serves logins and refreshes, and revocations still propagate, while Redis is down', async () => {
    expect((await a.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok' },
    })
    await proxy.cut()
    const login = await a.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })
    expect(login.statusCode).toBe(200)
    const { access, refresh } = login.json()
    expect(
      (await a.app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh } })).statusCode,
    ).toBe(200)

    const ready = await a.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'degraded', checks: { database: 'ok', redis: 'unavailable' } })

    const hello = () =>
      b.app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: `Bearer ${access}` } })
    expect((await hello()).statusCode).toBe(200)
    expect(
      (
        await a.app.inject({
          method: 'POST',
          url: '/api/logout/all/',
          headers: { authorization: `Bearer ${access}` },
        })
      ).statusCode,
    ).toBe(200)
    let refused = false
    for (let i = 0; i < 30 && !refused; i++) {
      refused = (await hello()).statusCode === 401
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(refused).toBe(true)

    await proxy.restore()
    let back = ''
    for (let i = 0; i < 50 && back !== 'ok'; i++) {
      back = (await a.app.inject({ method: 'GET', url: '/readyz' })).json().status
      if (back !== 'ok') await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(back).toBe('ok')
  })
})

/** How long any request may take while Redis does not answer. */
const FROZEN_BOUND_MS = 3000

/** The answer, and how long it took; a request still waiting after the bound fails the test. */
async function timed(request: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${FROZEN_BOUND_MS} ms`)), FROZEN_BOUND_MS)
  })
  try {
    const res = await Promise.race([request, late])
    expect(performance.now() - started).toBeLessThan(FROZEN_BOUND_MS)
    return res
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Issue 17, item 15: Redis stops answering behind an open connection (a paused process, a stalled
 * network). Commands time out, rate limits and the login throttle fail open, revocations reach the
 * other instance through the database poll, and `/readyz` says "degraded" within its own timeout.
 */
describe('Redis that stops answering', () => {
  const proxy = new TcpProxy(6379)
  let server: TestServer

  const readiness = async () => (await server.app.inject({ method: 'GET', url: '/readyz' })).json().status
  const waitForReadiness = async (wanted: string) => {
    let status = ''
    for (let i = 0; i < 100 && status !== wanted; i++) {
      status = await readiness()
      if (status !== wanted) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return status
  }

  /** A second instance of the same deployment: it learns of revocations from Redis or the poll. */
  let other: TestServer

  beforeAll(async () => {
    const port = await proxy.start()
    const overrides = {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMIT_ENABLED: true,
      REVOCATION_POLL_INTERVAL: 1,
    }
    server = await startTestServer('postgres', overrides)
    other = await startTestServer('postgres', {
      ...overrides,
      DATABASE_URL: server.databaseUrl,
      REDIS_PREFIX: server.redisPrefix,
    })
    await server.createUser(ALICE)
    expect(await waitForReadiness('ok')).toBe('ok')
  })
  afterAll(async () => {
    proxy.thaw()
    await other?.dispose()
    await server?.dispose()
    await proxy.cut()
  })

  it('answers login, refresh, register, logout-all and /readyz within a bound; the poll carries revocations; it recovers', async () => {
    proxy.freeze()
    const login = await timed(server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE }))
    expect(login.statusCode).toBe(200)
    const { access, refresh } = login.json()
    const wrong = await timed(
      server.app.inject({ method: 'POST', url: '/api/token/', payload: { ...ALICE, password: 'nope' } }),
    )
    expect(wrong.statusCode).toBe(401)
    const refreshed = await timed(
      server.app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh } }),
    )
    expect(refreshed.statusCode).toBe(200)
    const registered = await timed(
      server.app.inject({
        method: 'POST',
        url: '/api/register/',
        payload: { username: 'bob', email: 'bob@example.com', password: 'Correct-Horse-9' },
      }),
    )
    expect(registered.statusCode).toBe(201)
    const helloOnOther = () =>
      other.app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: `Bearer ${access}` } })
    expect((await timed(helloOnOther())).statusCode).toBe(200)
    const loggedOut = await timed(
      server.app.inject({
        method: 'POST',
        url: '/api/logout/all/',
        headers: { authorization: `Bearer ${access}` },
      }),
    )
    expect(loggedOut.statusCode).toBe(200)
    // The other instance hears nothing over Redis: the database poll brings the cut-off.
    let refused = false
    for (let i = 0; i < 40 && !refused; i++) {
      const hello = await timed(helloOnOther())
      refused = hello.statusCode === 401
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(refused).toBe(true)
    const ready = await timed(server.app.inject({ method: 'GET', url: '/readyz' }))
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'degraded', checks: { database: 'ok', redis: 'unavailable' } })

    proxy.thaw()
    expect(await waitForReadiness('ok')).toBe('ok')
    const again = await timed(server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE }))
    expect(again.statusCode).toBe(200)
  })
})
