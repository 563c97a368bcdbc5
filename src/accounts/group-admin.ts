import { UserNotFound, ValidationFailed } from '../core/errors.js'
import type { AdminStore, GroupSummary, UserStore } from '../store/ports.js'
import { type AccountAdmin, type Actor, actorFacts } from './admin.js'
import type { AuditLog } from './audit.js'
import { readCharFields } from './validators/drf-fields.js'

/** `auth.Group.name` max_length. */
export const MAX_GROUP_NAME_LENGTH = 150

/**
 * Group names travel in every token (`roles`): printable, no spaces at the ends, and short. The
 * problem, or undefined. The CLI and the admin API apply the same rule.
 */
export function groupNameProblem(name: string): string | undefined {
  if (name.trim() !== name || name === '')
    return 'a group name must not be empty or start or end with a space'
  if (/\p{Cc}/u.test(name)) return 'a group name must not contain control characters'
  if ([...name].length > MAX_GROUP_NAME_LENGTH)
    return `a group name has at most ${MAX_GROUP_NAME_LENGTH} characters`
  return undefined
}

/** The `name` of a JSON body, by DRF's CharField and then {@link groupNameProblem}. */
function readGroupName(body: unknown): string {
  const { name } = readCharFields(body, { name: { maxLength: MAX_GROUP_NAME_LENGTH } })
  const problem = groupNameProblem(name)
  if (problem !== undefined)
    throw new ValidationFailed({ name: [`${problem[0]?.toUpperCase()}${problem.slice(1)}.`] })
  return name
}

const TAKEN = 'group with this name already exists.'

/**
 * Groups (the `roles` claim) as an operator manages them. Renaming or deleting a group, or taking
 * a member out, changes what members' tokens say: their tokens are voided as logout-all does.
 */
export class GroupAdmin {
  constructor(
    private readonly deps: {
      directory: Pick<
        AdminStore,
        'createGroup' | 'renameGroup' | 'deleteGroup' | 'groupMembers' | 'findGroup'
      >
      users: Pick<UserStore, 'findById'>
      accounts: AccountAdmin
      audit: Pick<AuditLog, 'record'>
    },
  ) {}

  /** @throws ValidationFailed (a bad or taken name) */
  async create(body: unknown, by?: Actor): Promise<GroupSummary> {
    return this.createNamed(readGroupName(body), by)
  }

  /** The CLI's way in: the name as typed. @throws ValidationFailed (a bad or taken name) */
  async createNamed(name: string, by?: Actor): Promise<GroupSummary> {
    const problem = groupNameProblem(name)
    if (problem !== undefined) throw new ValidationFailed({ name: [problem] })
    const group = await this.deps.directory.createGroup(name)
    if (group === undefined) throw new ValidationFailed({ name: [TAKEN] })
    await this.deps.audit.record('group_created', actorFacts(by, null, { group: name }))
    return group
  }

  /** Undefined for an unknown group. @throws ValidationFailed */
  async rename(groupId: number, body: unknown, by: Actor): Promise<GroupSummary | undefined> {
    const name = readGroupName(body)
    const before = await this.deps.directory.findGroup(groupId)
    if (before === undefined) return undefined
    if (before.name === name) return before
    const members = await this.deps.directory.groupMembers(groupId)
    const outcome = await this.deps.directory.renameGroup(groupId, name)
    if (outcome === 'missing') return undefined
    if (outcome === 'taken') throw new ValidationFailed({ name: [TAKEN] })
    for (const member of members) await this.#voidTokens(member.id)
    await this.deps.audit.record(
      'group_renamed',
      actorFacts(by, null, { group: name, previous: before.name, members: members.length }),
    )
    return this.deps.directory.findGroup(groupId)
  }

  /** False for an unknown group. */
  async delete(groupId: number, by: Actor): Promise<boolean> {
    const group = await this.deps.directory.findGroup(groupId)
    if (group === undefined) return false
    const members = await this.deps.directory.groupMembers(groupId)
    if (!(await this.deps.directory.deleteGroup(groupId))) return false
    for (const member of members) await this.#voidTokens(member.id)
    await this.deps.audit.record(
      'group_deleted',
      actorFacts(by, null, { group: group.name, members: members.length }),
    )
    return true
  }

  /**
   * Adds or removes a member. False when nothing changed.
   *
   * @throws UserNotFound for an unknown user
   */
  async setMember(group: GroupSummary, userId: number, member: boolean, by: Actor): Promise<boolean> {
    if ((await this.deps.users.findById(userId)) === undefined) throw new UserNotFound()
    return this.deps.accounts.setMembership(userId, group.name, member, by)
  }

  async #voidTokens(userId: number): Promise<void> {
    await this.deps.accounts.revokeAll(userId)
  }
}
