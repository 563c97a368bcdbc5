import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { AccountAdmin } from '../accounts/admin.js'
import type { PasswordHasher } from '../accounts/passwords/index.js'
import type { SessionService } from '../accounts/sessions.js'
import type { UserGate } from '../accounts/user-gate.js'
import type { Clock } from '../core/clock.js'
import { buildApp } from '../http/app.js'
import { type LoadOptions, loadSettings } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import type { UserStore } from '../store/ports.js'
import type { SqlStores } from '../store/sql/index.js'
import type { CustomClaimsHook } from '../tokens/claims.js'
import type { ReloadingKeyRing } from '../node/key-reload.js'
import type { TesseraMail, TesseraStores } from './compose.js'
import { type LogTarget, openServerLogs } from './logger.js'
import type { TesseraMetrics } from './metrics.js'
import { tesseraStandalone } from './plugin.js'

export interface ServerOptions {
  /** Settings input; `env` defaults to `process.env`. */
  settings?: LoadOptions
  /** Already-loaded settings (skips `settings`). */
  loadedSettings?: Readonly<Settings>
  /** The app's own stores in place of Tessera's tables (users, …: the ports of src/store/ports.ts). */
  stores?: Partial<TesseraStores>
  /** The custom-claims hook (default: `email` and `roles`). */
  customClaims?: CustomClaimsHook
  clock?: Clock
  /** Where the built demo page is (default: the package's web/dist). */
  demoDir?: string
  /** Where the built admin UI is (default: the package's admin/dist). */
  adminDir?: string
  /** Renders `/metrics` (cluster mode aggregates every worker's registry this way). */
  renderMetrics?: () => Promise<{ contentType: string; body: string }>
  /**
   * Log to this stream (written as is: tests capture logs this way) or file (buffered, as stdout
   * is) instead of stdout; false = no logs.
   */
  logStream?: LogTarget | false
  /**
   * The app's own users store (say an `AppUserStore` over its users table) instead of Tessera's
   * `users` table, as a Django project sets `AUTH_USER_MODEL`; the same as `stores.users`. The app
   * opens and closes it.
   */
  users?: UserStore
}

export interface TesseraServer {
  readonly app: FastifyInstance
  readonly settings: Readonly<Settings>
  /** The database Tessera opened (`DATABASE_URL`). */
  readonly stores: SqlStores
  readonly keys: ReloadingKeyRing
  readonly gate: UserGate
  readonly sessions: SessionService
  /** Deactivate, delete, revoke: changes that end a user's sessions everywhere. */
  readonly accounts: AccountAdmin
  readonly hasher: PasswordHasher
  readonly metrics: TesseraMetrics
  /** Account mail: the flows, the outbox, its worker and transport. */
  readonly mail: TesseraMail
  /** The server's logger (none when logging is off). */
  readonly logger: Logger | undefined
  /** Drains the app, stops background work, closes the database, writes every buffered log line. */
  close(): Promise<void>
}

/**
 * The standalone server: its own Fastify app (src/http/app.ts) around the `tessera` plugin, with
 * the server's logs. Nothing listens until `listen()` is called on `app`.
 */
export async function buildServer(options: ServerOptions = {}): Promise<TesseraServer> {
  const settings = options.loadedSettings ?? loadSettings({ env: process.env, ...options.settings })
  const logs = options.logStream === false ? undefined : openServerLogs(settings, options.logStream)
  const logger = logs?.logger
  const app = buildApp(settings, {
    ...(logger ? { logger } : {}),
    ...(logs?.access ? { accessLog: logs.access } : {}),
  })
  try {
    await app.register(tesseraStandalone, {
      settings,
      ...(options.stores || options.users
        ? { stores: { ...options.stores, ...(options.users ? { users: options.users } : {}) } }
        : {}),
      ...(options.customClaims ? { customClaims: options.customClaims } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      standalone: {
        logger,
        env: options.settings?.env ?? process.env,
        demoDir: options.demoDir ?? fileURLToPath(new URL('../../web/dist', import.meta.url)),
        adminDir: options.adminDir ?? fileURLToPath(new URL('../../admin/dist', import.meta.url)),
        renderMetrics: options.renderMetrics,
      },
    })
  } catch (error) {
    // The plugin stopped what it had started; nothing else holds the process.
    await app.close().catch(() => {})
    await logs?.close()
    throw error
  }
  const core = app.tessera
  return {
    app,
    settings,
    stores: core.database,
    keys: core.keys,
    gate: core.gate,
    sessions: core.sessions,
    accounts: core.accounts,
    hasher: core.hasher,
    metrics: core.metrics,
    mail: core.mail,
    logger,
    async close() {
      try {
        // Drains the requests in flight, then the plugin's onClose stops Tessera's parts.
        await app.close()
      } finally {
        // Last: the drained requests' access lines and anything logged while closing.
        await logs?.close()
      }
    },
  }
}
