import type { Command } from '../command.js'
import { withStores } from '../context.js'

/** `tessera clients create NAME`: credentials for RFC 7662 introspection (`/api/token/introspect/`). */
export const clientsCommand: Command = {
  name: 'clients',
  summary: 'clients create NAME: credentials for token introspection (the secret is shown once)',
  async run(args, io) {
    const [sub, name] = args
    if (sub !== 'create' || name === undefined || name.trim() === '') {
      io.stderr.write('usage: tessera clients create NAME\n')
      return 2
    }
    return withStores(io, async ({ clients }) => {
      const { clientId, secret } = await clients.create({ name })
      io.stdout.write(`client_id=${clientId}\nclient_secret=${secret}\n`)
      io.stderr.write('Store the secret now: only its hash is kept.\n')
      return 0
    })
  },
}
