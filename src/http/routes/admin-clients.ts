import { ADMIN_PATHS } from '@tessera/protocol'
import { fetchPage, pageAnswer, readOrdering, readPage } from '../admin-query.js'
import { clientView, credentialsView } from '../admin-views.js'
import { NotFound } from '../errors.js'
import { defineRoute } from '../route.js'
import { type AdminRouteContext, adminPath, pathText } from './admin.js'
import { SCHEMAS } from './admin-schemas.js'

/** Introspection clients: list, create (the secret shown once), rotate the secret, delete. */
export function adminClientRoutes({ app, deps, admin, prefix, guard }: AdminRouteContext): void {
  const { authenticate } = deps

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.clients),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listClients, POST: SCHEMAS.createClient },
    handlers: {
      GET: guard('read', async (request) => {
        const ordering = readOrdering(request, ['name', 'created_at'] as const, [
          { field: 'created_at', descending: false },
        ])
        const fetched = await fetchPage(readPage(request), ordering, (slice) =>
          admin.directory.listClients(slice),
        )
        return pageAnswer(request, fetched, clientView)
      }),
      POST: guard('write', async (request, reply, actor) => {
        const created = await admin.clients.create(request.body, actor)
        reply.code(201)
        return credentialsView(created)
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.client),
    authenticated: true,
    schema: { DELETE: SCHEMAS.deleteClient },
    handlers: {
      DELETE: guard('write', async (request, reply, actor) => {
        if (!(await admin.clients.delete(pathText(request, 'client_id'), actor))) throw new NotFound()
        reply.code(204)
        return null
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.clientRotate),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.rotateClient },
    handlers: {
      POST: guard('write', async (request, _reply, actor) => {
        const rotated = await admin.clients.rotate(pathText(request, 'client_id'), actor)
        if (rotated === undefined) throw new NotFound()
        return credentialsView(rotated)
      }),
    },
  })
}
