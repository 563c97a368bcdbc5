import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { serve } from '../../server/serve.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the HTTP server (TESSERA_HOST / TESSERA_PORT)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { host: { type: 'string' }, port: { type: 'string' } })
    const overrides: Record<string, string> = {}
    if (values.host !== undefined) overrides.HOST = values.host
    if (values.port !== undefined) overrides.PORT = values.port
    const running = await serve({ settings: { env: io.env, overrides } })
    io.stderr.write(`tessera listening on ${running.url}\n`)
    return 0
  },
}
