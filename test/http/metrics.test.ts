import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }

describe('/metrics', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  const value = (text: string, series: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
    return line === undefined ? undefined : Number(line.split(' ')[1])
  }

  it('counts logins by outcome, refreshes, and verification latency, in Prometheus text format', async () => {
    const { app } = server
    const ok = await app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })
    await app.inject({ method: 'POST', url: '/api/token/', payload: { ...ALICE, password: 'wrong' } })
    await app.inject({ method: 'POST', url: '/api/token/', payload: { ...ALICE, password: 'wrong' } })
    await app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: ok.json().refresh } })
    for (let i = 0; i < 3; i++) {
      await app.inject({
        method: 'GET',
        url: '/api/hello/',
        headers: { authorization: `Bearer ${ok.json().access}` },
      })
    }
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(value(res.body, 'tessera_logins_total{outcome="success"}')).toBe(1)
    expect(value(res.body, 'tessera_logins_total{outcome="failure"}')).toBe(2)
    expect(value(res.body, 'tessera_refreshes_total')).toBe(1)
    expect(value(res.body, 'tessera_refresh_reuse_detected_total')).toBe(0)
    // Each call comes on a new connection, and an HMAC token is verified each time (not cached).
    expect(value(res.body, 'tessera_token_verification_seconds_count')).toBe(3)
    expect(res.body).toContain('nodejs_eventloop_lag_seconds')
  })
})
