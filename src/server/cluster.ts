import cluster, { type Worker } from 'node:cluster'
import { availableParallelism } from 'node:os'
import { AggregatorRegistry } from 'prom-client'
import { SettingsError } from '../core/errors.js'
import { loadSettings, settingSource } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import { migrateToLatest } from '../store/sql/index.js'
import { explainDatabaseError, openConfiguredStores } from './database.js'
import type { ServerOptions } from './build.js'
import { loadOrCreateKeyRing } from '../node/key-files.js'
import { withServerNodeFlags } from './node-flags.js'
import { serve } from './serve.js'

const METRICS_REQUEST = 'tessera:metrics-request'
const METRICS_ANSWER = 'tessera:metrics-answer'
const STARTUP_FAILED = 'tessera:startup-failed'

export interface ClusterOptions extends ServerOptions {
  /** Worker processes; 0 = one per core. */
  workers: number
  /** Where the primary reports (the CLI passes stderr). */
  report?: (line: string) => void
}

/**
 * `tessera serve --workers N`: one process per core on one machine (node:cluster shares the
 * listening socket). The primary prepares what must happen once (migrations, the development key),
 * restarts workers that crash, aggregates `/metrics` over all workers, and on SIGTERM lets each
 * worker drain. Workers are stateless: revocations reach all of them through the database poll
 * or Redis, exactly as they reach other machines. A worker that fails to start (a busy port, a
 * bad key) ends the whole cluster with exit code 1: restarting it would fail the same way.
 *
 * @throws SettingsError (`REDIS_URL`) for more than one worker without Redis: rate limits are
 * counted in Redis, or per process, which would multiply every limit by the number of workers.
 */
export async function serveCluster(options: ClusterOptions): Promise<void> {
  if (cluster.isWorker) return runWorker(options)
  const settings = loadSettings({ env: process.env, ...options.settings })
  const count = options.workers > 0 ? options.workers : availableParallelism()
  if (count > 1 && settings.REDIS_URL === null) {
    throw new SettingsError(
      'REDIS_URL',
      `${count} workers need Redis to share rate limits (each worker would count on its own, multiplying every limit by ${count}); set REDIS_URL or run one worker`,
    )
  }
  await prepareOnce(settings).catch((error: unknown) => {
    throw explainDatabaseError(
      error,
      settings.DATABASE_URL,
      settingSource(options.settings?.env ?? process.env, 'DATABASE_URL'),
    )
  })
  const aggregator = new AggregatorRegistry()
  // Workers get the server flags even when the primary was started without them.
  cluster.setupPrimary({ execArgv: withServerNodeFlags(process.execArgv) })
  let stopping = false
  let exitCode = 0
  const fork = (): Worker => {
    const worker = cluster.fork()
    worker.on('message', (message: { type?: string; id?: number; error?: string }) => {
      if (message?.type === STARTUP_FAILED) {
        // Every worker fails the same way: report the first, then stop them all.
        if (!stopping) options.report?.(`tessera serve: ${message.error ?? 'a worker failed to start'}\n`)
        stop(1)
        return
      }
      if (message?.type !== METRICS_REQUEST) return
      aggregator.clusterMetrics().then(
        (body) =>
          worker.send({ type: METRICS_ANSWER, id: message.id, body, contentType: aggregator.contentType }),
        () =>
          worker.send({
            type: METRICS_ANSWER,
            id: message.id,
            body: '',
            contentType: aggregator.contentType,
          }),
      )
    })
    return worker
  }
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    options.report?.(`worker ${worker.process.pid} died (${signal ?? code}); starting another\n`)
    fork()
  })
  let listening = 0
  cluster.on('listening', (_worker, address) => {
    listening++
    if (listening === count) {
      options.report?.(`tessera listening on http://${settings.HOST}:${address.port} (${count} workers)\n`)
    }
  })
  function stop(code: number): void {
    if (stopping) return
    stopping = true
    exitCode = code
    const workers = Object.values(cluster.workers ?? {})
    if (workers.length === 0) process.exit(exitCode)
    for (const worker of workers) worker?.process.kill('SIGTERM')
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode)
    })
  }
  for (let i = 0; i < count; i++) fork()
  process.once('SIGTERM', () => stop(0))
  process.once('SIGINT', () => stop(0))
}

/** Work that N workers must not race on: migrations and the generated development key. */
async function prepareOnce(settings: Readonly<Settings>): Promise<void> {
  if (settings.MIGRATE_ON_START ?? settings.MODE !== 'production') {
    const stores = await openConfiguredStores(settings, 1)
    try {
      await migrateToLatest(stores.db)
    } finally {
      await stores.lifecycle.close()
    }
  }
  await loadOrCreateKeyRing(settings)
}

async function runWorker(options: ClusterOptions): Promise<void> {
  let nextId = 0
  const pending = new Map<number, (answer: { body: string; contentType: string }) => void>()
  process.on('message', (message: { type?: string; id?: number; body?: string; contentType?: string }) => {
    if (message?.type !== METRICS_ANSWER || message.id === undefined) return
    pending.get(message.id)?.({ body: message.body ?? '', contentType: message.contentType ?? 'text/plain' })
    pending.delete(message.id)
  })
  let running: Awaited<ReturnType<typeof serve>>
  try {
    running = await serve({
      ...options,
      settings: {
        ...options.settings,
        overrides: { ...options.settings?.overrides, MIGRATE_ON_START: false },
      },
      renderMetrics: () =>
        new Promise((resolve) => {
          const id = nextId++
          pending.set(id, resolve)
          process.send?.({ type: METRICS_REQUEST, id })
        }),
    })
  } catch (error) {
    // The primary reports it once for all workers and ends the cluster.
    process.send?.({ type: STARTUP_FAILED, error: (error as Error).message }, () => process.exit(1))
    return
  }
  // The primary's aggregator asks every worker for this process's registry; constructing one
  // here installs prom-client's worker-side listener that answers it.
  new AggregatorRegistry()
  AggregatorRegistry.setRegistries([running.server.metrics.registry])
}
