import type { FastifyReply, FastifyRequest } from 'fastify'
import { ADMIN_PATHS } from '@tessera/protocol'
import type { Actor } from '../../accounts/admin.js'
import { actorFacts } from '../../accounts/admin.js'
import type { AuditOrderField, AuditQuery, OrderTerm } from '../../store/ports.js'
import {
  dateTimeFilter,
  fetchPage,
  idFilter,
  ipFilter,
  pageAnswer,
  param,
  readFilters,
  readOrdering,
  readPage,
  textFilter,
} from '../admin-query.js'
import { auditView } from '../admin-views.js'
import { csvRow } from '../csv.js'
import { defineRoute } from '../route.js'
import { type AdminRouteContext, adminPath } from './admin.js'
import { SCHEMAS } from './admin-schemas.js'

/** The most events one export holds; narrow the filters for more. */
export const MAX_EXPORT_ROWS = 100_000
const EXPORT_BATCH = 1000
/** `username` comes last: the earlier columns keep their places for existing readers. */
const CSV_COLUMNS = ['id', 'at', 'event', 'user', 'ip', 'user_agent', 'detail', 'username'] as const

type AuditFilters = Omit<AuditQuery, 'offset' | 'limit' | 'ordering'>

/** The list's filters: `user`, `event`, `ip`, `since` (inclusive) and `until` (exclusive). */
function readAuditFilters(request: FastifyRequest): AuditFilters {
  const filters = readFilters<{ user: number; event: string; ip: string; since: Date; until: Date }>(
    request,
    {
      user: idFilter,
      event: textFilter,
      ip: ipFilter,
      since: dateTimeFilter,
      until: dateTimeFilter,
    },
  )
  return {
    ...(filters.user === undefined ? {} : { userId: filters.user }),
    ...(filters.event === undefined ? {} : { event: filters.event }),
    ...(filters.ip === undefined ? {} : { ip: filters.ip }),
    ...(filters.since === undefined ? {} : { since: filters.since }),
    ...(filters.until === undefined ? {} : { until: filters.until }),
  }
}

const auditOrdering = (request: FastifyRequest): OrderTerm<AuditOrderField>[] =>
  readOrdering(request, ['at', 'id'] as const, [
    { field: 'at', descending: true },
    { field: 'id', descending: true },
  ])

/** The audit log: filtered pages as JSON, or every matching event as CSV. */
export function adminAuditRoutes({ app, deps, admin, prefix, guard }: AdminRouteContext): void {
  const { authenticate } = deps

  /**
   * The matching events as CSV, in batches (at most {@link MAX_EXPORT_ROWS}); the export itself
   * is audited, since it takes the trail out of the server.
   */
  const exportCsv = async (request: FastifyRequest, reply: FastifyReply, actor: Actor): Promise<string> => {
    const filters = readAuditFilters(request)
    const ordering = auditOrdering(request)
    const lines = [csvRow(CSV_COLUMNS)]
    for (let offset = 0; offset < MAX_EXPORT_ROWS; offset += EXPORT_BATCH) {
      const { rows } = await admin.directory.listAudit({ ...filters, ordering, offset, limit: EXPORT_BATCH })
      for (const event of rows) {
        lines.push(
          csvRow([
            event.id,
            event.at.toISOString(),
            event.event,
            event.userId,
            event.ip,
            event.userAgent,
            JSON.stringify(event.detail),
            event.username,
          ]),
        )
      }
      if (rows.length < EXPORT_BATCH) break
    }
    await deps.audit.record(
      'audit_exported',
      actorFacts(actor, null, { rows: lines.length - 1, filters: request.query as Record<string, unknown> }),
    )
    const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-')
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${stamp}.csv"`)
    return lines.join('')
  }

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.audit),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listAudit },
    handlers: {
      GET: guard('read', async (request, reply, actor) => {
        if (param(request, 'format') === 'csv') return exportCsv(request, reply, actor)
        const filters = readAuditFilters(request)
        const fetched = await fetchPage(readPage(request), auditOrdering(request), (slice) =>
          admin.directory.listAudit({ ...filters, ...slice }),
        )
        return pageAnswer(request, fetched, auditView)
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: adminPath(prefix, ADMIN_PATHS.auditExport),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.exportAudit },
    handlers: { GET: guard('read', exportCsv) },
  })
}
