// Tessera as `npm start` ships it (every setting at its default: request logging at `info`, rate
// limits on, a development key generated under KEY_DIR), vs bare Fastify (DESIGN.md: ≥ 0.75); with
// two reference lines in the same rounds: a bare Fastify app with `logger: true`, and the same
// Tessera at LOG_LEVEL=warn. Tessera's logging must cost less than Fastify's own.
import { barChart } from '../lib/charts.mjs'
import { helloScenario, oneUser } from '../lib/hello.mjs'
import {
  helloTable,
  pairedParagraph,
  processParagraph,
  roundsLine,
  saturationWarning,
} from '../lib/markdown.mjs'
import { benchScript, servingOnlyHello, storageEnv, tesseraWithEnv } from '../lib/servers.mjs'
import { pairedNote } from './hello-hs256.mjs'

export const name = 'defaults'
export const title = 'Protected route at the default settings (`npm start`), vs bare Fastify'

/** Tessera's requests per CPU-second with its request logs over the same server's without them. */
const tesseraLogging = (x) => x.paired_vs_log_warn?.ratio ?? x.ratio / x.log_warn_ratio
/** The same quotient for Fastify: `logger: true` over no logger. */
const fastifyLogging = (x) => x.paired_fastify_logger?.ratio ?? x.fastify_logger_ratio
export const bar = {
  text: "≥ 0.75, and logging cheaper than Fastify's `logger: true`",
  value: 0.75,
  met: (x) => x.ratio >= bar.value && tesseraLogging(x) > fastifyLogging(x),
}

/** Nothing set but where the server keeps its files and its port: every other setting as shipped. */
const defaultsServer = (instance) => tesseraWithEnv(instance, { TESSERA_PORT: '0', ...storageEnv(instance) })
const warnServer = (instance) =>
  tesseraWithEnv(instance, { TESSERA_PORT: '0', TESSERA_LOG_LEVEL: 'warn', ...storageEnv(instance) })

export const run = () =>
  helloScenario('defaults', {
    start: defaultsServer,
    expectAlg: 'HS256',
    variants: [
      {
        key: 'log_warn',
        start: (instance) =>
          servingOnlyHello(
            warnServer,
            `${instance}-warn`,
            {},
            (url) => oneUser(url, `hello_${instance}_warn`),
            {
              siblingStart: warnServer,
            },
          ),
      },
      { key: 'fastify_logger', bareRoute: true, start: () => benchScript('bare-fastify-logger.mjs') },
    ],
    paired: true,
    pairWith: 'log_warn',
    pairVariantsWithBare: ['fastify_logger'],
    goal: bar.value,
  })

export const headline = (x) =>
  `ratio ${x.ratio}; logging keeps ${round(tesseraLogging(x))} of Tessera, logger: true keeps ${round(fastifyLogging(x))} of Fastify`
const round = (n) => Math.round(n * 1000) / 1000

export const figure = (x, doc) =>
  `ratio **${doc.f(x.ratio, 3)}**${pairedNote(x, doc)}; with its request logs Tessera keeps ${doc.f(tesseraLogging(x), 3)} of its throughput at \`warn\`, Fastify with \`logger: true\` ${doc.f(fastifyLogging(x), 3)} of bare`

export const section = (x, doc) => {
  const { f } = doc
  const pairedOf = (figures) =>
    figures ? ` (paired: **${f(figures.ratio, 3)}**, rounds ${figures.round_ratios.join(', ')})` : ''
  return [
    `## ${name}`,
    '',
    `${title}. Measured ${x.measured_at} with ${doc.loadLabel(x)}; alternating rounds, the median ratio reported (rounds: ${x.round_ratios.join(', ')})${x.paired ? ', then paired rounds (below), whose ratio is the judged one' : ''}.`,
    '',
    'The Tessera server is started with nothing set but its database, key directory and port (`TESSERA_PORT=0 TESSERA_DATABASE_URL=… TESSERA_KEY_DIR=… npm start`): request logging at the default level, rate limits on, a development HS256 key generated under the key directory; one token sent again and again, as in hello-hs256. Its log lines go to a pipe that the bench process reads and discards, as a process manager would read them.',
    '',
    ...helloTable(x, doc, { tesseraLabel: 'Tessera `GET /api/hello/`, defaults' }),
    ...pairedParagraph(x, doc),
    '| reference line, same rounds | req/s (median) | ratio to bare, alternating | |',
    '|---|---|---|---|',
    `| Tessera at \`TESSERA_LOG_LEVEL=warn\` (otherwise the same defaults) | ${f(x.log_warn_rps)} | ${f(x.log_warn_ratio, 3)} | rounds ${x.log_warn_round_ratios.join(', ')} |`,
    `| bare Fastify with \`logger: true\` (bench/bare-fastify-logger.mjs) | ${f(x.fastify_logger_rps)} | ${f(x.fastify_logger_ratio, 3)} | rounds ${x.fastify_logger_round_ratios.join(', ')}${pairedOf(x.paired_fastify_logger)} |`,
    '',
    `**What the logging costs.** Tessera with its request logs over the same Tessera at \`warn\`: **${f(tesseraLogging(x), 3)}**${x.paired_vs_log_warn ? ` (paired rounds, requests per CPU-second: ${x.paired_vs_log_warn.round_ratios.join(', ')})` : ' (alternating rounds)'}; Fastify with \`logger: true\` over bare Fastify: **${f(fastifyLogging(x), 3)}**${x.paired_fastify_logger ? ' (paired rounds)' : ' (alternating rounds)'}. Tessera's logging must keep more of its server than Fastify's keeps of bare.`,
    '',
    ...processParagraph(x, doc),
    ...roundsLine(x, doc),
    `Bar: ${bar.text}. ${doc.pass(bar.met(x))}.`,
    '',
    ...saturationWarning(x, doc),
    doc.chart(
      name,
      barChart({
        title: `Defaults vs bare Fastify: ratio ${f(x.ratio, 3)}`,
        subtitle: `${doc.loadLabel(x)}, median of ${x.round_ratios.length} alternating rounds; dashed: the ${bar.value} bar`,
        bars: [
          { label: 'bare Fastify GET /hello', value: x.bare_rps, color: '#999' },
          { label: 'Tessera, defaults', value: x.tessera_rps },
          { label: 'Tessera, LOG_LEVEL=warn', value: x.log_warn_rps, color: '#bbb' },
          { label: 'Fastify, logger: true', value: x.fastify_logger_rps, color: '#ccc' },
        ],
        unit: ' req/s',
        goal: { value: x.bare_rps * bar.value, label: `${bar.value} × bare` },
      }),
    ),
    '',
    'Commands (run in alternation, after a warm-up of each):',
    '',
    ...doc.code([doc.reproduce(name), ...x.commands]),
    '',
  ]
}
