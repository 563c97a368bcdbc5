import { type Logger, type LoggerOptions, pino } from 'pino'
import type { AccessLog } from '../http/access-log.js'
import type { Settings } from '../settings/types.js'
import { accessLineWriter } from './access-line.js'
import { LineDestination, MAX_WRITE_BYTES } from './line-destination.js'

/**
 * Paths pino removes from every failure and audit line: credentials never reach a log (OWASP
 * Logging cheat sheet). Bodies are not logged at all; these cover headers and any object a
 * handler logs. Access lines carry no headers, cookies or bodies, so they skip this work.
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
 * Where logs go: a stream written as is (tests capture logs this way), or a file written as
 * stdout is (buffered); stdout when absent.
 */
export type LogTarget = NodeJS.WritableStream | { file: string }

/**
 * Bytes an info-level destination gathers before writing (in writes of at most PIPE_BUF): a pipe's
 * reader is woken once for the several writes in a row, and each write holds a dozen or more lines.
 */
const BUFFER_BYTES = 4 * MAX_WRITE_BYTES
/** A quiet server's buffered lines still appear within this many ms. */
const FLUSH_EVERY_MS = 1000
/** Where the server's lines go unless a file is named. */
const STDOUT = 1

export interface ServerLogs {
  /** Failures, audit events and lifecycle lines, with credentials redacted. */
  readonly logger: Logger
  /** Access lines on the same destination, none above `info`; they hold nothing to redact. */
  readonly access: AccessLog | undefined
  /** Resolves once every line written so far has reached the destination (and a file is closed). */
  close(): Promise<void>
}

function loggerOptions(settings: Pick<Settings, 'LOG_LEVEL'>): LoggerOptions {
  return { level: settings.LOG_LEVEL, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }
}

/**
 * The server's loggers over one destination. Stdout and files get a {@link LineDestination} that
 * buffers at info and above (written once BUFFER_BYTES wait, every second, on `close()`, and
 * synchronously at process exit); at debug and trace each line is written as soon as it can be,
 * for diagnosis. Access lines are appended to it as they are, ASCII and never re-measured; pino's
 * lines (failures, audit, lifecycle) go through the same buffer, so no two lines ever mix.
 */
export function openServerLogs(settings: Pick<Settings, 'LOG_LEVEL'>, target?: LogTarget): ServerLogs {
  if (target !== undefined && !('file' in target)) {
    const logger = pino(loggerOptions(settings), target)
    return {
      logger,
      access: accessLogOver(logger, (line) => target.write(line)),
      close: async () => {},
    }
  }
  const diagnosing = settings.LOG_LEVEL === 'debug' || settings.LOG_LEVEL === 'trace'
  const destination = new LineDestination(target?.file ?? STDOUT, {
    writeAtBytes: diagnosing ? 1 : BUFFER_BYTES,
    flushEveryMs: FLUSH_EVERY_MS,
  })
  const logger = pino(loggerOptions(settings), destination)
  return {
    logger,
    access: accessLogOver(logger, (line) => destination.writeAscii(line)),
    close: () => destination.close(),
  }
}

function accessLogOver(logger: Logger, write: (line: string) => void): AccessLog | undefined {
  if (!logger.isLevelEnabled('info')) return undefined
  return {
    completed: accessLineWriter(write),
    ...(logger.isLevelEnabled('debug')
      ? { received: (line: object) => logger.debug(line, 'request received') }
      : {}),
  }
}
