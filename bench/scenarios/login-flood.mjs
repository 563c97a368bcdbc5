// The protected route while a login flood runs, against the same server idle (DESIGN.md: ≥ 0.5).
import { barChart } from '../lib/charts.mjs'
import { CONNECTIONS, duration, FLOOD_ROUNDS, log, quick } from '../lib/config.mjs'
import { cannon } from '../lib/load.mjs'
import { LOGIN_USERS, loginRequests } from '../lib/logins.mjs'
import { expectHello, login, pool, sleep, tessera, userWithTokens } from '../lib/servers.mjs'
import { median, round3, summary } from '../lib/stats.mjs'

export const name = 'login-flood'
export const title = 'Protected route during a login flood'
export const bar = { text: '≥ 0.5', value: 0.5, met: (x) => x.ratio >= bar.value }
const portless = (url) => url.replace(/:\d+/, ':PORT')
const helloCommand = (url) =>
  `autocannon -c ${CONNECTIONS} -d ${duration} -H 'authorization=Bearer $ACCESS' ${portless(url)}/api/hello/`

export async function run() {
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
      goal: bar.value,
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

export const headline = (x) =>
  `${x.during_flood_rps} req/s during flood, ${x.idle_rps} idle; ratio ${x.ratio}`
export const figure = (x, doc) =>
  `ratio **${doc.f(x.ratio, 3)}** to the same server's idle (${doc.f(x.during_flood_rps)} vs ${doc.f(x.idle_rps)} req/s)`

export const section = (x, doc) => [
  '## login-flood',
  '',
  `Protected route (HS256) while a login flood runs at the same time (two autocannon instances at once, both ${doc.connections} connections), measured ${x.measured_at}. ${x.round_ratios.length} alternating rounds on one server: the protected route idle, then the same load again while the flood runs; each round's ratio is during over idle (${x.round_ratios.join(', ')}), and the median is reported. Idle and during are measured with the same load generator on the same server, minutes apart at most; hello-hs256's figures are not used here, because they come from wrk pinned to its own core, and a ratio across the two would measure the load generators too.`,
  '',
  '| | req/s |',
  '|---|---|',
  `| idle, just before the flood (median round) | ${doc.f(x.idle_rps)} |`,
  `| during the flood (median round; rounds ${x.round_during_rps.map((v) => doc.f(v)).join(', ')}; ${doc.f(x.logins_per_second_during, 1)} logins/s alongside, login non-2xx ${x.login_non2xx}) | ${doc.f(x.during_flood_rps)} (p99 ${x.during.p99_ms} ms, non-2xx ${x.during.non2xx}) |`,
  `| **ratio, during over idle (median of rounds)** | **${doc.f(x.ratio, 3)}** |`,
  '',
  `Bar: ${bar.text}. ${doc.pass(bar.met(x))}.`,
  '',
  doc.chart(
    'login-flood',
    barChart({
      title: `Protected route during a login flood: ratio ${doc.f(x.ratio, 3)}`,
      subtitle: `${doc.f(x.logins_per_second_during, 1)} logins/s alongside; dashed: ${bar.value} × idle`,
      bars: [
        { label: 'idle', value: x.idle_rps, color: '#bbb' },
        { label: 'during the login flood', value: x.during_flood_rps },
      ],
      unit: ' req/s',
      goal: { value: bar.value * x.idle_rps, label: `${bar.value} × idle` },
    }),
  ),
  '',
  ...doc.code([doc.reproduce('login-flood'), ...x.commands]),
  '',
]
