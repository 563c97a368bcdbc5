import { validatePassword } from '../../server/operator.js'
import { validateEmail, validateUsername } from '../../server/operator.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { readLine, readSecret, withStores } from '../context.js'

export const createSuperuserCommand: Command = {
  name: 'createsuperuser',
  summary: 'create a staff superuser (--no-input with --username, --email, TESSERA_SUPERUSER_PASSWORD)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      'no-input': { type: 'boolean' },
      username: { type: 'string' },
      email: { type: 'string' },
    })
    const noInput = values['no-input'] === true || !io.interactive
    let username = values.username
    let email = values.email
    let password = io.env.TESSERA_SUPERUSER_PASSWORD
    if (noInput) {
      if (!username || !email || !password) {
        io.stderr.write(
          'createsuperuser --no-input needs --username, --email and TESSERA_SUPERUSER_PASSWORD\n',
        )
        return 2
      }
    } else {
      username ??= (await readLine(io, 'Username: ')).trim()
      email ??= (await readLine(io, 'Email address: ')).trim()
      if (password === undefined) {
        password = await readSecret(io, 'Password: ')
        if ((await readSecret(io, 'Password (again): ')) !== password) {
          io.stderr.write("Error: Your passwords didn't match.\n")
          return 1
        }
      }
    }
    const problems = [
      ...validateUsername(username).map((message) => `username: ${message}`),
      ...validateEmail(email).map((message) => `email: ${message}`),
      ...validatePassword(password, { username, email }).map((message) => `password: ${message}`),
    ]
    if (problems.length > 0) {
      io.stderr.write(`${problems.join('\n')}\n`)
      return 1
    }
    return withStores(io, async ({ stores, hasher }) => {
      if (await stores.users.findByUsername(username)) {
        io.stderr.write('Error: That username is already taken.\n')
        return 1
      }
      const user = await stores.users.create({
        username,
        email,
        passwordHash: await hasher.hash(password),
        isStaff: true,
        isSuperuser: true,
      })
      io.stdout.write(`Superuser created successfully (id ${user.id}).\n`)
      return 0
    })
  },
}
