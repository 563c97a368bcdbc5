/**
 * The server's logs as a real process writes them at the default `LOG_LEVEL=info` (`npm run build`
 * first): one access line per request with its fields and no credential, a clean stop (SIGTERM)
 * loses no access line whether stdout is a pipe or a file, a full stdout pipe neither stalls
 * requests nor drops lines, and access, audit and lifecycle lines share stdout without any line
 * cut or mixed, across cluster workers too.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { postJson, type ServerProcess, spawnServer } from '../helpers/process.js'
import { REDIS_URL } from '../store/backends.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-logs-'))
  dirs.push(dir)
  return dir
}

/** Servers a test started: one it left running (it failed before its stop) is killed after it. */
const servers: ServerProcess[] = []
afterEach(() => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
  }
})
async function startServer(...args: Parameters<typeof spawnServer>): Promise<ServerProcess> {
  const server = await spawnServer(...args)
  servers.push(server)
  return server
}

function serverEnv(
  dir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
    TESSERA_KEY_DIR: join(dir, 'keys'),
    TESSERA_RATE_LIMIT_ENABLED: 'false',
    TESSERA_ARGON2_MEMORY_KIB: '1024',
    TESSERA_ARGON2_ITERATIONS: '1',
    TESSERA_LOG_LEVEL: 'info',
    ...extra,
  }
}

interface Line {
  level?: number
  msg?: string
  reqId?: string
  method?: string
  route?: string | null
  status?: number
  responseTime?: number
  userId?: number
  audit?: string
  detail?: { login?: string }
}

/** Every line of `text`, each of which must be a whole JSON object. */
function jsonLines(text: string): Line[] {
  expect(text.endsWith('\n')).toBe(true)
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line)
}

const healthLines = (lines: Line[]) =>
  lines.filter((line) => line.msg === 'request completed' && line.route === '/healthz' && line.status === 200)

/** `count` GET /healthz, `concurrency` at a time; resolves with their statuses. */
async function healthRequests(url: string, count: number, concurrency = 16): Promise<number[]> {
  const statuses: number[] = []
  let sent = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent++
        const response = await fetch(`${url}/healthz`)
        await response.text()
        statuses.push(response.status)
      }
    }),
  )
  return statuses
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)
}

