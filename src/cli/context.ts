import { createPasswordHasher } from '../accounts/passwords/hasher.js'
import { loadSettings } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import { openStores, type SqlStores } from '../store/sql/index.js'
import type { CliIO } from './command.js'

export interface CliContext {
  readonly settings: Readonly<Settings>
  readonly stores: SqlStores
  readonly hasher: ReturnType<typeof createPasswordHasher>
}

/** Settings from the environment and an open database, closed after `work` whatever happens. */
export async function withStores<T>(io: CliIO, work: (context: CliContext) => Promise<T>): Promise<T> {
  const settings = loadSettings({ env: io.env })
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

/** Reads one line from stdin (no echo control: pipe the password or use the env variable). */
export async function readLine(io: CliIO, prompt: string): Promise<string> {
  io.stderr.write(prompt)
  const { createInterface } = await import('node:readline')
  const rl = createInterface({ input: io.stdin, terminal: false })
  try {
    for await (const line of rl) return line
    return ''
  } finally {
    rl.close()
  }
}
