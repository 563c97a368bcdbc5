import { ValidationFailed } from '../../core/errors.js'
import { groupNameProblem } from '../../server/operator.js'
import type { Command } from '../command.js'
import { withStores } from '../context.js'

const USAGE = `usage: tessera groups <create|list|add|remove> …
  create NAME               a new, empty group
  list                      every group with its members
  add NAME USERNAME…        put users in the group (their next token lists it in "roles")
  remove NAME USERNAME…     take users out of the group; their tokens are voided, as logout-all does
`

/** `tessera groups …`: groups (the `roles` claim) and their members. Every change is audited. */
export const groupsCommand: Command = {
  name: 'groups',
  summary: 'groups create|list|add|remove: groups (the roles claim) and their members',
  async run(args, io) {
    const [sub, name, ...usernames] = args
    const needsMembers = sub === 'add' || sub === 'remove'
    if (
      !(sub === 'create' || sub === 'list' || needsMembers) ||
      (sub !== 'list' && name === undefined) ||
      (needsMembers && usernames.length === 0)
    ) {
      io.stderr.write(USAGE)
      return 2
    }
    return withStores(io, async ({ stores, accounts, groups }) => {
      if (sub === 'list') {
        for (const group of await stores.users.listGroups()) {
          io.stdout.write(`${group.name}: ${group.members.join(', ') || '(no members)'}\n`)
        }
        return 0
      }
      const group = name as string
      const problem = groupNameProblem(group)
      if (problem !== undefined) {
        io.stderr.write(`Error: ${problem}\n`)
        return 1
      }
      if (sub === 'create') {
        try {
          await groups.createNamed(group)
        } catch (error) {
          if (!(error instanceof ValidationFailed)) throw error
          io.stderr.write(`Error: group '${group}' already exists\n`)
          return 1
        }
        io.stdout.write(`Group '${group}' created.\n`)
        return 0
      }
      // Every name is checked before anything changes, so a typo changes nobody.
      const users = []
      for (const username of usernames) {
        const user = await stores.users.findByUsername(username)
        if (user === undefined) {
          io.stderr.write(`Error: user '${username}' does not exist\n`)
          return 1
        }
        users.push(user)
      }
      for (const user of users) {
        const changed = await accounts.setMembership(user.id, group, sub === 'add')
        io.stdout.write(
          changed
            ? sub === 'add'
              ? `Added '${user.username}' to '${group}'.\n`
              : `Removed '${user.username}' from '${group}'; their tokens are void.\n`
            : `'${user.username}' was ${sub === 'add' ? 'already' : 'not'} in '${group}'.\n`,
        )
      }
      return 0
    })
  },
}
