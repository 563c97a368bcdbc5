import {
  type Argon2Primitives,
  createPasswordHasher,
  type PasswordHasher,
} from '../accounts/passwords/index.js'
import type { Settings } from '../settings/types.js'

type Argon2Settings = Pick<Settings, 'ARGON2_MEMORY_KIB' | 'ARGON2_ITERATIONS' | 'ARGON2_PARALLELISM'>

/**
 * The argon2id hasher the settings describe: the server and the operator commands hash alike (the
 * server on its own threads, `argon2`; a command on libuv's pool).
 */
export function passwordHasherFor(settings: Argon2Settings, argon2?: Argon2Primitives): PasswordHasher {
  return createPasswordHasher(
    {
      memoryKib: settings.ARGON2_MEMORY_KIB,
      iterations: settings.ARGON2_ITERATIONS,
      parallelism: settings.ARGON2_PARALLELISM,
    },
    argon2,
  )
}
