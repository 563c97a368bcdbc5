// Protected route with 20,000 distinct EdDSA access tokens, judged against what Ed25519 verification
// alone allows on this machine (≥ 0.9 of it): every request verifies a signature no cache holds.
//
// The ceiling, measured in the same run right before each round's load: V Ed25519 verifications per
// CPU-second of node:crypto on one core (bench process, the same tokens, decoding done beforehand), and
// bare Fastify's server CPU per request c = its CPU-seconds / its 2xx requests in that round. A
// server that did nothing but bare Fastify's work plus one verify would cost c + 1/V per request, so
// its ratio to bare would be c / (c + 1/V): the ceiling ratio. The judged figure is Tessera's ratio
// to bare (requests per CPU-second) over that ceiling ratio, per round (paired rounds when there are
// any), the median.
import { join } from 'node:path'
import { quick } from '../lib/config.mjs'
import { checkCeilingFigures, helloScenario } from '../lib/hello.mjs'
import {
  helloChart,
  helloTable,
  pairedParagraph,
  processParagraph,
  roundsLine,
  saturationWarning,
} from '../lib/markdown.mjs'
import { benchScript, keyDir } from '../lib/servers.mjs'
import { median, round3 } from '../lib/stats.mjs'
import { ed25519VerifyRate, mintDistinctTokens } from '../lib/tokens.mjs'
import { distinctParagraph } from './hello-hs256-distinct.mjs'
import { pairedNote } from './hello-hs256.mjs'

export const name = 'hello-eddsa-distinct'
export const title = 'Protected route, distinct EdDSA tokens, vs what Ed25519 verification allows'
export const bar = {
  text: '≥ 0.9 of the Ed25519 verify ceiling',
  value: 0.9,
  met: (x) => x.ratio_to_ceiling >= bar.value,
}
const TOKENS = quick ? 300 : 20_000
const USERS = quick ? 4 : 100
const VERIFY_SECONDS = quick ? 0.2 : 1

export async function run() {
  const out = await helloScenario('eddsa-distinct', {
    // No SIGNING_KEY: the key ring under the temp KEY_DIR generates an Ed25519 key, which mints.
    extra: { TESSERA_ALGORITHM: 'EdDSA', TESSERA_SIGNING_KEY: '', TESSERA_ACCESS_TOKEN_LIFETIME: '1h' },
    expectAlg: 'EdDSA',
    prepare: (url, { instance, username }) =>
      mintDistinctTokens({ url, name: instance, username, users: USERS, count: TOKENS, secret: '' }),
    variants: [
      {
        key: 'bare_plus_check',
        bareRoute: true,
        // The Tessera server of the same set minted with, and verifies with, this key ring's key.
        start: (instance) =>
          benchScript('bare-fastify-check.mjs', {
            ALG: 'EdDSA',
            KEY_FILE: join(keyDir(instance), 'keyring.json'),
          }),
      },
    ],
    pairVariantsWithBare: ['bare_plus_check'],
    paired: true,
    beforeRound: (set) => ({
      verifies_per_second: Math.round(ed25519VerifyRate(set.entries[0].tokens, VERIFY_SECONDS)),
    }),
  })
  if (out.skipped) return out
  // Requests per CPU-second, Tessera's over bare's, as in the paired rounds.
  const perCpu = (run) => run.rps / run.server_cpu_cores
  const alternating = out.rounds.map((r) => ceilingOf(r.bare, perCpu(r.tessera) / perCpu(r.bare), r.before))
  const paired = out.paired?.rounds.map((r) => ceilingOf(r.reference, r.ratio, r.before))
  const judged = paired ?? alternating
  return {
    ...out,
    users: USERS,
    goal: bar.value,
    ...checkCeilingFigures(out),
    ratio_to_ceiling: round3(median(judged.map((c) => c.fraction))),
    ceiling: {
      from: paired ? 'paired rounds' : 'alternating rounds',
      verifies_per_second: median(judged.map((c) => c.verifies_per_second)),
      verify_us: round3(median(judged.map((c) => c.verify_us))),
      bare_cpu_us_per_request: round3(median(judged.map((c) => c.bare_us))),
      ceiling_ratio: round3(median(judged.map((c) => c.ceiling_ratio))),
      round_fractions: judged.map((c) => round3(c.fraction)),
      alternating_round_fractions: alternating.map((c) => round3(c.fraction)),
    },
  }
}

/** One round's ceiling ratio c / (c + 1/V) and Tessera's `ratio` over it (see the header). */
function ceilingOf(bare, ratio, before) {
  const bareSeconds = bare.server_cpu_cores / bare.rps
  const verifySeconds = 1 / before.verifies_per_second
  const ceilingRatio = bareSeconds / (bareSeconds + verifySeconds)
  return {
    verifies_per_second: before.verifies_per_second,
    verify_us: verifySeconds * 1e6,
    bare_us: bareSeconds * 1e6,
    ceiling_ratio: ceilingRatio,
    fraction: ratio / ceilingRatio,
  }
}

