/**
 * The password hasher the accounts services use: argon2id for new hashes, verification of every
 * format Tessera can meet in a users table, and a `burn` that costs what a real check costs.
 */
import { randomBytes } from 'node:crypto'
import { ValidationFailed } from '../../core/errors.js'
import {
  type Argon2Params,
  type Argon2Primitives,
  argon2idMatchesParams,
  hashArgon2id,
  isArgon2Hash,
  LIBUV_ARGON2,
  verifyArgon2,
} from './argon2id.js'
import { isBcryptHash, verifyBcrypt } from './bcrypt.js'
import { isDjangoPbkdf2Hash, verifyDjangoPbkdf2 } from './django-pbkdf2.js'
import { exceedsMaxPasswordLength, MAX_PASSWORD_LENGTH, passwordLengthError } from './limits.js'

/** The outcome of a password check. */
export interface PasswordCheck {
  /** The password matches the stored hash. */
  ok: boolean
  /**
   * The stored hash should be replaced by `hash(password)`: it is not argon2id with the current
   * parameters. Always false when `ok` is false, since only the right password can rehash.
   */
  needsRehash: boolean
}

/** Hashes and checks passwords; built once per process by {@link createPasswordHasher}. */
export interface PasswordHasher {
  /**
   * Hashes with argon2id at the configured cost. Rejects with `ValidationFailed`
   * (`{password: ["Ensure this field has no more than 4096 characters."]}`) for a password over
   * {@link MAX_PASSWORD_LENGTH} code points, the message DRF gives for that field.
   */
  hash(password: string): Promise<string>
  /**
   * Checks `password` against `stored`, dispatching on the format: argon2 PHC strings
   * (`$argon2id$…`, also `$argon2i$`/`$argon2d$`), Django's `argon2$argon2…` and
   * `pbkdf2_sha256$…`/`pbkdf2_sha1$…`, and bcrypt (`$2a$`/`$2b$`/`$2y$`, as an app's own users
   * table may hold). Unusable (`!…`), empty, unknown or malformed hashes, and
   * passwords over the length cap, never match. Never rejects.
   */
  verify(stored: string, password: string): Promise<PasswordCheck>
  /**
   * Spends the cost of one argon2id verify at the current parameters and discards the result.
   * Call it when there is no user to check against, so that an unknown username takes as long
   * as a wrong password. Never rejects.
   */
  burn(password: string): Promise<void>
}

/** Django's `UNUSABLE_PASSWORD_PREFIX`: set by `set_unusable_password()`. */
const UNUSABLE_PREFIX = '!'
/** Django's Argon2PasswordHasher stores `argon2` + the PHC string. */
const DJANGO_ARGON2_PREFIX = 'argon2$argon2'

const NO_MATCH: PasswordCheck = Object.freeze({ ok: false, needsRehash: false })

/**
 * Creates the hasher with the argon2id cost from the settings (`ARGON2_MEMORY_KIB` →
 * `memoryKib`, `ARGON2_ITERATIONS` → `iterations`, `ARGON2_PARALLELISM` → `parallelism`).
 * `argon2` runs the hashes: libuv's pool unless told otherwise (the server's is
 * node/hash-workers.ts).
 *
 * Timing: every path that does not verify a real hash (unusable, unknown format, malformed,
 * over-long password) calls `burn`, so an attacker cannot tell those accounts apart from a wrong
 * password by the response time. Over-long passwords are refused before hashing them, then burn
 * with their first 4096 code points, so a huge input costs no more than a normal one.
 */
export function createPasswordHasher(
  options: Argon2Params,
  argon2: Argon2Primitives = LIBUV_ARGON2,
): PasswordHasher {
  // Copied: a caller mutating its object later must not change the cost of hashes or the burn.
  const params: Argon2Params = {
    memoryKib: options.memoryKib,
    iterations: options.iterations,
    parallelism: options.parallelism,
  }
  let dummy: Promise<string> | undefined

  // Computed on first use, not at startup: a CLI command that never logs anyone in pays nothing.
  function dummyHash(): Promise<string> {
    if (dummy === undefined) {
      dummy = hashArgon2id(randomBytes(18).toString('base64'), params, argon2)
      dummy.catch(() => {
        dummy = undefined
      })
    }
    return dummy
  }

  async function burn(password: string): Promise<void> {
    try {
      await verifyArgon2(await dummyHash(), truncate(password), argon2)
    } catch {
      // Nothing to report: the burn only exists for its cost.
    }
  }

  async function hash(password: string): Promise<string> {
    const tooLong = passwordLengthError(password)
    if (tooLong !== null) throw new ValidationFailed({ password: [tooLong] })
    return hashArgon2id(password, params, argon2)
  }

  async function verify(stored: string, password: string): Promise<PasswordCheck> {
    if (typeof stored !== 'string' || typeof password !== 'string') return NO_MATCH
    if (stored === '' || stored.startsWith(UNUSABLE_PREFIX) || exceedsMaxPasswordLength(password)) {
      await burn(password)
      return NO_MATCH
    }
    if (isArgon2Hash(stored)) {
      const ok = await verifyArgon2(stored, password, argon2)
      return { ok, needsRehash: ok && !argon2idMatchesParams(stored, params) }
    }
    if (stored.startsWith(DJANGO_ARGON2_PREFIX)) {
      const ok = await verifyArgon2(stored.slice('argon2'.length), password, argon2)
      return { ok, needsRehash: ok }
    }
    if (isDjangoPbkdf2Hash(stored)) {
      const ok = await verifyDjangoPbkdf2(stored, password)
      return { ok, needsRehash: ok }
    }
    if (isBcryptHash(stored)) {
      const ok = await verifyBcrypt(stored, password)
      return { ok, needsRehash: ok }
    }
    await burn(password)
    return NO_MATCH
  }

  return { hash, verify, burn }
}

function truncate(password: string): string {
  if (typeof password !== 'string') return ''
  if (!exceedsMaxPasswordLength(password)) return password
  return Array.from(password).slice(0, MAX_PASSWORD_LENGTH).join('')
}
