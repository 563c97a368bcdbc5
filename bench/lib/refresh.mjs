// Refresh with rotation (refresh-sqlite, refresh-postgres): every request sends a refresh token never
// sent before, and the figure is successful refreshes per second.
import { barChart } from './charts.mjs'
import { CONNECTIONS, duration, log, quick } from './config.mjs'
import { cannon } from './load.mjs'
import { login, pool, tessera, userWithTokens } from './servers.mjs'
import { round3 } from './stats.mjs'

const portless = (url) => url.replace(/:\d+/, ':PORT')

/**
 * Many users and sessions are created first; then every request refreshes a refresh token that was
 * never sent before. Each connection follows a chain (a rotated token is that connection's next
 * request) for HOPS links, then parks the chain's unused head at the back of the pool and takes the
 * next session from the pool, so all sessions are exercised and no token is ever sent twice.
 */
export async function refreshScenario(name, extra, goal) {
  const server = await tessera(name, {
    // Fast hashes only to create the sessions quickly; refresh itself never hashes a password.
    TESSERA_ARGON2_MEMORY_KIB: '1024',
    TESSERA_ARGON2_ITERATIONS: '1',
    ...extra,
  })
  try {
    const users = quick ? 16 : 256
    const perUser = quick ? 4 : 8
    const setupStart = Date.now()
    await pool(users, 8, (i) => userWithTokens(server.url, `refresh${String(i).padStart(4, '0')}`))
    const sessions = await pool(users * perUser, 16, async (i) => {
      const pair = await login(server.url, `refresh${String(i % users).padStart(4, '0')}`)
      return pair.refresh
    })
    log(`${name}: ${users} users, ${sessions.length} sessions in ${Date.now() - setupStart} ms`)

    const HOPS = 16
    const queue = sessions.slice()
    let head = 0
    let handoff = null
    const sent = new Set()
    let resent = 0
    let exhausted = 0
    const statuses = {}
    const run = await cannon(
      {
        url: server.url,
        duration,
        requests: [
          {
            method: 'POST',
            path: '/api/token/refresh/',
            headers: { 'content-type': 'application/json' },
            // autocannon calls onResponse and then, synchronously and for the same connection,
            // setupRequest for that connection's next request: `handoff` carries the chain across.
            setupRequest: (request, context) => {
              let link = handoff
              handoff = null
              if (link && link.hops >= HOPS) {
                queue.push(link.token)
                link = null
              }
              if (!link && head < queue.length) link = { token: queue[head++], hops: 0 }
              if (!link) {
                exhausted++
                link = { token: 'pool-exhausted', hops: 0 }
              }
              if (sent.has(link.token)) resent++
              else sent.add(link.token)
              context.hops = link.hops
              return { ...request, body: JSON.stringify({ refresh: link.token }) }
            },
            onResponse: (status, body, context) => {
              statuses[status] = (statuses[status] ?? 0) + 1
              if (status === 200) handoff = { token: JSON.parse(body).refresh, hops: context.hops + 1 }
            },
          },
        ],
      },
      { serverPid: server.pid },
    )
    return {
      refreshes_per_second: Math.round(run.rps),
      goal,
      ok: run.ok,
      non200: Object.fromEntries(Object.entries(statuses).filter(([code]) => code !== '200')),
      errors: run.errors,
      timeouts: run.timeouts,
      tokens_sent_twice: resent,
      pool_exhausted: exhausted,
      users,
      sessions: sessions.length,
      p99_ms: run.latency_ms.p99,
      server_cpu_cores: round3(run.server_cpu_cores),
      client_cpu_cores: round3(run.client_cpu_cores),
      other_cpu_cores: round3(run.other_cpu_cores),
      server_command: server.command,
      command: `autocannon -c ${CONNECTIONS} -d ${duration} -m POST ${portless(server.url)}/api/token/refresh/ (request generator: ${sessions.length} sessions of ${users} users, each token sent once, rotated tokens chained per connection)`,
    }
  } finally {
    await server.stop()
  }
}

/** The bar of both refresh scenarios: DESIGN.md's 2,000 refreshes per second. */
export const refreshBar = {
  text: '≥ 2,000/s',
  value: 2000,
  met: (x) => x.refreshes_per_second >= refreshBar.value,
}

export const refreshFigure = (x, doc) => `**${doc.f(x.refreshes_per_second)}** refreshes/s`
export const refreshHeadline = (x) => `${x.refreshes_per_second}/s, non-200 ${JSON.stringify(x.non200)}`

/** The section of a refresh scenario on the database `label`. */
export const refreshSection = (name, label, bar) => (x, doc) => {
  const non200 = Object.entries(x.non200)
  return [
    `## ${name}`,
    '',
    `Refresh with rotation on ${label}, measured ${x.measured_at}: ${doc.f(x.users)} users and ${doc.f(x.sessions)} sessions created first; every request sends a refresh token never sent before (tokens sent twice: ${x.tokens_sent_twice}; pool exhausted: ${x.pool_exhausted}).`,
    '',
    '| | |',
    '|---|---|',
    `| **successful refreshes (200) per second** | **${doc.f(x.refreshes_per_second)}** |`,
    `| 200s in ${doc.machine.duration_s} s | ${doc.f(x.ok)} |`,
    `| non-200 | ${non200.length ? non200.map(([code, n]) => `${code}: ${n}`).join(', ') : 'none'} |`,
    `| socket errors / timeouts | ${x.errors} / ${x.timeouts} |`,
    `| p99 latency | ${x.p99_ms} ms |`,
    `| CPU: server / load generator / everything else${label === 'PostgreSQL' ? ' (PostgreSQL included)' : ''} | ${doc.f(x.server_cpu_cores, 2)} / ${doc.f(x.client_cpu_cores, 2)} / ${doc.f(x.other_cpu_cores, 2)} cores |`,
    '',
    `Bar: ${bar.text}. ${doc.pass(bar.met(x))}.`,
    '',
    doc.chart(
      name,
      barChart({
        title: `Refresh with rotation (${label}): ${doc.f(x.refreshes_per_second)}/s`,
        subtitle: `autocannon -c ${doc.connections}, ${doc.machine.duration_s} s, each refresh token used once; dashed: the ${bar.text.slice(2)} bar`,
        bars: [{ label: `Tessera, ${label}`, value: x.refreshes_per_second }],
        unit: ' refreshes/s',
        goal: { value: bar.value, label: bar.text.slice(2) },
      }),
    ),
    '',
    ...doc.code([doc.reproduce(name), x.server_command, x.command]),
    '',
  ]
}