export const headline = (x) =>
  `ratio ${x.ratio} to bare with ${x.distinct_tokens} distinct tokens; ceiling ${x.ceiling.ceiling_ratio}; ${x.ratio_to_ceiling} of it`
export const figure = (x, doc) =>
  `**${doc.f(x.ratio_to_ceiling, 3)}** of the ceiling: ratio ${doc.f(x.ratio, 3)}${pairedNote(x, doc)}; ceiling ${doc.f(x.ceiling.ceiling_ratio, 3)} (${doc.f(x.ceiling.verify_us, 1)} µs a verify, ${doc.f(x.ceiling.bare_cpu_us_per_request, 1)} µs a bare request); ${doc.f(x.distinct_tokens)} distinct tokens${
    x.ratio_to_check_ceiling === undefined
      ? ''
      : `; a bare route that verifies each token scores ${doc.f(x.paired_bare_plus_check.ratio, 3)} (Tessera: ${doc.f(x.ratio_to_check_ceiling, 3)} of it paired, ${doc.f(x.alternating_ratio_to_check_ceiling, 3)} alternating)`
  }`

export const section = (x, doc) => [
  `## ${name}`,
  '',
  `${title}. Measured ${x.measured_at} with ${doc.loadLabel(x)}; alternating rounds (ratios to bare: ${x.round_ratios.join(', ')})${x.paired ? ', then paired rounds (below)' : ''}.`,
  '',
  ...distinctParagraph(x, doc, {
    users: x.users,
    signedWith: "the server's Ed25519 key (its key ring under `TESSERA_KEY_DIR`)",
  }),
  ...helloTable(x, doc),
  ...pairedParagraph(x, doc),
  `**The ceiling: what Ed25519 verification alone allows.** Right before each round's load, node:crypto verified the same tokens in a tight loop on one core of the bench process for ${VERIFY_SECONDS} s (signing input and signature decoded beforehand): V verifications per CPU-second of that process (CPU time, as the servers' costs are counted), ${doc.f(x.ceiling.verify_us, 1)} µs each (median). Bare Fastify's server CPU per request in the same round, c = its CPU-seconds / its 2xx requests: ${doc.f(x.ceiling.bare_cpu_us_per_request, 1)} µs (median). A server doing bare Fastify's work plus one verify per request would answer at c / (c + 1/V) of bare: **${doc.f(x.ceiling.ceiling_ratio, 3)}** (median). Tessera's ratio to bare (requests per CPU-second) over that, per round (${x.ceiling.from}): ${x.ceiling.round_fractions.join(', ')}; the median, **${doc.f(x.ratio_to_ceiling, 3)}**, is the judged figure.${x.ceiling.from === 'paired rounds' ? ` From the alternating rounds instead: ${x.ceiling.alternating_round_fractions.join(', ')}.` : ''}`,
  '',
  ...checkCeilingParagraph(x, doc),
  ...processParagraph(x, doc),
  ...roundsLine(x, doc),
  `Bar: ${bar.text}. ${doc.pass(bar.met(x))}.`,
  '',
  ...saturationWarning(x, doc),
  helloChart(name, x, doc, {
    title: `${title.split(',').slice(0, 2).join(',')} (${doc.f(x.distinct_tokens)})`,
    subtitle: `${doc.loadLabel(x)}, median of ${x.round_ratios.length} alternating rounds; dashed: the Ed25519 verify ceiling × ${bar.value}`,
    bars: [],
    goal: round3(x.ceiling.ceiling_ratio * bar.value),
  }),
  '',
  'Commands (run in alternation, after a warm-up of each):',
  '',
  ...doc.code([doc.reproduce(name), ...x.commands]),
  '',
]

/**
 * The ceiling measured rather than computed: bare Fastify verifying each token with one Ed25519
 * verify and the payload's checks (bench/bare-fastify-check.mjs), paired with bare as Tessera is.
 * The computed ceiling assumes a linear instrument; this one pays what the instrument charges too.
 */
function checkCeilingParagraph(x, doc) {
  const check = x.paired_bare_plus_check
  if (check === undefined) return []
  return [
    `**The ceiling, measured.** Bare Fastify verifying each token with one Ed25519 verify and the payload's checks (bench/bare-fastify-check.mjs; no cache), paired with bare Fastify the same way: **${doc.f(check.ratio, 3)}** (rounds: ${check.round_ratios.join(', ')}), against the computed ${doc.f(x.ceiling.ceiling_ratio, 3)}. Tessera's paired ratio is **${doc.f(x.ratio_to_check_ceiling, 3)}** of it${x.alternating_ratio_to_check_ceiling === undefined ? '' : `; in the alternating rounds, Tessera's requests per second over the checking route's, ${doc.f(x.alternating_ratio_to_check_ceiling, 3)} (median)`}.`,
    '',
  ]
}
