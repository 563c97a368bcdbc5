import type { FastifyRequest } from 'fastify'
import type { LoggerOptions } from 'pino'
import { clientIp } from '../http/client-ip.js'
import type { Settings } from '../settings/types.js'

/**
 * Paths pino removes from every log line: credentials never reach a log (OWASP Logging cheat
 * sheet). Bodies are not logged at all; these cover headers and any object a handler logs.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrftoken"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.old_password',
  '*.new_password',
  '*.refresh',
  '*.access',
  '*.token',
  '*.secret',
  '*.client_secret',
  'password',
  'refresh',
  'access',
  'token',
]

/**
 * Fastify's request line, with the client address as rate limits and the audit log see it
 * (`clientIp`), not whatever `X-Forwarded-For` held.
 */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url,
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.raw === undefined ? undefined : clientIp(request),
    remotePort: request.socket?.remotePort,
  }
}

export function loggerOptions(settings: Pick<Settings, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: settings.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: requestForLog },
  }
}
