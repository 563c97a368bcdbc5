import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { AccountAdmin } from '../accounts/admin.js'
import { AuditLog, SILENT_AUDIT_LOGGER } from '../accounts/audit.js'
import { LoginService } from '../accounts/login.js'
import { LoginThrottle } from '../accounts/login-throttle.js'
import { FailureFloor } from '../accounts/login-timing.js'
import { hashCostKind, type PasswordHasher, unmatchablePbkdf2Hash } from '../accounts/passwords/index.js'
import { SessionService } from '../accounts/sessions.js'
import { UserGate } from '../accounts/user-gate.js'
import { publishFeedNews } from '../accounts/revocation-feed.js'
import { validatePassword } from '../accounts/validators/index.js'
import { type Clock, systemClock } from '../core/clock.js'
import { buildApp } from '../http/app.js'
import { type LoadOptions, loadSettings, settingSource } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import { MemoryCounterStore } from '../store/memory/counters.js'
import type { UserStore } from '../store/ports.js'
import { RedisCounterStore, RedisRevocationBus } from '../store/redis/index.js'
import { migrateToLatest, migrationStatus, type SqlStores } from '../store/sql/index.js'
import { type CustomClaimsHook, defaultCustomClaims } from '../tokens/claims.js'
import { TokenCodec } from '../tokens/codec.js'
import { signHmacJws } from './hmac-signer.js'
import { explainDatabaseError, openConfiguredStores } from './database.js'
import { nodeHmacVerifier } from './hmac-verifier.js'
import { ReloadingKeyRing } from './key-reload.js'
import { type LogTarget, openServerLogs } from './logger.js'
import { defaultHashConcurrency, HashWorkers } from './hash-workers.js'
import { passwordHasherFor } from './password-hasher.js'
import { TesseraMetrics } from './metrics.js'

/**
 * How long a start waits for Redis to answer and be checked, ms. A Redis that is down at startup
 * does not stop the start: it is checked when it comes.
 */
const REDIS_STARTUP_WAIT_MS = 2000

export interface ServerOptions {
  /** Settings input; `env` defaults to `process.env`. */
  settings?: LoadOptions
  /** Already-loaded settings (skips `settings`). */
  loadedSettings?: Readonly<Settings>
  /** The custom-claims hook (default: `email` and `roles`). */
  customClaims?: CustomClaimsHook
  clock?: Clock
  /** Where the built demo page is (default: the package's web/dist). */
  demoDir?: string
  /** Renders `/metrics` (cluster mode aggregates every worker's registry this way). */
  renderMetrics?: () => Promise<{ contentType: string; body: string }>
  /**
   * Log to this stream (written as is: tests capture logs this way) or file (buffered, as stdout
   * is) instead of stdout; false = no logs.
   */
  logStream?: LogTarget | false
  /**
   * The app's own users store (say an `AppUserStore` over its users table) instead of Tessera's
   * `users` table, as a Django project sets `AUTH_USER_MODEL`. The app opens and closes it.
   */
  users?: UserStore
}

export interface TesseraServer {
  readonly app: FastifyInstance
  readonly settings: Readonly<Settings>
  readonly stores: SqlStores
  readonly keys: ReloadingKeyRing
  readonly gate: UserGate
  readonly sessions: SessionService
  /** Deactivate, delete, revoke: changes that end a user's sessions everywhere. */
  readonly accounts: AccountAdmin
  readonly hasher: PasswordHasher
  readonly metrics: TesseraMetrics
  /** The server's logger (none when logging is off). */
  readonly logger: Logger | undefined
  /** Stops background work, drains the app, closes the database, writes every buffered log line. */
  close(): Promise<void>
}

/**
 * The composition root: settings → database and migrations → keys → services → Fastify app. The
 * only place that builds concrete parts; nothing listens until `listen()` is called on `app`.
 */
