import type { PasswordHasher } from './hasher.js'

/**
 * At most `max` password hashes at once; the rest wait their turn in order. argon2id runs on
 * libuv's threads, off the event loop, but it still needs a core: with every core hashing during a
 * login flood, protected requests (which need only a map lookup) would starve. Keeping one core
 * free for the event loop holds their throughput; logins queue instead, bounded by rate limits.
 */
export function withConcurrencyLimit(hasher: PasswordHasher, max: number): PasswordHasher {
  if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer')
  let running = 0
  const waiting: (() => void)[] = []
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await work()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
  return {
    hash: (password) => run(() => hasher.hash(password)),
    verify: (stored, password) => run(() => hasher.verify(stored, password)),
    burn: (password) => run(() => hasher.burn(password)),
  }
}
