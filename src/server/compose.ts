import { randomBytes } from 'node:crypto'
import type { BaseLogger } from 'pino'
import { AccountAdmin } from '../accounts/admin.js'
import type { MailFlowDeps } from '../accounts/account-mail.js'
import { AuditLog, SILENT_AUDIT_LOGGER } from '../accounts/audit.js'
import { ClientAdmin } from '../accounts/clients.js'
import { GroupAdmin } from '../accounts/group-admin.js'
import { UserAdmin } from '../accounts/user-admin.js'
import { Background } from '../accounts/background.js'
import { EmailChange } from '../accounts/email-change.js'
import { EmailVerification } from '../accounts/email-verification.js'
import { MailLinks } from '../accounts/mail-links.js'
import { MailQuota } from '../accounts/mail-quota.js'
import { PasswordReset } from '../accounts/password-reset.js'
import { LoginService } from '../accounts/login.js'
import { LoginThrottle } from '../accounts/login-throttle.js'
import { type FactorChange, SecondFactors } from '../accounts/mfa/factors.js'
import { MfaLogin } from '../accounts/mfa/mfa-login.js'
import { factorNotifier } from '../accounts/mfa/notices.js'
import { Passkeys } from '../accounts/mfa/passkeys.js'
import { secretBoxFor } from '../accounts/mfa/secret-box.js'
import { FailureFloor } from '../accounts/login-timing.js'
import { hashCostKind, type PasswordHasher, unmatchablePbkdf2Hash } from '../accounts/passwords/index.js'
import { SessionService } from '../accounts/sessions.js'
import { publishFeedNews } from '../accounts/revocation-feed.js'
import { UserGate } from '../accounts/user-gate.js'
import { validatePassword } from '../accounts/validators/index.js'
import { type Clock, systemClock } from '../core/clock.js'
import type { AccountMailFlows, AdminDeps, HttpDeps, MfaFlows } from '../http/deps.js'
import {
  ConsoleTransport,
  MailTemplates,
  type MailTransport,
  MemoryTransport,
  Outbox,
  OutboxWorker,
  SmtpTransport,
} from '../mail/index.js'
import { settingSource } from '../settings/load.js'
import { relyingParty } from '../settings/relying-party.js'
import type { Settings } from '../settings/types.js'
import { MemoryCounterStore } from '../store/memory/counters.js'
import type {
  ApiClientStore,
  AuditStore,
  CounterStore,
  RevocationStore,
  TokenLedger,
  UserStore,
} from '../store/ports.js'
import { RedisCounterStore, RedisRevocationBus } from '../store/redis/index.js'
import { migrateToLatest, migrationStatus, type SqlStores } from '../store/sql/index.js'
import { type CustomClaimsHook, defaultCustomClaims } from '../tokens/claims.js'
import { TokenCodec } from '../tokens/codec.js'
import { explainDatabaseError, openConfiguredStores } from './database.js'
import { defaultHashConcurrency, HashWorkers } from '../node/hash-workers.js'
import { signHmacJws } from '../node/hmac-signer.js'
import { nodeSyncVerifier } from '../node/sync-verifier.js'
import { keyRingAdmin } from '../node/key-admin.js'
import { ReloadingKeyRing } from '../node/key-reload.js'
import { TesseraMetrics } from './metrics.js'
import { passwordHasherFor } from '../node/password-hasher.js'

/**
 * How long a start waits for Redis to answer and be checked, ms. A Redis that is down at startup
 * does not stop the start: it is checked when it comes.
 */
const REDIS_STARTUP_WAIT_MS = 2000

/**
 * Stores an app may bring instead of Tessera's own tables (the ports of src/store/ports.ts); the
 * rest stay on `DATABASE_URL`, which is migrated (or checked) as usual.
 */
export interface TesseraStores {
  users: UserStore
  ledger: TokenLedger
  revocations: RevocationStore
  audit: AuditStore
  clients: ApiClientStore
}

/** Where Tessera's own lines go: a pino logger (the server's, or the embedding app's). */
export type ServiceLogger = Pick<BaseLogger, 'info' | 'warn' | 'error'>

export interface ComposeOptions {
  readonly settings: Readonly<Settings>
  /** The environment the settings were read from: names the variable in database errors. */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stores?: Partial<TesseraStores> | undefined
  readonly customClaims?: CustomClaimsHook | undefined
  readonly clock?: Clock | undefined
  readonly logger?: ServiceLogger | undefined
  /** Renders `/metrics` (cluster mode aggregates every worker's registry this way). */
  readonly renderMetrics?: (() => Promise<{ contentType: string; body: string }>) | undefined
}

