import { describe, expect, it } from 'vitest'
import type { PasswordHasher } from '../../src/accounts/passwords/index.js'
import { withConcurrencyLimit } from '../../src/accounts/passwords/index.js'

describe('withConcurrencyLimit', () => {
  it('never runs more than max hashes at once, and runs them all in order', async () => {
    let running = 0
    let peak = 0
    const order: string[] = []
    const slow = async (label: string) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 5))
      order.push(label)
      running--
    }
    const fake: PasswordHasher = {
      hash: async (password) => {
        await slow(`hash:${password}`)
        return `h:${password}`
      },
      verify: async (_stored, password) => {
        await slow(`verify:${password}`)
        return { ok: true, needsRehash: false }
      },
      burn: async (password) => slow(`burn:${password}`),
    }
    const limited = withConcurrencyLimit(fake, 2)
    const results = await Promise.all([
      limited.hash('a'),
      limited.verify('x', 'b'),
      limited.burn('c'),
      limited.hash('d'),
      limited.hash('e'),
    ])
    expect(peak).toBe(2)
    expect(results[0]).toBe('h:a')
    expect(results[4]).toBe('h:e')
    expect(order).toHaveLength(5)
    expect(() => withConcurrencyLimit(fake, 0)).toThrow(TypeError)
  })

  it('a failing hash frees its slot', async () => {
    const failing: PasswordHasher = {
      hash: async () => {
        throw new Error('boom')
      },
      verify: async () => ({ ok: false, needsRehash: false }),
      burn: async () => {},
    }
    const limited = withConcurrencyLimit(failing, 1)
    await expect(limited.hash('x')).rejects.toThrow('boom')
    await expect(limited.verify('s', 'p')).resolves.toEqual({ ok: false, needsRehash: false })
  })
})
