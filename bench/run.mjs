// `npm run bench`: every scenario in one run, each beside its baseline; writes bench/RESULTS.md,
// bench/results.json and an SVG chart per scenario under bench/charts/. Loopback only; every load
// is bounded in time or count. BENCH_DURATION (s, default 10), BENCH_ONLY=a,b, BENCH_QUICK=1
// (3 s runs, 100k soak), BENCH_SOAK_REQUESTS (default 1,000,000).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { barChart, cannon, lineChart, PINNING, postJson, rssMiB, sleep, startProcess, wrk } from './lib.mjs'

const ROOT = new URL('..', import.meta.url).pathname
const quick = process.env.BENCH_QUICK === '1'
const duration = Number(process.env.BENCH_DURATION ?? (quick ? 3 : 10))
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3))
const soakRequests = Number(process.env.BENCH_SOAK_REQUESTS ?? (quick ? 100_000 : 1_000_000))
const only = process.env.BENCH_ONLY?.split(',')
const PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SECRET = 'bench-signing-key-that-is-long-enough-for-hs256'
const USER = { username: 'bench', email: 'bench@example.com', password: 'Bench-Pass-123' }
const work = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
const results = {}
const stops = []

const baseEnv = (name, extra = {}) => ({
  TESSERA_PORT: '0',
  TESSERA_LOG_LEVEL: 'warn',
  TESSERA_RATE_LIMIT_ENABLED: 'false',
  TESSERA_DATABASE_URL: `sqlite:${join(work, `${name}.sqlite3`)}`,
  TESSERA_KEY_DIR: join(work, `${name}-keys`),
  TESSERA_SIGNING_KEY: SECRET,
  ...extra,
})

/** `pin`: on core 0, for the wrk ratio scenarios; the others use every core, as in production. */
async function tessera(name, extra, pin = false) {
  const server = await startProcess([join(ROOT, 'dist/cli/main.js'), 'serve'], baseEnv(name, extra), pin)
  stops.push(server.stop)
  return server
}
async function bare() {
  const server = await startProcess([join(ROOT, 'bench/bare-fastify.mjs')], {}, true)
  stops.push(server.stop)
  return server
}
async function accessToken(url) {
  await postJson(`${url}/api/register/`, USER)
  const login = await postJson(`${url}/api/token/`, { username: USER.username, password: USER.password })
  return login.body
}
const wanted = (name) => only === undefined || only.includes(name)

/**
 * The protected route beside bare Fastify: both servers up, measured in alternating rounds, and the
 * median of the per-round ratios reported (one round is at the mercy of whatever else the machine
 * does for those seconds).
 */
async function helloScenario(name, extra) {
  const baseline = await bare()
  const server = await tessera(name, extra, true)
  const { access } = await accessToken(server.url)
  const header = `Authorization: Bearer ${access}`
  await wrk(`${server.url}/api/hello/`, { duration: 2, header }) // warm up both
  await wrk(`${baseline.url}/hello`, { duration: 2 })
  const rounds = []
  for (let round = 0; round < ROUNDS; round++) {
    const base = await wrk(`${baseline.url}/hello`, { duration })
    const protectedRoute = await wrk(`${server.url}/api/hello/`, { duration, header })
    rounds.push({ base, protectedRoute, ratio: protectedRoute.rps / base.rps })
  }
  await baseline.stop()
  await server.stop()
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]
  return {
    bare_rps: median.base.rps,
    tessera_rps: median.protectedRoute.rps,
    ratio: median.ratio,
    round_ratios: rounds.map((round) => Number(round.ratio.toFixed(3))),
    non_2xx: rounds.reduce((sum, round) => sum + round.protectedRoute.errors, 0),
    p99: median.protectedRoute.p99,
    commands: [median.base.command, median.protectedRoute.command],
  }
}

