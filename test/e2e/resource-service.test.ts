/**
 * Issue 3 end to end, real processes: Tessera signing with EdDSA, and the example resource service
 * trusting it only through its JWKS. Rotation keeps old and new tokens working there; retirement
 * refuses the old key's tokens.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/cli.js'
import { headerOf } from '../helpers/jwt.js'
import { postJson, type ServerProcess, spawnServer } from '../helpers/process.js'

const EXAMPLE = resolve(import.meta.dirname, '../../examples/resource-service/server.mjs')
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

async function startResourceService(
  jwksUrl: string,
  extra: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [EXAMPLE], {
    env: {
      ...extra,
      PATH: process.env.PATH ?? '',
      TESSERA_JWKS_URL: jwksUrl,
      PORT: '0',
      JWKS_COOLDOWN_MS: '0',
      JWKS_MAX_AGE_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  for (let i = 0; i < 200; i++) {
    const match = /listening on (http:\/\/\S+)/.exec(output)
    if (match?.[1]) return { child, url: match[1] }
    await sleep(25)
  }
  child.kill()
  throw new Error(`resource service did not start:\n${output}`)
}

async function keys(env: Record<string, string>, ...args: string[]): Promise<string> {
  const result = await runCommand(env, 'keys', ...args)
  expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: '' })
  return result.out
}

describe('resource service trusting Tessera through its JWKS', () => {
  let dir: string
  let env: Record<string, string>
  let tessera: ServerProcess
  let resource: { child: ChildProcess; url: string }
  const user = { username: 'reader', email: 'reader@example.com', password: 'Reader-Pass-123' }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'))
    env = {
      TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      TESSERA_KEY_DIR: join(dir, 'keys'),
      TESSERA_ALGORITHM: 'EdDSA',
      TESSERA_RATE_LIMIT_ENABLED: 'false',
      TESSERA_ARGON2_MEMORY_KIB: '1024',
      TESSERA_ARGON2_ITERATIONS: '1',
    }
    await keys(env, 'generate', '--alg', 'EdDSA')
    tessera = await spawnServer(env)
    resource = await startResourceService(`${tessera.url}/.well-known/jwks.json`)
    expect((await postJson(`${tessera.url}/api/register/`, user)).status).toBe(201)
  }, 60_000)

  afterAll(async () => {
    resource?.child.kill('SIGTERM')
    tessera?.child.kill('SIGTERM')
    await tessera?.exited
    rmSync(dir, { recursive: true, force: true })
  })

  const login = async () => (await postJson(`${tessera.url}/api/token/`, user)).body.access as string
  const orders = (token: string) =>
    fetch(`${resource.url}/orders`, { headers: { authorization: `Bearer ${token}` } })

  it('accepts Tessera tokens, refuses missing and forged ones, and enforces roles', async () => {
    const token = await login()
    const res = await orders(token)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ user: 1, email: 'reader@example.com' })
    expect((await fetch(`${resource.url}/orders`)).status).toBe(401)
    const forged = `${token.slice(0, -4)}AAAA`
    expect((await orders(forged)).status).toBe(401)
    const reports = await fetch(`${resource.url}/reports`, { headers: { authorization: `Bearer ${token}` } })
    expect(reports.status).toBe(403)
  })

  it('after a rotation old and new tokens both work; after retirement the old key is refused', async () => {
    const oldToken = await login()
    const oldKid = headerOf(oldToken).kid as string
    await keys(env, 'rotate', '--alg', 'EdDSA')
    await sleep(2500) // Tessera reloads keyring.json within 2 s
    const newToken = await login()
    expect(headerOf(newToken).kid).not.toBe(oldKid)
    expect((await orders(newToken)).status).toBe(200) // unknown kid: the JWKS is refetched
    expect((await orders(oldToken)).status).toBe(200)

    await keys(env, 'retire', oldKid)
    await sleep(2500) // Tessera drops the key; the resource service's cached set expires (1 s)
    expect((await orders(oldToken)).status).toBe(401)
    expect((await orders(newToken)).status).toBe(200)
    // Tessera itself refuses the retired key's tokens too.
    const hello = await fetch(`${tessera.url}/api/hello/`, {
      headers: { authorization: `Bearer ${oldToken}` },
    })
    expect(hello.status).toBe(401)
  }, 30_000)

  it('with the revocation feed, logout-all on Tessera is refused here within a second', async () => {
    const created = await runCommand(env, 'clients', 'create', 'orders')
    expect(created.code).toBe(0)
    const clientId = /client_id=(\S+)/.exec(created.out)?.[1] ?? ''
    const clientSecret = /client_secret=(\S+)/.exec(created.out)?.[1] ?? ''
    const fed = await startResourceService(`${tessera.url}/.well-known/jwks.json`, {
      TESSERA_REVOCATIONS_URL: `${tessera.url}/api/revocations/stream/`,
      TESSERA_CLIENT_ID: clientId,
      TESSERA_CLIENT_SECRET: clientSecret,
    })
    try {
      const health = async () => (await (await fetch(`${fed.url}/healthz`)).json()).revocations?.state
      for (let i = 0; i < 100 && (await health()) !== 'connected'; i++) await sleep(25)
      expect(await health()).toBe('connected')
      const token = await login()
      const call = () => fetch(`${fed.url}/orders`, { headers: { authorization: `Bearer ${token}` } })
      expect((await call()).status).toBe(200)
      const out = await fetch(`${tessera.url}/api/logout/all/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      expect(out.status).toBe(200)
      let refused: Response | undefined
      for (let i = 0; i < 40 && refused === undefined; i++) {
        const res = await call()
        if (res.status === 401) refused = res
        else await sleep(25)
      }
      expect(refused?.headers.get('www-authenticate')).toBe('Bearer realm="api"')
      expect(await refused?.json()).toEqual({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token has been revoked' }],
      })
      // The service without the feed still accepts it (until it expires).
      expect((await orders(token)).status).toBe(200)
    } finally {
      fed.child.kill('SIGTERM')
    }
  }, 30_000)
})
