/**
 * Issue 17, items 2-4: one lineage per session (a repeated refresh inside the grace window answers
 * the same child), sessions that end atomically and take their access tokens with them (`sid`),
 * and revocation cut-offs that neither spare in-flight refreshes nor kill sessions started after.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimsOf } from '../helpers/jwt.js'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
type Pair = { access: string; refresh: string }

async function login(app: FastifyInstance, credentials = ALICE): Promise<Pair> {
  const res = await app.inject({ method: 'POST', url: '/api/token/', payload: credentials })
  expect(res.statusCode).toBe(200)
  return res.json() as Pair
}
const refresh = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: token } })
const hello = (app: FastifyInstance, access: string) =>
  app.inject({ method: 'GET', url: '/api/hello/', headers: bearer(access) })
const blacklist = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'POST', url: '/api/token/blacklist/', payload: { refresh: token } })
const sessionIds = async (app: FastifyInstance, access: string) =>
  (
    (await app.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(access) })).json() as {
      id: string
    }[]
  ).map((session) => session.id)

for (const backend of BACKENDS) {
  describe(`one lineage per session on ${backend}`, () => {
    let server: TestServer
    let app: FastifyInstance
    beforeAll(async () => {
      server = await startTestServer(backend)
      app = server.app
      await server.createUser(ALICE)
    })
    afterAll(async () => server.dispose())

    it('access and refresh tokens carry the session id: the jti of the login refresh token', async () => {
      const pair = await login(app)
      const sid = claimsOf(pair.refresh).jti
      expect(claimsOf(pair.access).sid).toBe(sid)
      expect(claimsOf(pair.refresh).sid).toBe(sid)
      const next = (await refresh(app, pair.refresh)).json() as Pair
      expect(claimsOf(next.access).sid).toBe(sid)
      expect(claimsOf(next.refresh).sid).toBe(sid)
    })

    it('20 concurrent refreshes of one token all answer the same child, byte for byte', async () => {
      const pair = await login(app)
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(app, pair.refresh)))
      expect(results.map((res) => res.statusCode)).toEqual(Array(20).fill(200))
      const children = new Set(results.map((res) => (res.json() as Pair).refresh))
      expect(children.size).toBe(1)
      const [child] = [...children] as [string]
      const jtis = new Set(results.map((res) => claimsOf((res.json() as Pair).refresh).jti))
      expect(jtis.size).toBe(1)
      for (const res of results) expect((await hello(app, (res.json() as Pair).access)).statusCode).toBe(200)
      expect(
        (await sessionIds(app, pair.access)).filter((id) => id === claimsOf(pair.refresh).jti),
      ).toHaveLength(1)
      // Using the child once ends the grace: the parent is now a replay, and the whole session dies.
      const grandchild = (await refresh(app, child)).json() as Pair
      const replay = await refresh(app, pair.refresh)
      expect(replay.statusCode).toBe(401)
      expect((await refresh(app, grandchild.refresh)).statusCode).toBe(401)
      expect((await hello(app, grandchild.access)).statusCode).toBe(401)
    })

    it("a thief's fork does not outlive the owner's logout", async () => {
      const pair = await login(app)
      const [owner, thief] = (
        await Promise.all([refresh(app, pair.refresh), refresh(app, pair.refresh)])
      ).map((res) => res.json() as Pair) as [Pair, Pair]
      expect(claimsOf(thief.refresh).jti).toBe(claimsOf(owner.refresh).jti)
      expect((await blacklist(app, owner.refresh)).statusCode).toBe(200)
      expect((await refresh(app, thief.refresh)).statusCode).toBe(401)
      expect((await hello(app, thief.access)).statusCode).toBe(401)
      expect((await hello(app, owner.access)).statusCode).toBe(401)
      // A repeat of the parent after the child was blacklisted is a replay, not a race.
      expect((await refresh(app, pair.refresh)).statusCode).toBe(401)
    })

    it('logging out with a refresh token ends its session: its access tokens die, other sessions live', async () => {
      const phone = await login(app)
      const laptop = await login(app)
      expect((await blacklist(app, phone.refresh)).statusCode).toBe(200)
      expect((await hello(app, phone.access)).statusCode).toBe(401)
      expect((await hello(app, laptop.access)).statusCode).toBe(200)
      expect(await sessionIds(app, laptop.access)).not.toContain(claimsOf(phone.refresh).jti)
    })

    it('deleting a session voids its access tokens at once and leaves the others alone', async () => {
      const phone = await login(app)
      const laptop = await login(app)
      const id = claimsOf(phone.refresh).jti as string
      const res = await app.inject({
        method: 'DELETE',
        url: `/api/sessions/${id}/`,
        headers: bearer(laptop.access),
      })
      expect(res.statusCode).toBe(204)
      expect((await hello(app, phone.access)).statusCode).toBe(401)
      expect((await refresh(app, phone.refresh)).statusCode).toBe(401)
      expect((await hello(app, laptop.access)).statusCode).toBe(200)
    })

    it('ending a session while repeats of its rotated token race it leaves nothing alive', async () => {
      for (let round = 0; round < 5; round++) {
        // A repeat that arrives after the session ended is a replay and ends every session of
        // the user, so each round signs in again.
        const keeper = await login(app)
        const pair = await login(app)
        const id = claimsOf(pair.refresh).jti as string
        const userId = claimsOf(pair.refresh).user_id as number
        await refresh(app, pair.refresh)
        const [ended, ...repeats] = await Promise.all([
          app.inject({ method: 'DELETE', url: `/api/sessions/${id}/`, headers: bearer(keeper.access) }),
          ...Array.from({ length: 10 }, () => refresh(app, pair.refresh)),
        ])
        expect(ended?.statusCode).toBe(204)
        const live = await server.stores.ledger.liveSessions(userId, new Date(server.clock.now()))
        expect(live.map((session) => session.familyId)).not.toContain(id)
        for (const repeat of repeats) {
          if (repeat.statusCode !== 200) continue
          const answer = repeat.json() as Pair
          expect((await refresh(app, answer.refresh)).statusCode).toBe(401)
          expect((await hello(app, answer.access)).statusCode).toBe(401)
        }
      }
    })

    it('refreshes in flight during a logout-all never yield a token that works after it', async () => {
      let raced = 0
      for (let round = 0; round < 6; round++) {
        const pairs = await Promise.all(Array.from({ length: 30 }, () => login(app)))
        const refreshes = pairs.map((pair) => refresh(app, pair.refresh))
        // Started while the refreshes are between their rotation and their signing.
        await new Promise((resolve) => setTimeout(resolve, round))
        const out = await app.inject({
          method: 'POST',
          url: '/api/logout/all/',
          headers: bearer(pairs[0]?.access ?? ''),
        })
        expect(out.statusCode).toBe(200)
        for (const res of await Promise.all(refreshes)) {
          if (res.statusCode !== 200) continue
          raced++
          const answer = res.json() as Pair
          expect((await hello(app, answer.access)).statusCode).toBe(401)
          expect((await refresh(app, answer.refresh)).statusCode).toBe(401)
        }
      }
      expect(raced).toBeGreaterThan(0)
    })

    it('a session started right after a logout-all, in the same second, is valid', async () => {
      const before = await login(app)
      expect(
        (await app.inject({ method: 'POST', url: '/api/logout/all/', headers: bearer(before.access) }))
          .statusCode,
      ).toBe(200)
      const after = await login(app)
      expect(claimsOf(after.access).iat).toBeLessThanOrEqual(Math.floor(server.clock.now() / 1000))
      expect((await hello(app, after.access)).statusCode).toBe(200)
      expect((await refresh(app, after.refresh)).statusCode).toBe(200)
      expect((await hello(app, before.access)).statusCode).toBe(401)
    })
  })
}

describe('sessions across instances (no Redis: the database poll)', () => {
  it('a login on B right after a logout-all on A lives once B learns the cut-off; an ended session dies on B', async () => {
    const a = await startTestServer('postgres', { REVOCATION_POLL_INTERVAL: 1 })
    const b = await startTestServer('postgres', { REVOCATION_POLL_INTERVAL: 1, DATABASE_URL: a.databaseUrl })
    try {
      // Both clocks in the same second, a third of the way in.
      const t = (Math.floor(Date.now() / 1000) + 5) * 1000 + 300
      a.clock.set(t)
      b.clock.set(t)
      await a.createUser(ALICE)
      const old = await login(a.app)
      const other = await login(a.app)
      expect(
        (await a.app.inject({ method: 'POST', url: '/api/logout/all/', headers: bearer(old.access) }))
          .statusCode,
      ).toBe(200)
      const fresh = await login(b.app)
      await b.gate.sync()
      expect((await hello(b.app, fresh.access)).statusCode).toBe(200)
      expect((await hello(b.app, old.access)).statusCode).toBe(401)
      expect((await hello(b.app, other.access)).statusCode).toBe(401)
      // Ending one session on B reaches A through the poll.
      const second = await login(b.app)
      expect((await hello(a.app, second.access)).statusCode).toBe(200)
      expect((await blacklist(b.app, second.refresh)).statusCode).toBe(200)
      await a.gate.sync()
      expect((await hello(a.app, second.access)).statusCode).toBe(401)
      expect((await hello(a.app, fresh.access)).statusCode).toBe(200)
    } finally {
      await b.dispose()
      await a.dispose()
    }
  })
})

describe('SESSION_ID_CLAIM off', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', { SESSION_ID_CLAIM: null })
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  it("tokens carry simplejwt's claim set alone, and logout-all still voids them", async () => {
    const pair = await login(server.app)
    expect(Object.keys(claimsOf(pair.access)).sort()).toEqual(
      // `email_verified` is Tessera's claims hook, as `email` and `roles` (docs/account-mail.md);
      // `amr` and `auth_time` say how the session logged in (docs/mfa.md). simplejwt ignores them.
      [
        'amr',
        'auth_time',
        'email',
        'email_verified',
        'exp',
        'iat',
        'jti',
        'roles',
        'token_type',
        'user_id',
      ].sort(),
    )
    expect(claimsOf(pair.refresh).sid).toBeUndefined()
    // simplejwt's logout: the refresh token dies, its access token lives until it expires (row 10e).
    const other = await login(server.app)
    expect((await blacklist(server.app, other.refresh)).statusCode).toBe(200)
    expect((await refresh(server.app, other.refresh)).statusCode).toBe(401)
    expect((await hello(server.app, other.access)).statusCode).toBe(200)
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/logout/all/',
      headers: bearer(pair.access),
    })
    expect(res.statusCode).toBe(200)
    expect((await hello(server.app, pair.access)).statusCode).toBe(401)
    // Issued after the cut-off, so valid; never stamped in the future.
    server.clock.advance(1)
    const fresh = await login(server.app)
    expect(claimsOf(fresh.access).iat).toBeLessThanOrEqual(Math.floor(server.clock.now() / 1000))
    expect((await hello(server.app, fresh.access)).statusCode).toBe(200)
  })
})
