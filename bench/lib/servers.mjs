// Servers under test as child processes: Tessera (`dist/cli/main.js serve`) and the bench/ server
// scripts, each with a temporary database and key directory, stopped by cleanup(); and the HTTP
// calls that set them up (register, login). Loopback only.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { BENCH, PASSWORD, PG_BASE, PROFILE_DIR, ROOT, SECRET } from './config.mjs'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * What the bench takes from the build: the node flags `npm start` and the tessera bin give every
 * server (the bare baselines get them too), and the default hash concurrency. loadBuild() fills it.
 */
export const build = { flags: [], hashConcurrency: undefined }
export async function loadBuild() {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm run bench does)')
  const { SERVER_NODE_FLAGS } = await import('../../dist/server/node-flags.js')
  const { defaultHashConcurrency } = await import('../../dist/node/hash-workers.js')
  build.flags = SERVER_NODE_FLAGS
  build.hashConcurrency = defaultHashConcurrency
}
const flagText = () => build.flags.join(' ')

// One temporary directory per run for databases and key directories, and the servers to stop.
let work
const workDir = () => {
  work ??= mkdtempSync(join(tmpdir(), 'tessera-bench-'))
  return work
}
const cleanups = []
/** Stops every server started so far (newest first) and removes the temporary directory. */
export async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch(() => {})
  cleanups.length = 0
  if (work) rmSync(work, { recursive: true, force: true })
  work = undefined
}
export const onCleanup = (fn) => cleanups.push(fn)
/** A path in this run's temporary directory. */
export const workFile = (name) => join(workDir(), name)

/** Starts a server process and waits for its "listening on URL" line (30 s at most). */
export async function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no "listening on" line within 30 s:\n${output.slice(-2000)}`))
    }, 30_000)
    const onData = (chunk) => {
      output += chunk
      const match = /listening on (http:\/\/[^\s(]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code ?? signal}) before listening:\n${output.slice(-2000).trim()}`))
    })
  })
  // Keep draining the pipes so a chatty server never blocks on a full pipe; keep the tail for errors.
  child.stdout.on('data', (chunk) => {
    output = (output + chunk).slice(-4000)
  })
  child.stderr.on('data', (chunk) => {
    output = (output + chunk).slice(-4000)
  })
  return {
    child,
    url,
    pid: child.pid,
    output: () => output,
    alive: () => !exited,
    stop: async () => {
      if (exited) return
      child.kill('SIGTERM')
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5000)])
      if (!exited) child.kill('SIGKILL')
    },
  }
}

/** The settings every bench Tessera runs with unless a scenario says otherwise. */
export const tesseraEnv = (name, extra = {}) => ({
  TESSERA_PORT: '0',
  TESSERA_LOG_LEVEL: 'warn',
  TESSERA_RATE_LIMIT_ENABLED: 'false',
  ...storageEnv(name),
  TESSERA_SIGNING_KEY: SECRET,
  ...extra,
})
/** A temporary SQLite file and key directory for server `name`: all a server needs to start. */
export const storageEnv = (name) => ({
  TESSERA_DATABASE_URL: `sqlite:${join(workDir(), `${name}.sqlite3`)}`,
  TESSERA_KEY_DIR: keyDir(name),
})
export const keyDir = (name) => join(workDir(), `${name}-keys`)

/** Tessera as `tessera serve` runs it, with `env` as its whole environment (see tesseraEnv). */
export async function tesseraWithEnv(name, env) {
  const profile = PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`]
    : []
  const server = await startProcess(
    [...profile, ...build.flags, join(ROOT, 'dist/cli/main.js'), 'serve'],
    env,
  )
  cleanups.push(server.stop)
  server.command = serverCommand(env)
  server.env = env
  return server
}
export const tessera = (name, extra) => tesseraWithEnv(name, tesseraEnv(name, extra))

/** The server's command line as a reader would type it (temp dir as $TMP, the bench secret as $SECRET). */
export function serverCommand(env, script = 'dist/cli/main.js serve') {
  const vars = Object.entries(env)
    .map(([key, value]) => {
      let v = String(value).replaceAll(workDir(), '$TMP')
      if (key === 'TESSERA_SIGNING_KEY' && v) v = '$SECRET'
      v = v.replace(/search_path%3Dbench_\w+/, 'search_path%3Dbench_$ID')
      return `${key}=${/[\s'"&?]/.test(v) ? `'${v}'` : v || "''"}`
    })
    .join(' ')
  return `${vars ? `${vars} ` : ''}node ${flagText()} ${script}`
}

