/**
 * Real processes (issue 5): SIGTERM drains in-flight requests, and a crash (SIGKILL) in the middle
 * of rotations under load leaves no refresh token both rotated and live.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnServer, postJson } from '../helpers/process.js'
import { freshPgSchema } from '../helpers/server.js'

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-proc-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('process lifecycle', () => {
  it('SIGTERM lets in-flight requests finish, then exits 0', async () => {
    const dir = tempDir()
    const server = await spawnServer({
      TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      TESSERA_KEY_DIR: join(dir, 'keys'),
      TESSERA_RATE_LIMIT_ENABLED: 'false',
      // At debug each request is logged as it arrives, unbuffered.
      TESSERA_LOG_LEVEL: 'debug',
    })
    const user = { username: 'drain', email: 'drain@example.com', password: 'Drain-Pass-123' }
    expect((await postJson(`${server.url}/api/register/`, user)).status).toBe(201)
    // Logins at the production argon2id cost take long enough to still be running at SIGTERM.
    // Warm the connections up first, so the requests below are received at once rather than
    // still connecting when the signal arrives (a request the server never received is the load
    // balancer's to retry, not the server's to drain).
    await Promise.all(
      Array.from({ length: 16 }, () => fetch(`${server.url}/healthz`).then((res) => res.text())),
    )
    let answered = 0
    const inFlight = Array.from({ length: 16 }, () =>
      postJson(`${server.url}/api/token/`, { username: user.username, password: user.password }).finally(
        () => {
          answered++
        },
      ),
    )
    // In flight = received by the server: wait until it has logged all sixteen, then signal.
    const received = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('request received') && line.includes('"route":"/api/token/"')).length
    for (let i = 0; i < 200 && received() < 16; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(received()).toBe(16)
    const answeredBeforeSignal = answered
    server.child.kill('SIGTERM')
    const results = await Promise.all(inFlight)
    // The signal really arrived mid-flight...
    expect(answeredBeforeSignal).toBeLessThan(16)
    // ...and every request still got its answer.
    expect(results.map((result) => result.status)).toEqual(Array(16).fill(200))
    expect(await server.exited).toBe(0)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })

  it('SIGTERM writes every buffered access line before the process exits', async () => {
    const dir = tempDir()
    const server = await spawnServer({
      TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      TESSERA_KEY_DIR: join(dir, 'keys'),
      TESSERA_RATE_LIMIT_ENABLED: 'false',
      TESSERA_LOG_LEVEL: 'info',
    })
    const requests = 150
    for (let sent = 0; sent < requests; sent += 10) {
      await Promise.all(
        Array.from({ length: 10 }, () => fetch(`${server.url}/healthz`).then((res) => res.text())),
      )
    }
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const accessLines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; route?: string; status?: number })
      .filter((line) => line.msg === 'request completed' && line.route === '/healthz' && line.status === 200)
    expect(accessLines).toHaveLength(requests)
  })

  it('a crash in the middle of rotations leaves no token both rotated and live', async () => {
    const schema = await freshPgSchema()
    const dir = tempDir()
    try {
      const env = {
        TESSERA_DATABASE_URL: schema.url,
        TESSERA_KEY_DIR: join(dir, 'keys'),
        TESSERA_RATE_LIMIT_ENABLED: 'false',
        TESSERA_ARGON2_MEMORY_KIB: '1024',
        TESSERA_ARGON2_ITERATIONS: '1',
      }
      const server = await spawnServer(env)
      const user = { username: 'crash', email: 'crash@example.com', password: 'Crash-Pass-123' }
      expect((await postJson(`${server.url}/api/register/`, user)).status).toBe(201)
      const chains = await Promise.all(
        Array.from(
          { length: 24 },
          async () => (await postJson(`${server.url}/api/token/`, user)).body.refresh as string,
        ),
      )
      let stop = false
      const load = chains.map(async (first) => {
        let token = first
        while (!stop) {
          try {
            const res = await postJson(`${server.url}/api/token/refresh/`, { refresh: token })
            if (res.status !== 200) return
            token = res.body.refresh as string
          } catch {
            return // the server died under us
          }
        }
      })
      await new Promise((resolve) => setTimeout(resolve, 400))
      server.child.kill('SIGKILL')
      stop = true
      await Promise.all(load)
      expect(await server.exited).toBe('SIGKILL')

      const client = new pg.Client(schema.url)
      await client.connect()
      try {
        const rotations = await client.query(
          'select count(*)::int as n from outstanding_tokens where rotated_at is not null',
        )
        expect(rotations.rows[0].n).toBeGreaterThan(24)
        const rotatedButLive = await client.query(
          `select count(*)::int as n from outstanding_tokens o
           where o.rotated_at is not null
             and not exists (select 1 from blacklisted_tokens b where b.jti = o.jti)`,
        )
        expect(rotatedButLive.rows[0].n).toBe(0)
        const dangling = await client.query(
          `select count(*)::int as n from outstanding_tokens o
           where o.replaced_by is not null
             and not exists (select 1 from outstanding_tokens r where r.jti = o.replaced_by)`,
        )
        expect(dangling.rows[0].n).toBe(0)
      } finally {
        await client.end()
      }
    } finally {
      await schema.drop()
    }
  }, 60_000)
})
