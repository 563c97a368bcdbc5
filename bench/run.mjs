// `npm run bench`: every scenario in one run, each beside its baseline; writes bench/RESULTS.md,
// bench/results.json and an SVG chart per scenario under bench/charts/.
//
// Servers are real child processes (`dist/cli/main.js serve` with a temp SQLite file or PostgreSQL
// schema and a temp KEY_DIR; `bench/bare-fastify.mjs` as the baseline); load comes from this process
// with autocannon, 64 connections, except the protected-route ratios: those use wrk when it is
// installed (`apt-get install wrk`), pinned to core 1 with the servers on core 0, because autocannon
// (JavaScript, one thread) cannot saturate a bare Fastify server and shares its cores. Loopback
// only; every load is bounded in time or count.
//
//   BENCH_DURATION=10        seconds per measured load (default 10; 3 with BENCH_QUICK=1)
//   BENCH_QUICK=1            smoke run: short loads, 1 round, 100,000-request soak, fewer sessions
//   BENCH_ONLY=a,b           only these scenarios (others keep their last figures in RESULTS.md)
//   BENCH_ROUNDS=N           alternating rounds for the protected-route ratios (median reported;
//                            default 12 of 3 s with wrk, 5 of BENCH_DURATION with autocannon)
//   BENCH_PAIRED_ROUNDS=N    paired rounds of hello-hs256 and hello-eddsa (wrk only; default 12,
//                            3 quick): bare and Tessera loaded at once, the judged ratio (pairedRounds);
//                            and of hello-revocation's two servers, check on vs off (pairedWithVariant)
//   BENCH_LOADGEN=autocannon protected-route ratios with autocannon even when wrk is installed
//   BENCH_PROCESSES=3        processes of each server per protected-route scenario, taken in turn
//   BENCH_SOAK_REQUESTS=N    soak length (default 1,000,000)
//   BENCH_PIN=1              pin servers to core 0 and this load generator to core 1 (taskset)
//   BENCH_DATABASE_URL=...   PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Algorithm, hashSync, verifySync } from '@node-rs/argon2'
import pg from 'pg'
// The node flags `npm start` and the tessera bin give every server; the bare baseline gets them too.
import { defaultHashConcurrency } from '../dist/server/hash-workers.js'
import { SERVER_NODE_FLAGS } from '../dist/server/node-flags.js'
import {
  barChart,
  CORES,
  canPin,
  cannon,
  hasWrk,
  lineChart,
  pin,
  pool,
  postJson,
  rssMiB,
  sleep,
  startProcess,
  wrkRun,
} from './lib.mjs'

const BENCH = new URL('.', import.meta.url).pathname
const ROOT = join(BENCH, '..')
const quick = process.env.BENCH_QUICK === '1'
const duration = Number(process.env.BENCH_DURATION ?? (quick ? 3 : 10))
// Protected-route ratios: wrk pinned to its own core when possible (see the header).
const WRK = process.env.BENCH_LOADGEN !== 'autocannon' && hasWrk() && canPin()
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? (WRK ? 3 : 1) : WRK ? 12 : 5))
const HELLO_DURATION = WRK ? (quick ? 2 : 3) : duration
// Server processes of each kind per protected-route scenario, taken in turn (see helloScenario).
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? (WRK && !quick ? 3 : 1))
const FLOOD_ROUNDS = quick ? 1 : 3
// Paired rounds of the protected-route ratios (wrk only; see pairedRounds): count and seconds each.
const PAIRED_ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS ?? (quick ? 3 : 12))
const PAIRED_SECONDS = quick ? 2 : 4
const CALIBRATION_ROUNDS = quick ? 2 : 6
const soakRequests = Number(process.env.BENCH_SOAK_REQUESTS ?? (quick ? 100_000 : 1_000_000))
const PIN = process.env.BENCH_PIN === '1' && canPin()
const CONNECTIONS = 64
const PG_BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SECRET = 'bench-signing-key-that-is-long-enough-for-hs256-0123456789'
const PASSWORD = 'Quartz-Falcon-9147-Lantern'
const SCENARIOS = [
  'hello-hs256',
  'hello-eddsa',
  'hello-revocation',
  'refresh-sqlite',
  'refresh-postgres',
  'login',
  'login-flood',
  'soak',
]
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim())
for (const name of only ?? []) {
  if (!SCENARIOS.includes(name)) {
    console.error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`)
    process.exit(2)
  }
}
const wanted = (name) => only === undefined || only.includes(name)
if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
  console.error('dist/cli/main.js is missing: run `npm run build` first (npm run bench does)')
  process.exit(2)
}

const work = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
const results = {}
const cleanups = []
const FLAGS = SERVER_NODE_FLAGS.join(' ')
const log = (...args) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args)

const tesseraEnv = (name, extra = {}) => ({
  TESSERA_PORT: '0',
  TESSERA_LOG_LEVEL: 'warn',
  TESSERA_RATE_LIMIT_ENABLED: 'false',
  TESSERA_DATABASE_URL: `sqlite:${join(work, `${name}.sqlite3`)}`,
  TESSERA_KEY_DIR: join(work, `${name}-keys`),
  TESSERA_SIGNING_KEY: SECRET,
  ...extra,
})

async function tessera(name, extra) {
  // BENCH_PROFILE_DIR=/some/dir: Tessera servers write V8 CPU profiles there (for diagnosis only).
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`]
    : []
  const server = await startProcess(
    [...profile, ...SERVER_NODE_FLAGS, join(ROOT, 'dist/cli/main.js'), 'serve'],
    tesseraEnv(name, extra),
  )
  cleanups.push(server.stop)
  server.command = serverCommand(tesseraEnv(name, extra))
  return server
}
/** The server's command line as a reader would type it (temp dir as $TMP, the bench secret as $SECRET). */
function serverCommand(env) {
  const vars = Object.entries(env)
    .map(([key, value]) => {
      let v = String(value).replaceAll(work, '$TMP')
      if (key === 'TESSERA_SIGNING_KEY' && v) v = '$SECRET'
      v = v.replace(/search_path%3Dbench_\w+/, 'search_path%3Dbench_$ID')
      return `${key}=${/[\s'"&?]/.test(v) ? `'${v}'` : v || "''"}`
    })
    .join(' ')
  return `${vars} node ${FLAGS} dist/cli/main.js serve`
}
/**
 * A server script of bench/ as a child process, under the same node flags as Tessera's servers
 * (so that only the route differs), stopped by cleanup().
 */
async function benchScript(file, env) {
  const server = await startProcess([...SERVER_NODE_FLAGS, join(BENCH, file)], env)
  cleanups.push(server.stop)
  return server
}
/** The bare route in a process that has built a Tessera server first (see pairedRounds). */
const bareInTessera = (name) => benchScript('bare-in-tessera.mjs', tesseraEnv(name))
const bareFastify = () => benchScript('bare-fastify.mjs')

