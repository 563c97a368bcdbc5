import { buildServer, type ServerOptions, type TesseraServer } from './build.js'
import { missingServerNodeFlags } from './node-flags.js'

/** How long in-flight requests may take to finish after SIGTERM. */
const DRAIN_DEADLINE_MS = 10_000

export interface RunningServer {
  readonly server: TesseraServer
  readonly url: string
}

/**
 * Builds the server and listens on HOST:PORT. SIGTERM and SIGINT drain: the listener stops taking
 * connections, in-flight requests finish (Fastify's close), then the database closes.
 */
export async function serve(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await buildServer(options)
  const { HOST, PORT } = server.settings
  let url: string
  try {
    url = await server.app.listen({ host: HOST, port: PORT })
  } catch (error) {
    // A busy port or a refused address: nothing keeps the process alive after the error.
    await server.close().catch(() => {})
    throw error
  }
  const missing = missingServerNodeFlags(process.execArgv)
  if (missing.length > 0) {
    server.logger?.warn(
      { missing },
      'node was started without the server flags: the protected routes may run up to a quarter slower (docs/deploy.md, "Node flags")',
    )
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    server.logger?.info({ signal }, 'draining')
    // Each keep-alive connection ends right after its last answer (src/http/app.ts). A request
    // stuck past the deadline does not hold the shutdown forever.
    const deadline = setTimeout(() => server.app.server.closeAllConnections(), DRAIN_DEADLINE_MS)
    deadline.unref()
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  return { server, url }
}
