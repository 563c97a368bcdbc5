/**
 * The verifier's revocation feed end to end: a listening Tessera (real SQLite file, real Redis)
 * and a verifier in "another service" that follows the SSE stream or the Redis feed channel.
 * logout-all and a single logout reach it within a second; a restart of Tessera is caught up from
 * Last-Event-ID; the stream is never open to anonymous callers.
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { hashClientSecret } from '../../src/accounts/clients.js'
import { TesseraError, TokenInvalid } from '../../src/core/errors.js'
import { tesseraExpress } from '@tessera/verify'
import { createVerifier, type Verifier, type VerifierOptions } from '@tessera/verify'
import { BACKENDS, type Backend, startTestServer, type TestServer } from '../helpers/server.js'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const SECRET = 'test-signing-key-that-is-long-enough-for-hs256!'
const ALICE = { username: 'alice', password: 'correct horse battery staple' }
const CLIENT = { clientId: 'billing', secret: 's3cret-value-for-the-feed' }
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function tessera(
  overrides: Parameters<typeof startTestServer>[1] = {},
  backend: Backend = 'sqlite',
): Promise<TestServer> {
  const server = await startTestServer(backend, {
    REVOCATION_POLL_INTERVAL: 1,
    REVOCATION_STREAM_HEARTBEAT: 1,
    ...overrides,
  })
  cleanups.push(() => server.dispose())
  if (typeof overrides.DATABASE_URL !== 'string') {
    await server.createUser(ALICE)
    await server.stores.clients.create({
      clientId: CLIENT.clientId,
      secretHash: hashClientSecret(CLIENT.secret),
      name: 'Billing',
    })
  }
  return server
}

async function listen(server: TestServer, port = 0): Promise<string> {
  return server.app.listen({ host: '127.0.0.1', port })
}

async function login(base: string): Promise<{ access: string; refresh: string }> {
  const res = await fetch(`${base}/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ALICE),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { access: string; refresh: string }
}

function verifierFor(
  revocations: NonNullable<VerifierOptions['revocations']>,
  extra: { failClosedAfterMs?: number } = {},
): Verifier {
  const verifier = createVerifier({ secret: SECRET, algorithms: ['HS256'], revocations, ...extra })
  cleanups.push(() => verifier.close())
  return verifier
}

const streamOf = (base: string, extra: object = {}) => ({
  url: `${base}/api/revocations/stream/`,
  clientId: CLIENT.clientId,
  clientSecret: CLIENT.secret,
  minBackoffMs: 50,
  maxBackoffMs: 200,
  ...extra,
})

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await sleep(20)
  }
}

/** The verifier's verdict on a token: 'ok', or the failure's reason or code. */
async function verdict(verifier: Verifier, token: string): Promise<string> {
  try {
    await verifier.verify(token)
    return 'ok'
  } catch (error) {
    if (error instanceof TokenInvalid) return error.reason
    if (error instanceof TesseraError) return error.code
    throw error
  }
}

const connected = (verifier: Verifier) =>
  until(() => verifier.revocationStatus()?.state === 'connected', 3000)

