import type { Clock } from './engine/types.js'
import { REVOCATION_EVENTS } from '@tessera/protocol'
import type { RevocationBatch, RevocationReset } from '@tessera/protocol'
import { FeedStatus, type RevocationFeedHandle } from './feed-status.js'
import type { RevocationList } from './revocation-list.js'

export interface RevocationStreamOptions {
  /** Tessera's stream, e.g. `https://auth.example.com/api/revocations/stream/`. */
  url: string
  /** An introspection client's credentials (`tessera clients create`), sent as HTTP Basic. */
  clientId: string
  clientSecret: string
  /** First wait before a reconnect, ms (default 500); doubles per failure, with jitter. */
  minBackoffMs?: number
  /** Longest wait between reconnects, ms (default 30 s). */
  maxBackoffMs?: number
  /**
   * Silence after which the connection is taken for dead and replaced, ms (default 45 s: three
   * of Tessera's default heartbeats). Keep it above the server's `REVOCATION_STREAM_HEARTBEAT`.
   */
  idleTimeoutMs?: number
  /** The fetch to use (tests, proxies); defaults to the global one. */
  fetch?: typeof fetch
}

/** One parsed server-sent event (the fields Tessera sends). */
interface SseEvent {
  event: string
  data: string
  id: string | undefined
}

/**
 * Splits a `text/event-stream` into events (WHATWG HTML §9.2.6): lines end in CRLF, LF or CR;
 * `:` starts a comment; an empty line dispatches. Fields other than event, data and id are ignored.
 */
export class SseParser {
  #buffer = ''
  #event = ''
  #data: string[] = []
  #id: string | undefined

  push(chunk: string, dispatch: (event: SseEvent) => void): void {
    this.#buffer += chunk
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer)
      // A lone CR at the end may be the first half of a CRLF: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === this.#buffer.length - 1)) return
      const line = this.#buffer.slice(0, match.index)
      this.#buffer = this.#buffer.slice(match.index + match[0].length)
      this.#line(line, dispatch)
    }
  }

  #line(line: string, dispatch: (event: SseEvent) => void): void {
    if (line === '') {
      if (this.#data.length > 0) {
        dispatch({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id })
      }
      this.#event = ''
      this.#data = []
      this.#id = undefined
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.#event = value
    else if (field === 'data') this.#data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.#id = value
  }
}

/**
 * Follows Tessera's revocation stream: applies its catch-up and news to `list`, reconnects with
 * exponential backoff and jitter, and resumes from the last event id (`Last-Event-ID`), so what
 * was revoked while disconnected arrives on reconnect. A silent connection (no heartbeat) is
 * replaced. The credentials go in the Authorization header only, never in a status or error.
 */
export function followRevocationStream(
  options: RevocationStreamOptions,
  list: RevocationList,
  clock: Clock,
): RevocationFeedHandle {
  const doFetch = options.fetch ?? globalThis.fetch
  const minBackoff = options.minBackoffMs ?? 500
  const maxBackoff = options.maxBackoffMs ?? 30_000
  const idleTimeout = options.idleTimeoutMs ?? 45_000
  const authorization = `Basic ${btoa(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  )}`
  const status = new FeedStatus(clock)
  let closed = false
  let current: AbortController | undefined
  let wake: (() => void) | undefined

  const onEvent = (event: SseEvent) => {
    let data: unknown
    try {
      data = JSON.parse(event.data)
    } catch {
      return
    }
    if (typeof data !== 'object' || data === null) return
    if (event.event === REVOCATION_EVENTS.reset) {
      list.reset(data as RevocationReset)
    } else if (event.event === REVOCATION_EVENTS.batch) {
      list.apply(data as RevocationBatch, clock.now())
      // The first batch of a connection is its catch-up: from then on nothing is missing.
      if (status.current.state !== 'connected') status.connected()
    } else {
      return
    }
    status.heard(event.id)
  }

  /** One connection, until it ends or fails; true when it delivered its catch-up. */
  const connect = async (): Promise<boolean> => {
    const controller = new AbortController()
    current = controller
    let idle: ReturnType<typeof setTimeout> | undefined
    const alive = () => {
      clearTimeout(idle)
      idle = setTimeout(() => controller.abort(), idleTimeout)
    }
    alive()
    let caughtUp = false
    try {
      const lastEventId = status.current.lastEventId
      const response = await doFetch(options.url, {
        headers: {
          accept: 'text/event-stream',
          authorization,
          ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
        },
        signal: controller.signal,
      })
      if (!response.ok || response.body === null) {
        await response.body?.cancel().catch(() => {})
        status.down(`HTTP ${response.status}`)
        return false
      }
      const parser = new SseParser()
      const decoder = new TextDecoder()
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        alive()
        status.heard()
        parser.push(decoder.decode(value, { stream: true }), (event) => {
          onEvent(event)
          if (status.current.state === 'connected') caughtUp = true
        })
      }
      status.down('stream ended')
    } catch (error) {
      status.down(controller.signal.aborted && !closed ? 'no heartbeat' : String((error as Error).message))
    } finally {
      clearTimeout(idle)
      current = undefined
    }
    return caughtUp
  }

  const run = async () => {
    let backoff = minBackoff
    while (!closed) {
      if (await connect()) backoff = minBackoff
      if (closed) break
      const wait = backoff / 2 + Math.random() * (backoff / 2)
      backoff = Math.min(maxBackoff, backoff * 2)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  }
  const running = run()

  return {
    status: () => status.current,
    async close() {
      closed = true
      status.closed()
      current?.abort()
      wake?.()
      await running
    },
  }
}
