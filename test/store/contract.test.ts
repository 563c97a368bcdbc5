/**
 * The store contract (`src/store/ports.ts`), run against every SQL backend. Each test gets a fresh,
 * migrated database, so no test depends on another's rows.
 */
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UniqueViolation, UserNotFound, ValidationFailed } from '../../src/core/errors.js'
import { newJti } from '../../src/core/ids.js'
import type { NewUser, OutstandingToken, RotationResult } from '../../src/store/ports.js'
import type { AppUserStore, SqlStores, SqlUserStore } from '../../src/store/sql/index.js'
import { BACKENDS, openMigratedWith, type TestStores, USERS_TABLES } from './backends.js'

/** A fixed instant with a non-zero millisecond part, so truncation to seconds would show. */
const BASE = Date.UTC(2030, 0, 15, 12, 0, 0, 123)
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Until when an ended session is remembered, for the ledger calls that end sessions. */
const VOID_UNTIL = new Date(BASE + 2 * DAY)
const at = (offsetMs: number) => new Date(BASE + offsetMs)

async function settle<T>(promise: Promise<T>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

for (const [backend, usersTable] of BACKENDS.flatMap((b) => USERS_TABLES.map((u) => [b, u] as const))) {
  // Every port over Tessera's users table, then again with an app's own (`AppUserStore`).
  describe(`SQL store contract (${backend}${usersTable === 'app' ? ', app users table' : ''})`, () => {
    let opened: TestStores<SqlUserStore | AppUserStore>
    let stores: SqlStores<SqlUserStore | AppUserStore>

    beforeEach(async () => {
      opened = await openMigratedWith(backend, usersTable)
      stores = opened.stores
    })
    afterEach(async () => {
      await opened.dispose()
    })

    let counter = 0
    const newUser = (overrides: Partial<NewUser> = {}): NewUser => {
      counter += 1
      return {
        username: `user${counter}`,
        email: `user${counter}@example.com`,
        passwordHash: 'argon2id$x',
        ...overrides,
      }
    }
    const userId = async (overrides: Partial<NewUser> = {}) =>
      (await stores.users.create(newUser(overrides))).id

    let tokenCount = 0
    /** A login token (its own family), created one second after the previous one. */
    const token = (owner: number, overrides: Partial<OutstandingToken> = {}): OutstandingToken => {
      tokenCount += 1
      const jti = newJti()
      return {
        jti,
        userId: owner,
        familyId: jti,
        parentJti: null,
        createdAt: at(tokenCount * 1000),
        expiresAt: at(DAY),
        userAgent: 'vitest/4',
        ip: '192.0.2.1',
        ...overrides,
      }
    }

    describe('lifecycle', () => {
      it('pings the database', async () => {
        await expect(stores.lifecycle.ping()).resolves.toBeUndefined()
      })
    })

    describe('users', () => {
      it('creates a user with defaults and finds it by id, username and email', async () => {
        const created = await stores.users.create({
          username: 'alice',
          email: 'Alice@Example.com',
          passwordHash: 'h',
        })
        expect(created).toMatchObject({
          username: 'alice',
          email: 'Alice@Example.com',
          passwordHash: 'h',
          firstName: '',
          lastName: '',
          isActive: true,
          isStaff: false,
          isSuperuser: false,
          lastLogin: null,
        })
        expect(created.id).toBeGreaterThan(0)
        expect(created.dateJoined).toBeInstanceOf(Date)
        expect(await stores.users.findById(created.id)).toEqual(created)
        expect(await stores.users.findByUsername('alice')).toEqual(created)
        expect(await stores.users.findByEmail('alice@example.COM')).toEqual(created)
        expect(await stores.users.findById(created.id + 1000)).toBeUndefined()
        expect(await stores.users.findByEmail('nobody@example.com')).toBeUndefined()
      })

      it('round-trips every field, dates exact to the millisecond', async () => {
        const input: NewUser = {
          username: 'bob',
          email: 'bob@example.com',
          passwordHash: 'pbkdf2_sha256$260000$salt$hash',
          firstName: 'Bob',
          lastName: 'Builder',
          isActive: false,
          isStaff: true,
          isSuperuser: true,
          dateJoined: at(0),
          lastLogin: at(1),
          // Tessera's table keeps it (migration 0011); an app's table without the column cannot say.
          ...(usersTable === 'tessera' ? { emailVerified: true } : {}),
        }
        const { id, ...rest } = await stores.users.create(input)
        expect(rest).toEqual({ ...input, dateJoined: at(0), lastLogin: at(1) })
        const found = await stores.users.findById(id)
        expect(found?.dateJoined.getTime()).toBe(BASE)
        expect(found?.lastLogin?.getTime()).toBe(BASE + 1)
      })

      it('matches usernames case-sensitively', async () => {
        await stores.users.create(newUser({ username: 'Carol' }))
        expect(await stores.users.findByUsername('carol')).toBeUndefined()
        // A username differing only in case is another user, as in Django.
        const other = await stores.users.create(newUser({ username: 'carol' }))
        expect((await stores.users.findByUsername('carol'))?.id).toBe(other.id)
      })

      it('refuses a taken username', async () => {
        await stores.users.create(newUser({ username: 'dave' }))
        const error = await settle(stores.users.create(newUser({ username: 'dave' })))
        expect(error).toBeInstanceOf(UniqueViolation)
        expect((error as UniqueViolation).fields).toEqual(['username'])
      })

      it('refuses a taken email whatever its case', async () => {
        await stores.users.create(newUser({ email: 'Erin@Example.com' }))
        const error = await settle(stores.users.create(newUser({ email: 'erin@example.COM' })))
        expect(error).toBeInstanceOf(UniqueViolation)
        expect((error as UniqueViolation).fields).toEqual(['email'])
      })

      it('names both fields when both are taken', async () => {
        await stores.users.create(newUser({ username: 'frank', email: 'frank@example.com' }))
        const error = await settle(
          stores.users.create(newUser({ username: 'frank', email: 'FRANK@example.com' })),
        )
        expect(error).toBeInstanceOf(UniqueViolation)
        expect((error as UniqueViolation).fields).toEqual(['username', 'email'])
        expect(await stores.users.count()).toBe(1)
      })

      it('lets exactly one of concurrent creates of one username succeed', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            stores.users.create(newUser({ username: 'grace', email: `g${i}@example.com` })),
          ),
        )
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
        for (const result of results) {
          if (result.status === 'rejected') {
            expect(result.reason).toBeInstanceOf(UniqueViolation)
            expect((result.reason as UniqueViolation).fields).toEqual(['username'])
          }
        }
      })

      it('keeps an explicit id and assigns later ids after it', async () => {
        const imported = await stores.users.create(newUser({ id: 42 }))
        expect(imported.id).toBe(42)
        const next = await stores.users.create(newUser())
        expect(next.id).toBeGreaterThan(42)
      })

      it('updates fields and returns the new record', async () => {
        const id = await userId()
        const updated = await stores.users.update(id, {
          email: 'new@example.com',
          firstName: 'New',
          lastName: 'Name',
          isActive: false,
          isStaff: true,
          isSuperuser: true,
          passwordHash: 'argon2id$new',
          lastLogin: at(5),
        })
        expect(updated).toMatchObject({
          id,
          email: 'new@example.com',
          firstName: 'New',
          lastName: 'Name',
          isActive: false,
          isStaff: true,
          isSuperuser: true,
          passwordHash: 'argon2id$new',
          lastLogin: at(5),
        })
        expect(await stores.users.findById(id)).toEqual(updated)
        expect((await stores.users.update(id, { lastLogin: null }))?.lastLogin).toBeNull()
        expect(await stores.users.update(id, {})).toEqual({ ...updated, lastLogin: null })
      })

      it('answers undefined when updating an unknown user', async () => {
        expect(await stores.users.update(999_999, { firstName: 'x' })).toBeUndefined()
      })

      it("refuses an update to another user's email, whatever its case, but allows a case change of one's own", async () => {
        await stores.users.create(newUser({ email: 'taken@example.com' }))
        const id = await userId({ email: 'mine@example.com' })
        const error = await settle(stores.users.update(id, { email: 'TAKEN@example.com' }))
        expect(error).toBeInstanceOf(UniqueViolation)
        expect((error as UniqueViolation).fields).toEqual(['email'])
        expect((await stores.users.update(id, { email: 'MINE@example.com' }))?.email).toBe('MINE@example.com')
      })

      it('deletes a user with its groups and tokens', async () => {
        const id = await userId()
        await stores.users.setGroups(id, ['staff'])
        await stores.ledger.recordIssued(token(id))
        expect(await stores.users.delete(id)).toBe(true)
        expect(await stores.users.findById(id)).toBeUndefined()
        expect(await stores.users.groupNames(id)).toEqual([])
        expect(await stores.ledger.liveSessions(id, at(0))).toEqual([])
        expect(await stores.users.delete(id)).toBe(false)
      })

      it('replaces group memberships, creating groups, and lists names sorted', async () => {
        const first = await userId()
        const second = await userId()
        await stores.users.setGroups(first, ['writers', 'Admins', 'editors', 'writers'])
        expect(await stores.users.groupNames(first)).toEqual(['Admins', 'editors', 'writers'])
        await stores.users.setGroups(second, ['editors', 'readers'])
        await stores.users.setGroups(first, ['readers'])
        expect(await stores.users.groupNames(first)).toEqual(['readers'])
        expect(await stores.users.groupNames(second)).toEqual(['editors', 'readers'])
        await stores.users.setGroups(first, [])
        expect(await stores.users.groupNames(first)).toEqual([])
      })

      it('reads a user with their group names in one call, the same as findById and groupNames', async () => {
        const id = await userId()
        // Names that a naive join or split would break: commas, quotes, brackets, non-ASCII.
        const names = ['z, "quoted"', 'Ärzte', '[x]', 'a\\b', 'staff']
        await stores.users.setGroups(id, names)
        const found = await stores.users.findWithGroups(id)
        expect(found?.user).toEqual(await stores.users.findById(id))
        expect(found?.groups).toEqual(await stores.users.groupNames(id))
        expect(found?.groups).toEqual([...names].sort())
        await stores.users.setGroups(id, [])
        expect((await stores.users.findWithGroups(id))?.groups).toEqual([])
        expect(await stores.users.findWithGroups(999_999)).toBeUndefined()
      })

      it('refuses groups for an unknown user', async () => {
        expect(await settle(stores.users.setGroups(999_999, ['x']))).toBeInstanceOf(UserNotFound)
      })

      it('counts users', async () => {
        expect(await stores.users.count()).toBe(0)
        await userId()
        await userId()
        expect(await stores.users.count()).toBe(2)
      })
    })

    describe('token ledger', () => {
      it('records an issued token once and lists it as a live session, every field intact', async () => {
        const owner = await userId()
        const issued = token(owner)
        await stores.ledger.recordIssued(issued)
        await stores.ledger.recordIssued(issued)
        expect(await stores.ledger.liveSessions(owner, at(0))).toEqual([{ ...issued, lastUsedAt: null }])
        const [session] = await stores.ledger.liveSessions(owner, at(0))
        expect(session?.createdAt.getTime()).toBe(issued.createdAt.getTime())
        expect(session?.expiresAt.getTime()).toBe(BASE + DAY)
      })

      it('blacklists a token once, recording it first when unknown', async () => {
        const owner = await userId()
        const unknown = token(owner)
        expect(await stores.ledger.isBlacklisted(unknown.jti)).toBe(false)
        expect(await stores.ledger.blacklist(unknown, at(10), VOID_UNTIL)).toBe(true)
        expect(await stores.ledger.isBlacklisted(unknown.jti)).toBe(true)
        expect(await stores.ledger.blacklist(unknown, at(20), VOID_UNTIL)).toBe(false)
        expect(await stores.ledger.liveSessions(owner, at(0))).toEqual([])
        // It was recorded: recording it now changes nothing and it stays out of the live list.
        await stores.ledger.recordIssued(unknown)
        expect(await stores.ledger.liveSessions(owner, at(0))).toEqual([])
      })

      it("blacklists a deleted user's token", async () => {
        const owner = await userId()
        const orphan = token(owner)
        await stores.users.delete(owner)
        expect(await stores.ledger.blacklist(orphan, at(1), VOID_UNTIL)).toBe(true)
        expect(await stores.ledger.isBlacklisted(orphan.jti)).toBe(true)
      })

      it('rotates a token into its family and marks both used', async () => {
        const owner = await userId()
        const login = token(owner)
        await stores.ledger.recordIssued(login)
        const next = token(owner, { familyId: 'ignored: the ledger knows the family' })
        const rotatedAt = at(HOUR)
        expect(await stores.ledger.rotate(login, next, rotatedAt, true)).toEqual({
          outcome: 'rotated',
          familyId: expect.any(String),
        })
        expect(await stores.ledger.isBlacklisted(login.jti)).toBe(true)
        expect(await stores.ledger.liveSessions(owner, at(HOUR))).toEqual([
          { ...next, familyId: login.jti, parentJti: login.jti, lastUsedAt: rotatedAt },
        ])
      })

      it('leaves the old token off the blacklist when not asked to blacklist it', async () => {
        const owner = await userId()
        const login = token(owner)
        await stores.ledger.recordIssued(login)
        expect(await stores.ledger.rotate(login, token(owner), at(1), false)).toEqual({
          outcome: 'rotated',
          familyId: expect.any(String),
        })
        expect(await stores.ledger.isBlacklisted(login.jti)).toBe(false)
        // Rotated tokens are consumed: no longer a live session either way.
        expect((await stores.ledger.liveSessions(owner, at(1))).map((s) => s.jti)).not.toContain(login.jti)
      })

      it('answers already_rotated, with the winner, to a second rotation', async () => {
        const owner = await userId()
        const login = token(owner)
        const next = token(owner)
        await stores.ledger.rotate(login, next, at(1000), true)
        const again = await stores.ledger.rotate(login, token(owner), at(2000), true)
        expect(again).toEqual({
          outcome: 'already_rotated',
          rotatedAt: at(1000),
          replacedBy: next.jti,
          replacement: expect.objectContaining({ jti: next.jti }),
          familyId: login.jti,
        })
        expect((await stores.ledger.liveSessions(owner, at(2000))).map((s) => s.jti)).toEqual([next.jti])
      })

      it('records an unknown old token when rotating it, and consumes it without a replacement', async () => {
        const owner = await userId()
        const old = token(owner)
        expect(await stores.ledger.rotate(old, null, at(1), false)).toEqual({
          outcome: 'rotated',
          familyId: expect.any(String),
        })
        expect(await stores.ledger.rotate(old, null, at(2), false)).toEqual({
          outcome: 'already_rotated',
          rotatedAt: at(1),
          replacedBy: null,
          replacement: null,
          familyId: old.familyId,
        })
      })

      it.each([true, false])(
        'lets exactly one of 20 concurrent rotations of one token win (blacklistOld %s)',
        async (blacklistOld) => {
          const owner = await userId()
          const login = token(owner)
          await stores.ledger.recordIssued(login)
          const replacements = Array.from({ length: 20 }, () => token(owner))
          const results = await Promise.all(
            replacements.map((replacement) =>
              stores.ledger.rotate(login, replacement, at(HOUR), blacklistOld),
            ),
          )
          const winners = results.flatMap((result, i) =>
            result.outcome === 'rotated' ? [replacements[i]] : [],
          )
          expect(winners).toHaveLength(1)
          const losers = results.filter((result) => result.outcome !== 'rotated')
          expect(losers).toHaveLength(19)
          for (const loser of losers) {
            expect(loser).toEqual({
              outcome: 'already_rotated',
              rotatedAt: at(HOUR),
              replacedBy: winners[0]?.jti ?? null,
              replacement: expect.objectContaining({ jti: winners[0]?.jti }),
              familyId: login.jti,
            } satisfies RotationResult)
          }
          // One live family: only the winner's replacement was recorded.
          expect((await stores.ledger.liveSessions(owner, at(HOUR))).map((s) => s.jti)).toEqual([
            winners[0]?.jti,
          ])
        },
      )

      it('refuses to rotate a blacklisted token and changes nothing', async () => {
        const owner = await userId()
        const login = token(owner)
        await stores.ledger.recordIssued(login)
        await stores.ledger.blacklist(login, at(1), VOID_UNTIL)
        const replacement = token(owner)
        expect(await stores.ledger.rotate(login, replacement, at(2), true)).toEqual({
          outcome: 'blacklisted',
        })
        expect(await stores.ledger.liveSessions(owner, at(2))).toEqual([])
        expect(await stores.ledger.isBlacklisted(replacement.jti)).toBe(false)
        // Still never rotated: a second attempt is refused the same way, not as already_rotated.
        expect(await stores.ledger.rotate(login, token(owner), at(3), false)).toEqual({
          outcome: 'blacklisted',
        })
      })

      describe('rotateForActiveUser', () => {
        it('reads the user with their groups and rotates, as findWithGroups and rotate would', async () => {
          const owner = await userId({ firstName: 'Ada', lastLogin: at(5) })
          await stores.users.setGroups(owner, ['z, "q"', 'Ärzte', 'staff'])
          const login = token(owner)
          await stores.ledger.recordIssued(login)
          const next = token(owner)
          const answer = await stores.ledger.rotateForActiveUser(login, next, at(HOUR), true)
          expect(answer).toEqual({
            account: await stores.users.findWithGroups(owner),
            rotation: { outcome: 'rotated', familyId: expect.any(String) },
          })
          expect(answer.account?.groups).toEqual(['staff', 'z, "q"', 'Ärzte'])
          expect(await stores.ledger.isBlacklisted(login.jti)).toBe(true)
          expect(await stores.ledger.liveSessions(owner, at(HOUR))).toEqual([
            { ...next, familyId: login.jti, parentJti: login.jti, lastUsedAt: at(HOUR) },
          ])
        })

        it('answers the later outcomes of rotate: already rotated (with the winner), then blacklisted', async () => {
          const owner = await userId()
          const login = token(owner)
          const next = token(owner)
          // Never recorded: the ledger records it on the way, as rotate does.
          expect((await stores.ledger.rotateForActiveUser(login, next, at(1000), true)).rotation).toEqual({
            outcome: 'rotated',
            familyId: expect.any(String),
          })
          const again = await stores.ledger.rotateForActiveUser(login, token(owner), at(2000), true)
          expect(again.account?.user.id).toBe(owner)
          expect(again.rotation).toEqual({
            outcome: 'already_rotated',
            rotatedAt: at(1000),
            replacedBy: next.jti,
            replacement: expect.objectContaining({ jti: next.jti }),
            familyId: login.jti,
          })
          const loggedOut = token(owner)
          await stores.ledger.recordIssued(loggedOut)
          await stores.ledger.blacklist(loggedOut, at(3000), VOID_UNTIL)
          const refused = await stores.ledger.rotateForActiveUser(loggedOut, token(owner), at(4000), true)
          expect(refused.rotation).toEqual({ outcome: 'blacklisted' })
          expect((await stores.ledger.liveSessions(owner, at(4000))).map((s) => s.jti)).toEqual([next.jti])
        })

        it('changes nothing for an inactive user, and answers no account for a deleted one', async () => {
          const owner = await userId()
          const login = token(owner)
          await stores.ledger.recordIssued(login)
          await stores.users.update(owner, { isActive: false })
          const inactive = await stores.ledger.rotateForActiveUser(login, token(owner), at(HOUR), true)
          expect(inactive).toEqual({ account: await stores.users.findWithGroups(owner), rotation: null })
          expect(inactive.account?.user.isActive).toBe(false)
          expect(await stores.ledger.isBlacklisted(login.jti)).toBe(false)
          expect((await stores.ledger.liveSessions(owner, at(HOUR))).map((s) => s.jti)).toEqual([login.jti])

          const gone = await userId()
          const orphan = token(gone)
          await stores.users.delete(gone)
          expect(await stores.ledger.rotateForActiveUser(orphan, token(gone), at(HOUR), true)).toEqual({
            account: undefined,
            rotation: null,
          })
        })

        it('lets exactly one of 20 concurrent calls for one token win', async () => {
          const owner = await userId()
          const login = token(owner)
          await stores.ledger.recordIssued(login)
          const replacements = Array.from({ length: 20 }, () => token(owner))
          const answers = await Promise.all(
            replacements.map((r) => stores.ledger.rotateForActiveUser(login, r, at(HOUR), true)),
          )
          const outcomes = answers.map((a) => a.rotation?.outcome)
          expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1)
          expect(outcomes.filter((o) => o === 'already_rotated')).toHaveLength(19)
          const winner = replacements[outcomes.indexOf('rotated')]
          expect((await stores.ledger.liveSessions(owner, at(HOUR))).map((s) => s.jti)).toEqual([winner?.jti])
        })

        it('answers each of many refreshes asked for at once, one token asked twice', async () => {
          const owners = [await userId(), await userId(), await userId()]
          await stores.users.setGroups(owners[1] as number, ['b', 'a'])
          const logins = Array.from({ length: 30 }, (_, i) => token(owners[i % 3] as number))
          for (const login of logins) await stores.ledger.recordIssued(login)
          const twice = logins[7] as OutstandingToken
          const asked = [...logins, twice].map((login) => ({ login, next: token(login.userId) }))
          const answers = await Promise.all(
            asked.map(({ login, next }) => stores.ledger.rotateForActiveUser(login, next, at(HOUR), true)),
          )
          for (const [i, answer] of answers.entries()) {
            const login = asked[i]?.login as OutstandingToken
            expect(answer.account?.user.id).toBe(login.userId)
            expect(answer.account?.groups).toEqual(login.userId === owners[1] ? ['a', 'b'] : [])
            if (login !== twice)
              expect(answer.rotation).toEqual({ outcome: 'rotated', familyId: expect.any(String) })
          }
          const forTwice = [answers[7], answers[30]].map((a) => a?.rotation?.outcome).sort()
          expect(forTwice).toEqual(['already_rotated', 'rotated'])
          for (const owner of owners) {
            const live = await stores.ledger.liveSessions(owner, at(HOUR))
            expect(live).toHaveLength(10)
            expect(live.every((s) => s.parentJti !== null)).toBe(true)
          }
          for (const login of logins) expect(await stores.ledger.isBlacklisted(login.jti)).toBe(true)
        })

        if (backend === 'postgres') {
          it('retries each refresh of a batch alone when the batch fails as a whole', async () => {
            // A batch undone by one refresh that raced a logout (TSR01) looks like this to the caller.
            // A sequence counts the batch calls: nextval survives the rollback.
            await stores.db.executeQuery(
              sql`create sequence batch_calls; create or replace function tessera_refresh_many(requests json) returns json
                  language plpgsql as $$ begin
                    perform nextval('batch_calls');
                    raise exception 'one refresh raced a logout' using errcode = 'TSR01';
                  end $$`.compile(stores.db),
            )
            const owner = await userId()
            const logins = Array.from({ length: 5 }, () => token(owner))
            for (const login of logins) await stores.ledger.recordIssued(login)
            const answers = await Promise.all(
              logins.map((login) => stores.ledger.rotateForActiveUser(login, token(owner), at(HOUR), true)),
            )
            expect(answers.map((a) => a.rotation?.outcome)).toEqual(Array(5).fill('rotated'))
            expect(await stores.ledger.liveSessions(owner, at(HOUR))).toHaveLength(5)
            const calls = await stores.db.executeQuery<{ n: string }>(
              sql`select last_value as n from batch_calls`.compile(stores.db),
            )
            expect(Number(calls.rows[0]?.n)).toBe(1)
          })
        }
      })

      it('revokes every live token of a family, once', async () => {
        const owner = await userId()
        const a = token(owner)
        const b = token(owner)
        const c = token(owner)
        await stores.ledger.recordIssued(a)
        await stores.ledger.rotate(a, b, at(1), true) // a blacklisted by the rotation
        await stores.ledger.rotate(b, c, at(2), false) // b rotated, not blacklisted
        const expired = token(owner, { familyId: a.jti, expiresAt: at(-1) })
        await stores.ledger.recordIssued(expired)
        const otherFamily = token(owner)
        await stores.ledger.recordIssued(otherFamily)

        expect(await stores.ledger.revokeFamily(a.jti, at(3), VOID_UNTIL)).toBe(2) // b and c
        for (const jti of [a.jti, b.jti, c.jti]) expect(await stores.ledger.isBlacklisted(jti)).toBe(true)
        expect(await stores.ledger.isBlacklisted(expired.jti)).toBe(false)
        expect((await stores.ledger.liveSessions(owner, at(3))).map((s) => s.jti)).toEqual([otherFamily.jti])
        expect(await stores.ledger.revokeFamily(a.jti, at(4), VOID_UNTIL)).toBe(0)
        // A revoked, rotated token still reports its rotation, so a replay is recognised as one.
        expect((await stores.ledger.rotate(b, token(owner), at(5), true)).outcome).toBe('already_rotated')
        expect(await stores.ledger.rotate(c, token(owner), at(5), true)).toEqual({ outcome: 'blacklisted' })
      })

      it("revokes every live token of a user and no one else's", async () => {
        const owner = await userId()
        const other = await userId()
        const live = [token(owner), token(owner)]
        for (const t of [...live, token(owner, { expiresAt: at(-1) })]) await stores.ledger.recordIssued(t)
        const theirs = token(other)
        await stores.ledger.recordIssued(theirs)

        expect(await stores.ledger.revokeUser(owner, at(0), VOID_UNTIL)).toBe(2)
        expect(await stores.ledger.liveSessions(owner, at(0))).toEqual([])
        expect((await stores.ledger.liveSessions(other, at(0))).map((s) => s.jti)).toEqual([theirs.jti])
        expect(await stores.ledger.revokeUser(owner, at(1), VOID_UNTIL)).toBe(0)
      })

      it('lists only unexpired, unrotated, unblacklisted tokens of the user, newest first', async () => {
        const owner = await userId()
        const other = await userId()
        const oldest = token(owner)
        const middle = token(owner)
        const newest = token(owner)
        const expired = token(owner, { expiresAt: at(HOUR) })
        const rotated = token(owner)
        const blacklisted = token(owner)
        const replacement = token(owner)
        for (const t of [newest, oldest, middle, expired, rotated, blacklisted, token(other)]) {
          await stores.ledger.recordIssued(t)
        }
        await stores.ledger.rotate(rotated, replacement, at(2 * HOUR), false)
        await stores.ledger.blacklist(blacklisted, at(2 * HOUR), VOID_UNTIL)

        const sessions = await stores.ledger.liveSessions(owner, at(HOUR))
        expect(sessions.map((s) => s.jti)).toEqual([replacement.jti, newest.jti, middle.jti, oldest.jti])
        // `expiresAt == now` is expired.
        expect(sessions.map((s) => s.jti)).not.toContain(expired.jti)
        expect((await stores.ledger.liveSessions(owner, at(HOUR - 1))).map((s) => s.jti)).toContain(
          expired.jti,
        )
      })

      it('flushes expired rows in batches smaller than the backlog and keeps live ones', async () => {
        const owner = await userId()
        const expired = Array.from({ length: 10 }, () => token(owner, { expiresAt: at(-HOUR) }))
        for (const t of expired) await stores.ledger.recordIssued(t)
        for (const t of expired.slice(0, 7)) await stores.ledger.blacklist(t, at(-2 * HOUR), VOID_UNTIL)
        const live = token(owner)
        const liveBlacklisted = token(owner)
        await stores.ledger.recordIssued(live)
        await stores.ledger.blacklist(liveBlacklisted, at(0), VOID_UNTIL)

        expect(await stores.ledger.flushExpired(at(0), 3)).toEqual({
          outstanding: 10,
          blacklisted: 7,
          endedSessions: 0,
        })
        expect(await stores.ledger.isBlacklisted(expired[0]?.jti ?? '')).toBe(false)
        expect(await stores.ledger.isBlacklisted(liveBlacklisted.jti)).toBe(true)
        expect((await stores.ledger.liveSessions(owner, at(0))).map((s) => s.jti)).toEqual([live.jti])
        expect(await stores.ledger.flushExpired(at(0), 3)).toEqual({
          outstanding: 0,
          blacklisted: 0,
          endedSessions: 0,
        })
        // Exactly a multiple of the batch size: the loop still ends.
        for (const t of Array.from({ length: 3 }, () => token(owner, { expiresAt: at(-1) }))) {
          await stores.ledger.recordIssued(t)
        }
        expect(await stores.ledger.flushExpired(at(0), 3)).toEqual({
          outstanding: 3,
          blacklisted: 0,
          endedSessions: 0,
        })
        // An ended session is kept until its last access token has expired, then flushed.
        const ending = token(owner)
        await stores.ledger.recordIssued(ending)
        await stores.ledger.revokeFamily(ending.familyId, at(0), at(10))
        const feed = await stores.revocations.endedSessionsSince(-1)
        expect(feed.sessions).toContainEqual({
          sessionId: ending.familyId,
          userId: owner,
          voidUntil: BASE + 10,
        })
        expect((await stores.ledger.flushExpired(at(5), 3)).endedSessions).toBe(0)
        expect((await stores.ledger.flushExpired(at(10), 3)).endedSessions).toBe(1)
        const left = (await stores.revocations.endedSessionsSince(-1)).sessions.map(
          (ended) => ended.sessionId,
        )
        expect(left).not.toContain(ending.familyId)
        // A poller that saw the flushed session still sees the next one: positions are not reused.
        const following = token(owner)
        await stores.ledger.recordIssued(following)
        await stores.ledger.revokeFamily(following.familyId, at(11), at(20))
        const news = await stores.revocations.endedSessionsSince(feed.cursor)
        expect(news.sessions.map((ended) => ended.sessionId)).toContain(following.familyId)
      })

      it('refuses a batch size that is not a positive integer', async () => {
        await expect(stores.ledger.flushExpired(at(0), 0)).rejects.toBeInstanceOf(RangeError)
        await expect(stores.ledger.flushExpired(at(0), 1.5)).rejects.toBeInstanceOf(RangeError)
      })
    })

    describe('revocation cut-offs', () => {
      it('starts with an empty feed', async () => {
        expect(await stores.revocations.cutoffsSince(0)).toEqual({ cursor: 0, cutoffs: [] })
      })

      it('feeds changes in order, each once, and only moves cut-offs forward', async () => {
        await stores.revocations.setCutoff(1, 1_900_000_100)
        await stores.revocations.setCutoff(2, 1_900_000_200)
        await stores.revocations.setCutoff(1, 1_900_000_150)
        const all = await stores.revocations.cutoffsSince(0)
        // User 1 changed last, so it comes after user 2.
        expect(all.cutoffs).toEqual([
          { userId: 2, notBefore: 1_900_000_200 },
          { userId: 1, notBefore: 1_900_000_150 },
        ])
        expect(all.cursor).toBeGreaterThan(0)

        await stores.revocations.setCutoff(1, 1_900_000_120) // earlier: no change
        expect(await stores.revocations.cutoffsSince(all.cursor)).toEqual({ cursor: all.cursor, cutoffs: [] })

        await stores.revocations.setCutoff(3, 1_900_000_050)
        const next = await stores.revocations.cutoffsSince(all.cursor)
        expect(next.cutoffs).toEqual([{ userId: 3, notBefore: 1_900_000_050 }])
        expect(next.cursor).toBeGreaterThan(all.cursor)
        expect((await stores.revocations.cutoffsSince(0)).cutoffs).toContainEqual({
          userId: 1,
          notBefore: 1_900_000_150,
        })
      })

      it('gives concurrent changes distinct feed positions', async () => {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => stores.revocations.setCutoff(100 + i, 1_900_000_000 + i)),
        )
        const feed = await stores.revocations.cutoffsSince(0)
        expect(feed.cutoffs.map((c) => c.userId).sort()).toEqual(
          Array.from({ length: 10 }, (_, i) => 100 + i),
        )
        const seqs = (await stores.db.selectFrom('user_cutoffs').select('seq').orderBy('seq').execute()).map(
          (row) => Number(row.seq),
        )
        expect(new Set(seqs).size).toBe(10)
        // Polling from any position sees exactly the rest of the feed.
        const rest = await stores.revocations.cutoffsSince(seqs[4] ?? Number.NaN)
        expect(rest.cutoffs).toEqual(feed.cutoffs.slice(5))
        expect(rest.cursor).toBe(feed.cursor)
      })
    })

    describe('audit', () => {
      it('writes events and reads the latest first, details intact', async () => {
        const owner = await userId()
        await stores.audit.write({
          at: at(1),
          event: 'login',
          userId: owner,
          ip: '192.0.2.1',
          userAgent: 'ua',
          detail: {},
        })
        await stores.audit.write({
          at: at(3),
          event: 'refresh_reuse',
          userId: owner,
          ip: null,
          userAgent: null,
          detail: { familyId: 'f', count: 2, nested: { ok: true } },
        })
        await stores.audit.write({
          at: at(2),
          event: 'login_failed',
          userId: null,
          ip: null,
          userAgent: null,
          detail: {},
        })

        expect(await stores.audit.recent(2)).toEqual([
          {
            at: at(3),
            event: 'refresh_reuse',
            userId: owner,
            ip: null,
            userAgent: null,
            detail: { familyId: 'f', count: 2, nested: { ok: true } },
          },
          { at: at(2), event: 'login_failed', userId: null, ip: null, userAgent: null, detail: {} },
        ])
        expect((await stores.audit.recent(10)).map((e) => e.event)).toEqual([
          'refresh_reuse',
          'login_failed',
          'login',
        ])
      })

      it('stores events written at once in batches, none lost, each write settled when stored', async () => {
        // More than one INSERT's worth (200 rows), all in the same turn of the event loop.
        const count = 450
        await Promise.all(
          Array.from({ length: count }, (_, n) =>
            stores.audit.write({
              at: at(n),
              event: 'probe',
              userId: null,
              ip: '192.0.2.1',
              userAgent: null,
              detail: { n },
            }),
          ),
        )
        const events = await stores.audit.recent(count + 10)
        expect(events).toHaveLength(count)
        expect(events.map((event) => event.detail.n)).toEqual(
          Array.from({ length: count }, (_, n) => count - 1 - n),
        )
      })

      it('shows queued events to a reader at once; a bad row fails alone, not its batch', async () => {
        const event = (name: unknown, n: number) =>
          stores.audit.write({
            at: at(n),
            event: name as string,
            userId: null,
            ip: null,
            userAgent: null,
            detail: { n },
          })
        const first = event('queued', 1)
        // Not awaited: recent() still sees it.
        expect((await stores.audit.recent(1))[0]?.event).toBe('queued')
        await first
        // Three writes in one batch; the middle one breaks the NOT NULL on `event`.
        const results = await Promise.allSettled([event('before', 2), event(null, 3), event('after', 4)])
        expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
        expect((await stores.audit.recent(5)).map((e) => e.event)).toEqual(['after', 'before', 'queued'])
      })

      it('keeps events about a deleted user', async () => {
        const owner = await userId()
        await stores.audit.write({
          at: at(0),
          event: 'user_deleted',
          userId: owner,
          ip: null,
          userAgent: null,
          detail: {},
        })
        await stores.users.delete(owner)
        expect((await stores.audit.recent(1))[0]?.userId).toBe(owner)
      })
    })

    describe('api clients', () => {
      it('creates and finds a client, refusing a taken id', async () => {
        const created = await stores.clients.create({
          clientId: 'billing',
          secretHash: 'argon2id$secret',
          name: 'Billing service',
          createdAt: at(7),
        })
        expect(created).toEqual({
          clientId: 'billing',
          secretHash: 'argon2id$secret',
          name: 'Billing service',
          createdAt: at(7),
        })
        expect(await stores.clients.find('billing')).toEqual(created)
        expect(await stores.clients.find('nobody')).toBeUndefined()
        const error = await settle(
          stores.clients.create({ clientId: 'billing', secretHash: 'x', name: 'Other' }),
        )
        expect(error).toBeInstanceOf(ValidationFailed)
        expect((error as ValidationFailed).fields).toHaveProperty('client_id')
        expect((await stores.clients.find('billing'))?.name).toBe('Billing service')
      })
    })

    if (backend === 'sqlite') {
      it('runs concurrent transactions one after another on the single SQLite connection', async () => {
        // Each transaction reads, yields to the event loop, then writes what it read + 1. Interleaved
        // transactions would read the same value and write duplicates.
        await Promise.all(
          Array.from({ length: 20 }, () =>
            stores.db.transaction().execute(async (tx) => {
              const row = await tx
                .selectFrom('audit_events')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
              await new Promise((resolve) => setImmediate(resolve))
              await tx
                .insertInto('audit_events')
                .values({
                  at: BASE,
                  event: 'probe',
                  user_id: null,
                  ip: null,
                  user_agent: null,
                  detail: JSON.stringify({ n: Number(row.n) }),
                })
                .execute()
            }),
          ),
        )
        const events = await stores.audit.recent(100)
        expect(events.map((e) => e.detail.n).sort((x, y) => Number(x) - Number(y))).toEqual(
          Array.from({ length: 20 }, (_, i) => i),
        )
      })
    }
  })
}
