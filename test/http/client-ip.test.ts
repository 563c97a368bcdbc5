/**
 * The client IP behind proxies (issue 17, item 1): `TRUST_PROXY` names a hop count or the proxies'
 * addresses, and the address taken must parse as an IP, so a client cannot choose the address that
 * rate limits, the login throttle, the audit log and the sessions list see.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LogCapture } from '../helpers/log-capture.js'
import { buildServer } from '../../src/server/build.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
/** The reverse proxy in front of Tessera: every request arrives from its address. */
const PROXY = '10.9.9.9'

/** A documentation address (RFC 5737) unique to this run, for one "real" client. */
const clientAddress = () => `203.0.113.${1 + Math.floor(Math.random() * 250)}`
const spoofed = (i: number) => `198.51.100.${i % 250}`

describe('behind one appending proxy (TRUST_PROXY=1)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      TRUST_PROXY: '1',
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_WINDOW: 60,
    })
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  /** What nginx forwards with `$proxy_add_x_forwarded_for`: the client's header, then its address. */
  const obtain = (forwardedFor: string, username = ALICE.username, password = 'wrong') =>
    server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username, password },
      remoteAddress: PROXY,
      headers: { 'x-forwarded-for': forwardedFor },
    })

  it('counts failed logins per real client while the spoofed left-most entry varies', async () => {
    const real = clientAddress()
    const codes: number[] = []
    for (let i = 0; i < 45; i++) {
      codes.push((await obtain(`${spoofed(i)}, ${real}`, `nobody${i}`)).statusCode)
    }
    // RATE_LIMIT_LOGIN_PER_IP defaults to 30.
    expect(codes.slice(0, 30).every((code) => code === 401)).toBe(true)
    expect(codes.slice(30)).toEqual(Array(15).fill(429))
    // Another client behind the same proxy has its own count.
    expect((await obtain(`${spoofed(1)}, 192.0.2.77`, ALICE.username, ALICE.password)).statusCode).toBe(200)
  })

  it('throttles guesses at one account per real client, whatever the spoofed entry says', async () => {
    const real = clientAddress()
    const codes: number[] = []
    // RATE_LIMIT_LOGIN_PER_ACCOUNT defaults to 10.
    for (let i = 0; i < 12; i++) codes.push((await obtain(`${spoofed(i + 100)}, ${real}`)).statusCode)
    expect(codes.slice(0, 10).every((code) => code === 401)).toBe(true)
    expect(codes.slice(10)).toEqual([429, 429])
  })

  it('never records a non-address from X-Forwarded-For in the audit log or the sessions list', async () => {
    const hostile = '<script>alert(1)</script>'
    // The proxy's own entry is hostile (a proxy that passes the header on instead of appending).
    const login = await obtain(hostile, ALICE.username, ALICE.password)
    expect(login.statusCode).toBe(200)
    await obtain(`1.2.3.4, ${hostile}`)
    const events = await server.stores.audit.recent(500)
    expect(events.some((event) => event.ip?.includes('<'))).toBe(false)
    const recorded = events.filter((event) => event.ip === PROXY).map((event) => event.event)
    expect(recorded).toEqual(expect.arrayContaining(['login_succeeded', 'login_failed']))

    const sessions = await server.app.inject({
      method: 'GET',
      url: '/api/sessions/',
      headers: { authorization: `Bearer ${login.json().access}` },
    })
    const ips = sessions.json().map((session: { ip: string }) => session.ip)
    expect(ips).toContain(PROXY)
    expect(ips.some((ip: string) => ip.includes('<'))).toBe(false)
  })

  it('takes only the entry the trusted hop appended, however many the client wrote', async () => {
    // TRUST_PROXY=1 trusts the one hop in front: the address it appended is taken, never more.
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: ALICE,
      remoteAddress: PROXY,
      headers: { 'x-forwarded-for': '192.0.2.1, 192.0.2.2, 192.0.2.3' },
    })
    expect(res.statusCode).toBe(200)
    const [latest] = await server.stores.audit.recent(1)
    expect(latest?.ip).toBe('192.0.2.3')
  })
})

describe('behind proxies named by address (TRUST_PROXY=10.0.0.0/8,127.0.0.1)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      RATE_LIMIT_ENABLED: true,
      RATE_LIMIT_WINDOW: 60,
      RATE_LIMIT_LOGIN_PER_IP: 5,
    })
  })
  afterAll(async () => server.dispose())

  const obtain = (remoteAddress: string, forwardedFor: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'nobody', password: 'wrong' },
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
    })

  it('takes the first address not of a trusted proxy, from the right', async () => {
    const real = clientAddress()
    const codes: number[] = []
    // Two trusted hops (10.1.1.1 appended by the outer proxy); the spoofed entries vary.
    for (let i = 0; i < 7; i++)
      codes.push((await obtain('127.0.0.1', `${spoofed(i)}, ${real}, 10.1.1.1`)).statusCode)
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429])
    const events = await server.stores.audit.recent(20)
    expect(events.find((event) => event.event === 'login_failed')?.ip).toBe(real)
  })

  it('ignores the header from a peer that is not a trusted proxy', async () => {
    const direct = clientAddress()
    const codes: number[] = []
    for (let i = 0; i < 7; i++) codes.push((await obtain(direct, spoofed(i))).statusCode)
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429])
  })
})

describe('an over-long X-Forwarded-For on PostgreSQL', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('postgres', { TRUST_PROXY: '1' })
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  it('answers 401 and 200, not 500, and the audit rows are written', async () => {
    const long = `${'1'.repeat(40)}.${'2'.repeat(59)}`
    expect(long).toHaveLength(100)
    const headers = { 'x-forwarded-for': long }
    const failed = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { ...ALICE, password: 'wrong' },
      remoteAddress: PROXY,
      headers,
    })
    expect(failed.statusCode).toBe(401)
    const ok = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: ALICE,
      remoteAddress: PROXY,
      headers,
    })
    expect(ok.statusCode).toBe(200)
    const events = await server.stores.audit.recent(10)
    expect(events.map((event) => [event.event, event.ip])).toEqual([
      ['login_succeeded', PROXY],
      ['login_failed', PROXY],
    ])
  })
})

describe('request log lines', () => {
  it('name the client IP the limits and the audit log see, never a forged one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ip-logs-'))
    const log = new LogCapture()
    const server = await buildServer({
      logStream: log,
      settings: {
        env: {},
        mode: 'test',
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
          LOG_LEVEL: 'info',
          TRUST_PROXY: '1',
        },
      },
    })
    try {
      for (const [url, forwardedFor] of [
        ['/healthz?hostile', '<script>alert(1)</script>'],
        ['/healthz?appended', '198.51.100.1, 203.0.113.9'],
      ] as const) {
        await server.app.inject({ url, remoteAddress: PROXY, headers: { 'x-forwarded-for': forwardedFor } })
      }
      // One access line per request, in order.
      const seen = log.lines().filter((line) => line.msg === 'request completed' && line.route === '/healthz')
      expect(seen.map((line) => line.ip)).toEqual([PROXY, '203.0.113.9'])
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
