/**
 * The Node/V8 flags a server process runs with: `npm start`, the `tessera` bin's shebang and the
 * workers of `serve --workers N` pass them; `serve` logs when they are missing.
 *
 * `--no-memory-reducer`: when a server that has allocated during startup (modules, migrations,
 * keys) sits idle for about ten seconds before its first traffic, V8's memory reducer runs
 * collections that shrink its heap, and from then on the server answered the protected route at
 * 0.64-0.7 of bare Fastify for the rest of its life, against 0.85-0.93 with the reducer off
 * (idle 25 s, then wrk; the hello-* scenarios of bench/RESULTS.md showed the same split between
 * processes). A server warmed by traffic first is not affected by later idle periods. `perf` puts
 * the difference in Node's own HTTP stream and `process.nextTick` code, not in Tessera's.
 * Turning the flag on at run time (`v8.setFlagsFromString`) did not help: it must be on from the
 * process's start. The cost: an idle server keeps the heap it grew to instead of handing it back.
 * Starting node with `--memory-reducer` keeps the reducer.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--no-memory-reducer']

const MEMORY_REDUCER = /^--(no-)?memory[-_]reducer(=.*)?$/

/**
 * Whether the node command line chose the memory reducer either way. (NODE_OPTIONS cannot: node
 * refuses to start with a V8 flag of this kind there.)
 */
const choseMemoryReducer = (execArgv: readonly string[]) => execArgv.some((arg) => MEMORY_REDUCER.test(arg))

/** `execArgv` with the server flags added, unless the operator chose the memory reducer either way. */
export function withServerNodeFlags(execArgv: readonly string[]): string[] {
  return choseMemoryReducer(execArgv) ? [...execArgv] : [...SERVER_NODE_FLAGS, ...execArgv]
}

/** Whether the process runs without the server flags and without a choice of its own. */
export function lacksServerNodeFlags(execArgv: readonly string[]): boolean {
  return !choseMemoryReducer(execArgv)
}
