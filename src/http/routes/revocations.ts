import type { FastifyInstance } from 'fastify'
import {
  FEED_START,
  type FeedPosition,
  formatFeedId,
  furthest,
  parseFeedId,
  type RevocationFeed,
} from '../../accounts/revocation-feed.js'
import { toEpochSeconds } from '../../core/clock.js'
import { InvalidClient, Throttled } from '../../core/errors.js'
import { PATHS, REVOCATION_EVENTS } from '@tessera/protocol'
import type { RevocationBatch, RevocationReset } from '@tessera/protocol'
import type { ApiClientStore } from '../../store/ports.js'
import type { RouteDeps } from '../deps.js'
import { introspectionClient } from '../introspection-client.js'
import { defineRoute } from '../route.js'

/** A client that reads slower than this much unsent output is dropped: it resumes on reconnect. */
const MAX_BUFFERED_BYTES = 1 << 20

/** What the client waits before reconnecting after the stream ends (the SSE `retry` field), ms. */
const RETRY_MS = 1000

const frame = (event: string, data: RevocationBatch | RevocationReset): string =>
  `id: ${data.id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`

/**
 * `GET /api/revocations/stream/`: per-user cut-offs and ended sessions as server-sent events, for
 * verifiers in other services (`createVerifier({ revocations })`). Only registered introspection
 * clients (HTTP Basic), never anonymous callers. A stream starts with everything after the
 * client's `Last-Event-ID` (the whole current state without one), then sends news as this instance
 * learns it, and a comment every `REVOCATION_STREAM_HEARTBEAT` seconds. An id the database cannot
 * account for gets a `reset` first. Connections count against the introspection rate limit, and
 * at most `REVOCATION_STREAM_MAX_PER_CLIENT` streams per client are open on one instance.
 */
export function revocationRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  clients: ApiClientStore,
  feed: RevocationFeed,
): void {
  const { settings, clock } = deps
  const open = new Map<string, number>()
  const streams = new Set<() => void>()
  // Open streams would hold the shutdown's drain forever: they end first, and clients resume.
  app.addHook('preClose', (done) => {
    for (const end of streams) end()
    done()
  })
  defineRoute(app, deps.authenticate, {
    path: prefix + PATHS.revocationStream,
    before: deps.limit('introspect'),
    handlers: {
      GET: async (request, reply) => {
        const client = await introspectionClient(request, clients)
        if (client === undefined) throw new InvalidClient()
        // HEAD runs this handler too (Fastify's HEAD routes): it gets the headers, never a stream.
        if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send('')
        const count = open.get(client.clientId) ?? 0
        if (count >= settings.REVOCATION_STREAM_MAX_PER_CLIENT) throw new Throttled(RETRY_MS / 1000)
        open.set(client.clientId, count + 1)

        const lastId = request.headers['last-event-id']
        const resumed = typeof lastId === 'string' ? parseFeedId(lastId.trim()) : undefined
        let sent: FeedPosition = resumed ?? FEED_START
        // News that arrives while the catch-up is read is held, then sent if it reaches further.
        let pending: { batch: RevocationBatch; position: FeedPosition }[] | undefined = []
        const raw = reply.raw
        const send = (batch: RevocationBatch, position: FeedPosition) => {
          if (position.cutoffs <= sent.cutoffs && position.sessions <= sent.sessions) return
          sent = furthest(sent, position)
          raw.write(frame(REVOCATION_EVENTS.batch, { ...batch, id: formatFeedId(sent) }))
          if (raw.writableLength > MAX_BUFFERED_BYTES) end()
        }
        const unsubscribe = feed.subscribe((batch, position) => {
          if (pending) pending.push({ batch, position })
          else send(batch, position)
        })
        const heartbeat = setInterval(
          () => raw.write(': ping\n\n'),
          settings.REVOCATION_STREAM_HEARTBEAT * 1000,
        )
        heartbeat.unref()
        let ended = false
        const end = () => {
          if (ended) return
          ended = true
          clearInterval(heartbeat)
          unsubscribe()
          streams.delete(end)
          const left = (open.get(client.clientId) ?? 1) - 1
          if (left > 0) open.set(client.clientId, left)
          else open.delete(client.clientId)
          raw.end()
        }
        streams.add(end)
        reply.hijack()
        raw.on('close', end)
        if (raw.destroyed) return end()
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          // Proxies (nginx) buffer responses unless told not to; events must arrive at once.
          'x-accel-buffering': 'no',
          connection: 'keep-alive',
        })
        raw.write(`retry: ${RETRY_MS}\n\n`)
        try {
          if (resumed !== undefined && (await feed.isUnknown(resumed))) {
            sent = FEED_START
            const reset: RevocationReset = {
              id: formatFeedId(FEED_START),
              not_before: toEpochSeconds(clock.now()) + 1,
            }
            raw.write(frame(REVOCATION_EVENTS.reset, reset))
          }
          const catchUp = await feed.since(sent)
          // Sent even when empty, so a new client knows it has the whole state and where it stands.
          sent = furthest(sent, catchUp.position)
          raw.write(frame(REVOCATION_EVENTS.batch, { ...catchUp.batch, id: formatFeedId(sent) }))
          for (const news of pending) send(news.batch, news.position)
          pending = undefined
        } catch (error) {
          request.log.warn({ err: error }, 'revocation stream: catch-up failed')
          end()
        }
      },
    },
    docs: {
      GET: {
        operationId: 'revocationStream',
        tags: ['revocation feed'],
        summary: 'Revocations as server-sent events',
        description:
          'For introspection clients (HTTP Basic), e.g. `createVerifier({ revocations })` of `@tessera/verify`. Events: `revocations` (a `RevocationBatch`: per-user cut-offs and ended sessions) and `reset`; the first event holds the whole current state, or everything after `Last-Event-ID`. A comment every REVOCATION_STREAM_HEARTBEAT seconds keeps it alive.',
        security: 'client',
        headers: {
          type: 'object',
          properties: {
            'last-event-id': {
              type: 'string',
              description: 'The id of the last event received: resume after it.',
            },
          },
        },
        responses: {
          200: {
            description:
              'The event stream (`text/event-stream`), open until the client or the server ends it.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
        errors: {
          401: 'The client did not authenticate (`invalid_client`).',
          429: 'Rate limited, or REVOCATION_STREAM_MAX_PER_CLIENT streams of this client are open already.',
        },
      },
    },
  })
}