/** Refreshes with rotation: each connection follows its own chain, using each token once. */
async function refreshScenario(name, extra) {
  const server = await tessera(name, {
    TESSERA_ARGON2_MEMORY_KIB: '1024',
    TESSERA_ARGON2_ITERATIONS: '1',
    ...extra,
  })
  await postJson(`${server.url}/api/register/`, USER)
  const connections = 32
  const chains = []
  for (let i = 0; i < connections; i++) {
    chains.push(
      (await postJson(`${server.url}/api/token/`, { username: USER.username, password: USER.password })).body
        .refresh,
    )
  }
  let next = 0
  const result = await cannon({
    url: server.url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/api/token/refresh/',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          context.chain ??= next++ % connections
          return { ...request, body: JSON.stringify({ refresh: chains[context.chain] }) }
        },
        onResponse: (status, body, context) => {
          if (status === 200) chains[context.chain] = JSON.parse(body).refresh
        },
      },
    ],
  })
  await server.stop()
  return {
    refreshes_per_second: result['2xx'] / result.duration,
    non_2xx: result.non2xx,
    command: `autocannon -c ${connections} -d ${duration} POST /api/token/refresh/ (one rotation chain per connection)`,
  }
}

async function loginScenario() {
  const server = await tessera('login')
  await postJson(`${server.url}/api/register/`, USER)
  const result = await cannon({
    url: `${server.url}/api/token/`,
    method: 'POST',
    connections: 8,
    duration,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER.username, password: USER.password }),
  })
  await server.stop()
  return {
    logins_per_second: result['2xx'] / result.duration,
    non_2xx: result.non2xx,
    command: `autocannon -c 8 -d ${duration} -m POST /api/token/ (argon2id 19 MiB, 2 passes)`,
  }
}

async function floodScenario() {
  const server = await tessera('flood')
  const { access } = await accessToken(server.url)
  const header = `Authorization: Bearer ${access}`
  const idle = await wrk(`${server.url}/api/hello/`, { duration, header })
  const flood = cannon({
    url: `${server.url}/api/token/`,
    method: 'POST',
    connections: 16,
    duration: duration + 2,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER.username, password: USER.password }),
  })
  await sleep(1000)
  const during = await wrk(`${server.url}/api/hello/`, { duration, header })
  const logins = await flood
  await server.stop()
  return {
    idle_rps: idle.rps,
    during_flood_rps: during.rps,
    ratio: during.rps / idle.rps,
    logins_per_second_during: logins['2xx'] / logins.duration,
    commands: [
      idle.command,
      `autocannon -c 16 -m POST /api/token/ (login flood) alongside ${during.command}`,
    ],
  }
}

async function soakScenario() {
  const server = await tessera('soak')
  const { access } = await accessToken(server.url)
  const samples = [{ requests: 0, rss: rssMiB(server.pid) }]
  let done = 0
  await cannon({
    url: `${server.url}/api/hello/`,
    connections: 32,
    amount: soakRequests,
    headers: { authorization: `Bearer ${access}` },
    onInstance: (instance) =>
      instance.on('tick', (counter) => {
        done += counter.counter
        samples.push({ requests: done, rss: rssMiB(server.pid) })
      }),
  })
  samples.push({ requests: soakRequests, rss: rssMiB(server.pid) })
  await server.stop()
  const at = (n) => samples.find((sample) => sample.requests >= n) ?? samples[samples.length - 1]
  const early = at(Math.min(100_000, soakRequests / 10)).rss
  const late = samples[samples.length - 1].rss
  return {
    requests: soakRequests,
    rss_at_100k_mib: early,
    rss_at_end_mib: late,
    rss_max_mib: Math.max(...samples.map((sample) => sample.rss)),
    growth_percent: ((late - early) / early) * 100,
    samples,
    command: `autocannon -c 32 -a ${soakRequests} GET /api/hello/ (RSS from /proc/<pid>/status each second)`,
  }
}

