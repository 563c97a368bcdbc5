// The protected-route method shared by the hello-* and defaults scenarios: bare Fastify and one or
// more Tessera servers side by side, alternating rounds, then paired rounds for the judged ratio.
import { HELLO_DURATION, log, PAIRED, PIN, PROCESSES, ROUNDS, WARM_SECONDS, WRK } from './config.mjs'
import { CORES, pin, rssMiB } from './machine.mjs'
import {
  bareTarget,
  helloTarget,
  loadCommand,
  measure,
  pairedRounds,
  pairedVariantWithBare,
  pairedWithVariant,
} from './paired.mjs'
import {
  bareFastify,
  build,
  expectHello,
  jwtHeader,
  servingOnlyHello,
  tessera,
  userWithTokens,
} from './servers.mjs'
import { median, round3, summary } from './stats.mjs'

/** Registers one user on a server and returns what a Tessera entry is loaded with: its access token. */
export const oneUser = async (url, username) => ({ access: (await userWithTokens(url, username)).access })
const oneUserPrepared = (url, { username }) => oneUser(url, username)

/**
 * Bare Fastify and one or more Tessera servers up side by side, measured in alternating rounds
 * (bare, each Tessera, bare, ...), and the median of the per-round ratios reported. With wrk, the
 * bare route gets the same Authorization header (or the same rotating tokens), so both parse the
 * same request bytes.
 *
 * Options:
 * - `extra`: settings of the Tessera servers over tesseraEnv's; `expectAlg`: the algorithm their
 *   access tokens must carry;
 * - `start(instance, extra)`: starts the measured Tessera (default: `tessera`), on the files of a
 *   sibling started the same way that ran `prepare(url, { instance, username })` first (default:
 *   one user and its access token; a prepared `tokens` set ({ list, file }) is sent in turn instead);
 * - `variants`: servers measured in the same rounds, { key, start(instance, extra), bareRoute? }
 *   (`bareRoute`: it serves `GET /hello` like the baseline and is sent the baseline's requests);
 * - `paired`: paired rounds with bare give the judged ratio (`calibrate`: with the calibrations);
 *   `pairWith`: paired rounds of Tessera against that variant; `pairVariantsWithBare`: paired rounds
 *   of those variants against bare; `beforeRound(set)`: a measurement taken right before each
 *   round's load, kept with the round;
 * - `goal`: the scenario's bar, kept with the figures.
 */
