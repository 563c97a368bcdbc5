// The bench's knobs, read once from the environment (bench/README.md lists them), and its constants.
//
//   BENCH_DURATION=10        seconds per measured load (default 10; 2 with BENCH_QUICK=1)
//   BENCH_QUICK=1            self-check: every load 1-2 s, one round, a few hundred tokens and
//                            sessions, a 20,000-request soak; figures are not judged and are never
//                            written to bench/ (see BENCH_OUT). The *-distinct scenarios then send
//                            fewer tokens than the verified-token cache holds: their code runs, but
//                            they do not measure what they measure in a full run
//   BENCH_OUT=dir            where results.json, RESULTS.md and charts/ go (default bench/; with
//                            BENCH_QUICK=1 a new temporary directory, and bench/ is refused)
//   BENCH_ONLY=a,b           only these scenarios (others keep their last figures in RESULTS.md)
//   BENCH_ROUNDS=N           alternating rounds for the protected-route ratios (median reported;
//                            default 12 of 3 s with wrk, 5 of BENCH_DURATION with autocannon)
//   BENCH_PAIRED_ROUNDS=N    paired rounds (wrk only, or any load generator with BENCH_QUICK=1;
//                            default 12): bare and Tessera loaded at once, the judged ratio
//   BENCH_LOADGEN=autocannon protected-route ratios with autocannon even when wrk is installed
//   BENCH_PROCESSES=3        processes of each server per protected-route scenario, taken in turn
//   BENCH_SOAK_REQUESTS=N    soak length (default 1,000,000)
//   BENCH_PIN=1              pin servers to core 0 and this load generator to core 1 (taskset)
//   BENCH_DATABASE_URL=...   PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test)
//   BENCH_PROFILE_DIR=dir    Tessera servers write V8 CPU profiles there (for diagnosis only)
import { join } from 'node:path'
import { canPin, hasWrk } from './machine.mjs'

const env = process.env
export const BENCH = join(new URL('.', import.meta.url).pathname, '..')
export const ROOT = join(BENCH, '..')
export const quick = env.BENCH_QUICK === '1'
export const duration = Number(env.BENCH_DURATION ?? (quick ? 2 : 10))
// Protected-route ratios: wrk pinned to its own core when possible (bench/README.md).
export const WRK = env.BENCH_LOADGEN !== 'autocannon' && hasWrk() && canPin()
export const ROUNDS = Number(env.BENCH_ROUNDS ?? (quick ? 1 : WRK ? 12 : 5))
export const HELLO_DURATION = WRK ? (quick ? 1 : 3) : duration
// Server processes of each kind per protected-route scenario, taken in turn (see lib/hello.mjs).
export const PROCESSES = Number(env.BENCH_PROCESSES ?? (WRK && !quick ? 3 : 1))
export const FLOOD_ROUNDS = quick ? 1 : 3
// Paired rounds need one load generator per server that does not share the servers' core (wrk);
// the self-check runs them with any load generator so that their code runs too.
export const PAIRED = WRK || quick
export const PAIRED_ROUNDS = Number(env.BENCH_PAIRED_ROUNDS ?? (quick ? 2 : 12))
export const PAIRED_SECONDS = quick ? 1 : 4
export const CALIBRATION_ROUNDS = quick ? 1 : 6
export const WARM_SECONDS = quick ? 1 : 3
export const SOAK_REQUESTS = Number(env.BENCH_SOAK_REQUESTS ?? (quick ? 20_000 : 1_000_000))
export const PIN = env.BENCH_PIN === '1' && canPin()
export const CONNECTIONS = 64
export const PG_BASE = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const PROFILE_DIR = env.BENCH_PROFILE_DIR
/** The HMAC secret every HS256 bench server signs with (TESSERA_SIGNING_KEY). */
export const SECRET = 'bench-signing-key-that-is-long-enough-for-hs256-0123456789'
export const PASSWORD = 'Quartz-Falcon-9147-Lantern'

export const log = (...args) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args)
