/**
 * Audit retention (issue 17, item 12): events older than the cut-off are deleted in batches, on
 * both backends, and nothing newer is touched.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SqlStores } from '../../src/store/sql/index.js'
import { BACKENDS, openMigrated, type TestStores } from './backends.js'

const DAY = 86_400_000
const NOW = Date.UTC(2030, 5, 1, 12, 0, 0, 500)

for (const backend of BACKENDS) {
  describe(`audit retention (${backend})`, () => {
    let opened: TestStores
    let stores: SqlStores
    beforeEach(async () => {
      opened = await openMigrated(backend)
      stores = opened.stores
    })
    afterEach(async () => opened.dispose())

    const write = (ageMs: number, event: string) =>
      stores.audit.write({
        at: new Date(NOW - ageMs),
        event,
        userId: null,
        ip: null,
        userAgent: null,
        detail: {},
      })

    it('deletes the events older than the cut-off in batches, and only those', async () => {
      for (let i = 0; i < 7; i++) await write(91 * DAY + i, `old${i}`)
      await write(90 * DAY, 'at-cutoff')
      await write(DAY, 'recent')
      await write(0, 'now')
      const cutoff = new Date(NOW - 90 * DAY)
      expect(await stores.audit.flushOlderThan(cutoff, 3)).toBe(7)
      expect((await stores.audit.recent(100)).map((event) => event.event)).toEqual([
        'now',
        'recent',
        'at-cutoff',
      ])
      expect(await stores.audit.flushOlderThan(cutoff, 3)).toBe(0)
    })

    it('refuses a batch size that is not a positive integer', async () => {
      await expect(stores.audit.flushOlderThan(new Date(NOW), 0)).rejects.toThrow(RangeError)
    })
  })
}
