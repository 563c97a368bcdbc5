/**
 * Issue 17, item 8: the per-account login throttle counts each attempt atomically before the
 * password is checked, so parallel guesses cannot all be evaluated, and it counts per account
 * whatever name (username or e-mail, any case or compatibility form) the attacker used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { REDIS_URL } from '../store/backends.js'

const ALICE = { username: 'alice', email: 'alice@example.com', password: 'Wonderland-42!' }
const LIMIT = 10
let lastOctet = 0
/** A fresh client address per test: the throttle counts per account and address. */
const address = () => `10.77.${Math.floor(Math.random() * 250)}.${++lastOctet}`

for (const counters of ['memory', 'redis'] as const) {
  describe(`login throttle (${counters} counters)`, () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer('sqlite', {
        LOGIN_FIELD: 'username_or_email',
        RATE_LIMIT_ENABLED: true,
        RATE_LIMIT_LOGIN_PER_IP: 1000,
        RATE_LIMIT_LOGIN_PER_ACCOUNT: LIMIT,
        RATE_LIMIT_WINDOW: 60,
        ...(counters === 'redis' ? { REDIS_URL } : {}),
      })
      await server.createUser(ALICE)
    })
    afterAll(async () => server.dispose())

    const obtain = (username: string, password: string, remoteAddress: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username, password },
        remoteAddress,
      })

    it('29 parallel wrong passwords against one account: no more than the limit are evaluated', async () => {
      const ip = address()
      const answers = await Promise.all(
        Array.from({ length: 29 }, (_, i) => obtain(ALICE.username, `wrong-${i}`, ip)),
      )
      const codes = answers.map((res) => res.statusCode)
      expect(codes.filter((code) => code === 401).length).toBe(LIMIT)
      expect(codes.filter((code) => code === 429).length).toBe(29 - LIMIT)
      // The right password waits out the window from that address too.
      expect((await obtain(ALICE.username, ALICE.password, ip)).statusCode).toBe(429)
    })

    it('the username and the e-mail of one account share one count', async () => {
      const ip = address()
      const codes: number[] = []
      for (let i = 0; i < 6; i++) {
        codes.push((await obtain(ALICE.username, 'wrong', ip)).statusCode)
        codes.push((await obtain(ALICE.email.toUpperCase(), 'wrong', ip)).statusCode)
      }
      expect(codes.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401))
      expect(codes.slice(LIMIT)).toEqual([429, 429])
    })

    it('a success resets the count of that account and address', async () => {
      const ip = address()
      for (let i = 0; i < LIMIT - 1; i++)
        expect((await obtain(ALICE.username, 'wrong', ip)).statusCode).toBe(401)
      expect((await obtain(ALICE.email, ALICE.password, ip)).statusCode).toBe(200)
      for (let i = 0; i < LIMIT; i++) expect((await obtain(ALICE.username, 'wrong', ip)).statusCode).toBe(401)
    })

    it('unknown names count by their normalised form', async () => {
      const ip = address()
      const names = ['nobody', 'Nobody', 'ｎｏｂｏｄｙ', ' nobody ', 'NOBODY']
      const codes: number[] = []
      for (let i = 0; i < 12; i++)
        codes.push((await obtain(names[i % names.length] ?? '', 'wrong', ip)).statusCode)
      expect(codes.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401))
      expect(codes.slice(LIMIT)).toEqual([429, 429])
    })
  })
}
