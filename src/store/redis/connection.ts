import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'

/**
 * ioredis is loaded by the first connection, not with this module: a process without REDIS_URL
 * never loads it. Loading modules a process does not use slows its HTTP path, not just its start
 * (src/store/sql/connect.ts says how much).
 */
const require = createRequire(import.meta.url)
const loadIoredis = () => require('ioredis') as typeof import('ioredis')

/**
 * How long Redis may take to answer, ms. A healthy Redis answers in well under a millisecond; one
 * that stops answering behind an open connection (a paused process, a stalled network) would
 * otherwise hold every request that touches it until TCP gives up.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000

/**
 * A Redis connection that fails fast instead of queueing or waiting: when Redis is down or stops
 * answering, callers get an error within `REDIS_COMMAND_TIMEOUT_MS` (and degrade as documented)
 * rather than requests hanging. A connection that sent a command and heard nothing back for that
 * long is dropped, so the commands after it fail at once instead of each waiting out its own
 * timeout. Reconnection keeps trying in the background, so recovery needs no restart.
 */
export function connectRedis(url: string, name: string, onError?: (error: Error) => void): Redis {
  const { Redis } = loadIoredis()
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    socketTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
  // Without a listener ioredis prints every failed reconnect; report once per outage instead.
  let reported = false
  redis.on('error', (error: Error) => {
    if (!reported) onError?.(error)
    reported = true
  })
  redis.on('ready', () => {
    reported = false
  })
  return redis
}
