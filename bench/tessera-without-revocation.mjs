// Baseline for the revocation check: the real Tessera server with the per-request user-state and
// revocation cut-off check replaced by a constant "active, never revoked" answer. Bench-only: the
// product has no switch to turn revocation off.
import { buildServer } from '../dist/server/build.js'

const server = await buildServer()
const active = Object.freeze({ status: 'active', cutoff: 0, loadedAt: Number.POSITIVE_INFINITY })
server.gate.peek = () => active
const url = await server.app.listen({ host: server.settings.HOST, port: server.settings.PORT })
console.log(`tessera without revocation listening on ${url}`)
process.once('SIGTERM', () => server.close().then(() => process.exit(0)))
process.once('SIGINT', () => process.exit(0))
