/** `flushexpiredtokens` also deletes audit events older than `AUDIT_RETENTION` (issue 17, item 12). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openStores } from '../../src/store/sql/index.js'
import { runCommand } from '../helpers/cli.js'

const DAY = 86_400_000

describe('flushexpiredtokens and audit retention', () => {
  let dir: string
  let env: Record<string, string>
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-flush-audit-'))
    env = { TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`, TESSERA_KEY_DIR: join(dir, 'keys') }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Events 1, 10, 100 and 400 days old, written straight to the database. */
  async function seed(): Promise<void> {
    const stores = await openStores(env.TESSERA_DATABASE_URL as string)
    try {
      await migrateToLatest(stores.db)
      for (const days of [1, 10, 100, 400]) {
        await stores.audit.write({
          at: new Date(Date.now() - days * DAY),
          event: `aged${days}`,
          userId: null,
          ip: null,
          userAgent: null,
          detail: {},
        })
      }
    } finally {
      await stores.lifecycle.close()
    }
  }
  async function remaining(): Promise<string[]> {
    const stores = await openStores(env.TESSERA_DATABASE_URL as string)
    try {
      return (await stores.audit.recent(100)).map((event) => event.event)
    } finally {
      await stores.lifecycle.close()
    }
  }

  it('keeps 90 days of audit events by default, and says how many it deleted', async () => {
    await seed()
    const { code, out } = await runCommand(env, 'flushexpiredtokens', '--batch-size', '1')
    expect(code).toBe(0)
    expect(out).toContain('Deleted 2 audit event(s) older than 90 days.\n')
    expect(await remaining()).toEqual(['aged1', 'aged10'])
  })

  it('honours TESSERA_AUDIT_RETENTION, and 0 keeps every event', async () => {
    await seed()
    const keep = await runCommand({ ...env, TESSERA_AUDIT_RETENTION: '0' }, 'flushexpiredtokens')
    expect(keep.code).toBe(0)
    expect(keep.out).toContain('Audit events are kept (AUDIT_RETENTION is 0).\n')
    expect(await remaining()).toHaveLength(6)
    const week = await runCommand({ ...env, TESSERA_AUDIT_RETENTION: '7d' }, 'flushexpiredtokens')
    expect(week.out).toContain('Deleted 4 audit event(s) older than 7 days.\n')
    expect(await remaining()).toEqual(['aged1', 'aged1'])
  })
})
