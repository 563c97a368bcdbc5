import type { Redis } from 'ioredis'
import { SettingsError } from '../../core/errors.js'
import { REVOCATION_FEED_CHANNEL } from '@tessera/protocol'
import type { RevocationBatch } from '@tessera/protocol'
import { connectRedis } from './connection.js'
import { checkRedisVersion } from './version.js'

export interface Revocation {
  userId: number
  notBefore: number
}

const CHANNEL = 'revocations'

function parse(message: string): Revocation | undefined {
  try {
    const value = JSON.parse(message) as Partial<Revocation>
    if (Number.isSafeInteger(value.userId) && Number.isSafeInteger(value.notBefore)) {
      return { userId: value.userId as number, notBefore: value.notBefore as number }
    }
  } catch {
    // A foreign or corrupt message on the channel: ignore it, the database poll is the truth.
  }
  return undefined
}

/**
 * Announces revocation cut-offs to every instance over Redis pub/sub, so a logout-all on one
 * instance is honoured by the others within milliseconds. The database stays the source of
 * truth: instances also poll it, so a lost message (or Redis down) only delays, never loses, a
 * revocation.
 */
export class RedisRevocationBus {
  readonly #publisher: Redis
  readonly #subscriber: Redis
  /** Settles once the server was checked the first time (see `checked`). */
  readonly #firstCheck: Promise<void>
  #unsupported: SettingsError | undefined

  constructor(
    url: string,
    options: {
      channelPrefix?: string
      onError?: (error: Error) => void
      /** The server is too old for Tessera: both connections are closed for good. */
      onUnsupported?: (error: SettingsError) => void
    } = {},
  ) {
    this.#publisher = connectRedis(url, 'tessera-publish', options.onError)
    this.#subscriber = connectRedis(url, 'tessera-subscribe')
    this.channel = (options.channelPrefix ?? '') + CHANNEL
    this.feedChannel = (options.channelPrefix ?? '') + REVOCATION_FEED_CHANNEL
    // Checked at every connection: the server behind the URL may be replaced by an older one.
    this.#firstCheck = new Promise((settled) => {
      this.#publisher.on('ready', () => {
        checkRedisVersion(this.#publisher)
          .catch((error: unknown) => {
            // Only a verdict counts: an INFO that failed (Redis went away again) is no reason to stop.
            if (!(error instanceof SettingsError)) return
            this.#unsupported = error
            void this.close()
            options.onUnsupported?.(error)
          })
          .finally(settled)
      })
    })
  }

  /**
   * Waits until the server was reached and checked, at most `timeoutMs`: a Redis that is down
   * at startup is checked when it comes (the server starts degraded meanwhile).
   *
   * @throws SettingsError when the server is too old for Tessera
   */
  async checked(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.#firstCheck,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (this.#unsupported) throw this.#unsupported
  }

  readonly channel: string

  /** Where revocation batches go for other services (`REVOCATION_FEED_CHANNEL`, after the prefix). */
  readonly feedChannel: string

  /** Publishes a batch of the revocation feed for verifiers in other services. */
  async publishFeed(batch: RevocationBatch): Promise<void> {
    await this.#publisher.publish(this.feedChannel, JSON.stringify(batch))
  }

  async publish(revocation: Revocation): Promise<void> {
    await this.#publisher.publish(this.channel, JSON.stringify(revocation))
  }

  /** Calls `handler` for each announced revocation (also those this instance published). */
  async subscribe(handler: (revocation: Revocation) => void): Promise<void> {
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return
      const revocation = parse(message)
      if (revocation) handler(revocation)
    })
    // Subscribe whenever the connection becomes ready (at startup, and after each outage). A
    // command sent before that is refused (no offline queue), so it is sent now only if ready.
    const subscribe = () => this.#subscriber.subscribe(this.channel).then(() => {})
    this.#subscriber.on('ready', () => {
      subscribe().catch(() => {})
    })
    if (this.#subscriber.status === 'ready') await subscribe()
  }

  async ping(): Promise<void> {
    await this.#publisher.ping()
  }

  /** The command connection, shared with the Redis rate-limit store. */
  get client(): Redis {
    return this.#publisher
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect()
    this.#publisher.disconnect()
  }
}
