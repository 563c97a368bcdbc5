/**
 * RFC 7662 introspection for registered clients, and the JWKS endpoint of a server signing with
 * an asymmetric key ring.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashClientSecret } from '../../src/accounts/clients.js'
import { claimsOf, headerOf } from '../helpers/jwt.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

describe('introspection (RFC 7662)', () => {
  let server: TestServer
  let pair: { access: string; refresh: string }
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser({ ...ALICE, groups: ['staff'] })
    await server.stores.clients.create({
      clientId: 'billing',
      secretHash: hashClientSecret('s3cret-value'),
      name: 'Billing',
    })
    pair = (await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json()
  })
  afterAll(async () => server.dispose())

  const introspect = (token: string, authorization = basic('billing', 's3cret-value'), form = true) =>
    server.app.inject({
      method: 'POST',
      url: '/api/token/introspect/',
      headers: {
        authorization,
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      },
      payload: form ? new URLSearchParams({ token }).toString() : JSON.stringify({ token }),
    })

  it('answers active tokens with their claims, form-encoded or JSON', async () => {
    const res = await introspect(pair.access)
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.json()).toMatchObject({
      active: true,
      token_type: 'access',
      sub: String(claimsOf(pair.access).user_id),
      client_id: 'billing',
      roles: ['staff'],
      exp: claimsOf(pair.access).exp,
    })
    expect((await introspect(pair.refresh, undefined, false)).json()).toMatchObject({
      active: true,
      token_type: 'refresh',
    })
  })

  it('answers {"active": false} for garbage, tampered, expired and blacklisted tokens', async () => {
    expect((await introspect('garbage')).json()).toEqual({ active: false })
    expect((await introspect('')).json()).toEqual({ active: false })
    const other = (await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json()
    await server.app.inject({
      method: 'POST',
      url: '/api/token/blacklist/',
      payload: { refresh: other.refresh },
    })
    expect((await introspect(other.refresh)).json()).toEqual({ active: false })
    server.clock.advance(301)
    try {
      expect((await introspect(other.access)).json()).toEqual({ active: false })
    } finally {
      server.clock.advance(-301)
    }
  })

  it('refuses unauthenticated or wrong clients with 401 and a Basic challenge', async () => {
    for (const authorization of [
      basic('billing', 'wrong'),
      basic('nobody', 'x'),
      `Bearer ${pair.access}`,
      'Basic !!!',
      // The right credentials twice are not one set of credentials (light-my-request sends an
      // array as a repeated header; its header type does not show it).
      [basic('billing', 's3cret-value'), basic('billing', 's3cret-value')] as unknown as string,
    ]) {
      const res = await introspect(pair.access, authorization)
      expect(res.statusCode).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Basic realm="api"')
      expect(res.json()).toEqual({ detail: 'Client authentication failed.', code: 'invalid_client' })
    }
  })

  it('form bodies are accepted nowhere else', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/token/verify/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${pair.access}`,
    })
    expect(res.statusCode).toBe(415)
  })
})

describe('JWKS of an EdDSA server', () => {
  let server: TestServer
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-jwks-'))
    server = await startTestServer('sqlite', { ALGORITHM: 'EdDSA', SIGNING_KEY: '', KEY_DIR: dir })
    await server.createUser(ALICE)
  })
  afterAll(async () => {
    await server.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the public key with kid/use/alg, cache headers and an ETag that revalidates', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    expect(res.statusCode).toBe(200)
    const { keys } = res.json()
    expect(keys).toHaveLength(1)
    expect(keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: expect.any(String),
      use: 'sig',
      alg: 'EdDSA',
    })
    expect(res.headers['cache-control']).toContain('max-age=300')
    const etag = res.headers.etag as string
    const again = await server.app.inject({
      method: 'GET',
      url: '/.well-known/jwks.json',
      headers: { 'if-none-match': etag },
    })
    expect(again.statusCode).toBe(304)
    const token = (await server.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json()
      .access
    expect(headerOf(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: keys[0].kid })
    const hello = await server.app.inject({
      method: 'GET',
      url: '/api/hello/',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(hello.statusCode).toBe(200)
  })

  it('an HMAC server publishes an empty set', async () => {
    const hmac = await startTestServer('sqlite')
    try {
      expect((await hmac.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()).toEqual({
        keys: [],
      })
    } finally {
      await hmac.dispose()
    }
  })
})
