// Loads of a protected route and the paired-rounds method that gives the judged ratios.
//
// A target is { url, headers, pid, tokens? }: the route, the headers of every request, the server's
// pid (its CPU time is read from /proc), and optionally a token set ({ file, list }) whose tokens the
// requests take in turn as their bearer token instead of `headers`.
import { join } from 'node:path'
import {
  BENCH,
  CALIBRATION_ROUNDS,
  CONNECTIONS,
  HELLO_DURATION,
  log,
  PAIRED_ROUNDS,
  PAIRED_SECONDS,
  PIN,
  WRK,
} from './config.mjs'
import { cannon, wrkRun } from './load.mjs'
import { pin } from './machine.mjs'
import { bareFastify, bareInTessera } from './servers.mjs'
import { median, round3, summary } from './stats.mjs'

/** The wrk script that sends the tokens of a file in turn (bench/wrk/rotate-tokens.lua). */
export const ROTATE_SCRIPT = join(BENCH, 'wrk/rotate-tokens.lua')

/** One measured load of a protected-route round: wrk pinned to core 1, or autocannon. */
export function measure(target, seconds) {
  const { url, headers = {}, pid, tokens } = target
  if (WRK) {
    const rotation = tokens ? { script: ROTATE_SCRIPT, scriptArgs: [tokens.file], headers: {} } : { headers }
    return wrkRun(
      { url, duration: seconds, connections: CONNECTIONS, ...rotation },
      { serverPid: pid, cpus: '1' },
    )
  }
  if (!tokens) return cannon({ url, headers, duration: seconds }, { serverPid: pid })
  let next = 0
  const setupRequest = (request) => ({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${tokens.list[next++ % tokens.list.length]}` },
  })
  return cannon({ url, duration: seconds, requests: [{ method: 'GET', setupRequest }] }, { serverPid: pid })
}

const portless = (url) => url.replace(/:\d+/, ':PORT')
/** The command line of one load of `measure`, as a reader would type it. */
export function loadCommand(url, { withToken = true, tokens = false, seconds = HELLO_DURATION } = {}) {
  if (WRK) {
    const auth = tokens
      ? `-s bench/wrk/rotate-tokens.lua ${portless(url)} -- $TOKENS_FILE`
      : `${withToken ? "-H 'authorization: Bearer $ACCESS' " : ''}${portless(url)}`
    return `taskset -c 1 wrk -t1 -c${CONNECTIONS} -d${seconds}s --latency ${auth}`
  }
  const auth = tokens
    ? '(request generator: the tokens of $TOKENS_FILE in turn as bearer tokens) '
    : withToken
      ? "-H 'authorization=Bearer $ACCESS' "
      : ''
  return `autocannon -c ${CONNECTIONS} -d ${seconds} ${auth}${portless(url)}`
}

/**
 * One paired round (see pairedRounds): `reference` and `measured` loaded at once; the measured
 * server's requests per CPU-second over the reference's.
 */
export async function pair(reference, measured) {
  const efficiency = (run) => run.rps / run.server_cpu_cores
  const [first, second] = await Promise.all([
    measure(reference, PAIRED_SECONDS),
    measure(measured, PAIRED_SECONDS),
  ])
  return {
    reference: summary(first),
    measured: summary(second),
    ratio: efficiency(second) / efficiency(first),
  }
}

/**
 * Paired rounds: bare Fastify and Tessera loaded at the same time, both servers on core 0 and one wrk
 * each on core 1, for PAIRED_SECONDS. The scheduler shares core 0 between the two servers, and each
 * one's requests per CPU-second (2xx requests / its own CPU time, from /proc) is its cost per
 * request; their quotient is the ratio. Why: this machine's speed wanders by ±20 % from one
 * 3-second load to the next (two identical bare servers measured one after the other differed by
 * 0.87-1.22 per round), so alternating rounds need luck, while two servers measured in the same
 * seconds see the same machine: identical bare servers paired this way stay within a few percent
 * (the calibration below, measured in the same run, shows it).
 *
 * `calibrate`: also pair the bare server with a second, identical bare server (its ratio should be
 * 1), and with the same bare route in a process that has built a Tessera server
 * (bench/bare-in-tessera.mjs): how much of the gap the process costs Node's own HTTP code, whatever
 * the route does.
 */
export async function pairedRounds(sets, calibrate, { onRound } = {}) {
  const out = await pairedSeries(sets, bareTarget, 'paired round', { onRound })
  if (!calibrate) return out
  const [set] = sets
  const calibration = await pairedWithTwin(bareTarget(set), bareFastify)
  out.calibration_ratio = calibration.ratio
  out.calibration_round_ratios = calibration.round_ratios
  const floor = await pairedWithTwin(bareTarget(set), () => bareInTessera('floor'))
  out.tessera_process_ratio = floor.ratio
  out.tessera_process_round_ratios = floor.round_ratios
  return out
}

/** The bare server of a set, as a load target: sent the same request bytes as the set's Tessera. */
export const bareTarget = (set) => ({
  url: set.bareUrl,
  headers: set.bareHeaders,
  pid: set.bare.pid,
  tokens: set.tokens,
})

/** A server of a set, as a load target: its protected route (or `path`) with its own token(s). */
export const helloTarget = (entry) => ({
  url: `${entry.server.url}${entry.path ?? '/api/hello/'}`,
  headers: entry.headers,
  pid: entry.server.pid,
  tokens: entry.tokens,
})

/**
 * CALIBRATION_ROUNDS paired rounds of `reference` against a bare route (`/hello`, sent the same
 * headers) served by a process `start` starts for them, and stops after.
 */
export async function pairedWithTwin(reference, start) {
  const twin = await start()
  try {
    if (WRK || PIN) pin(twin.pid, '0')
    const target = { ...reference, url: `${twin.url}/hello`, pid: twin.pid }
    await measure(target, 1)
    const rounds = []
    for (let i = 0; i < CALIBRATION_ROUNDS; i++) rounds.push(await pair(reference, target))
    return pairedFigures(rounds)
  } finally {
    await twin.stop()
  }
}

/**
 * Paired rounds of Tessera (entries[0]) against one of its variants (`key`), loaded at once like
 * pairedRounds: Tessera's requests per CPU-second over the variant's. A cost the variant leaves out
 * (the revocation check) is a few percent at most, well inside the ±20 % the machine wanders by
 * between alternating rounds; measured in the same seconds, it stands out.
 */
export function pairedWithVariant(sets, key) {
  const variantOf = (set) => helloTarget(set.entries.find((entry) => entry.key === key))
  return pairedSeries(sets, variantOf, `paired round with ${key}`)
}

/**
 * Paired rounds of one of a set's servers (`key`) against bare Fastify, like pairedRounds: for a
 * server whose own ratio to bare is reported beside Tessera's (the defaults scenario's reference).
 */
export function pairedVariantWithBare(sets, key) {
  const measuredOf = (set) => helloTarget(set.entries.find((entry) => entry.key === key))
  return pairedSeries(sets, bareTarget, `paired round of ${key} with bare`, { measuredOf })
}

/**
 * PAIRED_ROUNDS paired rounds, the sets taken in turn: each set's Tessera (entries[0]) measured
 * against `referenceOf(set)`. `measuredOf(set)` replaces entries[0] when given;
 * `onRound(set)`, when given, runs right before each round's load and its answer is kept with the
 * round (a measurement that must see the same minute of the machine, as the EdDSA verify ceiling).
 */
export async function pairedSeries(sets, referenceOf, label, { measuredOf, onRound } = {}) {
  const rounds = []
  for (let i = 0; i < PAIRED_ROUNDS; i++) {
    log(`${label} ${i + 1}/${PAIRED_ROUNDS}`)
    const set = sets[i % sets.length]
    const before = onRound ? await onRound(set) : undefined
    const round = await pair(referenceOf(set), (measuredOf ?? ((s) => helloTarget(s.entries[0])))(set))
    rounds.push(before === undefined ? round : { ...round, before })
  }
  return { ...pairedFigures(rounds), rounds }
}

/** The median ratio of paired rounds, each round's ratio, and the median requests-per-second ratio. */
export function pairedFigures(rounds) {
  return {
    ratio: round3(median(rounds.map((r) => r.ratio))),
    round_ratios: rounds.map((r) => round3(r.ratio)),
    rps_ratio: round3(median(rounds.map((r) => r.measured.rps / r.reference.rps))),
  }
}
