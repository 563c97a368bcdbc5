// Tessera on an app's own users table: `accounts`, with its own column names and bcrypt hashes, as
// an existing app (or a PHP or Rails one) would have it. A user logs in with their old password;
// their hash is upgraded to argon2id in `accounts.pw_hash` at that login (docs/your-users-table.md).
//   node examples/app-users/server.mjs     (SQLite in var/; DATABASE_URL=postgres://… works too)
//   curl -s -XPOST -H 'Content-Type: application/json' -d '{"username":"ada","password":"analytical-engine"}' \
//     http://127.0.0.1:8002/api/token/
import { hash } from '@node-rs/bcrypt'
import { sql } from 'kysely'
import { buildServer } from 'tessera/server'
import { AppUserStore, openDatabase } from 'tessera/store/sql'

const url = process.env.DATABASE_URL ?? 'sqlite:var/app-users-example.sqlite3'
const postgres = url.startsWith('postgres')

// The app's side: its database and its table, with one user whose password is a bcrypt hash.
const appDatabase = await openDatabase(url)
await sql`create table if not exists accounts (
  account_id ${postgres ? sql`serial` : sql`integer`} primary key,
  login varchar(150) not null unique,
  mail varchar(254) not null default '',
  pw_hash varchar(255) not null,
  enabled ${postgres ? sql`boolean` : sql`integer`} not null default ${postgres ? sql`true` : sql`1`},
  created ${postgres ? sql`timestamptz` : sql`text`} not null
)`.execute(appDatabase.db)
await sql`insert into accounts (login, mail, pw_hash, created)
  values ('ada', 'ada@example.com', ${await hash('analytical-engine', 10)}, ${postgres ? new Date() : new Date().toISOString()})
  on conflict (login) do nothing`.execute(appDatabase.db)

// Tessera's side: its own tables beside `accounts` in the same database, its users from `accounts`.
const users = new AppUserStore(appDatabase, {
  table: 'accounts',
  columns: {
    id: 'account_id',
    username: 'login',
    password: 'pw_hash',
    email: 'mail',
    isActive: 'enabled',
    dateJoined: 'created',
  },
})
const server = await buildServer({ users, settings: { env: { ...process.env, DATABASE_URL: url } } })
const address = await server.app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8002) })
console.log(`app-users example listening on ${address}`)
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await server.close()
    await appDatabase.destroy()
    process.exit(0)
  })
}
