import type { LoggerOptions } from 'pino'
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

export function loggerOptions(settings: Pick<Settings, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: settings.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  }
}