/** Registers a user (201) and logs in; returns the token pair. */
async function userWithTokens(url, username) {
  const reg = await postJson(`${url}/api/register/`, {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  })
  if (reg.status !== 201) throw new Error(`register ${username}: ${reg.status} ${reg.text.slice(0, 300)}`)
  return login(url, username)
}
async function login(url, username) {
  const res = await postJson(`${url}/api/token/`, { username, password: PASSWORD })
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text.slice(0, 300)}`)
  return res.body
}
const jwtHeader = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'))

async function expectHello(url, access) {
  const res = await fetch(`${url}/api/hello/`, {
    headers: { authorization: `Bearer ${access}` },
    signal: AbortSignal.timeout(10_000),
  })
  if (res.status !== 200) throw new Error(`GET /api/hello/ answered ${res.status}: ${await res.text()}`)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const round3 = (n) => Math.round(n * 1000) / 1000
const portless = (url) => url.replace(/:\d+/, ':PORT')
const helloCommand = (url) =>
  `autocannon -c ${CONNECTIONS} -d ${duration} -H 'authorization=Bearer $ACCESS' ${portless(url)}/api/hello/`
const summary = (run) => ({
  rps: Math.round(run.rps),
  non2xx: run.non2xx,
  errors: run.errors,
  timeouts: run.timeouts,
  p99_ms: run.latency_ms.p99,
  server_cpu_cores: run.server_cpu_cores === undefined ? undefined : round3(run.server_cpu_cores),
  client_cpu_cores: round3(run.client_cpu_cores),
  other_cpu_cores: round3(run.other_cpu_cores),
})

// ---- 1, 2, 2b: protected route vs bare Fastify ----

/** One measured load of a protected-route round: wrk pinned to core 1, or autocannon. */
function measure(url, headers, serverPid, seconds) {
  if (WRK)
    return wrkRun({ url, headers, duration: seconds, connections: CONNECTIONS }, { serverPid, cpus: '1' })
  return cannon({ url, headers, duration: seconds }, { serverPid })
}
const loadCommand = (url, withToken) =>
  WRK
    ? `taskset -c 1 wrk -t1 -c${CONNECTIONS} -d${HELLO_DURATION}s --latency -H 'authorization: Bearer $ACCESS' ${portless(url)}`
    : `autocannon -c ${CONNECTIONS} -d ${HELLO_DURATION} ${withToken ? "-H 'authorization=Bearer $ACCESS' " : ''}${portless(url)}`

/**
 * One paired round (see pairedRounds): `reference` and `measured` loaded at once; the measured
 * server's requests per CPU-second over the reference's.
 */
async function pair(reference, measured) {
  const efficiency = (run) => run.rps / run.server_cpu_cores
  const [first, second] = await Promise.all([
    measure(reference.url, reference.headers, reference.pid, PAIRED_SECONDS),
    measure(measured.url, measured.headers, measured.pid, PAIRED_SECONDS),
  ])
  return {
    reference: summary(first),
    measured: summary(second),
    ratio: efficiency(second) / efficiency(first),
  }
}

/**
 * Paired rounds: bare Fastify and Tessera loaded at the same time, both servers on core 0 and one wrk
 * each on core 1, for PAIRED_SECONDS. The scheduler shares core 0 between the two servers, and each
 * one's requests per CPU-second (2xx requests / its own CPU time, from /proc) is its cost per
 * request; their quotient is the ratio. Why: this machine's speed wanders by ±20 % from one
 * 3-second load to the next (two identical bare servers measured one after the other differed by
 * 0.87-1.22 per round), so alternating rounds need luck, while two servers measured in the same
 * seconds see the same machine: identical bare servers paired this way stay within a few percent
 * (the calibration below, measured in the same run, shows it).
 *
 * `calibrate`: also pair the bare server with a second, identical bare server (its ratio should be
 * 1), and with the same bare route in a process that has built a Tessera server
 * (bench/bare-in-tessera.mjs): how much of the gap the process costs Node's own HTTP code, whatever
 * the route does.
 */
async function pairedRounds(sets, calibrate) {
  const bareOf = (set) => ({ url: set.bareUrl, headers: set.bareHeaders, pid: set.bare.pid })
  const out = await pairedSeries(sets, bareOf, 'paired round')
  if (!calibrate) return out
  const [set] = sets
  const calibration = await pairedWithTwin(bareOf(set), bareFastify)
  out.calibration_ratio = calibration.ratio
  out.calibration_round_ratios = calibration.round_ratios
  const floor = await pairedWithTwin(bareOf(set), () => bareInTessera('floor'))
  out.tessera_process_ratio = floor.ratio
  out.tessera_process_round_ratios = floor.round_ratios
  return out
}

/**
 * CALIBRATION_ROUNDS paired rounds of `reference` against a bare route (`/hello`, sent the same
 * headers) served by a process `start` starts for them, and stops after.
 */
async function pairedWithTwin(reference, start) {
  const twin = await start()
  try {
    pin(twin.pid, '0')
    const target = { url: `${twin.url}/hello`, headers: reference.headers, pid: twin.pid }
    await measure(target.url, target.headers, twin.pid, 1)
    const rounds = []
    for (let i = 0; i < CALIBRATION_ROUNDS; i++) rounds.push(await pair(reference, target))
    return pairedFigures(rounds)
  } finally {
    await twin.stop()
  }
}

/**
 * Paired rounds of Tessera (entries[0]) against one of its variants (`key`), loaded at once like
 * pairedRounds: Tessera's requests per CPU-second over the variant's. A cost the variant leaves out
 * (the revocation check) is a few percent at most, well inside the ±20 % the machine wanders by
 * between alternating rounds; measured in the same seconds, it stands out.
 */
function pairedWithVariant(sets, key) {
  const variantOf = (set) => helloTarget(set.entries.find((entry) => entry.key === key))
  return pairedSeries(sets, variantOf, `paired round with ${key}`)
}

/** A Tessera server of a set, as a load target: its protected route with its own token. */
const helloTarget = (entry) => ({
  url: `${entry.server.url}/api/hello/`,
  headers: entry.headers,
  pid: entry.server.pid,
})

/**
 * PAIRED_ROUNDS paired rounds, the sets taken in turn: each set's Tessera (entries[0]) measured
 * against `referenceOf(set)`.
 */
async function pairedSeries(sets, referenceOf, label) {
  const rounds = []
  for (let i = 0; i < PAIRED_ROUNDS; i++) {
    log(`${label} ${i + 1}/${PAIRED_ROUNDS}`)
    const set = sets[i % sets.length]
    rounds.push(await pair(referenceOf(set), helloTarget(set.entries[0])))
  }
  return { ...pairedFigures(rounds), rounds }
}

/** The median ratio of paired rounds, each round's ratio, and the median requests-per-second ratio. */
function pairedFigures(rounds) {
  return {
    ratio: round3(median(rounds.map((r) => r.ratio))),
    round_ratios: rounds.map((r) => round3(r.ratio)),
    rps_ratio: round3(median(rounds.map((r) => r.measured.rps / r.reference.rps))),
  }
}

/**
 * Bare Fastify and one or more Tessera servers up side by side, measured in alternating rounds
 * (bare, each Tessera, bare, ...), and the median of the per-round ratios reported. With wrk, the
 * bare route gets the same Authorization header, so both parse the same request bytes.
 *
 * `variants` adds servers measured in the same rounds: { key, label, start(name, extra) }.
 */
async function helloScenario(name, extra, expectAlg, variants = [], { paired = false, pairWith } = {}) {
  // PROCESSES sets of servers (bare, Tessera, variants), taken in turn by the rounds: one V8
  // process can be luckier than another with its optimisations by several percent for the whole
  // of its life, so a ratio over one pair of processes measures that luck too.
  const sets = []
  const all = () => sets.flatMap((set) => [set.bare, ...set.entries.map((e) => e.server)])
  const stopAll = () => Promise.all(all().map((server) => server.stop()))
  try {
    for (let k = 0; k < PROCESSES; k++) {
      const set = { bare: await bareFastify(), entries: [] }
      sets.push(set)
      const instance = PROCESSES === 1 ? name : `${name}${k + 1}`
      set.entries.push({
        key: 'tessera',
        server: await servingOnlyHello(tessera, instance, extra, `hello_${instance}`),
      })
      for (const variant of variants)
        set.entries.push({ key: variant.key, server: await variant.start(instance, extra) })
    }
  } catch (error) {
    await stopAll()
    return { skipped: true, reason: `Tessera did not start: ${String(error.message).slice(0, 1500)}` }
  }
  // Each server has its own database and keys, so each gets its own user and token: minted by a
  // sibling (servingOnlyHello), or by the server itself (the after_login variant).
  for (const [k, set] of sets.entries()) {
    for (const entry of set.entries) {
      const access =
        entry.server.access ??
        (await userWithTokens(entry.server.url, `hello_${name}_${entry.key}_${k}`)).access
      const alg = jwtHeader(access).alg
      if (alg !== expectAlg) {
        await stopAll()
        return { skipped: true, reason: `the server signed its access token with ${alg}, not ${expectAlg}` }
      }
      await expectHello(entry.server.url, access)
      entry.headers = { authorization: `Bearer ${access}` }
    }
    set.bareUrl = `${set.bare.url}/hello`
    // The bare route gets a token-sized Authorization header too (same request bytes) under wrk.
    set.bareHeaders = WRK ? set.entries[0].headers : {}
  }
  if (WRK || PIN) {
    for (const server of all()) pin(server.pid, '0')
    if (!WRK) pin(process.pid, '1')
  }
  const seconds = HELLO_DURATION
  const [first] = sets
  try {
    const warm = quick ? 1 : 3
    for (const set of sets) {
      await measure(set.bareUrl, set.bareHeaders, set.bare.pid, warm)
      for (const entry of set.entries)
        await measure(`${entry.server.url}/api/hello/`, entry.headers, entry.server.pid, warm)
    }
    const rounds = []
    for (let i = 0; i < ROUNDS; i++) {
      log(`${name}: round ${i + 1}/${ROUNDS}`)
      const set = sets[i % sets.length]
      const round = { bare: await measure(set.bareUrl, set.bareHeaders, set.bare.pid, seconds) }
      for (const entry of set.entries) {
        round[entry.key] = await measure(
          `${entry.server.url}/api/hello/`,
          entry.headers,
          entry.server.pid,
          seconds,
        )
      }
      rounds.push(round)
    }
    const pairs = paired && WRK ? await pairedRounds(sets, name === 'hs256') : undefined
    const variantPairs = pairWith && WRK ? await pairedWithVariant(sets, pairWith) : undefined
    const ratiosOf = (key) => rounds.map((r) => r[key].rps / r.bare.rps)
    const m = median(ratiosOf('tessera'))
    const mid = rounds[ratiosOf('tessera').indexOf(m)]
    const out = {
      algorithm: expectAlg,
      load_generator: WRK ? 'wrk' : 'autocannon',
      bare_rps: Math.round(mid.bare.rps),
      tessera_rps: Math.round(mid.tessera.rps),
      // The judged ratio: the paired rounds' when there are any (see pairedRounds), else this one.
      ratio: pairs ? pairs.ratio : round3(m),
      sequential_ratio: round3(m),
      paired: pairs,
      ...(variantPairs ? { [`paired_vs_${pairWith}`]: variantPairs } : {}),
      round_ratios: ratiosOf('tessera').map(round3),
      // The median per process (set k served rounds k, k + n, ...): V8 leaves some processes on
      // slower code for their whole life, and this shows how many.
      process_ratios: sets.map((_, k) =>
        round3(median(ratiosOf('tessera').filter((_, i) => i % sets.length === k))),
      ),
      rounds: rounds.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, summary(v)]))),
      goal: name === 'hs256' ? 0.9 : name === 'eddsa' ? 0.8 : undefined,
      bare: summary(mid.bare),
      tessera: summary(mid.tessera),
      tessera_rss_mib: Math.round(rssMiB(first.entries[0].server.pid)),
      processes_per_server: sets.length,
      commands: [
        `# ${sets.length} of each, taken in turn by the rounds`,
        `node ${FLAGS} bench/bare-fastify.mjs`,
        '# each Tessera command but the after-login one is first run alone for POST /api/register/ and',
        '# POST /api/token/ (the token), then stopped; the measured process starts on the same files',
        ...first.entries.map((e) => e.server.command),
        ...(WRK ? ['# servers pinned to core 0: taskset -a -p -c 0 PID'] : []),
        loadCommand(first.bareUrl, WRK),
        loadCommand(`${first.entries[0].server.url}/api/hello/`, true),
      ],
    }
    for (const { key } of first.entries.slice(1)) {
      out[`${key}_ratio`] = round3(median(ratiosOf(key)))
      out[`${key}_round_ratios`] = ratiosOf(key).map(round3)
      out[`${key}_rps`] = Math.round(median(rounds.map((r) => r[key].rps)))
    }
    return out
  } finally {
    if (PIN && !WRK) pin(process.pid, `0-${CORES - 1}`)
    await stopAll()
  }
}