export async function buildServer(options: ServerOptions = {}): Promise<TesseraServer> {
  const settings = options.loadedSettings ?? loadSettings({ env: process.env, ...options.settings })
  const clock = options.clock ?? systemClock
  const explain = (error: unknown) =>
    explainDatabaseError(
      error,
      settings.DATABASE_URL,
      settingSource(options.settings?.env ?? process.env, 'DATABASE_URL'),
    )
  const stores = await openConfiguredStores(settings, settings.DATABASE_POOL_SIZE, options.users).catch(
    (error: unknown) => {
      throw explain(error)
    },
  )
  let hashWorkers: HashWorkers | undefined
  const logs = options.logStream === false ? undefined : openServerLogs(settings, options.logStream)
  const logger = logs?.logger
  try {
    const migrate = settings.MIGRATE_ON_START ?? settings.MODE !== 'production'
    if (migrate) await migrateToLatest(stores.db)
    let codec: TokenCodec | undefined
    const keys = await ReloadingKeyRing.open(settings, {
      onChange: () => {
        codec?.forgetVerified()
        const { kid, alg } = keys.signingKey()
        logger?.info({ kid, alg }, 'key ring reloaded')
      },
      // A ring the server will not use (unreadable, or signing with another ALGORITHM) is ignored.
      onError: (error) =>
        logger?.warn(
          { err: error },
          'key ring file changed but not applied: the server keeps its current keys',
        ),
    })
    // Settings and keys are judged first: they are what an operator fixes before migrating.
    if (!migrate) {
      await requireMigrated(stores).catch((error: unknown) => {
        keys.stop()
        throw error
      })
    }
    codec = new TokenCodec(settings, keys, clock, { hmacSigner: signHmacJws, hmacVerifier: nodeHmacVerifier })
    const gate = new UserGate(stores.users, stores.revocations, clock)
    hashWorkers = new HashWorkers({
      size: settings.PASSWORD_HASH_CONCURRENCY || defaultHashConcurrency(),
      nice: settings.PASSWORD_HASH_NICE,
      onWorkerError: (error) => logger?.error({ err: error }, 'password hashing thread failed'),
    })
    // The pool is the only bound on concurrent hashes: a hash waits in its queue for a free thread.
    const hasher = passwordHasherFor(settings, hashWorkers)
    const metrics = new TesseraMetrics()
    const audit = new AuditLog(stores.audit, logger ?? SILENT_AUDIT_LOGGER, clock, metrics.onAudit)
    let starting = true
    const bus =
      settings.REDIS_URL === null
        ? undefined
        : new RedisRevocationBus(settings.REDIS_URL, {
            channelPrefix: settings.REDIS_PREFIX,
            onError: (error) =>
              logger?.warn({ err: error }, 'Redis unreachable: running degraded (see SECURITY.md)'),
            // At startup the error stops the start; later (Redis replaced by an older one) it is
            // logged, and Tessera runs on without Redis.
            onUnsupported: (error) => {
              if (!starting) logger?.error({ err: error }, 'Redis is too old: running without it')
            },
          })
    if (bus) {
      await bus.checked(REDIS_STARTUP_WAIT_MS).catch(async (error: unknown) => {
        await bus.close()
        throw error
      })
    }
    starting = false
    const accounts = new AccountAdmin({
      audit,
      users: stores.users,
      ledger: stores.ledger,
      revocations: stores.revocations,
      gate,
      clock,
      settings,
      ...(bus ? { announce: (userId: number, notBefore: number) => bus.publish({ userId, notBefore }) } : {}),
    })
    if (bus) {
      await bus
        .subscribe(({ userId, notBefore }) => {
          gate.noteCutoff(userId, notBefore)
          gate.invalidate(userId)
          // Ended sessions come from the database feed, which the announcement says has news.
          gate.sync().catch((error: unknown) => logger?.warn({ err: error }, 'revocation sync failed'))
        })
        .catch((error: unknown) =>
          logger?.warn({ err: error }, 'Redis unavailable: revocations fall back to polling'),
        )
    }
    if (bus) publishFeedNews(gate, (batch) => bus.publishFeed(batch), clock)
    const sessions = new SessionService({
      settings,
      codec,
      users: stores.users,
      ledger: stores.ledger,
      gate,
      clock,
      customClaims: options.customClaims ?? defaultCustomClaims,
      audit,
      revokeAll: (userId) => accounts.revokeAll(userId),
      ...(bus ? { announceEnded: (userId: number) => bus.publish({ userId, notBefore: 0 }) } : {}),
    })
    const login = new LoginService({
      users: stores.users,
      hasher,
      clock,
      loginField: settings.LOGIN_FIELD,
      updateLastLogin: settings.UPDATE_LAST_LOGIN,
      failureFloor: failureFloorFor(settings, hasher),
      // RATE_LIMIT_ENABLED=false turns every limit off, this one too: attempts in flight count
      // against it, so parallel logins of one account from one address would meet it.
      ...(settings.RATE_LIMIT_ENABLED
        ? {
            throttle: new LoginThrottle(
              bus
                ? new RedisCounterStore(bus.client, `${settings.REDIS_PREFIX}count:`)
                : new MemoryCounterStore(),
              {
                maxFailures: settings.RATE_LIMIT_LOGIN_PER_ACCOUNT,
                windowMs: settings.RATE_LIMIT_WINDOW * 1000,
              },
            ),
          }
        : {}),
    })
    const app = buildApp(
      {
        settings,
        codec,
        keys,
        sessions,
        login,
        users: stores.users,
        ledger: stores.ledger,
        accounts,
        audit,
        clock,
        validatePassword,
        hasher,
        gate,
        database: stores.lifecycle,
        clients: stores.clients,
        revocations: stores.revocations,
        demoDir: options.demoDir ?? fileURLToPath(new URL('../../web/dist', import.meta.url)),
        metrics: {
          render:
            options.renderMetrics ??
            (async () => ({
              contentType: metrics.registry.contentType,
              body: await metrics.registry.metrics(),
            })),
          observeVerification: metrics.observeVerification,
          countRateLimited: metrics.onRateLimited,
        },
        ...(bus
          ? {
              probes: { redis: () => bus.ping() },
              rateLimitRedis: bus.client,
              rateLimitPrefix: `${settings.REDIS_PREFIX}ratelimit:`,
            }
          : {}),
      },
      {
        ...(logs ? { logger: logs.logger } : {}),
        ...(logs?.access ? { accessLog: logs.access } : {}),
      },
    )

    await gate.sync().catch(() => {})
    // Without Redis, other instances' revocations arrive by polling the database.
    const poll = setInterval(() => {
      gate.sync().catch((error: unknown) => logger?.warn({ err: error }, 'revocation poll failed'))
      // Polled at twice the rate, so a revocation is seen within REVOCATION_POLL_INTERVAL.
    }, settings.REVOCATION_POLL_INTERVAL * 500)
    poll.unref()

    return {
      app,
      settings,
      stores,
      keys,
      gate,
      sessions,
      accounts,
      hasher,
      metrics,
      logger,
      async close() {
        clearInterval(poll)
        keys.stop()
        try {
          await app.close()
          await bus?.close()
          await hashWorkers?.close()
          await stores.lifecycle.close()
        } finally {
          // Last: the drained requests' access lines and anything logged while closing.
          await logs?.flush()
        }
      },
    }
  } catch (error) {
    await hashWorkers?.close()
    await stores.lifecycle.close()
    await logs?.flush()
    throw explain(error)
  }
}

