/**
 * argon2id through @node-rs/argon2: every hash and verify runs off the event loop (on libuv's
 * pool by default, or wherever the `Argon2Primitives` given send it: the server uses
 * priority-lowered threads, node/hash-workers.ts), so a login flood queues there instead of
 * blocking the event loop that serves protected requests.
 */
import { type Algorithm, hash, type Options, parseOptions, verify } from '@node-rs/argon2'

/** The two @node-rs/argon2 calls made here, so that the server can run them elsewhere. */
export interface Argon2Primitives {
  hash(password: string, options: Options): Promise<string>
  verify(hashed: string, password: string): Promise<boolean>
}

/** @node-rs/argon2's own async functions, on libuv's pool. */
export const LIBUV_ARGON2: Argon2Primitives = {
  hash: (password, options) => hash(password, options),
  verify: (hashed, password) => verify(hashed, password),
}

/**
 * argon2id cost, from the settings `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS` and
 * `ARGON2_PARALLELISM` (OWASP defaults: 19,456 KiB, 2 passes, 1 lane).
 */
export interface Argon2Params {
  memoryKib: number
  iterations: number
  parallelism: number
}

// `Algorithm` and `Version` are ambient const enums, which `verbatimModuleSyntax` cannot inline:
// spell the two values out (Argon2id = 2, V0x13 = 1, from the package's index.d.ts).
const ARGON2ID = 2 as Algorithm
const VERSION_0X13 = 1
/** Output and salt sizes @node-rs/argon2 uses by default; a stored hash with others is rehashed. */
const OUTPUT_BYTES = 32
const SALT_BYTES = 16

/**
 * Upper bounds for parameters read from a stored hash. A corrupted or hostile row with
 * `m=4294967295` would otherwise make one verify allocate 4 TiB. The bounds are the settings'
 * own maxima (see `src/settings/defaults.ts`).
 */
const MAX_STORED_MEMORY_KIB = 4_194_304
const MAX_STORED_ITERATIONS = 100
const MAX_STORED_PARALLELISM = 16

/** True when `stored` is an argon2 PHC string of any variant (`$argon2id$`, `$argon2i$`, `$argon2d$`). */
export function isArgon2Hash(stored: string): boolean {
  return /^\$argon2(?:id|i|d)\$/.test(stored)
}

/** Hashes `password` with argon2id at the configured cost; returns the PHC string (`$argon2id$v=19$…`). */
export function hashArgon2id(
  password: string,
  params: Argon2Params,
  argon2: Argon2Primitives = LIBUV_ARGON2,
): Promise<string> {
  return argon2.hash(password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    outputLen: OUTPUT_BYTES,
  })
}

/**
 * Checks `password` against an argon2 PHC string. Never rejects: a malformed string, or one
 * whose cost parameters exceed the bounds above, is a non-match.
 */
export async function verifyArgon2(
  stored: string,
  password: string,
  argon2: Argon2Primitives = LIBUV_ARGON2,
): Promise<boolean> {
  if (!hasSaneParams(stored)) return false
  try {
    return await argon2.verify(stored, password)
  } catch {
    return false
  }
}

/**
 * True when `stored` is argon2id, version 0x13, with exactly the configured memory, passes,
 * lanes and the default output and salt sizes: anything else is upgraded at the next login.
 */
export function argon2idMatchesParams(stored: string, params: Argon2Params): boolean {
  if (!stored.startsWith('$argon2id$')) return false
  try {
    const o = parseOptions(stored)
    return (
      o.algorithm === ARGON2ID &&
      (o.version as number) === VERSION_0X13 &&
      o.memoryCost === params.memoryKib &&
      o.timeCost === params.iterations &&
      o.parallelism === params.parallelism &&
      o.outputLen === OUTPUT_BYTES &&
      o.saltLen === SALT_BYTES
    )
  } catch {
    return false
  }
}

function hasSaneParams(stored: string): boolean {
  try {
    const o = parseOptions(stored)
    return (
      o.memoryCost >= 1 &&
      o.memoryCost <= MAX_STORED_MEMORY_KIB &&
      o.timeCost >= 1 &&
      o.timeCost <= MAX_STORED_ITERATIONS &&
      o.parallelism >= 1 &&
      o.parallelism <= MAX_STORED_PARALLELISM
    )
  } catch {
    return false
  }
}
