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
import { type Settled, TurnBatcher } from './turn-batcher.js'

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

export class RefreshBatcher {
  readonly #db: Kysely<Database>
  readonly #batches: TurnBatcher<RefreshRequest, unknown>

  constructor(db: Kysely<Database>) {
    this.#db = db
    this.#batches = new TurnBatcher({
      maxBatch: MAX_BATCH,
      sequential: false,
      run: (requests) => (requests.length === 1 ? this.#alone(requests) : this.#together(requests)),
    })
  }

  /** What `tessera_refresh()` answers for `request` (parsed JSON), or its error. */
  run(request: RefreshRequest): Promise<unknown> {
    return this.#batches.add(request)
  }

  async #alone([r]: readonly RefreshRequest[]): Promise<Settled<unknown>[]> {
    return [await this.#one(r as RefreshRequest)]
  }

  async #one(r: RefreshRequest): Promise<Settled<unknown>> {
    try {
      const { rows } = await sql<{ answer: unknown }>`select tessera_refresh(
          ${r.owner_id}::integer, ${r.read_user}::boolean, ${r.old_jti}::varchar,
          ${r.old_created_at}::bigint, ${r.old_expires_at}::bigint, ${r.at_ms}::bigint,
          ${r.blacklist_old}::boolean, ${r.new_jti}::varchar, ${r.new_created_at}::bigint,
          ${r.new_expires_at}::bigint, ${r.user_agent}::text, ${r.ip}::varchar
        ) as answer`.execute(this.#db)
      return { ok: true, value: rows[0]?.answer ?? null }
    } catch (error) {
      return { ok: false, error }
    }
  }

  async #together(requests: readonly RefreshRequest[]): Promise<Settled<unknown>[]> {
    let answers: { i: number; answer: unknown }[]
    try {
      const batch = JSON.stringify(requests.map((request, i) => ({ i, ...request })))
      const { rows } = await sql<{ answers: { i: number; answer: unknown }[] }>`select
          tessera_refresh_many(${batch}::json) as answers`.execute(this.#db)
      answers = rows[0]?.answers ?? []
    } catch {
      // Nothing of the batch was kept: each refresh again, on its own, for its own outcome.
      return Promise.all(requests.map((request) => this.#one(request)))
    }
    const outcomes: Settled<unknown>[] = requests.map((_, i) => ({
      ok: false,
      error: new Error(`tessera_refresh_many() gave no answer for item ${i}`),
    }))
    const settled = new Set<number>()
    for (const { i, answer } of answers) {
      if (i < 0 || i >= requests.length || settled.has(i)) continue
      settled.add(i)
      outcomes[i] = { ok: true, value: answer }
    }
    return outcomes
  }
}
