import { createPasswordHasher, type PasswordHasher } from '../accounts/passwords/index.js'
import { loadSettings } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import { openStores, type SqlStores } from '../store/sql/index.js'

export { hashClientSecret, newClientCredentials } from '../accounts/clients.js'
export { validateEmail, validatePassword, validateUsername } from '../accounts/validators/index.js'

/** What an operator command (the CLI) works with: the settings, the database and the hasher. */
export interface OperatorContext {
  readonly settings: Readonly<Settings>
  readonly stores: SqlStores
  readonly hasher: PasswordHasher
}

/** Loads settings from `env`, opens the database, runs `work`, and closes it whatever happens. */
export async function withOperatorContext<T>(
  env: Readonly<Record<string, string | undefined>>,
  work: (context: OperatorContext) => Promise<T>,
): Promise<T> {
  const settings = loadSettings({ env })
  const stores = await openStores(settings.DATABASE_URL, { poolSize: 2 })
  const hasher = createPasswordHasher({
    memoryKib: settings.ARGON2_MEMORY_KIB,
    iterations: settings.ARGON2_ITERATIONS,
    parallelism: settings.ARGON2_PARALLELISM,
  })
  try {
    return await work({ settings, stores, hasher })
  } finally {
    await stores.lifecycle.close()
  }
}
