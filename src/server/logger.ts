import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'
import type { AccessLog } from '../http/access-log.js'
import type { Settings } from '../settings/types.js'
import { accessLineWriter } from './access-line.js'

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

/** Bytes an info-level destination holds before writing them (a few dozen access lines). */
const BUFFER_BYTES = 2048
/**
 * The longest single write: PIPE_BUF on Linux, so writes of whole lines to a pipe (cluster
 * workers share stdout) are atomic and lines of two workers never interleave. It also bounds a
 * cost sonic-boom pays on every line: the UTF-8 length of the pending chunk it appends to, so a
 * larger chunk makes every line dearer.
 */
const MAX_WRITE_BYTES = 4096
/** A quiet server's buffered lines still appear within this many ms. */
const FLUSH_EVERY_MS = 1000

export interface ServerLogs {
  /** Failures, audit events and lifecycle lines, with credentials redacted. */
  readonly logger: Logger
  /** Access lines on the same destination, none above `info`; they hold nothing to redact. */
  readonly access: AccessLog | undefined
  /** Resolves once every line written so far has reached the destination. */
  flush(): Promise<void>
}

function loggerOptions(settings: Pick<Settings, 'LOG_LEVEL'>): LoggerOptions {
  return { level: settings.LOG_LEVEL, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }
}

/**
 * The server's loggers over one destination. Stdout and files get an asynchronous destination
 * that buffers at info and above (flushed every second, by `flush()`, and synchronously at
 * process exit); at debug and trace each line is written as it comes, for diagnosis.
 */
export function openServerLogs(settings: Pick<Settings, 'LOG_LEVEL'>, target?: LogTarget): ServerLogs {
  if (target !== undefined && !('file' in target)) return loggersOver(settings, target, async () => {})
  const buffered = bufferedDestination(settings, target?.file)
  return loggersOver(settings, buffered, () => flushAll(buffered))
}

function loggersOver(
  settings: Pick<Settings, 'LOG_LEVEL'>,
  destination: DestinationStream | NodeJS.WritableStream,
  flush: () => Promise<void>,
): ServerLogs {
  const logger = pino(loggerOptions(settings), destination)
  return { logger, access: accessLogOver(logger, destination), flush }
}

function accessLogOver(
  logger: Logger,
  destination: DestinationStream | NodeJS.WritableStream,
): AccessLog | undefined {
  if (!logger.isLevelEnabled('info')) return undefined
  return {
    completed: accessLineWriter(destination),
    ...(logger.isLevelEnabled('debug')
      ? { received: (line: object) => logger.debug(line, 'request received') }
      : {}),
  }
}

/**
 * Writes every buffered line. sonic-boom's `flush` callback comes when the write in flight ends
 * (an error from syncing a pipe included), and may leave a tail shorter than `minLength`
 * buffered: that tail is written synchronously, after the asynchronous writes, so in order.
 */
async function flushAll(destination: BufferedDestination): Promise<void> {
  await new Promise<void>((resolve) => destination.flush(() => resolve()))
  try {
    destination.flushSync()
  } catch {
    // Destroyed (its file closed) or never opened: nothing left that could be written.
  }
}

type BufferedDestination = ReturnType<typeof pino.destination>

/** stdout (fd 1) unless a file is named. */
function bufferedDestination(
  settings: Pick<Settings, 'LOG_LEVEL'>,
  file: string | undefined,
): BufferedDestination {
  const diagnosing = settings.LOG_LEVEL === 'debug' || settings.LOG_LEVEL === 'trace'
  return pino.destination({
    dest: file ?? 1,
    sync: false,
    // minLength 1, not 0: flush() waits for a write in flight only when the stream buffers.
    minLength: diagnosing ? 1 : BUFFER_BYTES,
    maxWrite: MAX_WRITE_BYTES,
    periodicFlush: FLUSH_EVERY_MS,
  })
}
