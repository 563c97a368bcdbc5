/**
 * `requireMfa` and `recentAuth` (issue 21) in a user's own Fastify app and in the Express
 * middleware: `amr` and `auth_time` read from the access token alone; 403 with stable codes.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { authenticated, guarded, recentAuth, requireMfa, tesseraAuth, tesseraExpress } from '@tessera/verify'
import { hmacKeyRing } from '../../src/keys/index.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'

const SECRET = 'guard-mfa-secret-that-is-32-bytes-long'
const clock = new ManualClock(Date.now())
const now = () => clock.now()
const seconds = () => Math.floor(clock.now() / 1000)
let codec: TokenCodec
let app: FastifyInstance
const token = async (claims: Record<string, unknown>) => (await codec.issue('access', 7, claims)).token
const get = (url: string, access: string) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${access}` } })

beforeAll(async () => {
  codec = new TokenCodec(loadSettings({ mode: 'test' }), await hmacKeyRing(SECRET, 'HS256'), clock)
  app = Fastify()
  await app.register(tesseraAuth, { secret: SECRET, algorithms: ['HS256'], clock })
  app.get(
    '/mfa',
    guarded([authenticated, requireMfa], async (request) => ({ amr: request.user.amr })),
  )
  app.get(
    '/recent',
    guarded([authenticated, recentAuth(300, { now })], async (request) => ({ at: request.user.authTime })),
  )
})
afterAll(async () => {
  await app.close()
})

describe('requireMfa and recentAuth', () => {
  it('requireMfa lets a login with a second factor through, and answers 403 mfa_required otherwise', async () => {
    const strong = await token({ amr: ['pwd', 'otp', 'mfa'], auth_time: seconds() })
    expect((await get('/mfa', strong)).json()).toEqual({ amr: ['pwd', 'otp', 'mfa'] })
    for (const claims of [{ amr: ['pwd'], auth_time: seconds() }, {}]) {
      const res = await get('/mfa', await token(claims))
      expect(res.statusCode).toBe(403)
      expect(res.json()).toEqual({
        detail: 'This action requires a login with a second factor.',
        code: 'mfa_required',
      })
    }
    const anonymous = await app.inject({ method: 'GET', url: '/mfa' })
    expect(anonymous.statusCode).toBe(401)
  })

  it('recentAuth checks auth_time against its clock; a token without auth_time is never recent', async () => {
    const fresh = await token({ amr: ['pwd'], auth_time: seconds() - 300 })
    expect((await get('/recent', fresh)).statusCode).toBe(200)
    const stale = await token({ amr: ['pwd'], auth_time: seconds() - 301 })
    const res = await get('/recent', stale)
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({
      detail: 'This action requires a recent authentication. Log in again and retry.',
      code: 'reauthentication_required',
    })
    expect((await get('/recent', await token({}))).statusCode).toBe(403)
    expect(() => recentAuth(-1)).toThrow(TypeError)
  })

  it('the Express middleware takes requireMfa and maxAuthAge', async () => {
    const middleware = tesseraExpress({
      secret: SECRET,
      algorithms: ['HS256'],
      clock,
      requireMfa: true,
      maxAuthAge: 60,
      now,
    })
    const run = async (access: string) => {
      let status = 200
      let body: unknown
      let passed = false
      const res = {
        status(code: number) {
          status = code
          return res
        },
        set() {
          return res
        },
        json(value: unknown) {
          body = value
          return value
        },
      }
      await middleware({ method: 'GET', headers: { authorization: `Bearer ${access}` } }, res, () => {
        passed = true
      })
      return { status, body, passed }
    }
    expect((await run(await token({ amr: ['pwd', 'hwk', 'mfa'], auth_time: seconds() }))).passed).toBe(true)
    expect((await run(await token({ amr: ['pwd'], auth_time: seconds() }))).body).toMatchObject({
      code: 'mfa_required',
    })
    const old = await run(await token({ amr: ['pwd', 'otp', 'mfa'], auth_time: seconds() - 61 }))
    expect(old.status).toBe(403)
    expect(old.body).toMatchObject({ code: 'reauthentication_required' })
  })
})