describe('server logs in a real process', () => {
  it('a clean stop writes every access line, stdout a pipe', async () => {
    const server = await startServer(serverEnv(tempDir()))
    const requests = 700
    expect(await healthRequests(server.url, requests)).toEqual(Array(requests).fill(200))
    await stop(server)
    expect(healthLines(jsonLines(server.stdout()))).toHaveLength(requests)
  })

  it('at its default LOG_LEVEL writes one access line per request, with its fields and no credential', async () => {
    const server = await startServer(serverEnv(tempDir(), { TESSERA_LOG_LEVEL: undefined }))
    const password = 'Quiet-Harbor-Lamp-52'
    const user = { username: 'info-reader', email: 'info-reader@example.com', password }
    expect((await postJson(`${server.url}/api/register/`, user)).status).toBe(201)
    const login = await postJson(`${server.url}/api/token/`, { username: user.username, password })
    const access = String(login.body.access)
    const refresh = String(login.body.refresh)
    const me = await fetch(`${server.url}/api/me/`, { headers: { authorization: `Bearer ${access}` } })
    const userId = ((await me.json()) as { id: number }).id
    const cookieLogin = await fetch(`${server.url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-transport': 'cookie' },
      body: JSON.stringify({ username: user.username, password }),
    })
    const cookie = /refresh_token=([^;]+)/.exec(cookieLogin.headers.get('set-cookie') ?? '')?.[1] ?? ''
    expect(cookie).not.toBe('')
    const cookieAccess = String(((await cookieLogin.json()) as { access?: string }).access)
    const refreshed = await postJson(`${server.url}/api/token/refresh/`, { refresh })
    expect(refreshed.status).toBe(200)
    await stop(server)
    const lines = jsonLines(server.stdout())
    const accessLines = lines.filter((line) => line.msg === 'request completed')
    expect(accessLines.map((line) => [line.method, line.route, line.status])).toEqual([
      ['POST', '/api/register/', 201],
      ['POST', '/api/token/', 200],
      ['GET', '/api/me/', 200],
      ['POST', '/api/token/', 200],
      ['POST', '/api/token/refresh/', 200],
    ])
    for (const line of accessLines) {
      expect(line.level).toBe(30)
      expect(line.reqId).toMatch(/^\S+$/)
      expect(typeof line.responseTime).toBe('number')
    }
    expect(new Set(accessLines.map((line) => line.reqId)).size).toBe(accessLines.length)
    expect(accessLines.map((line) => line.userId)).toEqual([
      undefined,
      undefined,
      userId,
      undefined,
      undefined,
    ])
    // At info nothing is logged as a request arrives: one line per request, audit lines beside.
    expect(lines.filter((line) => line.msg === 'request received')).toHaveLength(0)
    const output = server.output()
    for (const secret of [
      password,
      access,
      refresh,
      cookie,
      cookieAccess,
      String(refreshed.body.access),
      String(refreshed.body.refresh),
    ]) {
      expect(secret.length).toBeGreaterThan(16)
      expect(output.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false)
    }
  })

  it('a clean stop writes every access line, stdout a file', async () => {
    const dir = tempDir()
    const file = join(dir, 'stdout.log')
    const fd = openSync(file, 'w')
    let server: ServerProcess
    try {
      server = await startServer(serverEnv(dir), undefined, { stdout: fd })
    } finally {
      closeSync(fd)
    }
    const requests = 700
    expect(await healthRequests(server.url, requests)).toEqual(Array(requests).fill(200))
    await stop(server)
    expect(healthLines(jsonLines(readFileSync(file, 'utf8')))).toHaveLength(requests)
  })

  it('a full stdout pipe holds the lines without stalling requests, and loses none', async () => {
    const server = await startServer(serverEnv(tempDir()))
    // Nobody reads stdout now: the pipe and the reader's buffer fill up after a few hundred lines.
    server.child.stdout?.pause()
    const requests = 4000
    expect(await healthRequests(server.url, requests)).toEqual(Array(requests).fill(200))
    const unread = server.child.stdout?.readableLength ?? 0
    server.child.stdout?.resume()
    await stop(server)
    const stdout = server.stdout()
    // The lines outgrew what the pipe (64 KiB) and the paused reader held: the server kept the rest.
    expect(stdout.length).toBeGreaterThan(unread + 2 * 64 * 1024)
    expect(healthLines(jsonLines(stdout))).toHaveLength(requests)
  })

  it('audit and lifecycle lines share stdout with access lines, every line whole, credentials redacted', async () => {
    const server = await startServer(serverEnv(tempDir()))
    const password = 'Shared-Stdout-Pass-41'
    const user = { username: 'stdout-user', email: 'stdout@example.com', password }
    expect((await postJson(`${server.url}/api/register/`, user)).status).toBe(201)
    // A login name with multi-byte characters: the audit line goes through pino, in UTF-8.
    const stranger = 'j\u00fcrgen-\u2603'
    const [health, logins] = await Promise.all([
      healthRequests(server.url, 600),
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          postJson(`${server.url}/api/token/`, {
            username: i % 2 === 0 ? user.username : stranger,
            password: i % 4 === 0 ? password : `${password}-wrong`,
          }),
        ),
      ),
    ])
    expect(health).toEqual(Array(600).fill(200))
    await stop(server)
    const stdout = server.stdout()
    const lines = jsonLines(stdout)
    expect(healthLines(lines)).toHaveLength(600)
    const tokenLines = lines.filter(
      (line) => line.msg === 'request completed' && line.route === '/api/token/',
    )
    expect(tokenLines.map((line) => line.status).sort()).toEqual(logins.map((login) => login.status).sort())
    expect(lines.filter((line) => line.audit === 'login_succeeded')).toHaveLength(3)
    const failed = lines.filter((line) => line.audit === 'login_failed')
    expect(failed).toHaveLength(9)
    expect(failed.filter((line) => line.detail?.login === stranger)).toHaveLength(6)
    expect(lines.some((line) => line.msg === 'draining')).toBe(true)
    expect(stdout).not.toContain(password)
  })

  it('cluster workers sharing stdout never mix their lines', async () => {
    const dir = tempDir()
    const server = await startServer(
      serverEnv(dir, { TESSERA_REDIS_URL: REDIS_URL, TESSERA_REDIS_PREFIX: `logs-${Date.now()}:` }),
      undefined,
      { args: ['--workers', '2'] },
    )
    const requests = 3000
    expect(await healthRequests(server.url, requests, 32)).toEqual(Array(requests).fill(200))
    await stop(server)
    expect(healthLines(jsonLines(server.stdout()))).toHaveLength(requests)
  }, 60_000)
})
