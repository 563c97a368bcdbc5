/** Issue 18: the stores rely on every migration and never fall back; a server refuses a schema behind it. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../src/server/build.js'
import { migrateDown, migrateToLatest, openStores } from '../../src/store/sql/index.js'

describe('a server on a database not migrated to this version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-migrated-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses to start, naming the pending migrations and the command that applies them', async () => {
    const url = `sqlite:${join(dir, 'db.sqlite3')}`
    const stores = await openStores(url)
    await migrateToLatest(stores.db)
    const [undone] = await migrateDown(stores.db)
    await stores.destroy()
    const start = buildServer({
      logStream: false,
      settings: {
        env: {},
        mode: 'test',
        overrides: {
          DATABASE_URL: url,
          MIGRATE_ON_START: false,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: 'a-test-signing-key-long-enough-for-hs256-9f8e7d',
        },
      },
    })
    await expect(start).rejects.toThrow(new RegExp(`pending: ${undone}.*tessera migrate`))
  })
})
