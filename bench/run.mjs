// `npm run bench`: every scenario of bench/scenarios/ in one run, each beside its baseline; writes
// results.json, then RESULTS.md and an SVG chart per scenario (bench/report.mjs) to bench/, or with
// BENCH_QUICK=1 (a self-check whose figures are not judged) to a temporary directory.
//
// Servers are real child processes (`dist/cli/main.js serve` with a temp SQLite file or PostgreSQL
// schema and a temp KEY_DIR; bench/bare-fastify.mjs as the baseline); load comes from this process
// with autocannon, 64 connections, except the protected-route ratios: those use wrk when it is
// installed (`apt-get install wrk`), pinned to core 1 with the servers on core 0, because autocannon
// (JavaScript, one thread) cannot saturate a bare Fastify server and shares its cores. Loopback
// only; every load is bounded in time or count. The knobs (BENCH_ONLY, BENCH_QUICK, ...) are listed
// in bench/lib/config.mjs and bench/README.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  BENCH,
  CONNECTIONS,
  duration,
  HELLO_DURATION,
  log,
  PAIRED_SECONDS,
  PIN,
  PROCESSES,
  quick,
  ROUNDS,
  WRK,
} from './lib/config.mjs'
import { CORES } from './lib/machine.mjs'
import { build, cleanup, loadBuild } from './lib/servers.mjs'
import { headlines, writeReport } from './report.mjs'
import { SCENARIOS } from './scenarios/index.mjs'

const names = SCENARIOS.map((scenario) => scenario.name)
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim())
for (const name of only ?? []) {
  if (!names.includes(name)) {
    console.error(`unknown scenario ${name}; known: ${names.join(', ')}`)
    process.exit(2)
  }
}
// Quick figures never land in bench/: they would read as measurements.
const outDir = resolve(
  process.env.BENCH_OUT ?? (quick ? mkdtempSync(join(tmpdir(), 'tessera-bench-quick-')) : BENCH),
)
if (quick && outDir === resolve(BENCH)) {
  console.error(
    'BENCH_QUICK=1 does not write to bench/: its figures are a self-check; set BENCH_OUT elsewhere',
  )
  process.exit(2)
}
try {
  await loadBuild()
} catch (error) {
  console.error(error.message)
  process.exit(2)
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping servers`)
    cleanup().finally(() => process.exit(130))
  })
}

const runStarted = new Date()
const results = {}
try {
  for (const scenario of SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.name)) continue
    log(`${scenario.name}: start`)
    const started = Date.now()
    let result
    try {
      result = await scenario.run()
    } catch (error) {
      result = { failed: true, reason: String(error?.stack ?? error).slice(0, 2000) }
    }
    result.measured_at = new Date().toISOString()
    result.wall_seconds = Math.round((Date.now() - started) / 1000)
    results[scenario.name] = result
    log(
      `${scenario.name}: done`,
      JSON.stringify(result, (k, v) => (k === 'samples' ? undefined : v)),
    )
  }
} finally {
  await cleanup()
}

// A partial run (BENCH_ONLY) keeps the other scenarios' last figures, each with its own date.
const resultsPath = join(outDir, 'results.json')
if (only !== undefined && existsSync(resultsPath)) {
  try {
    const previous = JSON.parse(readFileSync(resultsPath, 'utf8')).results ?? {}
    for (const [name, value] of Object.entries(previous)) {
      // entries of an older format (no measured_at) are dropped rather than misreported
      if (!(name in results) && names.includes(name) && value?.measured_at) results[name] = value
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
  hello_seconds: HELLO_DURATION,
  paired_seconds: PAIRED_SECONDS,
  server_flags: build.flags.join(' '),
  only: only ?? null,
  load_average_at_end: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
}
mkdirSync(outDir, { recursive: true })
const ordered = Object.fromEntries(names.filter((n) => n in results).map((n) => [n, results[n]]))
writeFileSync(resultsPath, `${JSON.stringify({ machine, results: ordered }, null, 2)}\n`)
writeReport(resultsPath)
log(`wrote ${join(outDir, 'RESULTS.md')}, ${resultsPath}, ${join(outDir, 'charts')}/`)
console.log(headlines(ordered))
