// Markdown pieces of bench/RESULTS.md shared by the scenarios: number formatting, verdicts, code
// blocks, charts, and the protected-route section (table, paired rounds, per-process ratios).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { barChart } from './charts.mjs'

/**
 * What a scenario's report functions get: the run's `machine` facts, every scenario's `results`,
 * formatting helpers, and `chart(name, svg)`, which writes charts/<name>.svg under `outDir` and
 * returns the Markdown image line.
 */
export function reportContext(machine, results, outDir) {
  const f = (n, digits = 0) =>
    n === undefined || n === null ? 'n/a' : Number(n).toLocaleString('en', { maximumFractionDigits: digits })
  const connections = machine.connections
  const helloSeconds = machine.hello_seconds
  return {
    machine,
    results,
    f,
    connections,
    helloSeconds,
    pairedSeconds: machine.paired_seconds,
    flags: machine.server_flags,
    pass: (ok) => (ok ? '✅ meets the bar' : '❌ below the bar'),
    code: (commands) => ['```sh', ...commands, '```'],
    reproduce: (name) => `BENCH_ONLY=${name} npm run bench`,
    loadLabel: (x) =>
      x.load_generator === 'wrk'
        ? `wrk -t1 -c${connections} pinned to core 1, servers on core 0, ${helloSeconds} s per load`
        : `autocannon -c ${connections}, ${machine.duration_s} s per load`,
    chart: (name, svg) => {
      mkdirSync(join(outDir, 'charts'), { recursive: true })
      writeFileSync(join(outDir, 'charts', `${name}.svg`), svg)
      return `![${name} chart](charts/${name}.svg)`
    },
  }
}

/** The lines of a scenario that was skipped or failed, with its reason. */
export const skippedSection = (name, title, x) => [
  `## ${name}`,
  '',
  `**${title}: ${x.skipped ? 'skipped' : 'failed'}** (${x.measured_at}).`,
  '',
  '```',
  x.reason,
  '```',
  '',
]

/** How the paired rounds loaded the two servers. */
const pairedLoad = (x, doc) =>
  x.load_generator === 'wrk'
    ? `both servers on core 0 and one wrk each on core 1 (\`taskset -c 1 wrk -t1 -c${doc.connections} -d${doc.pairedSeconds}s --latency ${x.distinct_tokens ? '-s bench/wrk/rotate-tokens.lua URL -- $TOKENS_FILE' : "-H 'authorization: Bearer $ACCESS' URL"}\` for each server's URL, both at once)`
    : `one autocannon instance each from the bench process, no pinning (\`autocannon -c ${doc.connections} -d ${doc.pairedSeconds}\` for each server's URL, both at once)`

/** The table of the median alternating round: bare, Tessera and the ratio. */
export const helloTable = (
  x,
  doc,
  { tesseraLabel = `Tessera \`GET /api/hello/\` (${x.algorithm})` } = {},
) => {
  const { f } = doc
  const row = (label, run) =>
    `| ${label} | ${f(run.rps)} | ${run.p99_ms} | ${run.non2xx} | ${run.errors} | ${f(run.server_cpu_cores, 2)} | ${f(run.client_cpu_cores, 2)} | ${f(run.other_cpu_cores, 2)} |`
  return [
    '| | req/s (2xx) | p99 ms | non-2xx | errors | server CPU | client CPU | other CPU |',
    '|---|---|---|---|---|---|---|---|',
    row('bare Fastify `GET /hello`', x.bare),
    row(tesseraLabel, x.tessera),
    `| **ratio, alternating rounds** | **${f(x.sequential_ratio ?? x.ratio, 3)}** | | | | | | |`,
    '',
  ]
}

