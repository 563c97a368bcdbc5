/**
 * A flood of refused requests is one audit event (and one audit log line) per limited key and
 * window, not one per 429 (issue 17, item 12); the metric still counts every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`
const WINDOW_MS = 2000

describe('rate_limited audit events', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_WINDOW: WINDOW_MS / 1000,
      RATE_LIMIT_LOGIN_PER_IP: 2,
    })
  })
  afterAll(async () => server.dispose())

  const obtain = (remoteAddress: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'nobody', password: 'wrong' },
      remoteAddress,
    })
  const limitedEvents = async (ip: string) =>
    (await server.stores.audit.recent(1000)).filter(
      (event) => event.event === 'rate_limited' && event.ip === ip,
    )
  const refusedTotal = async () => {
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body
    return Number(/^tessera_rate_limited_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN)
  }

  it('records one event per limited key and window, and counts every refusal', async () => {
    const before = await refusedTotal()
    const flooder = address()
    const codes: number[] = []
    for (let i = 0; i < 40; i++) codes.push((await obtain(flooder)).statusCode)
    expect(codes.filter((code) => code === 429)).toHaveLength(38)
    expect(await limitedEvents(flooder)).toHaveLength(1)
    expect((await limitedEvents(flooder))[0]?.detail).toEqual({ limit: 'login' })

    // Another key limited in the same window gets its own event.
    const other = address()
    for (let i = 0; i < 5; i++) await obtain(other)
    expect(await limitedEvents(other)).toHaveLength(1)

    // The next window that is limited again is reported again.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100))
    for (let i = 0; i < 5; i++) await obtain(flooder)
    expect(await limitedEvents(flooder)).toHaveLength(2)
    expect((await refusedTotal()) - before).toBe(38 + 3 + 3)
  })
})
