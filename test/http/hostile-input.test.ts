/**
 * Hostile input over HTTP: arbitrary bodies, headers and content types never produce a 5xx, and
 * every error is JSON in a documented shape.
 */
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ENDPOINTS = [
  '/api/token/',
  '/api/token/refresh/',
  '/api/token/verify/',
  '/api/token/blacklist/',
  '/api/token/sliding/',
  '/api/token/sliding/refresh/',
  '/api/register/',
]

function expectDocumentedError(status: number, body: string): void {
  expect(status).toBeLessThan(500)
  const parsed = JSON.parse(body)
  expect(typeof parsed).toBe('object')
  if (status >= 400) {
    const isDetail = typeof parsed.detail === 'string'
    const isFields = Object.values(parsed).every((value) => Array.isArray(value))
    expect(isDetail || isFields).toBe(true)
  }
}

describe('hostile input', () => {
  let server: TestServer
  let app: FastifyInstance
  beforeAll(async () => {
    server = await startTestServer('sqlite', { BODY_LIMIT: 4096 })
    app = server.app
    await server.createUser({ username: 'alice', password: 'Wonderland-42!' })
  })
  afterAll(async () => server.dispose())

  it('arbitrary JSON bodies on every POST endpoint never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.jsonValue({ maxDepth: 4 }), async (url, body) => {
        const res = await app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body) ?? 'null',
        })
        expectDocumentedError(res.statusCode, res.body)
      }),
      { numRuns: 300 },
    )
  })

  it('arbitrary raw bytes as JSON never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.string({ maxLength: 200 }), async (url, payload) => {
        const res = await app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload,
        })
        expectDocumentedError(res.statusCode, res.body)
      }),
      { numRuns: 300 },
    )
  })

  it('arbitrary Authorization headers on a protected route never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (authorization) => {
        const value = authorization.replace(/[^\t\x20-\x7e]/g, '')
        const res = await app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: value } })
        expect([200, 401]).toContain(res.statusCode)
        expectDocumentedError(res.statusCode, res.body)
        if (res.statusCode === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
      }),
      { numRuns: 500 },
    )
  })

  it('prototype pollution attempts are refused and pollute nothing', async () => {
    for (const payload of [
      '{"__proto__":{"polluted":true},"username":"a"}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/token/',
        headers: { 'content-type': 'application/json' },
        payload,
      })
      expect(res.statusCode).toBe(400)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    }
  })

  it('an oversized body is a JSON 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/register/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x'.repeat(10_000) }),
    })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({ detail: 'Request body is too large.', code: 'payload_too_large' })
  })

  it('odd content types are 415, never parsed', async () => {
    for (const type of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/token/',
        headers: { 'content-type': type },
        payload: '{}',
      })
      expect(res.statusCode).toBe(415)
      expect(res.json().detail).toMatch(/^Unsupported media type/)
    }
  })
})
