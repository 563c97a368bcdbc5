import { ADMIN_PATHS, ALGORITHMS, type Algorithm } from '@tessera/protocol'
import type { Actor } from '../../accounts/admin.js'
import { actorFacts } from '../../accounts/admin.js'
import { requireObject } from '../../accounts/validators/drf-fields.js'
import { KeysNotManaged, ValidationFailed } from '../../core/errors.js'
import type { KeyRingAdmin, KeySummary } from '../../keys/index.js'
import { fetchPage, pageAnswer, readPage } from '../admin-query.js'
import { keyView } from '../admin-views.js'
import { NotFound } from '../errors.js'
import { defineRoute } from '../route.js'
import { type AdminRouteContext, adminPath, pathText } from './admin.js'
import { SCHEMAS } from './admin-schemas.js'

/** The `algorithm` of a stage body: one of the algorithms Tessera knows, or absent. */
function readAlgorithm(body: unknown): Algorithm | undefined {
  const source = requireObject(body)
  const value = source.algorithm
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !(ALGORITHMS as readonly string[]).includes(value)) {
    throw new ValidationFailed({ algorithm: [`"${String(value)}" is not a valid choice.`] })
  }
  return value as Algorithm
}

/** Signing keys of the `KEY_DIR` ring file: list, stage, promote, retire (as `tessera keys`). */
export function adminKeyRoutes({ app, deps, admin, prefix, guard }: AdminRouteContext): void {
  const { authenticate, audit } = deps
  const ring = (): KeyRingAdmin => {
    if (admin.keys === undefined) throw new KeysNotManaged()
    return admin.keys
  }
  const find = async (kid: string): Promise<KeySummary> => {
    const key = (await ring().list()).find((listed) => listed.kid === kid)
    if (key === undefined) throw new NotFound()
    return key
  }
  const change = (
    event: 'key_promoted' | 'key_retired',
    apply: (ring: KeyRingAdmin, kid: string) => Promise<void>,
  ) =>
    guard('write', async (request, _reply, actor: Actor) => {
      const kid = pathText(request, 'kid')
      await find(kid)
      await apply(ring(), kid)
      await audit.record(event, actorFacts(actor, null, { kid }))
      return keyView(await find(kid))
    })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.keys),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listKeys, POST: SCHEMAS.stageKey },
    handlers: {
      GET: guard('read', async (request) => {
        const keys = await ring().list()
        const fetched = await fetchPage(readPage(request), [], async (slice) => ({
          count: keys.length,
          rows: keys.slice(slice.offset, slice.offset + slice.limit),
        }))
        return pageAnswer(request, fetched, keyView)
      }),
      POST: guard('write', async (request, reply, actor) => {
        const keys = ring()
        const key = await keys.stage(readAlgorithm(request.body))
        await audit.record('key_staged', actorFacts(actor, null, { kid: key.kid, alg: key.alg }))
        reply.code(201)
        return keyView(key)
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.keyPromote),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.promoteKey },
    handlers: { POST: change('key_promoted', (keys, kid) => keys.promote(kid)) },
  })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.keyRetire),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.retireKey },
    handlers: { POST: change('key_retired', (keys, kid) => keys.retire(kid)) },
  })
}
