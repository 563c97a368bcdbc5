/**
 * An app's own users table for the tests of `AppUserStore`: other names for every column (and
 * for the table), native booleans and timestamps on PostgreSQL, integers and ISO text on SQLite,
 * and the app's own unique constraints.
 */
import { type Kysely, sql } from 'kysely'
import type { AppUsersTable, Database, SqlDialect } from '../../src/store/sql/index.js'

export const ACCOUNTS: AppUsersTable = {
  table: 'accounts',
  columns: {
    id: 'account_id',
    username: 'login',
    password: 'pw_hash',
    email: 'mail',
    firstName: 'given_name',
    lastName: 'family_name',
    isActive: 'enabled',
    isStaff: 'staff',
    isSuperuser: 'admin',
    dateJoined: 'created',
    lastLogin: 'seen_at',
  },
}

/** Creates `accounts` as an app would have it. */
export async function createAccountsTable(db: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`create table accounts (
      account_id serial primary key,
      login varchar(150) not null unique,
      mail varchar(254) not null default '',
      pw_hash varchar(255) not null,
      given_name varchar(150) not null default '',
      family_name varchar(150) not null default '',
      enabled boolean not null default true,
      staff boolean not null default false,
      admin boolean not null default false,
      created timestamptz not null default now(),
      seen_at timestamptz
    )`.execute(db)
  } else {
    await sql`create table accounts (
      account_id integer primary key autoincrement,
      login text not null unique,
      mail text not null default '',
      pw_hash text not null,
      given_name text not null default '',
      family_name text not null default '',
      enabled integer not null default 1,
      staff integer not null default 0,
      admin integer not null default 0,
      created text not null,
      seen_at text
    )`.execute(db)
  }
  await sql`create unique index accounts_mail_lower on accounts (lower(mail))`.execute(db)
}
