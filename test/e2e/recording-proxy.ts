import { createServer, request as forward, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as it reached the server, and the server's answer. */
export interface Exchange {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  status: number
  /** The response body of `/api/` calls (not of pages or assets). */
  body: string
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`; `http://localhost:<port>` reaches it too. */
  readonly url: string
  /** Every finished exchange, in order of completion. */
  readonly log: Exchange[]
  close(): Promise<void>
}

/**
 * A transparent HTTP proxy in front of a server, recording what the browser really sent (cookies,
 * Origin, Fetch Metadata) and what the server answered: ground truth the browser's own network
 * events do not always give (Chromium hides cookies of some requests from them). The Host header
 * is passed on unchanged, so the server sees the origin the browser used.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target)
  const log: Exchange[] = []
  const server = createServer((incoming, outgoing) => {
    const exchange: Exchange = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      headers: incoming.headers,
      status: 0,
      body: '',
    }
    const proxied = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        exchange.status = answer.statusCode ?? 502
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => {
          if (exchange.path.startsWith('/api/')) chunks.push(chunk)
          outgoing.write(chunk)
        })
        answer.on('end', () => {
          exchange.body = Buffer.concat(chunks).toString('utf8')
          log.push(exchange)
          outgoing.end()
        })
      },
    )
    proxied.on('error', () => {
      outgoing.writeHead(502).end()
    })
    incoming.pipe(proxied)
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

/** The value of one cookie in a request's Cookie header ('' when absent). */
export function cookieOf(headers: IncomingHttpHeaders, name: string): string {
  const header = headers.cookie ?? ''
  for (const part of header.split(/;\s*/)) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at) === name) return part.slice(at + 1)
  }
  return ''
}