async function pgSchema() {
  const schema = `bench_${Date.now().toString(36)}`
  const client = new pg.Client(PG)
  await client.connect()
  await client.query(`CREATE SCHEMA ${schema}`)
  await client.end()
  stops.push(async () => {
    const dropper = new pg.Client(PG)
    await dropper.connect()
    await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await dropper.end()
  })
  return `${PG}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
}

try {
  if (wanted('hello-hs256')) results['hello-hs256'] = await helloScenario('hs256')
  if (wanted('hello-eddsa')) {
    results['hello-eddsa'] = await helloScenario('eddsa', {
      TESSERA_ALGORITHM: 'EdDSA',
      TESSERA_SIGNING_KEY: '',
    })
  }
  if (wanted('revocation')) {
    // Same server, same token, same verification: only the in-memory user-state and revocation
    // check differs (bench/tessera-without-revocation.mjs answers it with a constant).
    const without = await startProcess(
      [join(ROOT, 'bench/tessera-without-revocation.mjs')],
      baseEnv('revocation-off'),
      true,
    )
    stops.push(without.stop)
    const server = await tessera('revocation', {}, true)
    const tokenWithout = (await accessToken(without.url)).access
    const tokenWith = (await accessToken(server.url)).access
    const rounds = []
    for (let round = 0; round < ROUNDS; round++) {
      const a = await wrk(`${without.url}/api/hello/`, {
        duration,
        header: `Authorization: Bearer ${tokenWithout}`,
      })
      const b = await wrk(`${server.url}/api/hello/`, {
        duration,
        header: `Authorization: Bearer ${tokenWith}`,
      })
      rounds.push({ a, b, ratio: b.rps / a.rps })
    }
    await without.stop()
    await server.stop()
    const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds.length / 2)]
    results.revocation = {
      without_revocation_rps: median.a.rps,
      with_revocation_rps: median.b.rps,
      ratio: median.ratio,
      round_ratios: rounds.map((round) => Number(round.ratio.toFixed(3))),
      commands: [median.a.command, median.b.command],
    }
  }
  if (wanted('refresh-sqlite')) results['refresh-sqlite'] = await refreshScenario('refresh')
  if (wanted('refresh-postgres')) {
    results['refresh-postgres'] = await refreshScenario('refresh-pg', {
      TESSERA_DATABASE_URL: await pgSchema(),
    })
  }
  if (wanted('login')) results.login = await loginScenario()
  if (wanted('login-flood')) results['login-flood'] = await floodScenario()
  if (wanted('soak')) results.soak = await soakScenario()
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {})
  rmSync(work, { recursive: true, force: true })
}

// A partial run (BENCH_ONLY) keeps the other scenarios' last figures.
if (only !== undefined && existsSync(join(new URL('.', import.meta.url).pathname, 'results.json'))) {
  const previous = JSON.parse(
    readFileSync(join(new URL('.', import.meta.url).pathname, 'results.json'), 'utf8'),
  ).results
  for (const [name, value] of Object.entries(previous)) if (!(name in results)) results[name] = value
}
const machine = {
  date: new Date().toISOString(),
  cores: cpus().length,
  node: process.version,
  duration_s: duration,
  pinned: PINNING,
}
const outDir = new URL('.', import.meta.url).pathname
mkdirSync(join(outDir, 'charts'), { recursive: true })
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`)
writeFileSync(join(outDir, 'RESULTS.md'), report(machine, results))
console.log(JSON.stringify(results, (key, value) => (key === 'samples' ? undefined : value), 2))

