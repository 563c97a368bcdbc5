/** `ApiClientStore` on `api_clients`: the clients allowed to call token introspection. */
import type { Kysely, Selectable } from 'kysely'
import { ValidationFailed } from '../../core/errors.js'
import type { ApiClientRecord, ApiClientStore, NewApiClient } from '../ports.js'
import { fromMillis, toMillis } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { ApiClientsTable, Database } from './schema.js'

const toClient = (row: Selectable<ApiClientsTable>): ApiClientRecord => ({
  clientId: row.client_id,
  secretHash: row.secret_hash,
  name: row.name,
  createdAt: fromMillis(row.created_at),
})

export class SqlApiClientStore implements ApiClientStore {
  readonly #db: Kysely<Database>

  constructor(database: SqlDatabase) {
    this.#db = database.db
  }

  async find(clientId: string): Promise<ApiClientRecord | undefined> {
    const row = await this.#db
      .selectFrom('api_clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return row && toClient(row)
  }

  async create(client: NewApiClient): Promise<ApiClientRecord> {
    // ON CONFLICT DO NOTHING instead of catching the error: a failed statement would abort an
    // enclosing PostgreSQL transaction, and the two dialects word the error differently.
    const row = await this.#db
      .insertInto('api_clients')
      .values({
        client_id: client.clientId,
        secret_hash: client.secretHash,
        name: client.name,
        created_at: toMillis(client.createdAt ?? new Date()),
      })
      .onConflict((conflict) => conflict.column('client_id').doNothing())
      .returningAll()
      .executeTakeFirst()
    if (row === undefined) {
      throw new ValidationFailed({ client_id: ['api client with this client id already exists.'] })
    }
    return toClient(row)
  }
}
