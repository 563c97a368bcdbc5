// Baseline for the revocation check: the real Tessera server (same serve(), same drain) with the
// per-request user-state and revocation cut-off check replaced by a constant "active, never
// revoked" answer. Bench-only: the product has no switch to turn revocation off.
import { serve } from '../dist/server/serve.js'

const { server, url } = await serve()
const active = Object.freeze({ status: 'active', cutoff: 0, loadedAt: Number.POSITIVE_INFINITY })
server.gate.peek = () => active
console.log(`tessera without revocation listening on ${url}`)
