import { ADMIN_PATHS } from '@tessera/protocol'
import {
  booleanFilter,
  fetchPage,
  idFilter,
  pageAnswer,
  readFilters,
  readOrdering,
  readPage,
} from '../admin-query.js'
import { tokenView } from '../admin-views.js'
import { NotFound } from '../errors.js'
import { defineRoute } from '../route.js'
import { type AdminRouteContext, adminPath, pathText } from './admin.js'
import { SCHEMAS } from './admin-schemas.js'

/** Refresh tokens as simplejwt's admin shows outstanding and blacklisted ones; blacklist one. */
export function adminTokenRoutes({ app, deps, admin, prefix, guard }: AdminRouteContext): void {
  const { authenticate } = deps

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.tokens),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listTokens },
    handlers: {
      GET: guard('read', async (request) => {
        const filters = readFilters<{ user: number; blacklisted: boolean }>(request, {
          user: idFilter,
          blacklisted: booleanFilter,
        })
        const ordering = readOrdering(request, ['created_at', 'expires_at'] as const, [
          { field: 'created_at', descending: true },
        ])
        const fetched = await fetchPage(readPage(request), ordering, (slice) =>
          admin.directory.listTokens({
            ...(filters.user === undefined ? {} : { userId: filters.user }),
            ...(filters.blacklisted === undefined ? {} : { blacklisted: filters.blacklisted }),
            ...slice,
          }),
        )
        return pageAnswer(request, fetched, tokenView)
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.tokenBlacklist),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.blacklistToken },
    handlers: {
      POST: guard('write', async (request, _reply, actor) => {
        const jti = pathText(request, 'jti')
        const token = /^[\w-]{1,255}$/.test(jti) ? await admin.directory.findToken(jti) : undefined
        if (token === undefined) throw new NotFound()
        if (token.blacklistedAt === null) await admin.accounts.blacklistToken(token, actor)
        return tokenView((await admin.directory.findToken(jti)) ?? token)
      }),
    },
  })
}
