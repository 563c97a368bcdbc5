/**
 * The bring-your-own-users example (`examples/app-users/server.mjs`, on the built package) as a
 * real process: its bcrypt user logs in, the hash in its `accounts` table becomes argon2id, and
 * the user logs in again.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson } from '../helpers/process.js'

const EXAMPLE = resolve(import.meta.dirname, '../../examples/app-users/server.mjs')
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

describe('the app-users example', () => {
  let dir: string
  let child: ChildProcess
  let url: string
  let output = ''

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-app-users-example-'))
    child = spawn(process.execPath, [EXAMPLE], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        DATABASE_URL: `sqlite:${join(dir, 'app.sqlite3')}`,
        TESSERA_KEY_DIR: join(dir, 'keys'),
        TESSERA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (chunk) => {
      output += chunk
    })
    child.stderr?.on('data', (chunk) => {
      output += chunk
    })
    for (let i = 0; i < 400; i++) {
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        url = match[1]
        return
      }
      if (child.exitCode !== null) break
      await sleep(25)
    }
    throw new Error(`the example did not start:\n${output}`)
  })

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  const storedHash = () => {
    const db = new Database(join(dir, 'app.sqlite3'), { readonly: true })
    try {
      return (db.prepare("select pw_hash from accounts where login = 'ada'").get() as { pw_hash: string })
        .pw_hash
    } finally {
      db.close()
    }
  }

  it('logs its bcrypt user in, upgrades the hash to argon2id in its table, and logs them in again', async () => {
    expect(storedHash()).toMatch(/^\$2b\$10\$/)
    const credentials = { username: 'ada', password: 'analytical-engine' }
    const first = await postJson(`${url}/api/token/`, credentials)
    expect(first.status).toBe(200)
    expect(Object.keys(first.body).sort()).toEqual(['access', 'refresh'])
    expect(storedHash()).toMatch(/^\$argon2id\$/)
    const again = await postJson(`${url}/api/token/`, credentials)
    expect(again.status).toBe(200)
    const wrong = await postJson(`${url}/api/token/`, { ...credentials, password: 'difference-engine' })
    expect(wrong.status).toBe(401)
  })
})