/** Tessera's running parts, before any HTTP: what the routes need, and how to stop it all. */
export interface TesseraCore {
  readonly settings: Readonly<Settings>
  /** The database Tessera opened (`DATABASE_URL`), whatever `stores` replaced. */
  readonly database: SqlStores
  /** The stores in use: `database`'s, with the app's own where it gave some. */
  readonly stores: TesseraStores
  readonly keys: ReloadingKeyRing
  readonly gate: UserGate
  readonly sessions: SessionService
  readonly accounts: AccountAdmin
  readonly hasher: PasswordHasher
  readonly metrics: TesseraMetrics
  readonly codec: TokenCodec
  /** The account mail: flows, outbox, its worker and transport (`transport.sent` with `memory`). */
  readonly mail: TesseraMail
  /** Second factors: TOTP, recovery codes, passkeys, the second step of logins. */
  readonly mfa: MfaFlows
  /** Everything the HTTP routes take (src/http/deps.ts). */
  readonly http: HttpDeps
  /** Stops the timers, the key watcher, Redis, the hashing threads and the database. Idempotent. */
  close(): Promise<void>
}

export interface TesseraMail {
  readonly flows: AccountMailFlows
  readonly outbox: Outbox
  readonly worker: OutboxWorker
  readonly transport: MailTransport
  /** Mail work left to do after answers (see accounts/background.ts). */
  readonly background: Background
  /** Queues one account mail. */
  readonly send: MailFlowDeps['send']
}

/** The transport `EMAIL_BACKEND` names. */
function mailTransport(settings: Readonly<Settings>, logger: ServiceLogger | undefined): MailTransport {
  if (settings.EMAIL_BACKEND === 'memory') return new MemoryTransport()
  if (settings.EMAIL_BACKEND === 'console') return new ConsoleTransport(logger)
  // load.ts refuses smtp without EMAIL_URL.
  return new SmtpTransport(settings.EMAIL_URL?.reveal() ?? '')
}

/**
 * Settings → database and migrations → keys → Redis → services: every concrete part Tessera runs,
 * started here and stopped by `close()`. A failed start stops what it started before throwing.
 */
