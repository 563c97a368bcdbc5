// RSS of a Tessera process over a long run of protected requests (DESIGN.md: flat, under 150 MB).
import { lineChart } from '../lib/charts.mjs'
import { CONNECTIONS, SOAK_REQUESTS } from '../lib/config.mjs'
import { cannon } from '../lib/load.mjs'
import { rssMiB } from '../lib/machine.mjs'
import { expectHello, tessera, userWithTokens } from '../lib/servers.mjs'

export const name = 'soak'
export const title = 'RSS over a soak'
export const bar = {
  text: 'flat within 10 %, < 150 MB',
  flatWithin: 0.1,
  rssUnderMiB: 150,
  met: (x) => x.flat_within_10_percent && x.under_150_mb,
}
const portless = (url) => url.replace(/:\d+/, ':PORT')

export async function run() {
  // Longer access lifetime: a slow machine must not see the token expire mid-soak.
  const server = await tessera('soak', { TESSERA_ACCESS_TOKEN_LIFETIME: '1h' })
  try {
    const { access } = await userWithTokens(server.url, 'soak')
    await expectHello(server.url, access)
    const mark = Math.min(100_000, Math.floor(SOAK_REQUESTS / 10))
    const step = Math.max(1000, Math.floor(SOAK_REQUESTS / 200))
    const samples = [{ requests: 0, rss: rssMiB(server.pid) }]
    let count = 0
    const started = Date.now()
    const run = await cannon(
      {
        url: `${server.url}/api/hello/`,
        amount: SOAK_REQUESTS,
        headers: { authorization: `Bearer ${access}` },
      },
      {
        serverPid: server.pid,
        maxSeconds: 1200,
        onInstance: (instance) =>
          instance.on('response', () => {
            count++
            if (count % step === 0 || count === mark || count === SOAK_REQUESTS) {
              samples.push({ requests: count, rss: rssMiB(server.pid), t: (Date.now() - started) / 1000 })
            }
          }),
      },
    )
    const rssAt = (n) => samples.find((s) => s.requests === n)?.rss
    const early = rssAt(mark)
    const end = rssAt(SOAK_REQUESTS) ?? samples[samples.length - 1].rss
    const after = samples.filter((s) => s.requests >= mark)
    const maxDeviation = Math.max(...after.map((s) => Math.abs(s.rss - early) / early))
    return {
      requests: SOAK_REQUESTS,
      completed: count,
      mark,
      rss_at_mark_mib: Math.round(early * 10) / 10,
      rss_at_end_mib: Math.round(end * 10) / 10,
      rss_max_mib: Math.round(Math.max(...samples.map((s) => s.rss)) * 10) / 10,
      growth_percent: Math.round(((end - early) / early) * 1000) / 10,
      max_deviation_percent: Math.round(maxDeviation * 1000) / 10,
      flat_within_10_percent: maxDeviation <= bar.flatWithin,
      under_150_mb: Math.max(...samples.map((s) => s.rss)) < bar.rssUnderMiB,
      rps: Math.round(run.all_rps),
      non2xx: run.non2xx,
      errors: run.errors,
      seconds: Math.round(run.seconds),
      samples: samples.map((s) => ({ requests: s.requests, rss: Math.round(s.rss * 10) / 10 })),
      server_command: server.command,
      command: `autocannon -c ${CONNECTIONS} -a ${SOAK_REQUESTS} -H 'authorization=Bearer $ACCESS' ${portless(server.url)}/api/hello/ (VmRSS from /proc/<pid>/status every ${step.toLocaleString('en')} responses)`,
    }
  } finally {
    await server.stop()
  }
}

export const headline = (x) =>
  `RSS ${x.rss_at_mark_mib} MiB at ${x.mark}, ${x.rss_at_end_mib} MiB at ${x.requests}, max ${x.rss_max_mib} MiB, flat: ${x.flat_within_10_percent}`
export const figure = (x, doc) =>
  `RSS **${doc.f(x.rss_at_mark_mib, 1)} → ${doc.f(x.rss_at_end_mib, 1)} MiB**, max ${doc.f(x.rss_max_mib, 1)}`

export const section = (x, doc) => [
  '## soak',
  '',
  `RSS (VmRSS of the Tessera process) over ${doc.f(x.requests)} protected HS256 requests, measured ${x.measured_at} (${doc.f(x.rps)} req/s, ${x.seconds} s, non-2xx ${x.non2xx}, errors ${x.errors}).`,
  '',
  '| | MiB |',
  '|---|---|',
  `| RSS at request ${doc.f(x.mark)} | ${doc.f(x.rss_at_mark_mib, 1)} |`,
  `| RSS at request ${doc.f(x.requests)} | ${doc.f(x.rss_at_end_mib, 1)} (${x.growth_percent >= 0 ? '+' : ''}${doc.f(x.growth_percent, 1)} %) |`,
  `| max RSS | ${doc.f(x.rss_max_mib, 1)} |`,
  `| largest deviation from the ${doc.f(x.mark)}th-request figure, after it | ${doc.f(x.max_deviation_percent, 1)} % |`,
  `| **flat within 10 %** | **${x.flat_within_10_percent ? 'yes' : 'no'}** |`,
  `| under 150 MB | ${x.under_150_mb ? 'yes' : 'no'} |`,
  '',
  doc.chart(
    'soak',
    lineChart({
      title: `RSS over ${doc.f(x.requests)} requests: ${doc.f(x.rss_at_mark_mib, 1)} → ${doc.f(x.rss_at_end_mib, 1)} MiB`,
      subtitle: `shaded: ±10 % of the RSS at request ${doc.f(x.mark)}`,
      points: x.samples.map((s) => ({ x: s.requests, y: s.rss })),
      xLabel: 'requests served',
      yLabel: 'RSS (MiB)',
      band: { low: x.rss_at_mark_mib * 0.9, high: x.rss_at_mark_mib * 1.1, label: '±10 %' },
      marks: [{ x: x.mark, label: doc.f(x.mark) }],
    }),
  ),
  '',
  ...doc.code([doc.reproduce('soak'), x.server_command, x.command]),
  '',
]
