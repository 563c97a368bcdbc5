/**
 * The authenticator remembers the last accepted Authorization header of each connection (the hot
 * path of a keep-alive client). What it must never do: answer for another token on that
 * connection, skip expiry, skip the user's state, or outlive a key's retirement.
 */
import { Agent, request } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { createAuthenticator } from '../../src/http/authenticate.js'
import { hmacKeyRing } from '../../src/keys/hmac.js'
import type { KeyRing } from '../../src/keys/ring.js'
import { UserGate } from '../../src/accounts/user-gate.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

describe('the per-connection memo, over one real keep-alive connection', () => {
  let server: TestServer
  let base: { host: string; port: number }
  // One socket for every request: the memo is per connection.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const sockets = new Set<unknown>()

  const get = (path: string, bearer: string) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ ...base, path, agent, headers: { authorization: `Bearer ${bearer}` } }, (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      })
      req.on('socket', (socket) => sockets.add(socket))
      req.on('error', reject)
      req.end()
    })

  const login = async (username: string) => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username, password: 'Quartz-Falcon-9147-Lantern' },
    })
    return res.json().access as string
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser({ username: 'alice', password: 'Quartz-Falcon-9147-Lantern' })
    await server.createUser({ username: 'bob', password: 'Quartz-Falcon-9147-Lantern' })
    await server.app.listen({ host: '127.0.0.1', port: 0 })
    base = { host: '127.0.0.1', port: (server.app.server.address() as AddressInfo).port }
  })
  afterAll(async () => {
    agent.destroy()
    await server.dispose()
  })

  it('answers each token for its own user when tokens change on one connection', async () => {
    const alice = await login('alice')
    const bob = await login('bob')
    const whoami = async (token: string) => (await get('/api/me/', token)).body.username
    for (let i = 0; i < 3; i++) {
      expect(await whoami(alice)).toBe('alice')
      expect(await whoami(alice)).toBe('alice')
      expect(await whoami(bob)).toBe('bob')
    }
    expect(sockets.size).toBe(1)
  })

  it('still refuses a remembered token once it expires, and once its user is deactivated', async () => {
    const token = await login('alice')
    expect((await get('/api/hello/', token)).status).toBe(200)
    expect((await get('/api/hello/', token)).status).toBe(200)
    server.clock.advance(server.settings.ACCESS_TOKEN_LIFETIME + server.settings.LEEWAY + 1)
    const expired = await get('/api/hello/', token)
    expect(expired.status).toBe(401)
    expect(expired.body.code).toBe('token_not_valid')

    const fresh = await login('bob')
    expect((await get('/api/hello/', fresh)).status).toBe(200)
    expect((await get('/api/hello/', fresh)).status).toBe(200)
    const bobId = (await server.stores.users.findByUsername('bob'))?.id as number
    await server.accounts.setActive(bobId, false)
    expect((await get('/api/hello/', fresh)).status).toBe(401)
    expect(sockets.size).toBe(1)
  })

  it('reads the header in any case, and refuses it when it is sent twice (raw bytes on the socket)', async () => {
    const token = await login('alice')
    const exchange = (headerLines: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(base.port, base.host, () => {
          socket.write(
            [
              'GET /api/hello/ HTTP/1.1',
              `Host: ${base.host}`,
              'Connection: close',
              ...headerLines,
              '',
              '',
            ].join('\r\n'),
          )
        })
        let text = ''
        socket.on('data', (chunk) => {
          text += chunk
        })
        socket.on('end', () => resolve(text))
        socket.on('error', reject)
      })
    const statusAndBody = (response: string) => ({
      status: Number(response.split(' ')[1]),
      body: JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)),
    })
    expect(statusAndBody(await exchange([`AUTHORIZATION: Bearer ${token}`])).status).toBe(200)
    // The same token twice is still not one credential: simplejwt behind a WSGI server gets the two
    // values joined and refuses them; so does Tessera, rather than picking one of them.
    const twice = statusAndBody(
      await exchange([`Authorization: Bearer ${token}`, `authorization: Bearer ${token}`]),
    )
    expect(twice).toEqual({
      status: 401,
      body: {
        detail: 'Authorization header must contain two space-delimited values',
        code: 'bad_authorization_header',
      },
    })
  })
})

describe('the per-connection memo and key retirement', () => {
  const clock = new ManualClock(Date.now())
  const settings = loadSettings({ mode: 'test' })
  let ring: KeyRing
  let retired = false
  let codec: TokenCodec

  beforeAll(async () => {
    const inner = await hmacKeyRing('memo-test-secret-that-is-long-enough!!', 'HS256')
    // A ring whose only key can be retired: then it verifies nothing.
    ring = { ...inner, verificationKey: (header) => (retired ? undefined : inner.verificationKey(header)) }
    codec = new TokenCodec(settings, ring, clock)
  })

  it('does not reuse a remembered token after the codec forgets its verifications', async () => {
    const users = { findById: async (id: number) => ({ id, isActive: true }) as never }
    const gate = new UserGate(
      users,
      {
        cutoffsSince: async () => ({ cursor: 0, cutoffs: [] }),
        endedSessionsSince: async () => ({ cursor: 0, sessions: [] }),
      },
      clock,
    )
    const authenticate = createAuthenticator({
      codec,
      gate,
      clock,
      headerName: 'authorization',
      headerTypes: ['Bearer'],
    })
    const token = (await codec.issue('access', 7, {})).token
    const socket = {}
    const fakeRequest = { raw: { socket, rawHeaders: ['Authorization', `Bearer ${token}`] } } as never
    for (let i = 0; i < 3; i++) expect((await authenticate(fakeRequest))?.userId).toBe(7)
    retired = true
    codec.forgetVerified()
    await expect(Promise.resolve().then(() => authenticate(fakeRequest))).rejects.toMatchObject({
      reason: 'unknown_key',
    })
  })
})
