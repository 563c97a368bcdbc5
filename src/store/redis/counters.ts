import type { Redis } from 'ioredis'
import type { CounterStore } from '../ports.js'

/** Counters shared by every instance: INCR, with the window's expiry set on the first hit. */
export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'tessera:count:',
  ) {}

  async increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
    const name = this.prefix + key
    const results = await this.redis.multi().incr(name).pexpire(name, windowMs, 'NX').pttl(name).exec()
    const count = Number(results?.[0]?.[1] ?? 0)
    const ttlMs = Number(results?.[2]?.[1] ?? windowMs)
    return { count, ttlMs: ttlMs < 0 ? windowMs : ttlMs }
  }

  async peek(key: string): Promise<{ count: number; ttlMs: number }> {
    const name = this.prefix + key
    const [count, ttl] = await Promise.all([this.redis.get(name), this.redis.pttl(name)])
    if (count === null || ttl < 0) return { count: 0, ttlMs: 0 }
    return { count: Number(count), ttlMs: ttl }
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key)
  }
}