export async function helloScenario(name, options) {
  const {
    extra = {},
    expectAlg,
    start = tessera,
    prepare = oneUserPrepared,
    variants = [],
    paired = false,
    calibrate = false,
    pairWith,
    pairVariantsWithBare = [],
    beforeRound,
    goal,
  } = options
  // PROCESSES sets of servers (bare, Tessera, variants), taken in turn by the rounds: one V8
  // process can be luckier than another with its optimisations by several percent for the whole
  // of its life, so a ratio over one pair of processes measures that luck too.
  const sets = []
  const all = () => sets.flatMap((set) => [set.bare, ...set.entries.map((e) => e.server)])
  const stopAll = () => Promise.all(all().map((server) => server.stop()))
  try {
    for (let k = 0; k < PROCESSES; k++) {
      const set = { bare: await bareFastify(), entries: [] }
      sets.push(set)
      const instance = PROCESSES === 1 ? name : `${name}${k + 1}`
      set.entries.push({
        key: 'tessera',
        server: await servingOnlyHello(
          start,
          instance,
          extra,
          (url) => prepare(url, { instance, username: `hello_${instance}` }),
          { siblingStart: start },
        ),
      })
      for (const variant of variants)
        set.entries.push({
          key: variant.key,
          bareRoute: variant.bareRoute === true,
          server: await variant.start(instance, extra),
        })
    }
  } catch (error) {
    await stopAll()
    return { skipped: true, reason: `Tessera did not start: ${String(error.message).slice(0, 1500)}` }
  }
  // Each server has its own database and keys, so each gets its own user and token: minted by a
  // sibling (servingOnlyHello), or by the server itself (the after_login variant).
  for (const [k, set] of sets.entries()) {
    for (const entry of set.entries.filter((e) => !e.bareRoute)) {
      const prepared =
        entry.server.prepared ?? (await oneUser(entry.server.url, `hello_${name}_${entry.key}_${k}`))
      const alg = jwtHeader(prepared.access).alg
      if (alg !== expectAlg) {
        await stopAll()
        return { skipped: true, reason: `the server signed its access token with ${alg}, not ${expectAlg}` }
      }
      await expectHello(entry.server.url, prepared.access)
      entry.headers = { authorization: `Bearer ${prepared.access}` }
      entry.tokens = prepared.tokens
    }
    set.bareUrl = `${set.bare.url}/hello`
    // The bare route gets a token-sized Authorization header too (same request bytes) under wrk.
    set.bareHeaders = WRK ? set.entries[0].headers : {}
    set.tokens = WRK ? set.entries[0].tokens : undefined
    for (const entry of set.entries.filter((e) => e.bareRoute)) {
      entry.path = '/hello'
      entry.headers = set.bareHeaders
      entry.tokens = set.tokens
    }
  }
  if (WRK || PIN) {
    for (const server of all()) pin(server.pid, '0')
    if (!WRK) pin(process.pid, '1')
  }
  const [first] = sets
  try {
    for (const set of sets) {
      await measure(bareTarget(set), WARM_SECONDS)
      for (const entry of set.entries) await measure(helloTarget(entry), WARM_SECONDS)
    }
    const rounds = []
    for (let i = 0; i < ROUNDS; i++) {
      log(`${name}: round ${i + 1}/${ROUNDS}`)
      const set = sets[i % sets.length]
      const before = beforeRound ? await beforeRound(set) : undefined
      const round = { bare: await measure(bareTarget(set), HELLO_DURATION) }
      for (const entry of set.entries) round[entry.key] = await measure(helloTarget(entry), HELLO_DURATION)
      rounds.push({ round, before })
    }
    const pairs = paired && PAIRED ? await pairedRounds(sets, calibrate, { onRound: beforeRound }) : undefined
    const variantPairs = pairWith && PAIRED ? await pairedWithVariant(sets, pairWith) : undefined
    const withBare = {}
    if (PAIRED) for (const key of pairVariantsWithBare) withBare[key] = await pairedVariantWithBare(sets, key)
    const ratiosOf = (key) => rounds.map(({ round: r }) => r[key].rps / r.bare.rps)
    const m = median(ratiosOf('tessera'))
    const mid = rounds[ratiosOf('tessera').indexOf(m)].round
    const out = {
      algorithm: expectAlg,
      load_generator: WRK ? 'wrk' : 'autocannon',
      bare_rps: Math.round(mid.bare.rps),
      tessera_rps: Math.round(mid.tessera.rps),
      // The judged ratio: the paired rounds' when there are any (see pairedRounds), else this one.
      ratio: pairs ? pairs.ratio : round3(m),
      sequential_ratio: round3(m),
      paired: pairs,
      ...(variantPairs ? { [`paired_vs_${pairWith}`]: variantPairs } : {}),
      ...Object.fromEntries(Object.entries(withBare).map(([key, figures]) => [`paired_${key}`, figures])),
      round_ratios: ratiosOf('tessera').map(round3),
      // The median per process (set k served rounds k, k + n, ...): V8 leaves some processes on
      // slower code for their whole life, and this shows how many.
      process_ratios: sets.map((_, k) =>
        round3(median(ratiosOf('tessera').filter((_, i) => i % sets.length === k))),
      ),
      rounds: rounds.map(({ round, before }) => ({
        ...Object.fromEntries(Object.entries(round).map(([k, v]) => [k, summary(v)])),
        ...(before === undefined ? {} : { before }),
      })),
      goal,
      bare: summary(mid.bare),
      tessera: summary(mid.tessera),
      tessera_rss_mib: Math.round(rssMiB(first.entries[0].server.pid)),
      processes_per_server: sets.length,
      ...(first.entries[0].tokens ? { distinct_tokens: first.entries[0].tokens.list.length } : {}),
      commands: [
        `# ${sets.length} of each, taken in turn by the rounds`,
        `node ${build.flags.join(' ')} bench/bare-fastify.mjs`,
        '# each Tessera command but the after-login one is first run alone for POST /api/register/ and',
        `# POST /api/token/ (the token${first.entries[0].tokens ? 's: see the scenario' : ''}), then stopped; the measured process starts on the same files`,
        ...first.entries.map((e) => e.server.command),
        ...(WRK ? ['# servers pinned to core 0: taskset -a -p -c 0 PID'] : []),
        loadCommand(first.bareUrl, { withToken: WRK, tokens: Boolean(first.tokens) }),
        loadCommand(`${first.entries[0].server.url}/api/hello/`, {
          tokens: Boolean(first.entries[0].tokens),
        }),
      ],
    }
    for (const { key } of first.entries.slice(1)) {
      out[`${key}_ratio`] = round3(median(ratiosOf(key)))
      out[`${key}_round_ratios`] = ratiosOf(key).map(round3)
      out[`${key}_rps`] = Math.round(median(rounds.map(({ round: r }) => r[key].rps)))
    }
    return out
  } finally {
    if (PIN && !WRK) pin(process.pid, `0-${CORES - 1}`)
    await stopAll()
  }
}

/**
 * Tessera against the bare checking route (variant `bare_plus_check`, bench/bare-fastify-check.mjs)
 * of a *-distinct scenario: its paired ratio over the route's paired ratio, and in the alternating
 * rounds the median of Tessera's requests per second over the route's. Empty without that variant.
 */
export function checkCeilingFigures(out) {
  const ceiling = out.paired_bare_plus_check?.ratio
  if (!ceiling) return {}
  return {
    ratio_to_check_ceiling: round3(out.ratio / ceiling),
    alternating_ratio_to_check_ceiling: round3(
      median(out.rounds.map((r) => r.tessera.rps / r.bare_plus_check.rps)),
    ),
  }
}