export async function composeTessera(options: ComposeOptions): Promise<TesseraCore> {
  const { settings, logger } = options
  const clock = options.clock ?? systemClock
  const explain = (error: unknown) =>
    explainDatabaseError(error, settings.DATABASE_URL, settingSource(options.env, 'DATABASE_URL'))
  // An app's own users store is given to the database's stores too: the ledger reads users through it.
  const database = await openConfiguredStores(
    settings,
    settings.DATABASE_POOL_SIZE,
    options.stores?.users,
  ).catch((error: unknown) => {
    throw explain(error)
  })
  const stores: TesseraStores = {
    users: options.stores?.users ?? database.users,
    ledger: options.stores?.ledger ?? database.ledger,
    revocations: options.stores?.revocations ?? database.revocations,
    audit: options.stores?.audit ?? database.audit,
    clients: options.stores?.clients ?? database.clients,
  }
  let hashWorkers: HashWorkers | undefined
  let mailWorker: OutboxWorker | undefined
  let keys: ReloadingKeyRing | undefined
  let bus: RedisRevocationBus | undefined
  try {
    const migrate = settings.MIGRATE_ON_START ?? settings.MODE !== 'production'
    if (migrate) await migrateToLatest(database.db)
    let codec: TokenCodec | undefined
    const ring = await ReloadingKeyRing.open(settings, {
      onChange: () => {
        codec?.forgetVerified()
        const { kid, alg } = ring.signingKey()
        logger?.info({ kid, alg }, 'key ring reloaded')
      },
      // A ring the server will not use (unreadable, or signing with another ALGORITHM) is ignored.
      onError: (error) =>
        logger?.warn(
          { err: error },
          'key ring file changed but not applied: the server keeps its current keys',
        ),
    })
    keys = ring
    // Settings and keys are judged first: they are what an operator fixes before migrating.
    if (!migrate) await requireMigrated(database)
    codec = new TokenCodec(settings, ring, clock, { hmacSigner: signHmacJws, syncVerifier: nodeSyncVerifier })
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
    if (settings.REDIS_URL !== null) {
      bus = new RedisRevocationBus(settings.REDIS_URL, {
        channelPrefix: settings.REDIS_PREFIX,
        onError: (error) =>
          logger?.warn({ err: error }, 'Redis unreachable: running degraded (see SECURITY.md)'),
        // At startup the error stops the start; later (Redis replaced by an older one) it is
        // logged, and Tessera runs on without Redis.
        onUnsupported: (error) => {
          if (!starting) logger?.error({ err: error }, 'Redis is too old: running without it')
        },
      })
      await bus.checked(REDIS_STARTUP_WAIT_MS)
    }
    starting = false
    const redis = bus
    const accounts = new AccountAdmin({
      audit,
      users: stores.users,
      ledger: stores.ledger,
      revocations: stores.revocations,
      gate,
      clock,
      settings,
      ...(redis
        ? { announce: (userId: number, notBefore: number) => redis.publish({ userId, notBefore }) }
        : {}),
    })
    if (redis) {
      await redis
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
    if (redis) publishFeedNews(gate, (batch) => redis.publishFeed(batch), clock)
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
      ...(redis ? { announceEnded: (userId: number) => redis.publish({ userId, notBefore: 0 }) } : {}),
    })
    const counters: CounterStore = redis
      ? new RedisCounterStore(redis.client, `${settings.REDIS_PREFIX}count:`)
      : new MemoryCounterStore()
    const mail = composeMail(settings, {
      users: stores.users,
      database,
      clock,
      audit,
      logger,
      counters,
      hasher,
      revokeAll: (userId) => accounts.revokeAll(userId),
    })
    mailWorker = mail.worker
    const mfa = composeMfa(settings, {
      users: stores.users,
      database,
      clock,
      audit,
      counters,
      notify: factorNotifier({ users: stores.users, send: mail.send, background: mail.background }),
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
            throttle: new LoginThrottle(counters, {
              maxFailures: settings.RATE_LIMIT_LOGIN_PER_ACCOUNT,
              windowMs: settings.RATE_LIMIT_WINDOW * 1000,
            }),
          }
        : {}),
      requireEmailVerification: settings.REQUIRE_EMAIL_VERIFICATION,
    })
    const http: HttpDeps = {
      settings,
      codec,
      keys: ring,
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
      database: database.lifecycle,
      clients: stores.clients,
      revocations: stores.revocations,
      mail: mail.flows,
      mfa,
      ...(ownsAdminTables(options.stores)
        ? {
            admin: composeAdmin(settings, {
              database,
              accounts,
              audit,
              hasher,
              reloadKeys: () => ring.check(),
            }),
          }
        : {}),
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
      ...(redis
        ? {
            probes: { redis: () => redis.ping() },
            rateLimitRedis: redis.client,
            rateLimitPrefix: `${settings.REDIS_PREFIX}ratelimit:`,
          }
        : {}),
    }

    await gate.sync().catch(() => {})
    // Without Redis, other instances' revocations arrive by polling the database.
    const poll = setInterval(() => {
      gate.sync().catch((error: unknown) => logger?.warn({ err: error }, 'revocation poll failed'))
      // Polled at twice the rate, so a revocation is seen within REVOCATION_POLL_INTERVAL.
    }, settings.REVOCATION_POLL_INTERVAL * 500)
    poll.unref()
    mail.worker.start()

    const workers = hashWorkers
    let closing: Promise<void> | undefined
    return {
      settings,
      database,
      stores,
      keys: ring,
      gate,
      sessions,
      accounts,
      hasher,
      metrics,
      codec,
      mail,
      mfa,
      http,
      close() {
        closing ??= (async () => {
          clearInterval(poll)
          // Mail asked for before the close is queued; what is queued is sent by any instance.
          await mail.background.drain()
          await mail.worker.stop()
          await mail.transport.close()
          ring.stop()
          await redis?.close()
          await workers.close()
          await database.lifecycle.close()
        })()
        return closing
      },
    }
  } catch (error) {
    await mailWorker?.stop()
    keys?.stop()
    await bus?.close()
    await hashWorkers?.close()
    await database.lifecycle.close()
    throw explain(error)
  }
}

