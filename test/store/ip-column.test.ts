/**
 * The `ip` columns are `varchar(64)`: a longer value, whoever passes it, must never cost the row
 * (a lost audit event, a login answered 500 on PostgreSQL). It cannot be an address: stored as null.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newJti } from '../../src/core/ids.js'
import type { SqlStores } from '../../src/store/sql/index.js'
import { BACKENDS, openMigrated, type TestStores } from './backends.js'

const LONG = `203.0.113.7${'x'.repeat(89)}`

for (const backend of BACKENDS) {
  describe(`over-long client addresses (${backend})`, () => {
    let opened: TestStores
    let stores: SqlStores
    beforeEach(async () => {
      opened = await openMigrated(backend)
      stores = opened.stores
    })
    afterEach(async () => opened.dispose())

    it('an audit event keeps its row, without the address', async () => {
      expect(LONG).toHaveLength(100)
      const at = new Date()
      await stores.audit.write({
        at,
        event: 'login_failed',
        userId: null,
        ip: LONG,
        userAgent: 'ua',
        detail: {},
      })
      await stores.audit.write({
        at,
        event: 'login_failed',
        userId: null,
        ip: '::1',
        userAgent: 'ua',
        detail: {},
      })
      expect((await stores.audit.recent(5)).map((event) => event.ip)).toEqual(['::1', null])
    })

    it('an issued and a rotated refresh token keep their rows, without the address', async () => {
      const user = await stores.users.create({ username: 'u', email: 'u@example.com', passwordHash: 'x' })
      const now = new Date()
      const jti = newJti()
      const issued = {
        jti,
        userId: user.id,
        familyId: jti,
        parentJti: null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
        userAgent: null,
        ip: LONG,
      }
      await stores.ledger.recordIssued(issued)
      const child = { ...issued, jti: newJti(), parentJti: jti, ip: `${LONG}!` }
      expect(await stores.ledger.rotate(issued, child, now, true)).toEqual({
        outcome: 'rotated',
        familyId: issued.jti,
      })
      // A refresh's rotation with its user read (PostgreSQL's one-call path).
      const grandchild = { ...child, jti: newJti(), parentJti: child.jti }
      if (stores.ledger.rotateForActiveUser) {
        const { rotation } = await stores.ledger.rotateForActiveUser(child, grandchild, now, true)
        expect(rotation).toEqual({ outcome: 'rotated', familyId: issued.jti })
      } else {
        expect(await stores.ledger.rotate(child, grandchild, now, true)).toEqual({
          outcome: 'rotated',
          familyId: issued.jti,
        })
      }
      const sessions = await stores.ledger.liveSessions(user.id, now)
      expect(sessions.map((session) => [session.jti, session.ip])).toEqual([[grandchild.jti, null]])
    })
  })
}
