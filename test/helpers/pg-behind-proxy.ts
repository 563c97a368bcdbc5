import { freshPgSchema, startTestServer, type TestServer } from './server.js'
import type { TcpProxy } from './tcp-proxy.js'

/**
 * A test server on a fresh PostgreSQL schema that it reaches only through `proxy`, so a test can
 * cut or freeze the database under it. `stop` disposes of the server, the proxy and the schema.
 */
export async function serverBehindPgProxy(
  proxy: TcpProxy,
): Promise<{ server: TestServer; stop: () => Promise<void> }> {
  const port = await proxy.start()
  const schema = await freshPgSchema()
  const server = await startTestServer('postgres', {
    DATABASE_URL: schema.url.replace(':5432/', `:${port}/`),
  })
  return {
    server,
    stop: async () => {
      await server.dispose()
      await proxy.cut()
      await schema.drop()
    },
  }
}
