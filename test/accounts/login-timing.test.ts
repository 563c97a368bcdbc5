/** The failure floor's arithmetic (issue 17, item 7); test/http/login-timing.test.ts times it for real. */
import { describe, expect, it } from 'vitest'
import { FailureFloor } from '../../src/accounts/login-timing.js'
import {
  hashCostKind,
  parseDjangoPbkdf2,
  unmatchablePbkdf2Hash,
  verifyDjangoPbkdf2,
} from '../../src/accounts/passwords/index.js'

describe('FailureFloor', () => {
  it('measures its references once, on first need, and the slowest kind sets the floor', async () => {
    let runs = 0
    const floor = new FailureFloor({
      references: [
        { kind: 'fast', run: async () => void runs++ },
        { kind: 'slow', run: () => new Promise((resolve) => setTimeout(resolve, 30)) },
      ],
    })
    expect(floor.floorMs()).toBe(0)
    await Promise.all([floor.prime(), floor.prime()])
    await floor.prime()
    expect(runs).toBe(1)
    expect(floor.floorMs()).toBeGreaterThanOrEqual(25)
    const started = floor.now()
    await floor.waitFrom(started)
    expect(floor.now() - started).toBeGreaterThanOrEqual(floor.floorMs() - 2)
  })

  it('follows a kind up at once and down after a few newer durations', () => {
    const floor = new FailureFloor({ references: [], samplesPerKind: 3 })
    floor.observe('argon2', 20)
    floor.observe('pbkdf2', 100)
    expect(floor.floorMs()).toBe(100)
    floor.observe('pbkdf2', 300)
    expect(floor.floorMs()).toBe(300)
    for (const ms of [90, 95, 100]) floor.observe('pbkdf2', ms)
    expect(floor.floorMs()).toBe(100)
  })

  it('tracks a bounded number of kinds', () => {
    const floor = new FailureFloor({ references: [], maxKinds: 2 })
    floor.observe('a', 1)
    floor.observe('b', 2)
    floor.observe('c', 1000)
    expect(floor.floorMs()).toBe(2)
  })
})

describe('unmatchablePbkdf2Hash', () => {
  it('is a well-formed hash of the given rounds that no password matches', async () => {
    const stored = unmatchablePbkdf2Hash(1000)
    expect(parseDjangoPbkdf2(stored)).toMatchObject({ algorithm: 'pbkdf2_sha256', iterations: 1000 })
    expect(hashCostKind(stored)).toBe('pbkdf2_sha256$1000')
    expect(await verifyDjangoPbkdf2(stored, '')).toBe(false)
    expect(await verifyDjangoPbkdf2(stored, 'reference')).toBe(false)
  })

  it('hash kinds drop salt and digest', () => {
    expect(hashCostKind('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$ZGlnZXN0')).toBe(
      '$argon2id$v=19$m=19456,t=2,p=1',
    )
    expect(hashCostKind('!unusable')).toBe('other')
    expect(hashCostKind('')).toBe('other')
  })
})
