/**
 * Issue 17, item 15: `/readyz` answers within its own timeout even when a dependency stops
 * answering behind an open connection: here PostgreSQL, whose driver has no timeout of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serverBehindPgProxy } from '../helpers/pg-behind-proxy.js'
import type { TestServer } from '../helpers/server.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

describe('readiness while PostgreSQL stops answering', () => {
  const proxy = new TcpProxy(5432)
  let server: TestServer
  let stop: (() => Promise<void>) | undefined

  beforeAll(async () => {
    ;({ server, stop } = await serverBehindPgProxy(proxy))
  })
  afterAll(async () => {
    proxy.thaw()
    await stop?.()
  })

  it('answers 503 "unavailable" within 3 s, and "ok" again once the database answers', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    proxy.freeze()
    const started = performance.now()
    const ready = await Promise.race([
      server.app.inject({ method: 'GET', url: '/readyz' }),
      new Promise<never>((_resolve, reject) =>
        setTimeout(() => reject(new Error('no answer within 4 s')), 4000),
      ),
    ])
    expect(performance.now() - started).toBeLessThan(3000)
    expect(ready.statusCode).toBe(503)
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { database: 'unavailable' } })
    proxy.thaw()
    const again = await server.app.inject({ method: 'GET', url: '/readyz' })
    expect(again.json()).toEqual({ status: 'ok', checks: { database: 'ok' } })
  })
})
