/**
 * The operator CLI, run in-process (fast, precise assertions) and as real processes: `npm run
 * tessera -- …` inside this repo and `npx tessera …` from a project that depends on Tessera.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeDjangoPbkdf2 } from '../../src/accounts/passwords/index.js'
import { runCli } from '../../src/cli/main.js'
import { buildServer } from '../../src/server/build.js'
import { openStores } from '../../src/store/sql/index.js'
import { cliIO as cliIOAt } from '../helpers/cli.js'

const run = promisify(execFile)
const REPO = resolve(import.meta.dirname, '../..')
const FAST = { TESSERA_ARGON2_MEMORY_KIB: '1024', TESSERA_ARGON2_ITERATIONS: '1' }

/** A server on the database the CLI commands just changed, to see their effect over HTTP. */
const serverOnCliDatabase = (env: Record<string, string>) =>
  buildServer({
    logStream: false,
    settings: {
      env: { ...env, TESSERA_SIGNING_KEY: 'cli-test-signing-key-that-is-long-enough' },
      mode: 'test',
    },
  })

const cliIO = (env: Record<string, string>, input = '') => cliIOAt(env, input, REPO)

describe('tessera CLI', () => {
  let dir: string
  let env: Record<string, string>
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'))
    env = {
      TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      TESSERA_KEY_DIR: join(dir, 'keys'),
      ...FAST,
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints usage and refuses unknown commands', async () => {
    const help = cliIO(env)
    expect(await runCli(['--help'], help)).toBe(0)
    expect(help.out()).toContain('createsuperuser')
    const unknown = cliIO(env)
    expect(await runCli(['frobnicate'], unknown)).toBe(2)
    expect(unknown.err()).toContain('unknown command "frobnicate"')
  })

  it('migrate applies the migrations once, and --status lists them', async () => {
    const first = cliIO(env)
    expect(await runCli(['migrate'], first)).toBe(0)
    expect(first.out()).toMatch(/^Applied: 0001_core/)
    const again = cliIO(env)
    expect(await runCli(['migrate'], again)).toBe(0)
    expect(again.out()).toBe('No migrations to apply.\n')
    const status = cliIO(env)
    expect(await runCli(['migrate', '--status'], status)).toBe(0)
    expect(status.out()).toContain('[x] 0001_core')
  })

  it('an unknown TESSERA_ variable stops a command with a message naming it', async () => {
    const io = cliIO({ ...env, TESSERA_ACESS_TOKEN_LIFETIME: '5m' })
    expect(await runCli(['migrate'], io)).toBe(1)
    expect(io.err()).toContain('TESSERA_ACESS_TOKEN_LIFETIME: unknown setting')
  })

  it('createsuperuser --no-input creates a staff superuser, validating its password', async () => {
    const weak = cliIO({ ...env, TESSERA_SUPERUSER_PASSWORD: '1234' })
    expect(
      await runCli(
        ['createsuperuser', '--no-input', '--username', 'root', '--email', 'root@example.com'],
        weak,
      ),
    ).toBe(1)
    expect(weak.err()).toContain('password: This password is too short.')
    const io = cliIO({ ...env, TESSERA_SUPERUSER_PASSWORD: 'Admin-Password-77' })
    expect(
      await runCli(
        ['createsuperuser', '--no-input', '--username', 'root', '--email', 'root@example.com'],
        io,
      ),
    ).toBe(0)
    expect(io.out()).toMatch(/Superuser created successfully/)
    const stores = await openStores(env.TESSERA_DATABASE_URL ?? '')
    const root = await stores.users.findByUsername('root')
    await stores.lifecycle.close()
    expect(root).toMatchObject({ isStaff: true, isSuperuser: true, email: 'root@example.com' })
    expect(root?.passwordHash).toMatch(/^\$argon2id\$/)
    const dup = cliIO({ ...env, TESSERA_SUPERUSER_PASSWORD: 'Admin-Password-77' })
    expect(
      await runCli(['createsuperuser', '--no-input', '--username', 'root', '--email', 'r2@example.com'], dup),
    ).toBe(1)
  })

  it('changepassword reads the new password twice from stdin and ends every session', async () => {
    const server = await serverOnCliDatabase(env)
    try {
      const login = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'root', password: 'Admin-Password-77' },
      })
      expect(login.statusCode).toBe(200)
      const mismatch = cliIO(env, 'New-Password-88\nOther-Password-99\n')
      expect(await runCli(['changepassword', 'root'], mismatch)).toBe(1)
      const io = cliIO(env, 'New-Password-88\nNew-Password-88\n')
      expect(await runCli(['changepassword', 'root'], io)).toBe(0)
      expect(io.out()).toContain("Password changed successfully for user 'root'; 1 session(s) ended.")
      const refresh = await server.app.inject({
        method: 'POST',
        url: '/api/token/refresh/',
        payload: { refresh: login.json().refresh },
      })
      expect(refresh.statusCode).toBe(401)
      const relogin = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'root', password: 'New-Password-88' },
      })
      expect(relogin.statusCode).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('users import-django keeps ids and groups; old Django passwords log in and are upgraded', async () => {
    const dump = [
      { model: 'auth.group', pk: 3, fields: { name: 'staff', permissions: [] } },
      {
        model: 'auth.user',
        pk: 42,
        fields: {
          password: await encodeDjangoPbkdf2('Django-Pass-123', 'saltsaltsalt', 1000),
          last_login: null,
          is_superuser: false,
          username: 'djangouser',
          first_name: 'Django',
          last_name: 'User',
          email: 'dj@example.com',
          is_staff: true,
          is_active: true,
          date_joined: '2020-01-02T03:04:05.678Z',
          groups: [3],
          user_permissions: [],
        },
      },
      { model: 'auth.user', pk: 43, fields: { username: 'root', email: 'root2@example.com', password: '!' } },
    ]
    const file = join(dir, 'dump.json')
    writeFileSync(file, JSON.stringify(dump))
    const io = cliIO(env)
    expect(await runCli(['users', 'import-django', file], io)).toBe(0)
    expect(io.out()).toContain('Imported 1 user(s).')
    expect(io.out()).toContain('Skipped 1: root (username already taken)')

    const bad = cliIO(env)
    writeFileSync(join(dir, 'bad.json'), '{"not": "an array"}')
    expect(await runCli(['users', 'import-django', join(dir, 'bad.json')], bad)).toBe(1)
    expect(bad.err()).toContain('expected a JSON array')

    const server = await serverOnCliDatabase(env)
    try {
      const login = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'djangouser', password: 'Django-Pass-123' },
      })
      expect(login.statusCode).toBe(200)
      const claims = JSON.parse(Buffer.from(login.json().access.split('.')[1], 'base64url').toString())
      expect(claims).toMatchObject({ user_id: 42, roles: ['staff'], email: 'dj@example.com' })
      const user = await server.stores.users.findById(42)
      expect(user?.passwordHash).toMatch(/^\$argon2id\$/)
      expect(user?.dateJoined.toISOString()).toBe('2020-01-02T03:04:05.678Z')
    } finally {
      await server.close()
    }
  })

  it('flushexpiredtokens reports what it deleted', async () => {
    const io = cliIO(env)
    expect(await runCli(['flushexpiredtokens', '--batch-size', '10'], io)).toBe(0)
    expect(io.out()).toMatch(
      /^Deleted \d+ expired outstanding token\(s\) and \d+ expired blacklisted token\(s\)\.\n/,
    )
    const bad = cliIO(env)
    expect(await runCli(['flushexpiredtokens', '--batch-size', '0'], bad)).toBe(2)
  })

  it('runs as `npm run tessera -- …` inside this repo', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'tessera', '--', 'migrate', '--status'], {
      cwd: REPO,
      env: { ...process.env, ...env },
    })
    expect(stdout).toContain('[x] 0004_api_clients')
  })

  it('runs as `npx tessera …` in a project that depends on Tessera', async () => {
    const consumer = mkdtempSync(join(tmpdir(), 'tessera-consumer-'))
    try {
      writeFileSync(
        join(consumer, 'package.json'),
        JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
      )
      await run('npm', ['install', REPO, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
        cwd: consumer,
      })
      const database = `sqlite:${join(consumer, 'db.sqlite3')}`
      const { stdout } = await run('npx', ['--no-install', 'tessera', 'migrate'], {
        cwd: consumer,
        env: { ...process.env, TESSERA_DATABASE_URL: database },
      })
      expect(stdout).toMatch(/^Applied: 0001_core/)
    } finally {
      rmSync(consumer, { recursive: true, force: true })
    }
  }, 120_000)
})
