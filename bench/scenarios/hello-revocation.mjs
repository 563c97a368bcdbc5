// The protected route with the per-request revocation check on and off (within 5 % of each other).
import { barChart } from '../lib/charts.mjs'
import { helloScenario, oneUser } from '../lib/hello.mjs'
import { servingOnlyHello, tesseraWithoutRevocation } from '../lib/servers.mjs'

export const name = 'hello-revocation'
export const title = 'Protected route with the revocation check on and off'

// On vs off: from the paired rounds of the two servers when there are any, else the quotient of
// their alternating ratios to bare.
const onOff = (x) => x.paired_vs_without_revocation?.ratio ?? x.ratio / x.without_revocation_ratio
const revocationCost = (x, doc) => {
  const change = (onOff(x) - 1) * 100
  return `${change >= 0 ? '+' : '−'}${doc.f(Math.abs(change), 1)} %`
}
export const bar = { text: 'within 5 %', value: 0.05, met: (x) => Math.abs(onOff(x) - 1) <= 0.05 }

export const run = () =>
  helloScenario('revocation', {
    expectAlg: 'HS256',
    variants: [
      {
        key: 'without_revocation',
        start: (instance, extra) =>
          servingOnlyHello(
            tesseraWithoutRevocation,
            instance,
            extra,
            (url) => oneUser(url, `hello_${instance}_norevocation`),
            { siblingName: `${instance}-norevocation` },
          ),
      },
    ],
    pairWith: 'without_revocation',
  })

export const headline = (x) =>
  `ratio ${x.ratio} with the revocation check, ${x.without_revocation_ratio} without${x.paired_vs_without_revocation ? `; paired on vs off ${x.paired_vs_without_revocation.ratio}` : ''}`

export const figure = (x, doc) =>
  `on vs off **${revocationCost(x, doc)}**${x.paired_vs_without_revocation ? ' paired' : ''}; alternating, ratio to bare ${doc.f(x.ratio, 3)} with the check, ${doc.f(x.without_revocation_ratio, 3)} without`

export const section = (x, doc) => [
  '## hello-revocation',
  '',
  `${title}, measured ${x.measured_at} with ${doc.loadLabel(x)}. Two servers of the same build and settings (HS256) beside bare Fastify in the same alternating rounds: \`serve\`, which checks each request's user state and revocation cut-off in memory (\`UserGate.peek\`), and \`bench/tessera-without-revocation.mjs\`, the same server with that check answered by a constant "active, never revoked" (the product has no switch to turn it off).`,
  '',
  '| | req/s (2xx, median round) | ratio to bare (median) | per-round ratios |',
  '|---|---|---|---|',
  `| bare Fastify \`GET /hello\` | ${doc.f(x.bare_rps)} | 1 | |`,
  `| Tessera, revocation check on | ${doc.f(x.tessera_rps)} | **${doc.f(x.ratio, 3)}** | ${x.round_ratios.join(', ')} |`,
  `| Tessera, revocation check off | ${doc.f(x.without_revocation_rps)} | **${doc.f(x.without_revocation_ratio, 3)}** | ${x.without_revocation_round_ratios.join(', ')} |`,
  `| on vs off, alternating | | ${doc.f((x.ratio / x.without_revocation_ratio - 1) * 100, 1)} % | |`,
  '',
  ...(x.paired_vs_without_revocation === undefined
    ? []
    : [
        `**Paired rounds, on vs off: ${revocationCost(x, doc)}** (median of ${x.paired_vs_without_revocation.round_ratios.length} rounds, on's requests per CPU-second over off's: ${x.paired_vs_without_revocation.round_ratios.join(', ')}). The two Tessera servers loaded at the same time for ${doc.pairedSeconds} s on core 0, one wrk each on core 1, as in the paired rounds of [hello-hs256](#hello-hs256): the alternating ratios above each carry the machine's ±20 % wander between rounds, larger than the cost being measured.`,
        '',
      ]),
  `Bar: the protected route with the check ${bar.text} of the same route without it${x.paired_vs_without_revocation ? ' (paired rounds)' : ''}. ${doc.pass(bar.met(x))}.`,
  '',
  doc.chart(
    'hello-revocation',
    barChart({
      title: `Revocation check on vs off: ${revocationCost(x, doc)}`,
      subtitle: `${doc.loadLabel(x)}, median of ${x.round_ratios.length} alternating rounds`,
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
  ...doc.code([doc.reproduce('hello-revocation'), ...x.commands]),
  '',
]
