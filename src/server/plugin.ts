import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Clock } from '../core/clock.js'
import { SettingsError } from '../core/errors.js'
import { tesseraRoutes } from '../http/app.js'
import { createAuthenticator } from '../http/authenticate.js'
import { installUserHook } from '../http/user-hook.js'
import { headerNameFromMeta, type LoadOptions, loadSettings } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import type { CustomClaimsHook } from '../tokens/claims.js'
import { composeTessera, type ServiceLogger, type TesseraCore, type TesseraStores } from './compose.js'

export interface TesseraPluginOptions {
  /**
   * Where Tessera's routes go, as Fastify's own register prefix (default `API_PREFIX`): the token,
   * account and session routes, and the JWKS, health, readiness, metrics and index routes, all
   * under it.
   */
  prefix?: string
  /** Loaded settings, or the input of `loadSettings` (`env` defaults to `process.env`). */
  settings?: Readonly<Settings> | LoadOptions
  /** The app's own stores (ports of src/store/ports.ts) in place of Tessera's tables. */
  stores?: Partial<TesseraStores>
  /** The custom-claims hook (default: `email` and `roles`). */
  customClaims?: CustomClaimsHook
  clock?: Clock
}

/** What the standalone server adds (src/server/build.ts); not part of the public options. */
export interface StandaloneOptions {
  readonly logger: ServiceLogger | undefined
  readonly demoDir: string
  readonly adminDir: string
  readonly renderMetrics?: (() => Promise<{ contentType: string; body: string }>) | undefined
  /** The environment the settings were read from, for error messages. */
  readonly env: Readonly<Record<string, string | undefined>>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Tessera's running parts (settings, stores, sessions, accounts, …), set by the `tessera` plugin. */
    tessera: TesseraCore
  }
}

/** The settings a loaded object carries, told apart from `LoadOptions` (lower-case keys only). */
function isLoaded(input: Readonly<Settings> | LoadOptions): input is Readonly<Settings> {
  return 'MODE' in input && 'ALGORITHM' in input
}

/** `/api`-style: empty, or `/`-led segments with no trailing slash (the rule of `API_PREFIX`). */
function checkedPrefix(prefix: string): string {
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) {
    throw new SettingsError('prefix', 'must be empty or start with "/" and not end with "/"')
  }
  return prefix
}

const plugin: FastifyPluginAsync<TesseraPluginOptions & { standalone?: StandaloneOptions }> = async (
  host,
  options,
) => {
  const { standalone } = options
  const input = options.settings ?? {}
  const settings = isLoaded(input) ? input : loadSettings({ env: process.env, ...input })
  const env = standalone?.env ?? (isLoaded(input) ? process.env : (input.env ?? process.env))
  const logger = standalone ? standalone.logger : host.log
  const mount = standalone ? '' : checkedPrefix(options.prefix ?? settings.API_PREFIX)
  const core = await composeTessera({
    settings,
    env,
    stores: options.stores,
    customClaims: options.customClaims,
    clock: options.clock,
    logger,
    renderMetrics: standalone?.renderMetrics,
  })
  // Registered first: the host's close stops what was started, whatever fails below.
  host.addHook('onClose', async () => core.close())
  try {
    host.decorate('tessera', core)
    await host.register(
      async (scope: FastifyInstance) =>
        tesseraRoutes(
          scope,
          standalone
            ? { ...core.http, demoDir: standalone.demoDir, adminDir: standalone.adminDir }
            : core.http,
          {
            apiPrefix: standalone ? settings.API_PREFIX : '',
            mountPath: host.prefix + mount,
            log: logger,
            cors: !standalone,
          },
        ),
      { prefix: mount },
    )
    if (standalone) return
    // After Tessera's scope: its own routes authenticate themselves and skip this hook.
    installUserHook(
      host,
      createAuthenticator({
        codec: core.codec,
        gate: core.gate,
        clock: core.http.clock,
        headerName: headerNameFromMeta(settings.AUTH_HEADER_NAME),
        headerTypes: settings.AUTH_HEADER_TYPES,
        observe: core.metrics.observeVerification,
      }),
      settings.AUTH_HEADER_TYPES[0] ?? 'Bearer',
    )
  } catch (error) {
    // A registration that fails (a decorator the app already has, …) leaves nothing running.
    await core.close()
    throw error
  }
}

/**
 * `tessera/plugin`: Tessera inside your own Fastify app. Its routes (under `prefix`, default
 * `API_PREFIX`) keep their own JSON parsing, error map, CORS, cookies, CSRF and rate limits in an
 * encapsulated scope; your app gets `request.user` (checked as Tessera checks its own routes,
 * revocations included) for the guards of `tessera/fastify`, `app.tessera` (settings, sessions,
 * accounts), and Tessera's lines on its own logger. Everything Tessera starts (database, key
 * watcher, Redis, hashing threads, timers) stops on your app's `close()`. Register it before the
 * routes that use `request.user`.
 *
 * @example
 * await app.register(tessera, { prefix: '/api', settings: { env: process.env } })
 * app.get('/orders', guarded(authenticated, async (request) => ({ user: request.user.id })))
 * @throws SettingsError on invalid settings or prefix; the start fails as `tessera serve` would.
 */
export const tessera = fp(plugin as FastifyPluginAsync<TesseraPluginOptions>, {
  fastify: '5.x',
  name: 'tessera',
})

/** The same plugin with the standalone server's options (src/server/build.ts). */
export const tesseraStandalone = fp(plugin, { fastify: '5.x', name: 'tessera' })