/**
 * The floor under failed logins: a burn (unknown names) and, unless the setting is 0, a PBKDF2
 * check of `LOGIN_TIMING_PBKDF2_ITERATIONS` iterations, so imported Django accounts are covered before
 * any is tried.
 */
function failureFloorFor(
  settings: Pick<Settings, 'LOGIN_TIMING_PBKDF2_ITERATIONS'>,
  hasher: PasswordHasher,
): FailureFloor {
  const rounds = settings.LOGIN_TIMING_PBKDF2_ITERATIONS
  const pbkdf2 = unmatchablePbkdf2Hash(rounds)
  return new FailureFloor({
    references: [
      { kind: 'burn', run: () => hasher.burn(randomBytes(12).toString('base64')) },
      ...(rounds > 0 ? [{ kind: hashCostKind(pbkdf2), run: () => hasher.verify(pbkdf2, 'reference') }] : []),
    ],
  })
}

/**
 * Refuses to serve on a database whose schema is behind the code: the stores rely on every
 * migration (PostgreSQL's refresh function among them) and never fall back to older ways.
 */
async function requireMigrated(stores: SqlStores): Promise<void> {
  const pending = (await migrationStatus(stores.db)).filter((migration) => migration.executedAt === undefined)
  if (pending.length > 0) {
    throw new Error(
      `the database schema is behind this version of Tessera (pending: ${pending.map((m) => m.name).join(', ')}); ` +
        'run `tessera migrate` (or set MIGRATE_ON_START=true) before starting the server',
    )
  }
}
