// A resource service that trusts Tessera only through its JWKS URL: no shared secret, no call to
// Tessera per request. Run Tessera with an asymmetric key (TESSERA_ALGORITHM=EdDSA), then:
//   TESSERA_JWKS_URL=http://127.0.0.1:8000/.well-known/jwks.json node examples/resource-service/server.mjs
// Opt-in revocation feed (logout-all and ended sessions refused here within a second too), with an
// introspection client made by `npx tessera clients create orders`:
//   TESSERA_REVOCATIONS_URL=http://127.0.0.1:8000/api/revocations/stream/ \
//   TESSERA_CLIENT_ID=… TESSERA_CLIENT_SECRET=… node examples/resource-service/server.mjs
import Fastify from 'fastify'
import { createVerifier } from 'tessera'
import { authenticated, guarded, hasRole, tesseraAuth } from '@tessera/verify'

const app = Fastify({ logger: false })

const verifier = createVerifier({
  jwksUrl: process.env.TESSERA_JWKS_URL ?? 'http://127.0.0.1:8000/.well-known/jwks.json',
  algorithms: ['EdDSA', 'ES256', 'RS256'],
  // After a key rotation, an unknown kid triggers a refetch at most this often.
  cooldownMs: Number(process.env.JWKS_COOLDOWN_MS ?? 30_000),
  // Keys are refetched at least this often, so a retired key stops being accepted.
  cacheMaxAgeMs: Number(process.env.JWKS_MAX_AGE_MS ?? 600_000),
  // Without the feed, a revoked access token is accepted here until it expires (docs/verifier.md).
  ...(process.env.TESSERA_REVOCATIONS_URL
    ? {
        revocations: {
          url: process.env.TESSERA_REVOCATIONS_URL,
          clientId: process.env.TESSERA_CLIENT_ID ?? '',
          clientSecret: process.env.TESSERA_CLIENT_SECRET ?? '',
        },
      }
    : {}),
})
await app.register(tesseraAuth, { verifier })
app.addHook('onClose', () => verifier.close())

// For a readiness probe: how the revocation feed stands (null without one).
app.get('/healthz', async () => ({ status: 'ok', revocations: verifier.revocationStatus() ?? null }))

// `guarded` runs the guards before the handler (in TypeScript, `request.user` is then non-null).
app.get(
  '/orders',
  guarded(authenticated, async (request) => ({
    user: request.user.id,
    email: request.user.email ?? null,
    orders: [],
  })),
)

app.get(
  '/reports',
  guarded([authenticated, hasRole('staff')], async () => ({ reports: ['q3'] })),
)

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8001) })
console.log(`resource service listening on ${address}`)
for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(signal, () => app.close().then(() => process.exit(0)))
