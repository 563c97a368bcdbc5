/**
 * Issue 17, item 7: a failed login takes as long whatever the account's hasher, so response times
 * do not tell which accounts were imported from Django (PBKDF2; 260,000 rounds here, Django 4.0's,
 * to keep the test short) from unknown names or argon2id accounts; a successful login does not pay that floor. Real hashers: argon2id
 * at the OWASP parameters and Django's PBKDF2. Medians over interleaved tries, with tolerances
 * wide enough for a loaded two-core machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeDjangoPbkdf2 } from '../../src/accounts/passwords/index.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const TRIES = 9
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

describe('failed-login timing', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      ARGON2_MEMORY_KIB: 19_456,
      ARGON2_ITERATIONS: 2,
      LOGIN_TIMING_PBKDF2_ITERATIONS: 260_000,
    })
    await server.createUser({ username: 'native', password: 'Native-pass-1!' })
    const imported = await encodeDjangoPbkdf2('Imported-pass-2!', 'saltsaltsalt', 260_000)
    for (const [username, isActive] of [
      ['imported', true],
      ['dormant', false],
    ] as const) {
      await server.stores.users.create({
        username,
        email: `${username}@example.com`,
        passwordHash: imported,
        isActive,
      })
    }
  }, 60_000)
  afterAll(async () => server.dispose())

  const timed = async (username: string, password: string, expected: number) => {
    const started = performance.now()
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username, password },
      remoteAddress: '10.55.0.1',
    })
    const elapsed = performance.now() - started
    expect(res.statusCode, username).toBe(expected)
    return elapsed
  }

  it('unknown, inactive and wrong-password logins take the same time whatever the hasher; successes stay fast', async () => {
    const kinds = {
      unknown: () => timed('nobody-here', 'Whatever-3!', 401),
      inactiveImported: () => timed('dormant', 'Imported-pass-2!', 401),
      wrongImported: () => timed('imported', 'Wrong-pass-4!', 401),
      wrongNative: () => timed('native', 'Wrong-pass-4!', 401),
      successNative: () => timed('native', 'Native-pass-1!', 200),
    }
    // One warm-up round: the first failure measures the floor.
    for (const run of Object.values(kinds)) await run()
    const samples: Record<keyof typeof kinds, number[]> = {
      unknown: [],
      inactiveImported: [],
      wrongImported: [],
      wrongNative: [],
      successNative: [],
    }
    for (let i = 0; i < TRIES; i++) {
      for (const [name, run] of Object.entries(kinds) as [keyof typeof kinds, () => Promise<number>][]) {
        samples[name].push(await run())
      }
    }
    const medians = Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [name, median(values)]),
    )
    const failures = [medians.unknown, medians.inactiveImported, medians.wrongImported, medians.wrongNative]
    const slowest = Math.max(...(failures as number[]))
    const fastest = Math.min(...(failures as number[]))
    // Today's code: unknown and argon2id failures are several times faster than PBKDF2 ones.
    expect(fastest, JSON.stringify(medians)).toBeGreaterThan(slowest * 0.8)
    expect(slowest - fastest, JSON.stringify(medians)).toBeLessThan(Math.max(25, slowest * 0.2))
    // A success verifies argon2id only and does not wait for the floor.
    expect(medians.successNative, JSON.stringify(medians)).toBeLessThan(fastest * 0.75)
  }, 120_000)
})
