/**
 * The Node/V8 flags a server process runs with: `npm start`, the `tessera` bin's shebang and the
 * workers of `serve --workers N` pass them; `serve` logs when they are missing. Both keep V8 from
 * sizing the heap for an idle process, which is what a server is between its startup and its first
 * traffic (behind a load balancer, often for minutes): V8 shrinks the heap then, and a server kept
 * the shrunken heap, and the extra garbage collection that comes with it, for the rest of its life.
 *
 * `--no-memory-reducer`: a server that allocated during startup (modules, migrations, keys) and
 * then sits idle for about ten seconds gets its heap shrunk by V8's memory reducer, and kept
 * answering slower for the rest of its life. It must be on from the process's start (setting it at
 * run time does not help). Its cost: an idle server keeps the heap it grew to.
 *
 * `--min-semi-space-size=8` (MiB): at its first scavenge after an idle spell, V8 shrinks the young
 * generation to its minimum, and for a request-serving process (allocates a lot, keeps little) it
 * hardly ever grew back, so it scavenged about twice as often. From 8 MiB it grows back to V8's
 * maximum. Its cost: a server that never had traffic holds a little more young generation.
 * The measurements behind both, and why not 16: bench/FINDINGS.md.
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