/** The mail room and the account flows that use it. */
function composeMail(
  settings: Readonly<Settings>,
  parts: {
    users: UserStore
    database: SqlStores
    clock: Clock
    audit: AuditLog
    logger: ServiceLogger | undefined
    counters: CounterStore
    hasher: PasswordHasher
    revokeAll: (userId: number) => Promise<number>
  },
): TesseraMail {
  const { clock, logger } = parts
  const transport = mailTransport(settings, logger)
  const worker = new OutboxWorker({
    store: parts.database.outbox,
    transport,
    clock,
    from: settings.EMAIL_FROM,
    maxAttempts: settings.EMAIL_MAX_ATTEMPTS,
    retryDelayMs: settings.EMAIL_RETRY_DELAY * 1000,
    pollMs: settings.EMAIL_POLL_INTERVAL * 1000,
    logger,
  })
  const outbox = new Outbox(
    parts.database.outbox,
    MailTemplates.load(settings.EMAIL_TEMPLATES_DIR),
    clock,
    () => worker.kick(),
  )
  const background = new Background((error, task) =>
    logger?.error({ err: error, task }, 'account mail work failed after the answer'),
  )
  const deps: MailFlowDeps = {
    users: parts.users,
    tokens: parts.database.accountTokens,
    send: (mail) => outbox.queue(mail),
    links: new MailLinks(settings),
    clock,
    audit: parts.audit,
    background,
    quota: settings.RATE_LIMIT_ENABLED
      ? new MailQuota(parts.counters, {
          maxPerWindow: settings.RATE_LIMIT_MAIL_PER_ADDRESS,
          windowMs: settings.RATE_LIMIT_WINDOW * 1000,
        })
      : undefined,
    settings,
  }
  const flows: AccountMailFlows = {
    reset: new PasswordReset({
      ...deps,
      hasher: parts.hasher,
      validatePassword,
      revokeAll: parts.revokeAll,
    }),
    verification: new EmailVerification(deps),
    change: new EmailChange({ ...deps, revokeAll: parts.revokeAll }),
  }
  return { flows, outbox, worker, transport, background, send: deps.send }
}

/** Second factors: the secret box, TOTP and recovery codes, passkeys and the second login step. */
function composeMfa(
  settings: Readonly<Settings>,
  parts: {
    users: UserStore
    database: SqlStores
    clock: Clock
    audit: AuditLog
    counters: CounterStore
    notify: (userId: number, change: FactorChange) => void
  },
): MfaFlows {
  const { clock, audit, notify } = parts
  // load.ts requires MFA_SECRET_KEY in production; elsewhere a fixed key keeps development simple.
  const box = secretBoxFor(settings)
  const factors = new SecondFactors({
    store: parts.database.mfa,
    passkeys: parts.database.passkeys,
    box,
    clock,
    audit,
    issuer: settings.TOTP_ISSUER,
    window: settings.TOTP_WINDOW,
    notify,
  })
  const passkeys = new Passkeys({
    store: parts.database.passkeys,
    users: parts.users,
    rp: relyingParty(settings),
    clock,
    audit,
    challengeTimeout: settings.WEBAUTHN_CHALLENGE_TIMEOUT,
    userHandle: (userId) => box.tag('webauthn-user-handle', String(userId)),
    notify,
    afterRemoval: (userId) => factors.dropCodesIfNoFactor(userId),
  })
  const login = new MfaLogin({
    store: parts.database.mfa,
    users: parts.users,
    factors,
    passkeys,
    clock,
    audit,
    lifetime: settings.MFA_TOKEN_LIFETIME,
    maxAttempts: settings.MFA_MAX_ATTEMPTS,
    throttle: settings.RATE_LIMIT_ENABLED
      ? new LoginThrottle(parts.counters, {
          maxFailures: settings.RATE_LIMIT_MFA_PER_ACCOUNT,
          windowMs: settings.RATE_LIMIT_WINDOW * 1000,
        })
      : undefined,
    requiredForStaff: settings.MFA_REQUIRED_FOR_STAFF,
  })
  return { factors, login, passkeys }
}

/** Whether the admin API's tables are Tessera's: an app that brings these stores administers them. */
function ownsAdminTables(stores: Partial<TesseraStores> | undefined): boolean {
  return (
    stores?.users === undefined &&
    stores?.ledger === undefined &&
    stores?.audit === undefined &&
    stores?.clients === undefined
  )
}

/** The admin API's services, on Tessera's own tables, sharing the accounts room with the CLI. */
function composeAdmin(
  settings: Readonly<Settings>,
  parts: {
    database: SqlStores
    accounts: AccountAdmin
    audit: AuditLog
    hasher: PasswordHasher
    reloadKeys: () => Promise<unknown>
  },
): AdminDeps {
  const { database, accounts, audit } = parts
  const directory = database.admin
  const keysFromFile = settings.SIGNING_KEY === null && settings.SIGNING_KEYS === null
  return {
    directory,
    accounts,
    users: new UserAdmin({
      users: database.users,
      directory,
      accounts,
      hasher: parts.hasher,
      audit,
      usernameRules: { emailIsLoginName: settings.LOGIN_FIELD === 'username_or_email' },
    }),
    groups: new GroupAdmin({ directory, users: database.users, accounts, audit }),
    clients: new ClientAdmin({ clients: database.clients, directory, audit }),
    ...(keysFromFile ? { keys: keyRingAdmin(settings.KEY_DIR, settings, parts.reloadKeys) } : {}),
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
