/**
 * The Node/V8 flags a server process runs with: `npm start`, the `tessera` bin's shebang and the
 * workers of `serve --workers N` pass them; `serve` logs when they are missing. Both keep V8 from
 * sizing the heap for an idle process, which is what a server is between its startup and its first
 * traffic (behind a load balancer, often for minutes): V8 shrinks the heap then, and a server kept
 * the shrunken heap, and the extra garbage collection that comes with it, for the rest of its life.
 *
 * `--no-memory-reducer`: when a server that has allocated during startup (modules, migrations,
 * keys) sits idle for about ten seconds before its first traffic, V8's memory reducer runs
 * collections that shrink its heap, and from then on the server answered the protected route at
 * 0.64-0.7 of bare Fastify for the rest of its life, against 0.85-0.93 with the reducer off
 * (idle 25 s, then wrk; the hello-* scenarios of bench/RESULTS.md showed the same split between
 * processes). Turning the flag on at run time (`v8.setFlagsFromString`) did not help: it must be on
 * from the process's start. Its cost: an idle server keeps the heap it grew to.
 *
 * `--min-semi-space-size=8` (MiB): at its first scavenge after an idle spell, V8 sees a low
 * allocation rate and shrinks the young generation to its minimum; a request-serving process
 * allocates a lot but keeps little, and from the default minimum the young generation hardly ever
 * grew back. After 30 s idle, under wrk, the protected route ran 68 scavenges a second (5.8 MB
 * allocated between two, and some mark-compacts) against 28 (14.1 MB) for a process loaded at
 * once (`--trace-gc-nvp`); from 8 MiB it grows back to V8's maximum (16 MiB here) and ran 30 a
 * second. Paired against bare Fastify (3 processes of each, 4 rounds, bare and Tessera each with
 * the flags they are compared under): after 30 s idle 0.886 → 0.899; a process that served a
 * registration and a login first, 0.878 → 0.900. Why not 16: it did as well after idle (0.898-0.915)
 * but the process that had served a login first fell to 0.72 (0.86 without), with as many bytes
 * allocated between scavenges, so something else in V8's sizing; 8 showed no such case. Its cost: a server that
 * never had traffic holds a little more young generation (RSS 5 s after startup: 96 → 99 MB).
 *
 * An operator who passes either flag's V8 option in any form keeps their choice. (On node's
 * command line: node refuses to start with `--memory-reducer` either way in NODE_OPTIONS.)
 */
const SERVER_FLAGS: readonly { flag: string; chosenBy: RegExp }[] = [
  { flag: '--no-memory-reducer', chosenBy: /^--(no-)?memory[-_]reducer(=.*)?$/ },
  // Either bound of the young generation: ours would otherwise override or contradict theirs.
  { flag: '--min-semi-space-size=8', chosenBy: /^--(min|max)[-_]semi[-_]space[-_]size(=.*)?$/ },
]

export const SERVER_NODE_FLAGS: readonly string[] = SERVER_FLAGS.map(({ flag }) => flag)

/** The server flags the node command line neither passed nor chose otherwise. */
export function missingServerNodeFlags(execArgv: readonly string[]): string[] {
  return SERVER_FLAGS.filter(({ chosenBy }) => !execArgv.some((arg) => chosenBy.test(arg))).map(
    ({ flag }) => flag,
  )
}

/** `execArgv` with the server flags the operator did not choose added (cluster workers). */
export function withServerNodeFlags(execArgv: readonly string[]): string[] {
  return [...missingServerNodeFlags(execArgv), ...execArgv]
}
