import type { Clock } from './engine/types.js'
import { REVOCATION_FEED_CHANNEL } from '@tessera/protocol'
import type { RevocationBatch } from '@tessera/protocol'
import { FeedStatus, type RevocationFeedHandle } from './feed-status.js'
import type { RevocationList } from './revocation-list.js'

/**
 * The subset of an ioredis connection the feed uses. The caller makes it (and owns its URL,
 * credentials and TLS), so this package needs no Redis client of its own; it must be a
 * connection of its own, as a subscribed Redis connection runs no other commands.
 */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  on(event: 'ready' | 'close', listener: () => void): unknown
  off(event: 'message', listener: (channel: string, message: string) => void): unknown
  off(event: 'ready' | 'close', listener: () => void): unknown
  /** ioredis' connection state: `ready` once connected. */
  readonly status?: string
}

export interface RevocationRedisOptions {
  /** A dedicated ioredis connection (`new Redis(url)`) to Tessera's Redis. */
  subscriber: RedisSubscriber
  /** Tessera's `REDIS_PREFIX` (default `tessera:`). */
  prefix?: string
}

/**
 * Follows the batches Tessera publishes on `<REDIS_PREFIX>revocations:feed`. Pub/sub keeps no
 * history: what is published while this connection is down (or before it subscribed) never
 * arrives, and those tokens stay accepted until they expire. ioredis subscribes again by itself
 * after a reconnect; the status follows its `ready` and `close` events.
 */
export function followRevocationRedis(
  options: RevocationRedisOptions,
  list: RevocationList,
  clock: Clock,
): RevocationFeedHandle {
  const channel = (options.prefix ?? 'tessera:') + REVOCATION_FEED_CHANNEL
  const { subscriber } = options
  const status = new FeedStatus(clock)
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return
    let batch: unknown
    try {
      batch = JSON.parse(message)
    } catch {
      return
    }
    if (typeof batch !== 'object' || batch === null) return
    list.apply(batch as RevocationBatch, clock.now())
    status.heard((batch as Partial<RevocationBatch>).id)
  }
  const onReady = () => status.connected()
  const onClose = () => status.down('connection closed')
  subscriber.on('message', onMessage)
  subscriber.on('ready', onReady)
  subscriber.on('close', onClose)
  subscriber.subscribe(channel).then(
    () => {
      if (subscriber.status === undefined || subscriber.status === 'ready') status.connected()
    },
    (error: unknown) => status.down(String((error as Error)?.message ?? error)),
  )
  return {
    status: () => status.current,
    async close() {
      status.closed()
      subscriber.off('message', onMessage)
      subscriber.off('ready', onReady)
      subscriber.off('close', onClose)
      await subscriber.unsubscribe(channel).catch(() => {})
    },
  }
}
