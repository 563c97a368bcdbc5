/**
 * `tessera serve --workers N` as a real process (`npm run build` first): limits that hold across
 * workers need Redis, and a startup failure ends the whole cluster with exit code 1.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REDIS_URL } from '../store/backends.js'

const MAIN = resolve(import.meta.dirname, '../../dist/cli/main.js')
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** Runs `tessera serve …` until it exits (killed after `timeoutMs`: the test then fails). */
function serveUntilExit(env: Record<string, string>, args: string[], timeoutMs = 20_000) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-workers-'))
  dirs.push(dir)
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      TESSERA_KEY_DIR: join(dir, 'keys'),
      TESSERA_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  return new Promise<{ code: number | string; output: string }>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      done({ code: code ?? signal ?? -1, output })
    })
  })
}

describe('serve --workers', () => {
  it('refuses more than one worker without Redis: per-worker counters would multiply every limit', async () => {
    const { code, output } = await serveUntilExit({ TESSERA_PORT: '0' }, ['--workers', '2'])
    expect(code).toBe(1)
    expect(output).toContain('REDIS_URL')
    expect(output).not.toContain('listening')
  })

  it('a busy port ends the cluster with exit 1 and one message, not a restart loop', async () => {
    const busy: Server = createServer()
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done))
    const port = (busy.address() as { port: number }).port
    try {
      const { code, output } = await serveUntilExit(
        {
          TESSERA_PORT: String(port),
          TESSERA_REDIS_URL: REDIS_URL,
          TESSERA_REDIS_PREFIX: `workers-${port}:`,
        },
        ['--workers', '2'],
      )
      expect(code).toBe(1)
      expect(output.match(/EADDRINUSE/g)).toHaveLength(1)
      expect(output).not.toContain('starting another')
    } finally {
      busy.close()
    }
  }, 30_000)

  it('a single process on a busy port exits 1 too', async () => {
    const busy: Server = createServer()
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done))
    const port = (busy.address() as { port: number }).port
    try {
      const { code, output } = await serveUntilExit({ TESSERA_PORT: String(port) }, [])
      expect(code).toBe(1)
      expect(output).toContain('EADDRINUSE')
    } finally {
      busy.close()
    }
  }, 30_000)
})
