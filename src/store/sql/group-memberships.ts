import type { Kysely } from 'kysely'
import { toNumber } from './columns.js'
import type { Database } from './schema.js'

/** The tables that say which groups a user is in: Tessera's users', and an app's own users'. */
export type MembershipTable = 'user_groups' | 'app_user_groups'

/**
 * Makes `names` (deduplicated) the user's groups, inside the caller's transaction: groups that do
 * not exist yet are created, memberships not named are removed.
 */
export async function replaceGroupMemberships(
  tx: Kysely<Database>,
  table: MembershipTable,
  userId: number,
  names: readonly string[],
): Promise<void> {
  const wanted = [...new Set(names)]
  await tx.deleteFrom(table).where('user_id', '=', userId).execute()
  if (wanted.length === 0) return
  await tx
    .insertInto('groups')
    .values(wanted.map((name) => ({ name })))
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute()
  const groups = await tx.selectFrom('groups').select('id').where('name', 'in', wanted).execute()
  await tx
    .insertInto(table)
    .values(groups.map((group) => ({ user_id: userId, group_id: toNumber(group.id) })))
    .execute()
}
