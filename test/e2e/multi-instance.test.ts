/**
 * Issue 6: three server processes sharing PostgreSQL and Redis, with a client spreading requests
 * over them: logins and rotations everywhere, logout-all on one honoured by the others within a
 * second, rate limits shared, and nothing lost when one instance is killed mid-load and restarted.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, type ServerProcess, spawnServer } from '../helpers/process.js'
import { freshPgSchema } from '../helpers/server.js'
import { REDIS_URL } from '../store/backends.js'

const USER = { username: 'multi', email: 'multi@example.com', password: 'Multi-Pass-123' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('several instances behind one client', () => {
  let dir: string
  let drop: () => Promise<void>
  let env: Record<string, string>
  const instances: ServerProcess[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-multi-'))
    const schema = await freshPgSchema()
    drop = schema.drop
    env = {
      TESSERA_DATABASE_URL: schema.url,
      TESSERA_REDIS_URL: REDIS_URL,
      TESSERA_REDIS_PREFIX: `multi-${Date.now().toString(36)}:`,
      TESSERA_SIGNING_KEY: 'multi-instance-signing-key-of-32-bytes!',
      TESSERA_KEY_DIR: join(dir, 'keys'),
      TESSERA_ARGON2_MEMORY_KIB: '1024',
      TESSERA_ARGON2_ITERATIONS: '1',
      TESSERA_RATE_LIMIT_LOGIN_PER_IP: '1000',
      // Twelve parallel logins to one account from one address hold twelve throttle slots at
      // once: above the default of 10 they are refused as parallel guessing would be.
      TESSERA_RATE_LIMIT_LOGIN_PER_ACCOUNT: '100',
      TESSERA_RATE_LIMIT_REFRESH_PER_IP: '100000',
      TESSERA_RATE_LIMIT_REGISTER_PER_IP: '4',
    }
    // The first instance migrates (development mode); the others find the schema ready.
    instances.push(await spawnServer(env))
    instances.push(...(await Promise.all([spawnServer(env), spawnServer(env)])))
  }, 60_000)

  afterAll(async () => {
    for (const instance of instances) instance.child.kill('SIGTERM')
    await Promise.all(instances.map((instance) => instance.exited))
    await drop?.()
    rmSync(dir, { recursive: true, force: true })
  })

  const at = (i: number) => instances[i % instances.length]?.url ?? ''

  it('logs in and rotates on any instance; logout-all on one is honoured by the others within a second', async () => {
    expect((await postJson(`${at(0)}/api/register/`, USER)).status).toBe(201)
    const pairs = await Promise.all(
      Array.from(
        { length: 9 },
        async (_, i) =>
          (await postJson(`${at(i)}/api/token/`, USER)).body as { access: string; refresh: string },
      ),
    )
    // Each chain rotates on every instance in turn.
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        pairs.map(async (pair, i) => {
          const res = await postJson(`${at(i + round)}/api/token/refresh/`, { refresh: pair.refresh })
          expect(res.status).toBe(200)
          pair.refresh = res.body.refresh as string
          pair.access = res.body.access as string
        }),
      )
    }
    const access = pairs[0]?.access ?? ''
    const hello = (i: number) =>
      fetch(`${at(i)}/api/hello/`, { headers: { authorization: `Bearer ${access}` } })
    for (const i of [0, 1, 2]) expect((await hello(i)).status).toBe(200)

    const res = await fetch(`${at(0)}/api/logout/all/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access}` },
    })
    expect(res.status).toBe(200)
    const started = Date.now()
    for (const i of [1, 2]) {
      let refused = false
      while (!refused && Date.now() - started < 1000) {
        refused = (await hello(i)).status === 401
        if (!refused) await sleep(10)
      }
      expect(refused).toBe(true)
    }
    expect(Date.now() - started).toBeLessThan(1000)
  }, 30_000)

  it('shares rate limits across instances (through Redis)', async () => {
    const codes: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await postJson(`${at(i)}/api/register/`, {
        username: `r${i}`,
        email: `r${i}@example.com`,
        password: 'x',
      })
      codes.push(res.status)
    }
    // One registration already counted in the first test: the fourth here is the fifth overall.
    expect(codes).toEqual([400, 400, 400, 429])
  })

  it('loses nothing when an instance is killed mid-load and restarted', async () => {
    const chains = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await postJson(`${at(i)}/api/token/`, USER)
        expect(res).toMatchObject({ status: 200 })
        return res.body.refresh as string
      }),
    )
    let stop = false
    let retried = 0
    const load = chains.map(async (_, index) => {
      let round = 0
      while (!stop) {
        const token = chains[index] as string
        for (let attempt = 0; ; attempt++) {
          // A load balancer would retry a dead instance's request on another one: so do we.
          const url = at(index + round + attempt)
          try {
            const res = await postJson(`${url}/api/token/refresh/`, { refresh: token })
            expect(res).toMatchObject({ status: 200 })
            chains[index] = res.body.refresh as string
            break
          } catch (error) {
            if ((error as Error).name === 'AssertionError') throw error
            retried++
            if (attempt > 5) throw error
          }
        }
        round++
      }
    })
    await sleep(300)
    const victim = instances[1] as ServerProcess
    victim.child.kill('SIGKILL')
    await victim.exited
    await sleep(300)
    instances[1] = await spawnServer(env)
    await sleep(300)
    stop = true
    await Promise.all(load)
    expect(retried).toBeGreaterThan(0)
    // Every chain is alive, on every instance including the restarted one.
    for (const [index, token] of chains.entries()) {
      const res = await postJson(`${at(index)}/api/token/refresh/`, { refresh: token })
      expect(res.status).toBe(200)
    }
  }, 60_000)
})
