import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { serveCluster } from '../../server/cluster.js'
import { serve } from '../../server/serve.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the HTTP server (TESSERA_HOST / TESSERA_PORT; --workers N for one process per core)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
    })
    const overrides: Record<string, string> = {}
    if (values.host !== undefined) overrides.HOST = values.host
    if (values.port !== undefined) overrides.PORT = values.port
    if (values.workers !== undefined) {
      const workers = values.workers === 'auto' ? 0 : Number(values.workers)
      if (!Number.isSafeInteger(workers) || workers < 0 || workers > 256) {
        io.stderr.write('--workers takes a whole number (0 or "auto" = one per core)\n')
        return 2
      }
      await serveCluster({
        workers,
        settings: { env: io.env, overrides },
        report: (line) => io.stderr.write(line),
      })
      return 0
    }
    const running = await serve({ settings: { env: io.env, overrides } })
    io.stderr.write(`tessera listening on ${running.url}\n`)
    return 0
  },
}
