import { validatePassword } from '../../server/operator.js'
import type { Command } from '../command.js'
import { readSecret, withStores } from '../context.js'

export const changePasswordCommand: Command = {
  name: 'changepassword',
  summary: "change a user's password and end all their sessions: changepassword <username>",
  async run(args, io) {
    const username = args[0]
    if (username === undefined) {
      io.stderr.write('usage: tessera changepassword <username>\n')
      return 2
    }
    return withStores(io, async ({ stores, hasher, accounts }) => {
      const user = await stores.users.findByUsername(username)
      if (user === undefined) {
        io.stderr.write(`Error: user '${username}' does not exist\n`)
        return 1
      }
      const password = await readSecret(io, `Password for user '${username}': `)
      if ((await readSecret(io, 'Password (again): ')) !== password) {
        io.stderr.write('Error: Passwords do not match.\n')
        return 1
      }
      const problems = validatePassword(password, { username: user.username, email: user.email })
      if (problems.length > 0) {
        io.stderr.write(`${problems.join('\n')}\n`)
        return 1
      }
      await stores.users.update(user.id, { passwordHash: await hasher.hash(password) })
      // Every token issued before now stops working, on every instance (they poll the cut-offs).
      const revoked = await accounts.revokeAll(user.id)
      io.stdout.write(`Password changed successfully for user '${username}'; ${revoked} session(s) ended.\n`)
      return 0
    })
  },
}
