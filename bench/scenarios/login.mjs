// Logins per second at the default argon2id parameters, against the argon2id ceiling of this machine.
import { Algorithm, hashSync, verifySync } from '@node-rs/argon2'
import { barChart } from '../lib/charts.mjs'
import { CONNECTIONS, duration, PASSWORD, quick } from '../lib/config.mjs'
import { cannon } from '../lib/load.mjs'
import { LOGIN_USERS, loginRequests } from '../lib/logins.mjs'
import { CORES } from '../lib/machine.mjs'
import { build, pool, tessera, userWithTokens } from '../lib/servers.mjs'
import { median, round3 } from '../lib/stats.mjs'

export const name = 'login'
export const title = 'Logins'
export const bar = {
  text: '≥ 0.8 of the argon2id ceiling',
  value: 0.8,
  met: (x) => x.ratio_to_ceiling >= bar.value,
}
const portless = (url) => url.replace(/:\d+/, ':PORT')

export const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: Algorithm.Argon2id }
/** The baseline for logins: argon2id verifications per second on one core, in this process. */
function argon2PerCoreRate() {
  const hash = hashSync(PASSWORD, ARGON2)
  verifySync(hash, PASSWORD)
  let n = 0
  const start = performance.now()
  while (n < 200 && performance.now() - start < (quick ? 300 : 2000)) {
    verifySync(hash, PASSWORD)
    n++
  }
  return (n * 1000) / (performance.now() - start)
}

/**
 * Logins per second against the argon2id ceiling. The machine's speed wanders between one minute and
 * the next (the ceiling alone went 68 → 98 → 141/s in one afternoon), so the ceiling is measured right
 * before each login load, in LOGIN_ROUNDS rounds, and the median round ratio is reported.
 */
const LOGIN_ROUNDS = quick ? 1 : 3
/** Seconds of each round's login load. */
const LOGIN_SECONDS = Math.max(3, Math.round(duration / 2))
export async function run() {
  const server = await tessera('login')
  try {
    await pool(LOGIN_USERS, 4, (i) => userWithTokens(server.url, `login${i}`))
    await cannon({ url: server.url, duration: 1, requests: loginRequests('login') }) // warm up
    const concurrency = build.hashConcurrency(CORES) // what the server uses by default
    const rounds = []
    for (let i = 0; i < LOGIN_ROUNDS; i++) {
      const perCore = argon2PerCoreRate()
      const run = await cannon(
        {
          url: server.url,
          duration: LOGIN_SECONDS,
          requests: loginRequests('login'),
        },
        { serverPid: server.pid },
      )
      rounds.push({ perCore, run, ratio: run.rps / (perCore * concurrency) })
    }
    const ratio = median(rounds.map((r) => r.ratio))
    const { perCore, run } = rounds.find((r) => r.ratio === ratio)
    return {
      logins_per_second: Math.round(run.rps * 10) / 10,
      argon2_verifies_per_second_one_core: Math.round(perCore * 10) / 10,
      hash_concurrency: concurrency,
      ceiling_per_second: Math.round(perCore * concurrency * 10) / 10,
      ratio_to_ceiling: round3(ratio),
      round_ratios: rounds.map((r) => round3(r.ratio)),
      round_logins_per_second: rounds.map((r) => Math.round(r.run.rps * 10) / 10),
      simplejwt_reference_per_second: 14.5,
      non2xx: run.non2xx,
      errors: run.errors,
      timeouts: run.timeouts,
      p50_ms: run.latency_ms.p50,
      p99_ms: run.latency_ms.p99,
      server_cpu_cores: round3(run.server_cpu_cores),
      other_cpu_cores: round3(run.other_cpu_cores),
      server_command: server.command,
      command: `autocannon -c ${CONNECTIONS} -d ${LOGIN_SECONDS} -m POST -H 'content-type=application/json' -b '{"username":"login<i>","password":"..."}' ${portless(server.url)}/api/token/ (${LOGIN_USERS} users in turn; argon2id 19 MiB, 2 passes, 1 lane: the defaults), ${LOGIN_ROUNDS} rounds, each right after measuring the ceiling`,
    }
  } finally {
    await server.stop()
  }
}

export const headline = (x) => `${x.logins_per_second}/s (ceiling ${x.ceiling_per_second}/s)`
export const figure = (x, doc) =>
  `**${doc.f(x.logins_per_second, 1)}** logins/s (${doc.f(x.ratio_to_ceiling * 100)} % of the argon2id ceiling)`

export const section = (x, doc) => [
  '## login',
  '',
  `Logins at the default argon2id parameters (19 MiB, 2 passes, 1 lane), measured ${x.measured_at}. Baseline: argon2id verifications per second on one core in the bench process, times the server's default hash concurrency (cores − 1 = ${x.hash_concurrency}).`,
  '',
  '| | per second |',
  '|---|---|',
  `| **Tessera \`POST /api/token/\` (200s)** | **${doc.f(x.logins_per_second, 1)}** |`,
  `| argon2id verify, one core (bench process) | ${doc.f(x.argon2_verifies_per_second_one_core, 1)} |`,
  `| ceiling at hash concurrency ${x.hash_concurrency} | ${doc.f(x.ceiling_per_second, 1)} |`,
  `| **ratio to the ceiling** | **${doc.f(x.ratio_to_ceiling, 3)}** |`,
  `| simplejwt, PBKDF2 260,000 rounds (DESIGN.md reference) | ${x.simplejwt_reference_per_second} |`,
  '',
  `non-2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts}; latency p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms; server CPU ${doc.f(x.server_cpu_cores, 2)} cores, everything else ${doc.f(x.other_cpu_cores, 2)}.`,
  '',
  ...(x.round_ratios === undefined
    ? []
    : [
        `Rounds (the ceiling measured right before each load; the median round is shown above): ratios ${x.round_ratios.join(', ')}; logins/s ${x.round_logins_per_second.join(', ')}.`,
        '',
      ]),
  doc.chart(
    'login',
    barChart({
      title: `Logins per second: ${doc.f(x.logins_per_second, 1)}/s`,
      subtitle: 'argon2id 19 MiB, 2 passes; ceiling = one-core verify rate × hash concurrency',
      bars: [
        { label: 'Tessera POST /api/token/', value: x.logins_per_second },
        {
          label: `argon2id ceiling (×${x.hash_concurrency})`,
          value: x.ceiling_per_second,
          color: '#999',
        },
        { label: 'simplejwt (reference)', value: x.simplejwt_reference_per_second, color: '#ccc' },
      ],
      unit: '/s',
    }),
  ),
  '',
  ...doc.code([doc.reproduce('login'), x.server_command, x.command]),
  '',
]
