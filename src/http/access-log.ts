import type { FastifyInstance } from 'fastify'
import { clientIp } from './client-ip.js'

/**
 * What the access line of a finished request says. No headers, cookies, bodies or query string:
 * nothing in it needs redacting.
 */
export interface AccessLine {
  readonly reqId: string
  readonly method: string
  /** The pattern of the route that answered (never the raw URL); null when none matched. */
  readonly route: string | null
  readonly status: number
  /** Milliseconds from the request's arrival to the end of its response (written to hundredths). */
  readonly responseTime: number
  /** The authenticated user, if any. */
  readonly userId: number | undefined
  /** The client IP as rate limits see it (`clientIp`). */
  readonly ip: string | null
}

/** Where access lines go: the server decides their format and destination. */
export interface AccessLog {
  /** Once per request, when its response has finished. */
  completed(line: AccessLine): void
  /** As each request arrives, when set (for diagnosis: it doubles the lines). */
  received?: (line: Pick<AccessLine, 'reqId' | 'method' | 'route'>) => void
}

/** One access line per finished request, from one hook; a line on arrival too when asked. */
export function installAccessLog(app: FastifyInstance, log: AccessLog): void {
  const { received } = log
  if (received) {
    app.addHook('onRequest', (request, _reply, done) => {
      received({ reqId: request.id, method: request.method, route: request.routeOptions.url ?? null })
      done()
    })
  }
  app.addHook('onResponse', (request, reply, done) => {
    log.completed({
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      responseTime: reply.elapsedTime,
      userId: request.principal?.userId,
      ip: clientIp(request),
    })
    done()
  })
}
