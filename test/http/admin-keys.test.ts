/**
 * The admin API's keys (issue 22) on a server whose keys are the KEY_DIR ring file: list, stage,
 * promote and retire, as `tessera keys` does, in effect on this instance before the answer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { headerOf } from '../helpers/jwt.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ROOT = { username: 'root', password: 'Wonderland-42!' }

interface Key {
  kid: string
  alg: string
  status: string
  created: string
  signing: boolean
}

describe('admin keys of a KEY_DIR ring', () => {
  let server: TestServer
  let dir: string
  let access: string
  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    server.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${access}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
  const login = async () =>
    (await server.app.inject({ method: 'POST', url: '/api/token/', payload: ROOT })).json()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-admin-keys-'))
    server = await startTestServer('sqlite', { ALGORITHM: 'EdDSA', SIGNING_KEY: '', KEY_DIR: dir })
    const id = await server.createUser({ ...ROOT, isStaff: true })
    await server.stores.users.update(id, { isSuperuser: true })
    access = (await login()).access
  })
  afterAll(async () => {
    await server.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('stages, promotes and retires keys; tokens follow at once', async () => {
    const listed = await call('GET', '/api/admin/keys/')
    expect(listed.statusCode).toBe(200)
    const [first] = (listed.json() as { results: Key[] }).results
    expect(first).toMatchObject({ alg: 'EdDSA', status: 'active', signing: true })
    expect(JSON.stringify(listed.json())).not.toMatch(/"d"|PRIVATE/)

    expect((await call('POST', '/api/admin/keys/', { algorithm: 'RS256' })).json()).toEqual({
      algorithm: [
        'This server signs with EdDSA; a ring of another algorithm is refused. Switch with "tessera keys rotate --algorithm" and a restart.',
      ],
    })
    expect((await call('POST', '/api/admin/keys/', { algorithm: 'none' })).json()).toEqual({
      algorithm: ['"none" is not a valid choice.'],
    })
    const staged = await call('POST', '/api/admin/keys/', {})
    expect(staged.statusCode).toBe(201)
    const next = staged.json() as Key
    expect(next).toMatchObject({ alg: 'EdDSA', status: 'next', signing: false })
    // A staged key is published for verifiers before it signs.
    const jwks = (await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toContain(next.kid)
    expect(headerOf((await login()).access).kid).toBe(first?.kid)

    const promoted = await call('POST', `/api/admin/keys/${next.kid}/promote/`)
    expect(promoted.statusCode).toBe(200)
    expect(promoted.json()).toMatchObject({ kid: next.kid, status: 'active', signing: true })
    const fresh = (await login()).access
    expect(headerOf(fresh).kid).toBe(next.kid)

    const signing = await call('POST', `/api/admin/keys/${next.kid}/retire/`)
    expect(signing.statusCode).toBe(400)
    expect(signing.json()).toEqual({ kid: [`${next.kid} signs new tokens: rotate first, then retire it`] })
    // Retiring the old key refuses its tokens at once, the caller's own included.
    const retired = await call('POST', `/api/admin/keys/${first?.kid}/retire/`)
    expect(retired.statusCode).toBe(200)
    expect(retired.json()).toMatchObject({ kid: first?.kid, status: 'retired', signing: false })
    expect((await call('GET', '/api/admin/keys/')).statusCode).toBe(401)
    access = fresh
    expect((await call('POST', '/api/admin/keys/no-such-kid/promote/')).statusCode).toBe(404)
    const audit = (await call('GET', '/api/admin/audit/?ordering=id')).json()
    const events = audit.results
      .filter((entry: { event: string }) => entry.event.startsWith('key_'))
      .map((entry: { event: string; detail: { kid: string } }) => [entry.event, entry.detail.kid])
    expect(events).toEqual([
      ['key_staged', next.kid],
      ['key_promoted', next.kid],
      ['key_retired', first?.kid],
    ])
  })
})
