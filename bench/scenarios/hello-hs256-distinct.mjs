// Protected route with 100,000 distinct HS256 access tokens, vs bare Fastify (DESIGN.md: ≥ 0.65):
// a user population no verified-token cache holds, so every request verifies its token.
import { quick, SECRET } from '../lib/config.mjs'
import { checkCeilingFigures, helloScenario } from '../lib/hello.mjs'
import {
  helloChart,
  helloTable,
  pairedParagraph,
  processParagraph,
  roundsLine,
  saturationWarning,
} from '../lib/markdown.mjs'
import { benchScript } from '../lib/servers.mjs'
import { median } from '../lib/stats.mjs'
import { mintDistinctTokens } from '../lib/tokens.mjs'
import { pairedNote } from './hello-hs256.mjs'

export const name = 'hello-hs256-distinct'
export const title = 'Protected route, distinct HS256 tokens, vs bare Fastify'
export const bar = { text: '≥ 0.65', value: 0.65, met: (x) => x.ratio >= bar.value }
/** Tokens minted, and the users they belong to (each user's session, a new `jti` per token). */
const TOKENS = quick ? 300 : 100_000
const USERS = quick ? 4 : 100
/**
 * The instrument's calibration: bare Fastify spending this many µs more CPU per request (about an
 * uncached HS256 check with node:crypto), paired with bare Fastify in the same rounds.
 */
export const CALIBRATION_BUSY_US = 3

export async function run() {
  const out = await helloScenario('hs256-distinct', {
    // Minted tokens must outlive the scenario's rounds.
    extra: { TESSERA_ACCESS_TOKEN_LIFETIME: '1h' },
    expectAlg: 'HS256',
    prepare: (url, { instance, username }) =>
      mintDistinctTokens({ url, name: instance, username, users: USERS, count: TOKENS }),
    variants: [
      {
        key: 'bare_plus_work',
        bareRoute: true,
        start: () => benchScript('bare-fastify-busy.mjs', { BUSY_US: String(CALIBRATION_BUSY_US) }),
      },
      {
        key: 'bare_plus_check',
        bareRoute: true,
        start: () => benchScript('bare-fastify-check.mjs', { ALG: 'HS256', SIGNING_KEY: SECRET }),
      },
    ],
    pairVariantsWithBare: ['bare_plus_work', 'bare_plus_check'],
    paired: true,
    goal: bar.value,
  })
  if (out.skipped) return out
  return { ...out, users: USERS, calibration_busy_us: CALIBRATION_BUSY_US, ...checkCeilingFigures(out) }
}

export const headline = (x) =>
  `${x.tessera_rps} vs ${x.bare_rps} req/s with ${x.distinct_tokens} distinct tokens, ratio ${x.ratio}`
export const figure = (x, doc) =>
  `ratio **${doc.f(x.ratio, 3)}**${pairedNote(x, doc)}; ${doc.f(x.distinct_tokens)} distinct tokens${
    x.ratio_to_check_ceiling === undefined
      ? ''
      : `; the least honest check alone scores ${doc.f(x.paired_bare_plus_check.ratio, 3)} (Tessera: ${doc.f(x.ratio_to_check_ceiling, 3)} of it)`
  }`

/** How the distinct tokens were made and sent (shared with hello-eddsa-distinct). */
export const distinctParagraph = (x, doc, { users, signedWith }) => [
  `${doc.f(x.distinct_tokens)} distinct access tokens, sent in turn, one per request, to Tessera and (same request bytes) to the bare route: a sibling process on the same database and keys registered ${doc.f(users)} users and logged each in once, and the tokens were minted from those users' access tokens (same header and claims, session included, a new \`jti\` each) signed with ${signedWith}; the first and last were checked against the sibling. No verified-token cache holds them all, so every request verifies its token. wrk sends them with \`bench/wrk/rotate-tokens.lua\` (the requests built once in its \`init\`), autocannon with a request generator.`,
  '',
]

export const section = (x, doc) => [
  `## ${name}`,
  '',
  `${title}. Measured ${x.measured_at} with ${doc.loadLabel(x)}; alternating rounds, the median ratio reported (rounds: ${x.round_ratios.join(', ')})${x.paired ? ', then paired rounds (below), whose ratio is the judged one' : ''}.`,
  '',
  ...distinctParagraph(x, doc, {
    users: x.users,
    signedWith: "the server's HMAC key (`TESSERA_SIGNING_KEY`)",
  }),
  ...helloTable(x, doc),
  ...pairedParagraph(x, doc),
  ...calibrationParagraph(x, doc),
  ...checkCeilingParagraph(x, doc),
  ...processParagraph(x, doc),
  ...roundsLine(x, doc),
  `Bar: ${bar.text}. ${doc.pass(bar.met(x))}.`,
  '',
  ...saturationWarning(x, doc),
  helloChart(name, x, doc, { title: `${title} (${doc.f(x.distinct_tokens)})`, goal: bar.value }),
  '',
  'Commands (run in alternation, after a warm-up of each):',
  '',
  ...doc.code([doc.reproduce(name), ...x.commands]),
  '',
]

/**
 * What the instrument makes of a known cost: bare Fastify doing `calibration_busy_us` more CPU work
 * per request, paired with bare as Tessera is. Linear accounting would predict bare's CPU per
 * request over itself plus the extra; the measured ratio says how much more a fixed cost weighs here.
 */
function calibrationParagraph(x, doc) {
  const work = x.paired_bare_plus_work
  if (work === undefined || x.calibration_busy_us === undefined) return []
  const bareMicros = x.paired?.rounds?.length
    ? median(x.paired.rounds.map((r) => (1e6 * r.reference.server_cpu_cores) / r.reference.rps))
    : undefined
  return [
    `**The instrument, calibrated.** Bare Fastify spending ${x.calibration_busy_us} µs more CPU per request (bench/bare-fastify-busy.mjs, sent the same tokens), paired with bare Fastify the same way: **${doc.f(work.ratio, 3)}** (rounds: ${work.round_ratios.join(', ')}).${bareMicros === undefined ? '' : ` Bare Fastify used ${doc.f(bareMicros, 1)} µs of CPU per request in the paired rounds, so a linear instrument would give ${doc.f(bareMicros / (bareMicros + x.calibration_busy_us), 3)}.`} The gap is the cost of waking the load generator: the slower a server answers, the more often wrk's core has gone idle, and each response written then pays the kernel's wake-up in the server's own CPU time.`,
    '',
  ]
}

/**
 * The ceiling of any server that verifies every token: bare Fastify doing the least an honest HS256
 * check needs (bench/bare-fastify-check.mjs), paired with bare as Tessera is.
 */
function checkCeilingParagraph(x, doc) {
  const check = x.paired_bare_plus_check
  if (check === undefined) return []
  return [
    `**The check's ceiling.** Bare Fastify verifying each token with the least an honest HS256 check needs (bench/bare-fastify-check.mjs: two one-shot hashes, the payload decoded and parsed, \`exp\` and the type checked; no cache), paired with bare Fastify the same way: **${doc.f(check.ratio, 3)}** (rounds: ${check.round_ratios.join(', ')}). No server that verifies every token can pass that on this instrument; Tessera's ratio is **${doc.f(x.ratio_to_check_ceiling, 3)}** of it${x.alternating_ratio_to_check_ceiling === undefined ? '' : `; in the alternating rounds, Tessera's requests per second over the checking route's, ${doc.f(x.alternating_ratio_to_check_ceiling, 3)} (median)`}.`,
    '',
  ]
}