/** The paragraph of the paired rounds with bare (and their calibrations), when there were any. */
export const pairedParagraph = (x, doc) => {
  const { f } = doc
  if (x.paired === undefined) return []
  return [
    `**Paired rounds, the judged ratio: ${f(x.paired.ratio, 3)}** (median of ${x.paired.round_ratios.length} rounds: ${x.paired.round_ratios.join(', ')}). Bare Fastify and Tessera loaded at the same time for ${doc.pairedSeconds} s, ${pairedLoad(x, doc)}; the ratio is each server's 2xx requests per second of its own CPU time (/proc), Tessera's over bare's. The requests-per-second ratio in the same rounds: ${f(x.paired.rps_ratio, 3)}. Why paired: this machine's speed wanders by up to ±20 % between consecutive 3-second loads, so the alternating ratios above swing by as much from round to round; two servers measured in the same seconds see the same machine.${x.paired.calibration_ratio === undefined ? '' : ` Calibration in this run: bare Fastify paired the same way with an identical bare Fastify process gives **${f(x.paired.calibration_ratio, 3)}** (rounds: ${x.paired.calibration_round_ratios.join(', ')}); 1 is a faithful instrument.`}${x.paired.tessera_process_ratio === undefined ? '' : ` The same bare route in a process that has first built a whole Tessera server without listening on it (bench/bare-in-tessera.mjs), paired the same way: **${f(x.paired.tessera_process_ratio, 3)}** (rounds: ${x.paired.tessera_process_round_ratios.join(', ')}). Its distance from 1 is what a process of Tessera's size costs Node's own HTTP code whatever the route does; its distance from the judged ratio is what Tessera's request path costs.`}`,
    '',
  ]
}

/** Per-process ratios, and why every server runs with the server flags. */
export const processParagraph = (x, doc) => {
  if (x.process_ratios === undefined) return []
  return [
    `Median ratio of each Tessera process: ${x.process_ratios.join(', ')}. Every server, the bare ones included, runs with \`${doc.flags}\`, as \`npm start\` and the \`tessera\` bin do: without them, a server that sat idle after its startup before its first load kept a heap V8 had sized for an idle process, and answered this route at about 0.65 of bare Fastify for the rest of its life instead of about 0.87 (the memory reducer, after ~10 s idle), or about 8 % slower (a shrunken young generation: twice the scavenges; src/server/node-flags.ts).`,
    '',
  ]
}

/** Every alternating round's figures of bare and Tessera. */
export const roundsLine = (x, doc) => {
  const { f } = doc
  return [
    `Every round (bare / Tessera req/s, other CPU during each): ${x.rounds
      .map(
        (r) =>
          `${f(r.bare.rps)} / ${f(r.tessera.rps)} (${f(r.bare.other_cpu_cores, 2)}, ${f(r.tessera.other_cpu_cores, 2)})`,
      )
      .join('; ')}.`,
    '',
  ]
}

/** A warning when the bare server was not saturated. */
export const saturationWarning = (x, doc) => {
  const { f } = doc
  if (!(x.bare.server_cpu_cores < 0.9)) return []
  return [
    `⚠️ The bare Fastify server used only ${f(x.bare.server_cpu_cores, 2)} of a core: the load generator may have been the limit, so this ratio is an upper bound.`,
    '',
  ]
}

/** The bar chart of bare and Tessera (and extra `bars`), with the bar `goal` as a ratio to bare. */
export const helloChart = (name, x, doc, { title, goal, bars = [], subtitle }) => {
  const { f } = doc
  return doc.chart(
    name,
    barChart({
      title: `${title}: ratio ${f(x.ratio, 3)}`,
      subtitle:
        subtitle ??
        `${doc.loadLabel(x)}, median of ${x.round_ratios.length} alternating rounds; dashed: the ${goal} bar`,
      bars: [
        { label: 'bare Fastify GET /hello', value: x.bare_rps, color: '#999' },
        { label: `Tessera GET /api/hello/ (${x.algorithm})`, value: x.tessera_rps },
        ...bars,
      ],
      unit: ' req/s',
      ...(goal === undefined ? {} : { goal: { value: x.bare_rps * goal, label: `${goal} × bare` } }),
    }),
  )
}