function report(machine, r) {
  const f = (n, digits = 0) =>
    n === undefined ? 'n/a' : Number(n).toLocaleString('en', { maximumFractionDigits: digits })
  const chart = (name, svg) => {
    writeFileSync(join(outDir, 'charts', `${name}.svg`), svg)
    return `![${name}](charts/${name}.svg)`
  }
  const lines = [
    '# Benchmark results',
    '',
    `Command: \`npm run bench\` (${machine.duration_s} s per load; \`BENCH_QUICK=1\` for a smoke run). Date ${machine.date},`,
    `${machine.cores} cores, Node ${machine.node}. Load generators (wrk, autocannon) run on the same machine as the`,
    `servers${machine.pinned ? ' (for the wrk ratios, servers pinned to core 0 and wrk to core 1 with taskset)' : ''}, so every figure is a ratio against a baseline`,
    'measured in the same run. Raw figures: `bench/results.json`.',
    '',
  ]
  const hello = (name, label) => {
    const x = r[name]
    if (!x) return
    lines.push(
      `## ${label}`,
      '',
      '| | requests/s |',
      '|---|---|',
      `| bare Fastify \`GET /hello\` | ${f(x.bare_rps)} |`,
    )
    lines.push(
      `| Tessera \`GET /api/hello/\` | ${f(x.tessera_rps)} (p99 ${x.p99}, non-2xx ${x.non_2xx}) |`,
      `| **ratio** (median of alternating rounds: ${x.round_ratios.join(', ')}) | **${f(x.ratio, 3)}** |`,
      '',
    )
    lines.push(
      chart(
        name,
        barChart(
          label,
          [
            { label: 'bare Fastify', value: x.bare_rps, color: '#999' },
            { label: 'Tessera', value: x.tessera_rps },
          ],
          ' req/s',
        ),
      ),
      '',
    )
    lines.push(...x.commands.map((c) => `    ${c}`), '')
  }
  hello('hello-hs256', 'Protected route, HS256, vs bare Fastify')
  hello('hello-eddsa', 'Protected route, EdDSA, vs bare Fastify')
  if (r.revocation) {
    const x = r.revocation
    lines.push(
      '## Revocation check on the hot path',
      '',
      'Same tokens and verification, with and without the per-user revocation state:',
      '',
    )
    lines.push(
      '| | requests/s |',
      '|---|---|',
      `| Tessera, revocation check replaced by a constant | ${f(x.without_revocation_rps)} |`,
    )
    lines.push(
      `| Tessera server (revocation cut-off checked) | ${f(x.with_revocation_rps)} |`,
      `| **ratio** | **${f(x.ratio, 3)}** |`,
      '',
    )
    lines.push(
      chart(
        'revocation',
        barChart(
          'Revocation check',
          [
            { label: 'without', value: x.without_revocation_rps, color: '#999' },
            { label: 'with', value: x.with_revocation_rps },
          ],
          ' req/s',
        ),
      ),
      '',
    )
    lines.push(...x.commands.map((c) => `    ${c}`), '')
  }
  for (const [name, label] of [
    ['refresh-sqlite', 'SQLite'],
    ['refresh-postgres', 'PostgreSQL'],
  ]) {
    const x = r[name]
    if (!x) continue
    lines.push(
      `## Refresh with rotation, ${label}`,
      '',
      `**${f(x.refreshes_per_second)} refreshes/s** (non-2xx ${x.non_2xx})`,
      '',
    )
    lines.push(
      chart(
        name,
        barChart(
          `Refresh with rotation (${label})`,
          [
            { label: 'goal', value: 2000, color: '#999' },
            { label: 'Tessera', value: x.refreshes_per_second },
          ],
          '/s',
        ),
      ),
      '',
      `    ${x.command}`,
      '',
    )
  }
  if (r.login) {
    lines.push(
      '## Logins',
      '',
      `**${f(r.login.logins_per_second, 1)} logins/s** at argon2id OWASP parameters (non-2xx ${r.login.non_2xx}).`,
      '',
    )
    lines.push(
      chart(
        'login',
        barChart(
          'Logins per second',
          [
            { label: 'Tessera (argon2id)', value: r.login.logins_per_second },
            { label: 'simplejwt (PBKDF2, reference)', value: 14.5, color: '#999' },
          ],
          '/s',
        ),
      ),
      '',
      `    ${r.login.command}`,
      '',
    )
  }
  if (r['login-flood']) {
    const x = r['login-flood']
    lines.push(
      '## Protected route during a login flood',
      '',
      '| | requests/s |',
      '|---|---|',
      `| idle | ${f(x.idle_rps)} |`,
      `| during the flood (${f(x.logins_per_second_during, 1)} logins/s) | ${f(x.during_flood_rps)} |`,
      `| **ratio** | **${f(x.ratio, 3)}** |`,
      '',
    )
    lines.push(
      chart(
        'login-flood',
        barChart(
          'Protected route: idle vs login flood',
          [
            { label: 'idle', value: x.idle_rps, color: '#999' },
            { label: 'during flood', value: x.during_flood_rps },
          ],
          ' req/s',
        ),
      ),
      '',
    )
    lines.push(...x.commands.map((c) => `    ${c}`), '')
  }
  if (r.soak) {
    const x = r.soak
    lines.push(
      '## Memory over a soak',
      '',
      `${f(x.requests)} protected requests: RSS ${f(x.rss_at_100k_mib, 1)} MiB at the 100,000th, ${f(x.rss_at_end_mib, 1)} MiB at the end (${f(x.growth_percent, 1)} %), max ${f(x.rss_max_mib, 1)} MiB.`,
      '',
    )
    lines.push(
      chart(
        'soak',
        lineChart(
          'RSS over the soak',
          x.samples.map((s) => ({ x: s.requests, y: s.rss })),
          'requests',
          'RSS MiB',
        ),
      ),
      '',
      `    ${x.command}`,
      '',
    )
  }
  return `${lines.join('\n')}\n`
}
