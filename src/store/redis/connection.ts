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
 * A Redis connection that fails fast instead of queueing: when Redis is down, callers get an
 * error at once (and degrade as documented) rather than requests hanging on a dead socket.
 * Reconnection keeps trying in the background, so recovery needs no restart.
 */
export function connectRedis(url: string, name: string, onError?: (error: Error) => void): Redis {
  const { Redis } = loadIoredis()
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
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