describe('revocation feed over the SSE stream', () => {
  it.each(BACKENDS)(
    'logout-all on Tessera (%s): the other service refuses the access token within a second',
    async (backend) => {
      const server = await tessera({}, backend)
      const base = await listen(server)
      const pair = await login(base)
      const verifier = verifierFor(streamOf(base))
      await connected(verifier)
      expect(await verdict(verifier, pair.access)).toBe('ok')

      const res = await fetch(`${base}/api/logout/all/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pair.access}` },
      })
      expect(res.status).toBe(200)
      await until(async () => (await verdict(verifier, pair.access)) === 'revoked', 1000)
      // The Express middleware over the same verifier answers 401 in the documented shape.
      const answer: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} }
      const res401 = {
        status(code: number) {
          answer.status = code
          return res401
        },
        set(name: string, value: string) {
          answer.headers[name.toLowerCase()] = value
          return res401
        },
        json(body: unknown) {
          answer.body = body
        },
      }
      const headers = { authorization: `Bearer ${pair.access}` }
      await tesseraExpress({ verifier })({ method: 'GET', headers }, res401, () => {
        throw new Error('next() called for a revoked token')
      })
      expect(answer).toEqual({
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="api"' },
        body: {
          detail: 'Given token not valid for any token type',
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token has been revoked' }],
        },
      })
      // A fresh login is unaffected.
      expect(await verdict(verifier, (await login(base)).access)).toBe('ok')
      expect(verifier.revocationStatus()?.lastEventId).toMatch(/^\d+-\d+$/)
    },
  )

  it('a logout-all on another Tessera instance reaches a verifier streaming from this one', async () => {
    const a = await tessera({ REDIS_URL })
    const b = await tessera({ REDIS_URL, DATABASE_URL: a.databaseUrl, REDIS_PREFIX: a.redisPrefix })
    const baseA = await listen(a)
    const baseB = await listen(b)
    const pair = await login(baseA)
    const verifier = verifierFor(streamOf(baseB))
    await connected(verifier)
    expect(await verdict(verifier, pair.access)).toBe('ok')
    await fetch(`${baseA}/api/logout/all/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.access}` },
    })
    await until(async () => (await verdict(verifier, pair.access)) === 'revoked', 1000)
  })

  it('a single logout voids that session only (sid), within a second', async () => {
    const server = await tessera()
    const base = await listen(server)
    const phone = await login(base)
    const laptop = await login(base)
    const verifier = verifierFor(streamOf(base))
    await connected(verifier)

    const res = await fetch(`${base}/api/token/blacklist/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: phone.refresh }),
    })
    expect(res.status).toBe(200)
    await until(async () => (await verdict(verifier, phone.access)) === 'revoked', 1000)
    expect(await verdict(verifier, laptop.access)).toBe('ok')
  })

  it('a verifier that starts after the revocation learns it from the catch-up', async () => {
    const server = await tessera()
    const base = await listen(server)
    const pair = await login(base)
    await fetch(`${base}/api/logout/all/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.access}` },
    })
    const verifier = verifierFor(streamOf(base))
    await connected(verifier)
    expect(await verdict(verifier, pair.access)).toBe('revoked')
  })

  it.each(BACKENDS)(
    'resumes with Last-Event-ID after Tessera restarts (%s) and catches up what it missed',
    async (backend) => {
      const first = await tessera({}, backend)
      const base = await listen(first)
      const port = Number(new URL(base).port)
      const early = await login(base)
      const late = await login(base)
      await fetch(`${base}/api/token/blacklist/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh: early.refresh }),
      })
      const seen: (string | null)[] = []
      const verifier = verifierFor(
        streamOf(base, {
          fetch: (url: string, init: RequestInit) => {
            seen.push(new Headers(init.headers).get('last-event-id'))
            return fetch(url, init)
          },
        }),
      )
      await connected(verifier)
      expect(await verdict(verifier, early.access)).toBe('revoked')
      const before = verifier.revocationStatus()?.lastEventId
      expect(before).toBeDefined()

      await first.close()
      await until(() => verifier.revocationStatus()?.state === 'down', 2000)
      expect(verifier.revocationStatus()?.downSince).toBeTypeOf('number')
      // While the verifier is cut off, a second instance on the same database revokes everything.
      const second = await tessera({ DATABASE_URL: first.databaseUrl }, backend)
      const userId = (await second.stores.users.findByUsername(ALICE.username))?.id as number
      await second.accounts.revokeAll(userId)
      await listen(second, port)

      await until(async () => (await verdict(verifier, late.access)) === 'revoked', 3000)
      expect(verifier.revocationStatus()?.state).toBe('connected')
      expect(seen[0]).toBeNull()
      expect(seen.at(-1)).toBe(before)
      expect(verifier.revocationStatus()?.lastEventId).not.toBe(before)
    },
  )

  it('refuses anonymous and wrongly authenticated stream requests with 401', async () => {
    const server = await tessera()
    for (const authorization of [
      undefined,
      basic(CLIENT.clientId, 'wrong'),
      'Bearer x',
      basic('nobody', 'x'),
    ]) {
      const res = await server.app.inject({
        method: 'GET',
        url: '/api/revocations/stream/',
        headers: authorization === undefined ? {} : { authorization },
      })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({ detail: 'Client authentication failed.', code: 'invalid_client' })
      expect(res.headers['www-authenticate']).toBe('Basic realm="api"')
    }
    const head = await server.app.inject({
      method: 'HEAD',
      url: '/api/revocations/stream/',
      headers: { authorization: basic(CLIENT.clientId, CLIENT.secret) },
    })
    expect(head.statusCode).toBe(200)
    expect(head.body).toBe('')
    const base = await listen(server)
    const verifier = verifierFor({ ...streamOf(base), clientSecret: 'wrong' })
    await until(() => verifier.revocationStatus()?.lastError === 'HTTP 401', 2000)
    expect(verifier.revocationStatus()?.state).toBe('connecting')
  })

  it('heartbeats keep a quiet stream alive; without them the verifier replaces it', async () => {
    const server = await tessera({ REVOCATION_STREAM_HEARTBEAT: 1 })
    const base = await listen(server)
    let calls = 0
    const counting = (url: string, init: RequestInit) => {
      calls++
      return fetch(url, init)
    }
    const verifier = verifierFor(streamOf(base, { fetch: counting, idleTimeoutMs: 1500 }))
    await connected(verifier)
    await sleep(3500)
    expect(verifier.revocationStatus()?.state).toBe('connected')
    expect(calls).toBe(1)

    const quiet = await tessera({ REVOCATION_STREAM_HEARTBEAT: 60 })
    const quietBase = await listen(quiet)
    let quietCalls = 0
    const silent = verifierFor(
      streamOf(quietBase, {
        fetch: (url: string, init: RequestInit) => {
          quietCalls++
          return fetch(url, init)
        },
        idleTimeoutMs: 300,
      }),
    )
    await until(() => quietCalls >= 2, 3000)
    expect(silent.revocationStatus()?.lastError).toBe('no heartbeat')
  })

  it('sends a reset for an id the database cannot account for, then the whole state', async () => {
    const server = await tessera()
    const base = await listen(server)
    const pair = await login(base)
    await fetch(`${base}/api/logout/all/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.access}` },
    })
    const controller = new AbortController()
    const res = await fetch(`${base}/api/revocations/stream/`, {
      headers: { authorization: basic(CLIENT.clientId, CLIENT.secret), 'last-event-id': '999999-999999' },
      signal: controller.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (!text.includes('event: revocations')) text += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    expect(text).toMatch(/id: -1--1\nevent: reset\ndata: \{"id":"-1--1","not_before":\d+\}/)
    const batch = JSON.parse(/event: revocations\ndata: (.*)\n/.exec(text)?.[1] ?? 'null')
    expect(batch.cutoffs).toEqual([{ user_id: expect.any(Number), not_before: expect.any(Number) }])
    expect(batch.sessions).toHaveLength(1)
  })

  it('limits open streams per client (429) and ends them when Tessera shuts down', async () => {
    const server = await tessera({ REVOCATION_STREAM_MAX_PER_CLIENT: 1 })
    const base = await listen(server)
    const open = await fetch(`${base}/api/revocations/stream/`, {
      headers: { authorization: basic(CLIENT.clientId, CLIENT.secret) },
    })
    expect(open.status).toBe(200)
    const second = await fetch(`${base}/api/revocations/stream/`, {
      headers: { authorization: basic(CLIENT.clientId, CLIENT.secret) },
    })
    expect(second.status).toBe(429)
    expect((await second.json()).code).toBe('throttled')

    const reader = (open.body as ReadableStream<Uint8Array>).getReader()
    await server.close()
    // The stream ends (done), rather than holding the shutdown open.
    let done = false
    while (!done) done = (await reader.read()).done
    expect(done).toBe(true)
  })
})