/** Scenario 2b's second server: the same build with the revocation check answered by a constant. */
async function tesseraWithoutRevocation(name, extra) {
  const env = tesseraEnv(`${name}-norevocation`, extra)
  const server = await benchScript('tessera-without-revocation.mjs', env)
  server.command = serverCommand(env).replace(
    `node ${FLAGS} dist/cli/main.js serve`,
    `node ${FLAGS} bench/tessera-without-revocation.mjs`,
  )
  return server
}

/**
 * A server that has served nothing but the measured route, like the bare baseline: a sibling
 * process on the same database and keys registers the user and mints the token, and is stopped
 * before `start` starts the measured one. A process that has itself served a registration and a
 * login first is measured as the `after_login` variant of hello-hs256: the setup requests leave V8
 * with different optimisation decisions for the rest of the process's life (bench/RESULTS.md says
 * how much), which is a property of one process's history, not of the protected route.
 */
async function servingOnlyHello(start, name, extra, username, siblingName = name) {
  const sibling = await tessera(siblingName, extra)
  let tokens
  try {
    tokens = await userWithTokens(sibling.url, username)
  } finally {
    await sibling.stop()
  }
  const server = await start(name, extra)
  server.access = tokens.access
  return server
}

// ---- 3: refresh with rotation ----

/**
 * Many users and sessions are created first; then every request refreshes a refresh token that was
 * never sent before. Each connection follows a chain (a rotated token is that connection's next
 * request) for HOPS links, then parks the chain's unused head at the back of the pool and takes the
 * next session from the pool, so all sessions are exercised and no token is ever sent twice.
 */
async function refreshScenario(name, extra) {
  const server = await tessera(name, {
    // Fast hashes only to create the sessions quickly; refresh itself never hashes a password.
    TESSERA_ARGON2_MEMORY_KIB: '1024',
    TESSERA_ARGON2_ITERATIONS: '1',
    ...extra,
  })
  try {
    const users = quick ? 64 : 256
    const perUser = quick ? 4 : 8
    const setupStart = Date.now()
    await pool(users, 8, (i) => userWithTokens(server.url, `refresh${String(i).padStart(4, '0')}`))
    const sessions = await pool(users * perUser, 16, async (i) => {
      const pair = await login(server.url, `refresh${String(i % users).padStart(4, '0')}`)
      return pair.refresh
    })
    log(`${name}: ${users} users, ${sessions.length} sessions in ${Date.now() - setupStart} ms`)

    const HOPS = 16
    const queue = sessions.slice()
    let head = 0
    let handoff = null
    const sent = new Set()
    let resent = 0
    let exhausted = 0
    const statuses = {}
    const run = await cannon(
      {
        url: server.url,
        duration,
        requests: [
          {
            method: 'POST',
            path: '/api/token/refresh/',
            headers: { 'content-type': 'application/json' },
            // autocannon calls onResponse and then, synchronously and for the same connection,
            // setupRequest for that connection's next request: `handoff` carries the chain across.
            setupRequest: (request, context) => {
              let link = handoff
              handoff = null
              if (link && link.hops >= HOPS) {
                queue.push(link.token)
                link = null
              }
              if (!link && head < queue.length) link = { token: queue[head++], hops: 0 }
              if (!link) {
                exhausted++
                link = { token: 'pool-exhausted', hops: 0 }
              }
              if (sent.has(link.token)) resent++
              else sent.add(link.token)
              context.hops = link.hops
              return { ...request, body: JSON.stringify({ refresh: link.token }) }
            },
            onResponse: (status, body, context) => {
              statuses[status] = (statuses[status] ?? 0) + 1
              if (status === 200) handoff = { token: JSON.parse(body).refresh, hops: context.hops + 1 }
            },
          },
        ],
      },
      { serverPid: server.pid },
    )
    return {
      refreshes_per_second: Math.round(run.rps),
      goal: 2000,
      ok: run.ok,
      non200: Object.fromEntries(Object.entries(statuses).filter(([code]) => code !== '200')),
      errors: run.errors,
      timeouts: run.timeouts,
      tokens_sent_twice: resent,
      pool_exhausted: exhausted,
      users,
      sessions: sessions.length,
      p99_ms: run.latency_ms.p99,
      server_cpu_cores: round3(run.server_cpu_cores),
      client_cpu_cores: round3(run.client_cpu_cores),
      other_cpu_cores: round3(run.other_cpu_cores),
      server_command: server.command,
      command: `autocannon -c ${CONNECTIONS} -d ${duration} -m POST ${portless(server.url)}/api/token/refresh/ (request generator: ${sessions.length} sessions of ${users} users, each token sent once, rotated tokens chained per connection)`,
    }
  } finally {
    await server.stop()
  }
}