/**
 * A server script of bench/ as a child process, under the same node flags as Tessera's servers
 * (so that only the route differs), stopped by cleanup().
 */
export async function benchScript(file, env = {}) {
  const server = await startProcess([...build.flags, join(BENCH, file)], env)
  cleanups.push(server.stop)
  server.command = serverCommand(env, `bench/${file}`)
  return server
}
/** The bare baseline: `GET /hello` returning a small JSON. */
export const bareFastify = () => benchScript('bare-fastify.mjs')
/** The bare route in a process that has built a Tessera server first (see lib/paired.mjs). */
export const bareInTessera = (name) => benchScript('bare-in-tessera.mjs', tesseraEnv(name))
/** hello-revocation's second server: the same build with the revocation check answered by a constant. */
export const tesseraWithoutRevocation = (name, extra) =>
  benchScript('tessera-without-revocation.mjs', tesseraEnv(`${name}-norevocation`, extra))

/**
 * A server that has served nothing but the measured route, like the bare baseline: a sibling
 * process on the same database and keys (started by `siblingStart`, with the same settings) runs
 * `setup(url)` (registers the user and mints the token), and is stopped before `start` starts the measured one. A process that has itself served a
 * registration and a login first is measured as the `after_login` variant of hello-hs256: the setup
 * requests leave V8 with different optimisation decisions for the rest of the process's life
 * (bench/RESULTS.md says how much), which is a property of one process's history, not of the
 * protected route.
 */
export async function servingOnlyHello(
  start,
  name,
  extra,
  setup,
  { siblingName = name, siblingStart = tessera } = {},
) {
  const sibling = await siblingStart(siblingName, extra)
  let prepared
  try {
    prepared = await setup(sibling.url)
  } finally {
    await sibling.stop()
  }
  const server = await start(name, extra)
  server.prepared = prepared
  return server
}

/** Registers a user (201) and logs in; returns the token pair. */
export async function userWithTokens(url, username) {
  const reg = await postJson(`${url}/api/register/`, {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  })
  if (reg.status !== 201) throw new Error(`register ${username}: ${reg.status} ${reg.text.slice(0, 300)}`)
  return login(url, username)
}
export async function login(url, username) {
  const res = await postJson(`${url}/api/token/`, { username, password: PASSWORD })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text.slice(0, 300)}`)
  return res.body
}
export const jwtHeader = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'))

export async function expectHello(url, access) {
  const res = await fetch(`${url}/api/hello/`, {
    headers: { authorization: `Bearer ${access}` },
    signal: AbortSignal.timeout(10_000),
  })
  if (res.status !== 200) throw new Error(`GET /api/hello/ answered ${res.status}: ${await res.text()}`)
}

/** A new PostgreSQL schema for one server, dropped by cleanup(); its URL sets the search_path. */
export async function pgSchemaUrl() {
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`
  const client = new pg.Client({ connectionString: PG_BASE, connectionTimeoutMillis: 5000 })
  await client.connect()
  await client.query(`CREATE SCHEMA ${schema}`)
  await client.end()
  cleanups.push(async () => {
    const dropper = new pg.Client({ connectionString: PG_BASE, connectionTimeoutMillis: 5000 })
    await dropper.connect()
    await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await dropper.end()
  })
  const sep = PG_BASE.includes('?') ? '&' : '?'
  return { schema, url: `${PG_BASE}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}` }
}

export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  let parsed = {}
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed, text }
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
export async function pool(count, limit, task) {
  const out = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      out[i] = await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return out
}
