/**
 * Database unreachable (issue 5): routes that need it answer a clear 503 JSON, verification of
 * access tokens keeps working from memory, and service recovers without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serverBehindPgProxy } from '../helpers/pg-behind-proxy.js'
import type { TestServer } from '../helpers/server.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const UNAVAILABLE = {
  detail: 'Service temporarily unavailable, try again later.',
  code: 'service_unavailable',
}

describe('PostgreSQL outage', () => {
  const proxy = new TcpProxy(5432)
  let server: TestServer
  let stop: (() => Promise<void>) | undefined

  beforeAll(async () => {
    ;({ server, stop } = await serverBehindPgProxy(proxy))
    await server.createUser(ALICE)
  })
  afterAll(async () => {
    await stop?.()
  })

  it('keeps verifying access tokens, answers 503 where the database is needed, and recovers', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })
    expect(login.statusCode).toBe(200)
    const { access, refresh } = login.json()
    const hello = () =>
      server.app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: `Bearer ${access}` } })
    expect((await hello()).statusCode).toBe(200)

    await proxy.cut()
    expect((await hello()).statusCode).toBe(200)
    for (const res of [
      await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE }),
      await server.app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh } }),
    ]) {
      expect(res.statusCode).toBe(503)
      expect(res.json()).toEqual(UNAVAILABLE)
      expect(res.headers['retry-after']).toBe('1')
    }
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { database: 'unavailable' } })
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)

    await proxy.restore()
    let recovered = 0
    for (let attempt = 0; attempt < 50 && recovered !== 200; attempt++) {
      recovered = (
        await server.app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh } })
      ).statusCode
      if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // The refresh token was not consumed by the failed attempts: it still rotates once.
    expect(recovered).toBe(200)
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
  })
})
