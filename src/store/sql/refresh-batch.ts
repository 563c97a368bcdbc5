/**
 * PostgreSQL: the refreshes asked for in one turn of the event loop go to the database as one
 * call of `tessera_refresh_many()` (migration 0009): one statement and one commit for all
 * of them. Under a refresh load the database was the busiest process, and most of a one-row
 * statement's cost there is the statement itself (a wake-up, a parse and a plan, a reply, a commit),
 * not its rows.
 *
 * What each caller still gets, as if it had called `tessera_refresh()` alone: its own
 * answer, or its own error. The batch is atomic, so when it fails as a whole (one refresh raced a
 * logout and raised TSR01, or PostgreSQL broke a deadlock) nothing of it was kept, and every
 * refresh in it is retried alone, getting its own answer or error. A request waits at most one
 * turn of the event loop (no timer).
 */
import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/** The arguments of `tessera_refresh()`, named as in the migration. */
export interface RefreshRequest {
  owner_id: number
  read_user: boolean
  old_jti: string
  old_created_at: number
  old_expires_at: number
  at_ms: number
  blacklist_old: boolean
  new_jti: string | null
  new_created_at: number | null
  new_expires_at: number | null
  user_agent: string | null
  ip: string | null
}

/** Most refreshes one call carries, so one transaction stays short. */
const MAX_BATCH = 64

interface Pending {
  request: RefreshRequest
  resolve(answer: unknown): void
  reject(error: unknown): void
}

export class RefreshBatcher {
  readonly #db: Kysely<Database>
  #queue: Pending[] = []

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** What `tessera_refresh()` answers for `request` (parsed JSON), or its error. */
  run(request: RefreshRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject })
      if (this.#queue.length === 1) setImmediate(() => this.#flush())
    })
  }

  #flush(): void {
    const queue = this.#queue
    this.#queue = []
    for (let start = 0; start < queue.length; start += MAX_BATCH) {
      const batch = queue.slice(start, start + MAX_BATCH)
      if (batch.length === 1) void this.#alone(batch[0] as Pending)
      else void this.#together(batch)
    }
  }

  async #alone(pending: Pending): Promise<void> {
    const r = pending.request
    try {
      const { rows } = await sql<{ answer: unknown }>`select tessera_refresh(
          ${r.owner_id}::integer, ${r.read_user}::boolean, ${r.old_jti}::varchar,
          ${r.old_created_at}::bigint, ${r.old_expires_at}::bigint, ${r.at_ms}::bigint,
          ${r.blacklist_old}::boolean, ${r.new_jti}::varchar, ${r.new_created_at}::bigint,
          ${r.new_expires_at}::bigint, ${r.user_agent}::text, ${r.ip}::varchar
        ) as answer`.execute(this.#db)
      pending.resolve(rows[0]?.answer ?? null)
    } catch (error) {
      pending.reject(error)
    }
  }

  async #together(batch: Pending[]): Promise<void> {
    let answers: { i: number; answer: unknown }[]
    try {
      const requests = JSON.stringify(batch.map((pending, i) => ({ i, ...pending.request })))
      const { rows } = await sql<{ answers: { i: number; answer: unknown }[] }>`select
          tessera_refresh_many(${requests}::json) as answers`.execute(this.#db)
      answers = rows[0]?.answers ?? []
    } catch {
      // Nothing of the batch was kept: each refresh again, on its own, for its own outcome.
      await Promise.all(batch.map((pending) => this.#alone(pending)))
      return
    }
    const settled = new Set<number>()
    for (const { i, answer } of answers) {
      const pending = batch[i]
      if (pending === undefined || settled.has(i)) continue
      settled.add(i)
      pending.resolve(answer)
    }
    // Unreachable unless the function is broken; a caller must never wait forever.
    for (const [i, pending] of batch.entries()) {
      if (!settled.has(i)) pending.reject(new Error(`tessera_refresh_many() gave no answer for item ${i}`))
    }
  }
}
