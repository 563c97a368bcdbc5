import type { FastifyInstance } from 'fastify'
import { clientIp } from './client-ip.js'

/** A logger for access lines (pino's shape); it writes the objects it is given as they are. */
export interface AccessLog {
  info(line: object, message: string): void
  debug(line: object, message: string): void
  isLevelEnabled(level: string): boolean
}

/**
 * One access line per request, written when its response has finished: method, route pattern
 * (never the raw URL: a query may carry anything), status, response time in ms, request id, the
 * authenticated user's id and the client IP as rate limits see it. No headers, cookies or bodies,
 * so nothing to redact. At debug, a line as each request arrives too. Nothing at all above info.
 */
export function installAccessLog(app: FastifyInstance, log: AccessLog): void {
  if (log.isLevelEnabled('debug')) {
    app.addHook('onRequest', (request, _reply, done) => {
      log.debug(
        { reqId: request.id, method: request.method, route: request.routeOptions.url ?? null },
        'request received',
      )
      done()
    })
  }
  if (!log.isLevelEnabled('info')) return
  app.addHook('onResponse', (request, reply, done) => {
    log.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        responseTime: Math.round(reply.elapsedTime * 100) / 100,
        userId: request.principal?.userId,
        ip: clientIp(request),
      },
      'request completed',
    )
    done()
  })
}
