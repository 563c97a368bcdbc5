/**
 * The server's password-hashing threads (src/node/hash-workers.ts): the same hashes as
 * @node-rs/argon2 on libuv's pool, at most `size` threads, each at the configured nice value.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { LIBUV_ARGON2 } from '../../src/accounts/passwords/index.js'
import { defaultHashConcurrency, HashWorkers } from '../../src/node/hash-workers.js'

// Cheap parameters: the tests are about where hashes run, not how long they take.
const OPTIONS = { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1, outputLen: 32 } as const

/** Nice values of this process's threads (field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // The command name may hold spaces: count fields after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return [Number(fields[16])]
    } catch {
      return [] // the thread ended meanwhile
    }
  })
}

let workers: HashWorkers | undefined
afterEach(async () => {
  await workers?.close()
  workers = undefined
})

describe('HashWorkers', () => {
  it('hashes and verifies as @node-rs/argon2 does, both ways', async () => {
    workers = new HashWorkers({ size: 1, nice: 0 })
    const hashed = await workers.hash('correct horse', OPTIONS)
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    expect(await LIBUV_ARGON2.verify(hashed, 'correct horse')).toBe(true)
    const theirs = await LIBUV_ARGON2.hash('battery staple', OPTIONS)
    expect(await workers.verify(theirs, 'battery staple')).toBe(true)
    expect(await workers.verify(theirs, 'battery stapler')).toBe(false)
  })

  it('rejects a malformed hash with an error, and goes on working', async () => {
    workers = new HashWorkers({ size: 1, nice: 0 })
    await expect(workers.verify('$argon2id$nonsense', 'x')).rejects.toThrow(Error)
    expect(await workers.verify(await workers.hash('x', OPTIONS), 'x')).toBe(true)
  })

  it('runs many jobs on at most `size` threads, each at the nice value asked for', async () => {
    const nice = 13
    const before = threadNiceValues().filter((value) => value === nice).length
    workers = new HashWorkers({ size: 2, nice })
    const passwords = Array.from({ length: 8 }, (_, i) => `password ${i}`)
    const hashes = await Promise.all(passwords.map((password) => workers?.hash(password, OPTIONS)))
    expect(new Set(hashes).size).toBe(8)
    for (const [i, hashed] of hashes.entries()) {
      expect(await LIBUV_ARGON2.verify(hashed as string, passwords[i] as string)).toBe(true)
    }
    expect(workers.niced).toBe(true)
    expect(threadNiceValues().filter((value) => value === nice).length - before).toBe(2)
  })

  it('refuses a job whose arguments cannot be sent to a thread, and goes on working', async () => {
    workers = new HashWorkers({ size: 1, nice: 0 })
    const unsendable = { ...OPTIONS, secret: () => 'a function is not data' }
    await expect(workers.hash('x', unsendable as typeof OPTIONS)).rejects.toThrow()
    expect(await workers.verify(await workers.hash('y', OPTIONS), 'y')).toBe(true)
  })

  it('refuses queued and later jobs once closed', async () => {
    workers = new HashWorkers({ size: 1, nice: 0 })
    const queued = Array.from({ length: 4 }, () => workers?.hash('x', { ...OPTIONS, memoryCost: 65_536 }))
    const settled = Promise.allSettled(queued)
    await workers.close()
    const outcomes = await settled
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true)
    await expect(workers.hash('x', OPTIONS)).rejects.toThrow('closed')
  })

  it('refuses a size or nice value out of range', () => {
    expect(() => new HashWorkers({ size: 0, nice: 0 })).toThrow(RangeError)
    expect(() => new HashWorkers({ size: 1, nice: 20 })).toThrow(RangeError)
    expect(() => new HashWorkers({ size: 1, nice: -1 })).toThrow(RangeError)
  })

  it('defaults to one less than the cores, at least 1 and at most 4', () => {
    expect([1, 2, 3, 5, 8, 64].map((cores) => defaultHashConcurrency(cores))).toEqual([1, 1, 2, 4, 4, 4])
  })
})
