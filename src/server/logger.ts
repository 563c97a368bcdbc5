import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
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

interface PinoLike {
  level: string
  isLevelEnabled(level: string): boolean
  child(bindings: Record<string, unknown>, options?: object): PinoLike
  fatal(...args: unknown[]): void
  error(...args: unknown[]): void
  warn(...args: unknown[]): void
  info(...args: unknown[]): void
  debug(...args: unknown[]): void
  trace(...args: unknown[]): void
}

/**
 * A request logger that becomes a real pino child (with the request id) only when something is
 * actually logged. Fastify makes a child logger per request; at the usual levels most requests log
 * nothing, and building the child (bindings, redaction) cost a third of the protected route's
 * throughput (bench/RESULTS.md). Lines that are logged still carry `reqId`.
 */
class LazyRequestLogger {
  #real: PinoLike | undefined
  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: Record<string, unknown>,
    private readonly options: object,
  ) {}
  get level(): string {
    return this.#real?.level ?? this.parent.level
  }
  set level(level: string) {
    this.resolve().level = level
  }
  resolve(): PinoLike {
    this.#real ??= this.parent.child(this.bindings, this.options)
    return this.#real
  }
  child(bindings: Record<string, unknown>, options?: object): PinoLike {
    return this.resolve().child(bindings, options)
  }
  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.parent).isLevelEnabled(level)
  }
  fatal(...args: unknown[]): void {
    if (this.isLevelEnabled('fatal')) this.resolve().fatal(...args)
  }
  error(...args: unknown[]): void {
    if (this.isLevelEnabled('error')) this.resolve().error(...args)
  }
  warn(...args: unknown[]): void {
    if (this.isLevelEnabled('warn')) this.resolve().warn(...args)
  }
  info(...args: unknown[]): void {
    if (this.isLevelEnabled('info')) this.resolve().info(...args)
  }
  debug(...args: unknown[]): void {
    if (this.isLevelEnabled('debug')) this.resolve().debug(...args)
  }
  trace(...args: unknown[]): void {
    if (this.isLevelEnabled('trace')) this.resolve().trace(...args)
  }
  silent(): void {}
}

/** Fastify's `childLoggerFactory`: request loggers that cost nothing until they log. */
export function lazyChildLoggerFactory(
  logger: unknown,
  bindings: Record<string, unknown>,
  options: object,
): unknown {
  return new LazyRequestLogger(logger as PinoLike, bindings, options)
}

/**
 * Fastify's per-request lines ("incoming request", "request completed"), built only when `info`
 * is enabled: below it, Fastify would still assemble their objects on every request.
 */
const infoEnabled = (request: FastifyRequest): boolean =>
  (request.log as unknown as Pick<PinoLike, 'isLevelEnabled'>).isLevelEnabled?.('info') ?? true

export function quietWhenDisabledLogController(): InstanceType<typeof LogController> {
  class QuietLogController extends LogController {
    override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
      if (infoEnabled(request)) super.incomingRequest(request, reply)
    }
    override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
      if (error !== null || infoEnabled(request)) super.requestCompleted(error, request, reply)
    }
  }
  return new QuietLogController()
}
