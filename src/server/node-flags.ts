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
 * `--min-semi-space-size=16` (MiB): at its first scavenge after an idle spell, V8 sees a low
 * allocation rate and shrinks the young generation; a request-serving process allocates a lot but
 * keeps little, so the young generation hardly ever grows back. After 30 s idle, under wrk, the
 * protected route ran 68 scavenges a second (5.8 MB allocated between two, and some mark-compacts)
 * against 28 (14.1 MB) for a process loaded at once (`--trace-gc-nvp`), and 0.871 of bare Fastify
 * against 0.898 with this flag (paired, 3 processes of each, 5 rounds, every process idle 30 s,
 * bare and Tessera each with the flags they are compared under; 8 MiB gave 0.894, 16 MiB 0.915 in
 * a second run). 16 MiB is V8's own maximum here, so the young generation keeps the size a loaded
 * process grows it to. Its cost: a server that never had traffic holds more young generation
 * (RSS 5 s after startup: 94 → 108 MB); one under load holds that much anyway.
 *
 * An operator who passes either flag's V8 option in any form keeps their choice.
 */
const SERVER_FLAGS: readonly { flag: string; chosenBy: RegExp }[] = [
  { flag: '--no-memory-reducer', chosenBy: /^--(no-)?memory[-_]reducer(=.*)?$/ },
  // Either bound of the young generation: ours would otherwise override or contradict theirs.
  { flag: '--min-semi-space-size=16', chosenBy: /^--(min|max)[-_]semi[-_]space[-_]size(=.*)?$/ },
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
