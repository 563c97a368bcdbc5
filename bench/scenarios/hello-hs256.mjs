// Protected route, one HS256 token sent again and again, vs bare Fastify (DESIGN.md: ≥ 0.9).
import { helloScenario } from '../lib/hello.mjs'
import {
  helloChart,
  helloTable,
  pairedParagraph,
  processParagraph,
  roundsLine,
  saturationWarning,
} from '../lib/markdown.mjs'
import { tessera } from '../lib/servers.mjs'

export const name = 'hello-hs256'
export const title = 'Protected route, HS256 token, vs bare Fastify'
export const bar = { text: '≥ 0.9', value: 0.9, met: (x) => x.ratio >= bar.value }

export const run = () =>
  helloScenario('hs256', {
    expectAlg: 'HS256',
    variants: [{ key: 'after_login', start: (instance, extra) => tessera(`${instance}-after-login`, extra) }],
    paired: true,
    calibrate: true,
    goal: bar.value,
  })

export const headline = (x) => `${x.tessera_rps} vs ${x.bare_rps} req/s, ratio ${x.ratio}`

/** The figures after "ratio" in the summary of a paired hello-* scenario. */
export const pairedNote = (x, doc) =>
  x.paired
    ? ` paired (bare vs bare: ${doc.f(x.paired.calibration_ratio ?? doc.results['hello-hs256']?.paired?.calibration_ratio, 3)}); alternating rounds ${doc.f(x.sequential_ratio, 3)} (${doc.f(x.tessera_rps)} vs ${doc.f(x.bare_rps)} req/s)`
    : ` (${doc.f(x.tessera_rps)} vs ${doc.f(x.bare_rps)} req/s)`

export const figure = (x, doc) =>
  `ratio **${doc.f(x.ratio, 3)}**${pairedNote(x, doc)}${x.after_login_ratio === undefined ? '' : `; ${doc.f(x.after_login_ratio, 3)} alternating for a process that served a login first`}`

/** The section of a one-token hello-* scenario (hello-hs256, hello-eddsa). */
export const helloSection = (name, title, bar) => (x, doc) => [
  `## ${name}`,
  '',
  `${title}. Measured ${x.measured_at} with ${doc.loadLabel(x)}; alternating rounds, the median ratio reported (rounds: ${x.round_ratios.join(', ')})${x.paired ? ', then paired rounds (below), whose ratio is the judged one' : ''}.`,
  '',
  ...helloTable(x, doc),
  ...pairedParagraph(x, doc),
  'The Tessera server measured has served only this route, like the bare baseline: a sibling process on the same database and keys registered the user and minted the token, and was stopped before it started.',
  '',
  ...processParagraph(x, doc),
  ...(x.after_login_ratio === undefined
    ? []
    : [
        `**A process that served the registration and the login itself**, in the same rounds: ${doc.f(x.after_login_rps)} req/s (median), ratio **${doc.f(x.after_login_ratio, 3)}** (rounds: ${x.after_login_round_ratios.join(', ')}). Same build, settings and route; only the two setup requests it served differ.`,
        '',
      ]),
  ...roundsLine(x, doc),
  `Bar: ${bar.text}. ${doc.pass(bar.met(x))}.`,
  '',
  ...saturationWarning(x, doc),
  helloChart(name, x, doc, {
    title,
    goal: bar.value,
    bars:
      x.after_login_rps === undefined
        ? []
        : [{ label: 'Tessera, after serving a login', value: x.after_login_rps, color: '#bbb' }],
  }),
  '',
  'Commands (run in alternation, after a warm-up of each):',
  '',
  ...doc.code([doc.reproduce(name), ...x.commands]),
  '',
]

export const section = helloSection(name, title, bar)