async function pgSchemaUrl() {
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

// ---- 4: logins ----

const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: Algorithm.Argon2id }
/** The baseline for logins: argon2id verifications per second on one core, in this process. */
function argon2PerCoreRate() {
  const hash = hashSync(PASSWORD, ARGON2)
  verifySync(hash, PASSWORD)
  let n = 0
  const start = performance.now()
  while (n < 200 && performance.now() - start < (quick ? 1000 : 2000)) {
    verifySync(hash, PASSWORD)
    n++
  }
  return (n * 1000) / (performance.now() - start)
}

const LOGIN_USERS = 16
function loginRequests(prefix) {
  let next = 0
  return [
    {
      method: 'POST',
      path: '/api/token/',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ username: `${prefix}${next++ % LOGIN_USERS}`, password: PASSWORD }),
      }),
    },
  ]
}

/**
 * Logins per second against the argon2id ceiling. The machine's speed wanders between one minute and
 * the next (the ceiling alone went 68 → 98 → 141/s in one afternoon), so the ceiling is measured right
 * before each login load, in LOGIN_ROUNDS rounds, and the median round ratio is reported.
 */
const LOGIN_ROUNDS = quick ? 1 : 3
/** Seconds of each round's login load. */
const LOGIN_SECONDS = Math.max(3, Math.round(duration / 2))
async function loginScenario() {
  const server = await tessera('login')
  try {
    await pool(LOGIN_USERS, 4, (i) => userWithTokens(server.url, `login${i}`))
    await cannon({ url: server.url, duration: 1, requests: loginRequests('login') }) // warm up
    const concurrency = defaultHashConcurrency(CORES) // what the server uses by default
    const rounds = []
    for (let i = 0; i < LOGIN_ROUNDS; i++) {
      const perCore = argon2PerCoreRate()
      const run = await cannon(
        {
          url: server.url,
          duration: LOGIN_SECONDS,
          requests: loginRequests('login'),
        },
        { serverPid: server.pid },
      )
      rounds.push({ perCore, run, ratio: run.rps / (perCore * concurrency) })
    }
    const ratio = median(rounds.map((r) => r.ratio))
    const { perCore, run } = rounds.find((r) => r.ratio === ratio)
    return {
      logins_per_second: Math.round(run.rps * 10) / 10,
      argon2_verifies_per_second_one_core: Math.round(perCore * 10) / 10,
      hash_concurrency: concurrency,
      ceiling_per_second: Math.round(perCore * concurrency * 10) / 10,
      ratio_to_ceiling: round3(ratio),
      round_ratios: rounds.map((r) => round3(r.ratio)),
      round_logins_per_second: rounds.map((r) => Math.round(r.run.rps * 10) / 10),
      simplejwt_reference_per_second: 14.5,
      non2xx: run.non2xx,
      errors: run.errors,
      timeouts: run.timeouts,
      p50_ms: run.latency_ms.p50,
      p99_ms: run.latency_ms.p99,
      server_cpu_cores: round3(run.server_cpu_cores),
      other_cpu_cores: round3(run.other_cpu_cores),
      server_command: server.command,
      command: `autocannon -c ${CONNECTIONS} -d ${LOGIN_SECONDS} -m POST -H 'content-type=application/json' -b '{"username":"login<i>","password":"..."}' ${portless(server.url)}/api/token/ (${LOGIN_USERS} users in turn; argon2id 19 MiB, 2 passes, 1 lane: the defaults), ${LOGIN_ROUNDS} rounds, each right after measuring the ceiling`,
    }
  } finally {
    await server.stop()
  }
}

// ---- 5: protected route during a login flood ----

async function floodScenario() {
  const server = await tessera('flood')
  try {
    await pool(LOGIN_USERS, 4, (i) => userWithTokens(server.url, `flood${i}`))
    const { access } = await login(server.url, 'flood0')
    await expectHello(server.url, access)
    const helloOpts = { url: `${server.url}/api/hello/`, headers: { authorization: `Bearer ${access}` } }
    await cannon({ ...helloOpts, duration: quick ? 1 : 5 })
    // Alternating rounds on the same server: idle, then the same load during a login flood.
    const rounds = []
    for (let i = 0; i < FLOOD_ROUNDS; i++) {
      log(`login-flood: round ${i + 1}/${FLOOD_ROUNDS}`)
      const idle = await cannon({ ...helloOpts, duration }, { serverPid: server.pid })
      // Two autocannon instances at once: the flood starts first and outlasts the measured load.
      const flood = cannon({ url: server.url, duration: duration + 2, requests: loginRequests('flood') })
      await sleep(1000)
      const during = await cannon({ ...helloOpts, duration }, { serverPid: server.pid })
      const logins = await flood
      rounds.push({ idle, during, logins, ratio: during.rps / idle.rps })
      await sleep(2000) // let queued password hashes drain before the next idle figure
    }
    const m = median(rounds.map((r) => r.ratio))
    const mid = rounds.find((r) => r.ratio === m)
    // Judged against this server's own idle figure, with the same load generator: hello-hs256's
    // figures come from wrk pinned to its own core, these from autocannon sharing both cores with
    // the server and the flood, and a ratio across the two measures the load generators as much as
    // the flood (it read 0.49 when wrk's figure was 54,048 req/s and this idle one 50,779).
    return {
      idle_rps: Math.round(mid.idle.rps),
      during_flood_rps: Math.round(mid.during.rps),
      ratio: round3(m),
      round_ratios: rounds.map((r) => round3(r.ratio)),
      round_during_rps: rounds.map((r) => Math.round(r.during.rps)),
      rounds: rounds.map((r) => ({ idle: summary(r.idle), during: summary(r.during) })),
      goal: 0.5,
      logins_per_second_during: Math.round(median(rounds.map((r) => r.logins.rps)) * 10) / 10,
      login_non2xx: rounds.reduce((n, r) => n + r.logins.non2xx, 0),
      during: summary(mid.during),
      idle: summary(mid.idle),
      commands: [
        server.command,
        `# idle, then (login flood started 1 s before and running alongside) the same load again; ${FLOOD_ROUNDS} rounds`,
        helloCommand(server.url),
        `autocannon -c ${CONNECTIONS} -d ${duration + 2} -m POST -H 'content-type=application/json' -b '{"username":"flood<i>","password":"..."}' ${portless(server.url)}/api/token/ &`,
        helloCommand(server.url),
      ],
    }
  } finally {
    await server.stop()
  }
}

// ---- 6: RSS over a soak ----

async function soakScenario() {
  // Longer access lifetime: a slow machine must not see the token expire mid-soak.
  const server = await tessera('soak', { TESSERA_ACCESS_TOKEN_LIFETIME: '1h' })
  try {
    const { access } = await userWithTokens(server.url, 'soak')
    await expectHello(server.url, access)
    const mark = Math.min(100_000, Math.floor(soakRequests / 10))
    const step = Math.max(1000, Math.floor(soakRequests / 200))
    const samples = [{ requests: 0, rss: rssMiB(server.pid) }]
    let count = 0
    const started = Date.now()
    const run = await cannon(
      {
        url: `${server.url}/api/hello/`,
        amount: soakRequests,
        headers: { authorization: `Bearer ${access}` },
      },
      {
        serverPid: server.pid,
        maxSeconds: 1200,
        onInstance: (instance) =>
          instance.on('response', () => {
            count++
            if (count % step === 0 || count === mark || count === soakRequests) {
              samples.push({ requests: count, rss: rssMiB(server.pid), t: (Date.now() - started) / 1000 })
            }
          }),
      },
    )
    const rssAt = (n) => samples.find((s) => s.requests === n)?.rss
    const early = rssAt(mark)
    const end = rssAt(soakRequests) ?? samples[samples.length - 1].rss
    const after = samples.filter((s) => s.requests >= mark)
    const maxDeviation = Math.max(...after.map((s) => Math.abs(s.rss - early) / early))
    return {
      requests: soakRequests,
      completed: count,
      mark,
      rss_at_mark_mib: Math.round(early * 10) / 10,
      rss_at_end_mib: Math.round(end * 10) / 10,
      rss_max_mib: Math.round(Math.max(...samples.map((s) => s.rss)) * 10) / 10,
      growth_percent: Math.round(((end - early) / early) * 1000) / 10,
      max_deviation_percent: Math.round(maxDeviation * 1000) / 10,
      flat_within_10_percent: maxDeviation <= 0.1,
      under_150_mb: Math.max(...samples.map((s) => s.rss)) < 150,
      rps: Math.round(run.all_rps),
      non2xx: run.non2xx,
      errors: run.errors,
      seconds: Math.round(run.seconds),
      samples: samples.map((s) => ({ requests: s.requests, rss: Math.round(s.rss * 10) / 10 })),
      server_command: server.command,
      command: `autocannon -c ${CONNECTIONS} -a ${soakRequests} -H 'authorization=Bearer $ACCESS' ${portless(server.url)}/api/hello/ (VmRSS from /proc/<pid>/status every ${step.toLocaleString('en')} responses)`,
    }
  } finally {
    await server.stop()
  }
}

