import { Redis } from 'ioredis'

/**
 * A Redis connection that fails fast instead of queueing: when Redis is down, callers get an
 * error at once (and degrade as documented) rather than requests hanging on a dead socket.
 * Reconnection keeps trying in the background, so recovery needs no restart.
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
}
