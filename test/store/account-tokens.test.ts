/**
 * `account_tokens` on SQLite and PostgreSQL: a token is used at most once under concurrency,
 * `replace` voids the older links, and flushing deletes used and expired ones only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { AccountToken } from '../../src/store/ports.js'
import { BACKENDS, openMigrated, type TestStores } from './backends.js'

const NOW = 1_700_000_000_000
const token = (hash: string, overrides: Partial<AccountToken> = {}): AccountToken => ({
  hash: hash.padEnd(64, '0'),
  purpose: 'password_reset',
  userId: 7,
  email: 'u@example.com',
  fingerprint: 'f',
  createdAt: new Date(NOW),
  expiresAt: new Date(NOW + 60_000),
  ...overrides,
})

for (const backend of BACKENDS) {
  describe(`account tokens (${backend})`, () => {
    let opened: TestStores
    afterEach(async () => opened?.dispose())

    it('of concurrent uses of one token exactly one succeeds; never after expiry or for another purpose', async () => {
      opened = await openMigrated(backend)
      const tokens = opened.stores.accountTokens
      await tokens.issue(token('a'), true)
      const now = new Date(NOW + 1000)
      expect(await tokens.consume(token('a').hash, 'email_verify', now)).toBeUndefined()
      const results = await Promise.all(
        Array.from({ length: 8 }, () => tokens.consume(token('a').hash, 'password_reset', now)),
      )
      expect(results.filter((result) => result !== undefined)).toHaveLength(1)
      expect(results.find((result) => result !== undefined)).toMatchObject({
        userId: 7,
        email: 'u@example.com',
        fingerprint: 'f',
      })
      expect(await tokens.find(token('a').hash, 'password_reset', now)).toBeUndefined()

      await tokens.issue(token('b'), true)
      expect(await tokens.find(token('b').hash, 'password_reset', new Date(NOW + 60_000))).toBeUndefined()
      expect(await tokens.consume(token('b').hash, 'password_reset', new Date(NOW + 60_000))).toBeUndefined()
    })

    it('replace voids the same user and purpose only; voidFor; flushExpired keeps live tokens', async () => {
      opened = await openMigrated(backend)
      const tokens = opened.stores.accountTokens
      const now = new Date(NOW)
      await tokens.issue(token('c'), true)
      await tokens.issue(token('d', { purpose: 'email_verify' }), true)
      await tokens.issue(token('e', { userId: 8 }), true)
      await tokens.issue(token('f'), true)
      expect(await tokens.find(token('c').hash, 'password_reset', now)).toBeUndefined()
      expect(await tokens.find(token('d').hash, 'email_verify', now)).toBeDefined()
      expect(await tokens.find(token('e').hash, 'password_reset', now)).toBeDefined()
      expect(await tokens.find(token('f').hash, 'password_reset', now)).toBeDefined()
      expect(await tokens.voidFor(7, ['email_verify'], now)).toBe(1)
      expect(await tokens.find(token('d').hash, 'email_verify', now)).toBeUndefined()
      await tokens.issue(token('g', { expiresAt: new Date(NOW + 10) }), false)
      // c and d (used), g (expired at NOW + 10) go; e and f stay.
      expect(await tokens.flushExpired(new Date(NOW + 10), 1)).toBe(3)
      expect(await tokens.find(token('e').hash, 'password_reset', now)).toBeDefined()
      expect(await tokens.find(token('f').hash, 'password_reset', now)).toBeDefined()
    })
  })
}