// ---- run ----

async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch(() => {})
  cleanups.length = 0
  rmSync(work, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping servers`)
    cleanup().finally(() => process.exit(130))
  })
}

const runStarted = new Date()
async function scenario(name, fn) {
  if (!wanted(name)) return
  log(`${name}: start`)
  const started = Date.now()
  try {
    results[name] = await fn()
  } catch (error) {
    results[name] = { failed: true, reason: String(error?.stack ?? error).slice(0, 2000) }
  }
  results[name].measured_at = new Date().toISOString()
  results[name].wall_seconds = Math.round((Date.now() - started) / 1000)
  log(
    `${name}: done`,
    JSON.stringify(results[name], (k, v) => (k === 'samples' ? undefined : v)),
  )
}

try {
  await scenario('hello-hs256', () =>
    helloScenario(
      'hs256',
      {},
      'HS256',
      [{ key: 'after_login', start: (name, extra) => tessera(`${name}-after-login`, extra) }],
      { paired: true },
    ),
  )
  await scenario('hello-eddsa', () =>
    // No SIGNING_KEY: the key ring under the temp KEY_DIR generates an Ed25519 key.
    helloScenario('eddsa', { TESSERA_ALGORITHM: 'EdDSA', TESSERA_SIGNING_KEY: '' }, 'EdDSA', [], {
      paired: true,
    }),
  )
  await scenario('hello-revocation', () =>
    helloScenario(
      'revocation',
      {},
      'HS256',
      [
        {
          key: 'without_revocation',
          start: (name, extra) =>
            servingOnlyHello(
              tesseraWithoutRevocation,
              name,
              extra,
              `hello_${name}_norevocation`,
              `${name}-norevocation`,
            ),
        },
      ],
      { pairWith: 'without_revocation' },
    ),
  )
  await scenario('refresh-sqlite', () => refreshScenario('refresh-sqlite'))
  await scenario('refresh-postgres', async () => {
    let schema
    try {
      schema = await pgSchemaUrl()
    } catch (error) {
      return { skipped: true, reason: `PostgreSQL at ${PG_BASE} unavailable: ${error.message}` }
    }
    const out = await refreshScenario('refresh-postgres', { TESSERA_DATABASE_URL: schema.url })
    out.command = out.command.replace(
      '-m POST',
      `-m POST (TESSERA_DATABASE_URL=${PG_BASE}?options=-c search_path=bench_…)`,
    )
    return out
  })
  await scenario('login', loginScenario)
  await scenario('login-flood', floodScenario)
  await scenario('soak', soakScenario)
} finally {
  await cleanup()
}

// A partial run (BENCH_ONLY) keeps the other scenarios' last figures, each with its own date.
const resultsPath = join(BENCH, 'results.json')
if (only !== undefined && existsSync(resultsPath)) {
  try {
    const previous = JSON.parse(readFileSync(resultsPath, 'utf8')).results ?? {}
    for (const [name, value] of Object.entries(previous)) {
      // entries of an older format (no measured_at) are dropped rather than misreported
      if (!(name in results) && SCENARIOS.includes(name) && value?.measured_at) results[name] = value
    }
  } catch {}
}
const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]
const machine = {
  date: runStarted.toISOString(),
  nproc: CORES,
  cpu: cpuModel,
  node: process.version,
  duration_s: duration,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  quick,
  pinned: PIN,
  hello_load: WRK
    ? `wrk -t1 -c${CONNECTIONS}, ${HELLO_DURATION} s per load, ${ROUNDS} alternating rounds over ${PROCESSES} processes of each server; wrk on core 1, servers on core 0`
    : `autocannon ${CONNECTIONS} connections, ${HELLO_DURATION} s per load, ${ROUNDS} alternating rounds`,
  only: only ?? null,
  load_average_at_end: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
}
mkdirSync(join(BENCH, 'charts'), { recursive: true })
const ordered = Object.fromEntries(SCENARIOS.filter((n) => n in results).map((n) => [n, results[n]]))
writeFileSync(resultsPath, `${JSON.stringify({ machine, results: ordered }, null, 2)}\n`)
writeFileSync(join(BENCH, 'RESULTS.md'), report(machine, ordered))
log('wrote bench/RESULTS.md, bench/results.json, bench/charts/')
console.log(headline(ordered))

// ---- report ----

function headline(r) {
  const line = (name, text) =>
    r[name]
      ? `${name}: ${r[name].skipped || r[name].failed ? `SKIPPED/FAILED (${r[name].reason.split('\n')[0]})` : text()}`
      : null
  return [
    line(
      'hello-hs256',
      () =>
        `${r['hello-hs256'].tessera_rps} vs ${r['hello-hs256'].bare_rps} req/s, ratio ${r['hello-hs256'].ratio}`,
    ),
    line(
      'hello-eddsa',
      () =>
        `${r['hello-eddsa'].tessera_rps} vs ${r['hello-eddsa'].bare_rps} req/s, ratio ${r['hello-eddsa'].ratio}`,
    ),
    line(
      'hello-revocation',
      () =>
        `ratio ${r['hello-revocation'].ratio} with the revocation check, ${r['hello-revocation'].without_revocation_ratio} without${r['hello-revocation'].paired_vs_without_revocation ? `; paired on vs off ${r['hello-revocation'].paired_vs_without_revocation.ratio}` : ''}`,
    ),
    line(
      'refresh-sqlite',
      () =>
        `${r['refresh-sqlite'].refreshes_per_second}/s, non-200 ${JSON.stringify(r['refresh-sqlite'].non200)}`,
    ),
    line(
      'refresh-postgres',
      () =>
        `${r['refresh-postgres'].refreshes_per_second}/s, non-200 ${JSON.stringify(r['refresh-postgres'].non200)}`,
    ),
    line('login', () => `${r.login.logins_per_second}/s (ceiling ${r.login.ceiling_per_second}/s)`),
    line(
      'login-flood',
      () =>
        `${r['login-flood'].during_flood_rps} req/s during flood, ${r['login-flood'].idle_rps} idle; ratio ${r['login-flood'].ratio}`,
    ),
    line(
      'soak',
      () =>
        `RSS ${r.soak.rss_at_mark_mib} MiB at ${r.soak.mark}, ${r.soak.rss_at_end_mib} MiB at ${r.soak.requests}, max ${r.soak.rss_max_mib} MiB, flat: ${r.soak.flat_within_10_percent}`,
    ),
  ]
    .filter(Boolean)
    .join('\n')
}

function report(machine, r) {
  const f = (n, digits = 0) =>
    n === undefined || n === null ? 'n/a' : Number(n).toLocaleString('en', { maximumFractionDigits: digits })
  const pass = (ok) => (ok ? '✅ meets the bar' : '❌ below the bar')
  // On vs off: from the paired rounds of the two servers when there are any, else the quotient
  // of their alternating ratios to bare.
  const revocationOnOff = (x) => x.paired_vs_without_revocation?.ratio ?? x.ratio / x.without_revocation_ratio
  const revocationCost = (x) => {
    const change = (revocationOnOff(x) - 1) * 100
    return `${change >= 0 ? '+' : '−'}${f(Math.abs(change), 1)} %`
  }
  const revocationOk = (x) => Math.abs(revocationOnOff(x) - 1) <= 0.05
  const floodVerdict = (x) => pass(x.ratio >= 0.5)
  const chart = (name, svg) => {
    writeFileSync(join(BENCH, 'charts', `${name}.svg`), svg)
    return `![${name} chart](charts/${name}.svg)`
  }
  const code = (commands) => ['```sh', ...commands, '```']
  const loadLabel = (x) =>
    x.load_generator === 'wrk'
      ? `wrk -t1 -c${CONNECTIONS} pinned to core 1, servers on core 0, ${HELLO_DURATION} s per load`
      : `autocannon -c ${CONNECTIONS}, ${machine.duration_s} s per load`
  const reproduce = (name) => `BENCH_ONLY=${name} npm run bench`
  const out = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench` (`bench/run.mjs`); raw figures of the last run in [`results.json`](results.json).',
    '',
    '| | |',
    '|---|---|',
    `| command | \`npm run bench\`${machine.quick ? ' with `BENCH_QUICK=1` (smoke run, not the real figures)' : ''}${machine.only ? ` with \`BENCH_ONLY=${machine.only.join(',')}\`` : ''} |`,
    `| date | ${machine.date} |`,
    `| machine | \`nproc\` = ${machine.nproc}, ${machine.cpu ?? 'unknown CPU'} |`,
    `| node | ${machine.node} |`,
    `| load, protected-route ratios | ${machine.hello_load} |`,
    `| load, other scenarios | autocannon ${CONNECTIONS} connections, ${machine.duration_s} s per measured load, from the bench process; ${machine.pinned ? 'servers pinned to core 0, load generator to core 1' : 'no CPU pinning (servers and load generator share the cores)'} |`,
    `| load average at the end | ${machine.load_average_at_end} |`,
    '',
    `Every server is a real child process: \`node ${FLAGS} dist/cli/main.js serve\` (what \`npm start\` runs) with a temporary SQLite file (or a`,
    'temporary PostgreSQL schema) and a temporary `TESSERA_KEY_DIR`, `TESSERA_LOG_LEVEL=warn`,',
    '`TESSERA_RATE_LIMIT_ENABLED=false`; the baseline is `bench/bare-fastify.mjs` (`GET /hello` returning a',
    'small JSON). The load generator runs on the same 2-core machine as the server it measures, so absolute',
    'figures are low and ratios are the meaningful output; `server CPU` and `client CPU` (fractions of one',
    'core; "other" is the rest of the machine, e.g. PostgreSQL or other jobs) show which side was saturated.',
    '',
    'The protected-route ratios (hello-*) use wrk when it is installed: one wrk thread pinned to core 1,',
    'every server pinned to core 0, so the load generator never takes CPU from the server it measures and',
    'can saturate even the bare route (autocannon, one JavaScript thread, cannot: pinned, it becomes the',
    'limit of the bare route; unpinned, it competes with the server). The bare route then receives the same',
    'Authorization header as Tessera. This machine is a VM whose speed drifts by tens of percent from minute',
    'to minute, so rounds are short (3 s) and many (12), alternate, and the median ratio is reported; and',
    'one V8 process can stay luckier than another with its optimisations by several percent, so each',
    'scenario starts 3 processes of each server and the rounds take them in turn. Even so, two identical',
    'bare servers measured that way differed by 0.87-1.22 from one round to the next. So hello-hs256 and',
    'hello-eddsa are then also measured in paired rounds, which give their judged ratio: bare Fastify and',
    'Tessera loaded at the same time, on the same core, each compared by requests per second of its own',
    'CPU time; hello-hs256 reports a calibration (bare paired with an identical bare) in the same run.',
    '',
    '## Summary',
    '',
    '| scenario | figure | bar | |',
    '|---|---|---|---|',
  ]
  const status = (x) => (x.skipped ? 'skipped' : 'failed')
  const sumRow = (name, figure, bar, ok) => {
    const x = r[name]
    if (!x) return
    if (x.skipped || x.failed) out.push(`| [${name}](#${name}) | ${status(x)} | ${bar} | |`)
    else out.push(`| [${name}](#${name}) | ${figure(x)} | ${bar} | ${pass(ok(x))} |`)
  }
  const pairedNote = (x) =>
    x.paired
      ? ` paired (bare vs bare: ${f(x.paired.calibration_ratio ?? r['hello-hs256']?.paired?.calibration_ratio, 3)}); alternating rounds ${f(x.sequential_ratio, 3)} (${f(x.tessera_rps)} vs ${f(x.bare_rps)} req/s)`
      : ` (${f(x.tessera_rps)} vs ${f(x.bare_rps)} req/s)`
  sumRow(
    'hello-hs256',
    (x) =>
      `ratio **${f(x.ratio, 3)}**${pairedNote(x)}${x.after_login_ratio === undefined ? '' : `; ${f(x.after_login_ratio, 3)} alternating for a process that served a login first`}`,
    '≥ 0.9',
    (x) => x.ratio >= 0.9,
  )
  sumRow(
    'hello-eddsa',
    (x) => `ratio **${f(x.ratio, 3)}**${pairedNote(x)}`,
    '≥ 0.8',
    (x) => x.ratio >= 0.8,
  )
  sumRow(
    'hello-revocation',
    (x) =>
      `on vs off **${revocationCost(x)}**${x.paired_vs_without_revocation ? ' paired' : ''}; alternating, ratio to bare ${f(x.ratio, 3)} with the check, ${f(x.without_revocation_ratio, 3)} without`,
    'within 5 %',
    revocationOk,
  )
  sumRow(
    'refresh-sqlite',
    (x) => `**${f(x.refreshes_per_second)}** refreshes/s`,
    '≥ 2,000/s',
    (x) => x.refreshes_per_second >= 2000,
  )
  sumRow(
    'refresh-postgres',
    (x) => `**${f(x.refreshes_per_second)}** refreshes/s`,
    '≥ 2,000/s',
    (x) => x.refreshes_per_second >= 2000,
  )
  sumRow(
    'login',
    (x) =>
      `**${f(x.logins_per_second, 1)}** logins/s (${f(x.ratio_to_ceiling * 100)} % of the argon2id ceiling)`,
    '≥ 0.8 of the argon2id ceiling',
    (x) => x.ratio_to_ceiling >= 0.8,
  )
  const floodFigure = (x) =>
    `ratio **${f(x.ratio, 3)}** to the same server's idle (${f(x.during_flood_rps)} vs ${f(x.idle_rps)} req/s)`
  if (r['login-flood'] && !r['login-flood'].skipped && !r['login-flood'].failed)
    out.push(
      `| [login-flood](#login-flood) | ${floodFigure(r['login-flood'])} | ≥ 0.5 | ${floodVerdict(r['login-flood'])} |`,
    )
  else sumRow('login-flood', floodFigure, '≥ 0.5', () => false)
  sumRow(
    'soak',
    (x) => `RSS **${f(x.rss_at_mark_mib, 1)} → ${f(x.rss_at_end_mib, 1)} MiB**, max ${f(x.rss_max_mib, 1)}`,
    'flat within 10 %, < 150 MB',
    (x) => x.flat_within_10_percent && x.under_150_mb,
  )
  out.push('')

  const skipped = (name, title) => {
    const x = r[name]
    out.push(
      `## ${name}`,
      '',
      `**${title}: ${status(x)}** (${x.measured_at}).`,
      '',
      '```',
      x.reason,
      '```',
      '',
    )
  }

  const hello = (name, title) => {
    const x = r[name]
    if (!x) return
    if (x.skipped || x.failed) return skipped(name, title)
    out.push(
      `## ${name}`,
      '',
      `${title}. Measured ${x.measured_at} with ${loadLabel(x)}; alternating rounds, the median ratio reported (rounds: ${x.round_ratios.join(', ')})${x.paired ? ', then paired rounds (below), whose ratio is the judged one' : ''}.`,
      '',
      '| | req/s (2xx) | p99 ms | non-2xx | errors | server CPU | client CPU | other CPU |',
      '|---|---|---|---|---|---|---|---|',
      `| bare Fastify \`GET /hello\` | ${f(x.bare.rps)} | ${x.bare.p99_ms} | ${x.bare.non2xx} | ${x.bare.errors} | ${f(x.bare.server_cpu_cores, 2)} | ${f(x.bare.client_cpu_cores, 2)} | ${f(x.bare.other_cpu_cores, 2)} |`,
      `| Tessera \`GET /api/hello/\` (${x.algorithm}) | ${f(x.tessera.rps)} | ${x.tessera.p99_ms} | ${x.tessera.non2xx} | ${x.tessera.errors} | ${f(x.tessera.server_cpu_cores, 2)} | ${f(x.tessera.client_cpu_cores, 2)} | ${f(x.tessera.other_cpu_cores, 2)} |`,
      `| **ratio, alternating rounds** | **${f(x.sequential_ratio ?? x.ratio, 3)}** | | | | | | |`,
      '',
      ...(x.paired === undefined
        ? []
        : [
            `**Paired rounds, the judged ratio: ${f(x.paired.ratio, 3)}** (median of ${x.paired.round_ratios.length} rounds: ${x.paired.round_ratios.join(', ')}). Bare Fastify and Tessera loaded at the same time for ${PAIRED_SECONDS} s, both servers on core 0 and one wrk each on core 1 (\`taskset -c 1 wrk -t1 -c${CONNECTIONS} -d${PAIRED_SECONDS}s --latency -H 'authorization: Bearer $ACCESS' URL\` for each server's URL, both at once); the ratio is each server's 2xx requests per second of its own CPU time (/proc), Tessera's over bare's. The requests-per-second ratio in the same rounds: ${f(x.paired.rps_ratio, 3)}. Why paired: this machine's speed wanders by up to ±20 % between consecutive 3-second loads, so the alternating ratios above swing by as much from round to round; two servers measured in the same seconds see the same machine.${x.paired.calibration_ratio === undefined ? '' : ` Calibration in this run: bare Fastify paired the same way with an identical bare Fastify process gives **${f(x.paired.calibration_ratio, 3)}** (rounds: ${x.paired.calibration_round_ratios.join(', ')}); 1 is a faithful instrument.`}${x.paired.tessera_process_ratio === undefined ? '' : ` The same bare route in a process that has first built a whole Tessera server without listening on it (bench/bare-in-tessera.mjs), paired the same way: **${f(x.paired.tessera_process_ratio, 3)}** (rounds: ${x.paired.tessera_process_round_ratios.join(', ')}). Its distance from 1 is what a process of Tessera's size costs Node's own HTTP code whatever the route does; its distance from the judged ratio is what Tessera's request path costs.`}`,
            '',
          ]),
      'The Tessera server measured has served only this route, like the bare baseline: a sibling process on the same database and keys registered the user and minted the token, and was stopped before it started.',
      '',
      ...(x.process_ratios === undefined
        ? []
        : [
            `Median ratio of each Tessera process: ${x.process_ratios.join(', ')}. Every server, the bare ones included, runs with \`${FLAGS}\`, as \`npm start\` and the \`tessera\` bin do: without them, a server that sat idle after its startup before its first load kept a heap V8 had sized for an idle process, and answered this route at about 0.65 of bare Fastify for the rest of its life instead of about 0.87 (the memory reducer, after ~10 s idle), or about 8 % slower (a shrunken young generation: twice the scavenges; src/server/node-flags.ts).`,
            '',
          ]),
      ...(x.after_login_ratio === undefined
        ? []
        : [
            `**A process that served the registration and the login itself**, in the same rounds: ${f(x.after_login_rps)} req/s (median), ratio **${f(x.after_login_ratio, 3)}** (rounds: ${x.after_login_round_ratios.join(', ')}). Same build, settings and route; only the two setup requests it served differ.`,
            '',
          ]),
      `Every round (bare / Tessera req/s, other CPU during each): ${x.rounds
        .map(
          (r) =>
            `${f(r.bare.rps)} / ${f(r.tessera.rps)} (${f(r.bare.other_cpu_cores, 2)}, ${f(r.tessera.other_cpu_cores, 2)})`,
        )
        .join('; ')}.`,
      '',
      `Bar: ≥ ${x.goal}. ${pass(x.ratio >= x.goal)}.`,
      '',
      ...(x.bare.server_cpu_cores < 0.9
        ? [
            `⚠️ The bare Fastify server used only ${f(x.bare.server_cpu_cores, 2)} of a core: the load generator may have been the limit, so this ratio is an upper bound.`,
            '',
          ]
        : []),
      chart(
        name,
        barChart({
          title: `${title}: ratio ${f(x.ratio, 3)}`,
          subtitle: `${loadLabel(x)}, median of ${x.round_ratios.length} alternating rounds; dashed: the ${x.goal} bar`,
          bars: [
            { label: 'bare Fastify GET /hello', value: x.bare_rps, color: '#999' },
            { label: `Tessera GET /api/hello/ (${x.algorithm})`, value: x.tessera_rps },
            ...(x.after_login_rps === undefined
              ? []
              : [{ label: 'Tessera, after serving a login', value: x.after_login_rps, color: '#bbb' }]),
          ],
          unit: ' req/s',
          goal: { value: x.bare_rps * x.goal, label: `${x.goal} × bare` },
        }),
      ),
      '',
      'Commands (run in alternation, after a warm-up of each):',
      '',
      ...code([reproduce(name), ...x.commands]),
      '',
    )
  }
  hello('hello-hs256', 'Protected route, HS256 token, vs bare Fastify')
  hello('hello-eddsa', 'Protected route, EdDSA (Ed25519) token, vs bare Fastify')

  if (r['hello-revocation']) {
    const x = r['hello-revocation']
    const title = 'Protected route with the revocation check on and off'
    if (x.skipped || x.failed) skipped('hello-revocation', title)
    else
      out.push(
        '## hello-revocation',
        '',
        `${title}, measured ${x.measured_at} with ${loadLabel(x)}. Two servers of the same build and settings (HS256) beside bare Fastify in the same alternating rounds: \`serve\`, which checks each request's user state and revocation cut-off in memory (\`UserGate.peek\`), and \`bench/tessera-without-revocation.mjs\`, the same server with that check answered by a constant "active, never revoked" (the product has no switch to turn it off).`,
        '',
        '| | req/s (2xx, median round) | ratio to bare (median) | per-round ratios |',
        '|---|---|---|---|',
        `| bare Fastify \`GET /hello\` | ${f(x.bare_rps)} | 1 | |`,
        `| Tessera, revocation check on | ${f(x.tessera_rps)} | **${f(x.ratio, 3)}** | ${x.round_ratios.join(', ')} |`,
        `| Tessera, revocation check off | ${f(x.without_revocation_rps)} | **${f(x.without_revocation_ratio, 3)}** | ${x.without_revocation_round_ratios.join(', ')} |`,
        `| on vs off, alternating | | ${f((x.ratio / x.without_revocation_ratio - 1) * 100, 1)} % | |`,
        '',
        ...(x.paired_vs_without_revocation === undefined
          ? []
          : [
              `**Paired rounds, on vs off: ${revocationCost(x)}** (median of ${x.paired_vs_without_revocation.round_ratios.length} rounds, on's requests per CPU-second over off's: ${x.paired_vs_without_revocation.round_ratios.join(', ')}). The two Tessera servers loaded at the same time for ${PAIRED_SECONDS} s on core 0, one wrk each on core 1, as in the paired rounds of [hello-hs256](#hello-hs256): the alternating ratios above each carry the machine's ±20 % wander between rounds, larger than the cost being measured.`,
              '',
            ]),
        `Bar: the protected route with the check within 5 % of the same route without it${x.paired_vs_without_revocation ? ' (paired rounds)' : ''}. ${pass(revocationOk(x))}.`,
        '',
        chart(
          'hello-revocation',
          barChart({
            title: `Revocation check on vs off: ${revocationCost(x)}`,
            subtitle: `${loadLabel(x)}, median of ${x.round_ratios.length} alternating rounds`,
            bars: [
              { label: 'bare Fastify GET /hello', value: x.bare_rps, color: '#999' },
              { label: 'Tessera, revocation check on', value: x.tessera_rps },
              { label: 'Tessera, revocation check off', value: x.without_revocation_rps, color: '#bbb' },
            ],
            unit: ' req/s',
          }),
        ),
        '',
        'Commands (run in alternation, after a warm-up of each):',
        '',
        ...code([reproduce('hello-revocation'), ...x.commands]),
        '',
      )
  }

  for (const [name, label] of [
    ['refresh-sqlite', 'SQLite'],
    ['refresh-postgres', 'PostgreSQL'],
  ]) {
    const x = r[name]
    if (!x) continue
    if (x.skipped || x.failed) {
      skipped(name, `Refresh with rotation, ${label}`)
      continue
    }
    const non200 = Object.entries(x.non200)
    out.push(
      `## ${name}`,
      '',
      `Refresh with rotation on ${label}, measured ${x.measured_at}: ${f(x.users)} users and ${f(x.sessions)} sessions created first; every request sends a refresh token never sent before (tokens sent twice: ${x.tokens_sent_twice}; pool exhausted: ${x.pool_exhausted}).`,
      '',
      '| | |',
      '|---|---|',
      `| **successful refreshes (200) per second** | **${f(x.refreshes_per_second)}** |`,
      `| 200s in ${machine.duration_s} s | ${f(x.ok)} |`,
      `| non-200 | ${non200.length ? non200.map(([code, n]) => `${code}: ${n}`).join(', ') : 'none'} |`,
      `| socket errors / timeouts | ${x.errors} / ${x.timeouts} |`,
      `| p99 latency | ${x.p99_ms} ms |`,
      `| CPU: server / load generator / everything else${label === 'PostgreSQL' ? ' (PostgreSQL included)' : ''} | ${f(x.server_cpu_cores, 2)} / ${f(x.client_cpu_cores, 2)} / ${f(x.other_cpu_cores, 2)} cores |`,
      '',
      `Bar: ≥ 2,000/s. ${pass(x.refreshes_per_second >= 2000)}.`,
      '',
      chart(
        name,
        barChart({
          title: `Refresh with rotation (${label}): ${f(x.refreshes_per_second)}/s`,
          subtitle: `autocannon -c ${CONNECTIONS}, ${machine.duration_s} s, each refresh token used once; dashed: the 2,000/s bar`,
          bars: [{ label: `Tessera, ${label}`, value: x.refreshes_per_second }],
          unit: ' refreshes/s',
          goal: { value: 2000, label: '2,000/s' },
        }),
      ),
      '',
      ...code([reproduce(name), x.server_command, x.command]),
      '',
    )
  }

  if (r.login) {
    const x = r.login
    if (x.skipped || x.failed) skipped('login', 'Logins')
    else
      out.push(
        '## login',
        '',
        `Logins at the default argon2id parameters (19 MiB, 2 passes, 1 lane), measured ${x.measured_at}. Baseline: argon2id verifications per second on one core in the bench process, times the server's default hash concurrency (cores − 1 = ${x.hash_concurrency}).`,
        '',
        '| | per second |',
        '|---|---|',
        `| **Tessera \`POST /api/token/\` (200s)** | **${f(x.logins_per_second, 1)}** |`,
        `| argon2id verify, one core (bench process) | ${f(x.argon2_verifies_per_second_one_core, 1)} |`,
        `| ceiling at hash concurrency ${x.hash_concurrency} | ${f(x.ceiling_per_second, 1)} |`,
        `| **ratio to the ceiling** | **${f(x.ratio_to_ceiling, 3)}** |`,
        `| simplejwt, PBKDF2 260,000 rounds (DESIGN.md reference) | ${x.simplejwt_reference_per_second} |`,
        '',
        `non-2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts}; latency p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms; server CPU ${f(x.server_cpu_cores, 2)} cores, everything else ${f(x.other_cpu_cores, 2)}.`,
        '',
        ...(x.round_ratios === undefined
          ? []
          : [
              `Rounds (the ceiling measured right before each load; the median round is shown above): ratios ${x.round_ratios.join(', ')}; logins/s ${x.round_logins_per_second.join(', ')}.`,
              '',
            ]),
        chart(
          'login',
          barChart({
            title: `Logins per second: ${f(x.logins_per_second, 1)}/s`,
            subtitle: 'argon2id 19 MiB, 2 passes; ceiling = one-core verify rate × hash concurrency',
            bars: [
              { label: 'Tessera POST /api/token/', value: x.logins_per_second },
              {
                label: `argon2id ceiling (×${x.hash_concurrency})`,
                value: x.ceiling_per_second,
                color: '#999',
              },
              { label: 'simplejwt (reference)', value: x.simplejwt_reference_per_second, color: '#ccc' },
            ],
            unit: '/s',
          }),
        ),
        '',
        ...code([reproduce('login'), x.server_command, x.command]),
        '',
      )
  }

  if (r['login-flood']) {
    const x = r['login-flood']
    if (x.skipped || x.failed) skipped('login-flood', 'Protected route during a login flood')
    else
      out.push(
        '## login-flood',
        '',
        `Protected route (HS256) while a login flood runs at the same time (two autocannon instances at once, both ${CONNECTIONS} connections), measured ${x.measured_at}. ${x.round_ratios.length} alternating rounds on one server: the protected route idle, then the same load again while the flood runs; each round's ratio is during over idle (${x.round_ratios.join(', ')}), and the median is reported. Idle and during are measured with the same load generator on the same server, minutes apart at most; hello-hs256's figures are not used here, because they come from wrk pinned to its own core, and a ratio across the two would measure the load generators too.`,
        '',
        '| | req/s |',
        '|---|---|',
        `| idle, just before the flood (median round) | ${f(x.idle_rps)} |`,
        `| during the flood (median round; rounds ${x.round_during_rps.map((v) => f(v)).join(', ')}; ${f(x.logins_per_second_during, 1)} logins/s alongside, login non-2xx ${x.login_non2xx}) | ${f(x.during_flood_rps)} (p99 ${x.during.p99_ms} ms, non-2xx ${x.during.non2xx}) |`,
        `| **ratio, during over idle (median of rounds)** | **${f(x.ratio, 3)}** |`,
        '',
        `Bar: ≥ 0.5. ${floodVerdict(x)}.`,
        '',
        chart(
          'login-flood',
          barChart({
            title: `Protected route during a login flood: ratio ${f(x.ratio, 3)}`,
            subtitle: `${f(x.logins_per_second_during, 1)} logins/s alongside; dashed: 0.5 × idle`,
            bars: [
              { label: 'idle', value: x.idle_rps, color: '#bbb' },
              { label: 'during the login flood', value: x.during_flood_rps },
            ],
            unit: ' req/s',
            goal: { value: 0.5 * x.idle_rps, label: '0.5 × idle' },
          }),
        ),
        '',
        ...code([reproduce('login-flood'), ...x.commands]),
        '',
      )
  }

  if (r.soak) {
    const x = r.soak
    if (x.skipped || x.failed) skipped('soak', 'RSS over a soak')
    else
      out.push(
        '## soak',
        '',
        `RSS (VmRSS of the Tessera process) over ${f(x.requests)} protected HS256 requests, measured ${x.measured_at} (${f(x.rps)} req/s, ${x.seconds} s, non-2xx ${x.non2xx}, errors ${x.errors}).`,
        '',
        '| | MiB |',
        '|---|---|',
        `| RSS at request ${f(x.mark)} | ${f(x.rss_at_mark_mib, 1)} |`,
        `| RSS at request ${f(x.requests)} | ${f(x.rss_at_end_mib, 1)} (${x.growth_percent >= 0 ? '+' : ''}${f(x.growth_percent, 1)} %) |`,
        `| max RSS | ${f(x.rss_max_mib, 1)} |`,
        `| largest deviation from the ${f(x.mark)}th-request figure, after it | ${f(x.max_deviation_percent, 1)} % |`,
        `| **flat within 10 %** | **${x.flat_within_10_percent ? 'yes' : 'no'}** |`,
        `| under 150 MB | ${x.under_150_mb ? 'yes' : 'no'} |`,
        '',
        chart(
          'soak',
          lineChart({
            title: `RSS over ${f(x.requests)} requests: ${f(x.rss_at_mark_mib, 1)} → ${f(x.rss_at_end_mib, 1)} MiB`,
            subtitle: `shaded: ±10 % of the RSS at request ${f(x.mark)}`,
            points: x.samples.map((s) => ({ x: s.requests, y: s.rss })),
            xLabel: 'requests served',
            yLabel: 'RSS (MiB)',
            band: { low: x.rss_at_mark_mib * 0.9, high: x.rss_at_mark_mib * 1.1, label: '±10 %' },
            marks: [{ x: x.mark, label: f(x.mark) }],
          }),
        ),
        '',
        ...code([reproduce('soak'), x.server_command, x.command]),
        '',
      )
  }
  return `${out.join('\n')}\n`
}
