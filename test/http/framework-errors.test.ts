/**
 * Issue 17, item 14: errors raised before a route runs (the router, Node's HTTP parser) answer in
 * DRF's shape, `{"detail": …}` as JSON, never Fastify's `{statusCode, error, message}`, and never
 * echo the request's path.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

/** Writes `text` on a fresh connection and returns everything the server sent before closing. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let received = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    const timer = setTimeout(() => socket.destroy(), 3000)
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(received)
    })
  })
}

function parse(response: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = response.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) }
}

describe('errors before routing, in DRF shape', () => {
  let server: TestServer
  let port: number
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.app.listen({ host: '127.0.0.1', port: 0 })
    port = (server.app.server.address() as { port: number }).port
  })
  afterAll(async () => server.dispose())

  it('a path parameter over the router limit is 414 {detail} and does not echo the path', async () => {
    const long = 'x'.repeat(300)
    const res = await server.app.inject({ method: 'DELETE', url: `/api/sessions/${long}/` })
    expect(res.statusCode).toBe(414)
    expect(res.json()).toEqual({ detail: 'Request-URI too long.' })
    expect(res.body).not.toContain('xxxx')
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })

  it('a path that is not valid percent-encoding is 400 {detail}, without the path', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/%zz-secret/' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ detail: 'Malformed request.' })
    expect(res.body).not.toContain('secret')
  })

  it('requests Node cannot parse get {detail} JSON', async () => {
    const cases: [string, number, string][] = [
      ['GARBAGE\r\n\r\n', 400, 'Malformed request.'],
      ['GET /api/hello/ HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, 'Malformed request.'],
      [
        'POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
        400,
        'Malformed request.',
      ],
      [
        `GET /api/hello/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'Request header fields too large.',
      ],
    ]
    for (const [request, status, detail] of cases) {
      const answer = parse(await rawExchange(port, request))
      expect(answer.status, request.slice(0, 40)).toBe(status)
      expect(answer.body).toEqual({ detail })
      expect(answer.headers).toContain('content-type: application/json')
      expect(answer.headers).toContain('x-content-type-options: nosniff')
    }
  })
})