describe('revocation feed over Redis', () => {
  it('logout-all and a single logout reach a verifier subscribed to the same Redis within a second', async () => {
    const server = await tessera({ REDIS_URL })
    const base = await listen(server)
    const subscriber = new Redis(REDIS_URL, { lazyConnect: false })
    cleanups.push(async () => subscriber.disconnect())
    const verifier = verifierFor({ redis: { subscriber, prefix: server.redisPrefix } })
    await connected(verifier)
    const phone = await login(base)
    const laptop = await login(base)

    await fetch(`${base}/api/token/blacklist/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: phone.refresh }),
    })
    await until(async () => (await verdict(verifier, phone.access)) === 'revoked', 1000)
    expect(await verdict(verifier, laptop.access)).toBe('ok')

    await fetch(`${base}/api/logout/all/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${laptop.access}` },
    })
    await until(async () => (await verdict(verifier, laptop.access)) === 'revoked', 1000)
    expect(verifier.revocationStatus()?.lastEventAt).toBeTypeOf('number')
  })
})

describe('failClosedAfterMs', () => {
  it('answers 503 once the feed has been down too long; fails open without it', async () => {
    const server = await tessera()
    const base = await listen(server)
    const pair = await login(base)
    const closed = verifierFor(streamOf(base), { failClosedAfterMs: 200 })
    const open = verifierFor(streamOf(base))
    await connected(closed)
    await connected(open)
    await server.close()
    await until(() => closed.revocationStatus()?.state === 'down', 2000)
    await sleep(300)
    expect(await verdict(closed, pair.access)).toBe('service_unavailable')
    expect(await verdict(open, pair.access)).toBe('ok')
    expect(() => createVerifier({ secret: SECRET, algorithms: ['HS256'], failClosedAfterMs: 1 })).toThrow(
      TypeError,
    )
  })
})
