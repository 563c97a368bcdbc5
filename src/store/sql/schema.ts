/**
 * The Kysely `Database` type: the tables as the SQL store sees them, on both dialects.
 *
 * Times are stored as epoch milliseconds in `bigint` columns (PostgreSQL's `int8` is parsed to a
 * JS number by `connect.ts`), so a `Date` round-trips exactly to the millisecond on both dialects
 * and every comparison is an integer comparison. The one exception is `user_cutoffs.not_before`,
 * which is in epoch seconds like a JWT's `iat`.
 */
import type { ColumnType, Generated } from 'kysely'

/**
 * A boolean column: PostgreSQL answers `true`/`false`, SQLite `1`/`0`. Written as `0`/`1` on both,
 * because better-sqlite3 cannot bind a JS boolean and PostgreSQL accepts `'1'`/`'0'` as boolean input.
 */
export type BooleanColumn = ColumnType<boolean | number, 0 | 1, 0 | 1>

/** Epoch milliseconds. */
export type Millis = number

export interface UsersTable {
  id: Generated<number>
  username: string
  email: string
  password_hash: string
  first_name: string
  last_name: string
  is_active: BooleanColumn
  is_staff: BooleanColumn
  is_superuser: BooleanColumn
  date_joined: Millis
  /** `usernameKey(username)`; null for rows inserted around the store (migration 0008). */
  username_key: ColumnType<string | null, string | null | undefined, string | null>
  last_login: Millis | null
  email_verified: ColumnType<boolean | number, 0 | 1 | undefined, 0 | 1>
}

export interface GroupsTable {
  id: Generated<number>
  name: string
}

export interface UserGroupsTable {
  user_id: number
  group_id: number
}

/** Group memberships of the users of an app's own table (`app-users.ts`), keyed by its ids. */
export interface AppUserGroupsTable {
  user_id: number
  group_id: number
}

export interface OutstandingTokensTable {
  jti: string
  user_id: number
  family_id: string
  parent_jti: string | null
  created_at: Millis
  expires_at: Millis
  rotated_at: Millis | null
  replaced_by: string | null
  last_used_at: Millis | null
  user_agent: string | null
  ip: string | null
}

export interface BlacklistedTokensTable {
  jti: string
  blacklisted_at: Millis
  expires_at: Millis
}

export interface UserCutoffsTable {
  user_id: number
  /** Epoch seconds: tokens with an earlier `iat` are void. */
  not_before: number
  /** Position in the change feed other instances poll. */
  seq: number
}

export interface EndedSessionsTable {
  session_id: string
  user_id: number
  ended_at: Millis
  /** When every access token of the session has expired: the row may go then. */
  void_until: Millis
  /** Position in the change feed other instances poll. */
  seq: number
}

export interface AuditEventsTable {
  id: Generated<number>
  at: Millis
  event: string
  user_id: number | null
  ip: string | null
  user_agent: string | null
  /** JSON object, as text on both dialects. */
  detail: string
}

export interface ApiClientsTable {
  client_id: string
  secret_hash: string
  name: string
  created_at: Millis
}

export interface AccountTokensTable {
  /** Hex SHA-256 of the token. */
  token_hash: string
  purpose: string
  user_id: number
  email: string
  fingerprint: string | null
  created_at: Millis
  expires_at: Millis
  used_at: Millis | null
}

export interface MailOutboxTable {
  id: Generated<number>
  kind: string
  to_address: string
  subject: string
  text_body: string
  html_body: string
  created_at: Millis
  /** When the next attempt may start; null once given up. */
  due_at: Millis | null
  discard_after: Millis | null
  attempts: ColumnType<number, number | undefined, number>
  lease_owner: string | null
  lease_until: Millis | null
  last_error: string | null
}

export interface MfaTotpTable {
  user_id: number
  /** Encrypted by the accounts room (`v1:…`); never the plain secret. */
  secret: string
  confirmed_at: Millis | null
  last_step: number | null
  created_at: Millis
}

export interface MfaRecoveryCodesTable {
  /** Hex SHA-256 of the normalised code. */
  code_hash: string
  user_id: number
  created_at: Millis
  used_at: Millis | null
}

export interface MfaChallengesTable {
  /** Hex SHA-256 of the `mfa_token`. */
  token_hash: string
  user_id: number
  purpose: string
  created_at: Millis
  expires_at: Millis
  attempts: ColumnType<number, number | undefined, number>
  used_at: Millis | null
}

export interface WebauthnCredentialsTable {
  id: string
  user_id: number
  user_handle: string
  public_key: string
  counter: number
  transports: string
  name: string
  backed_up: BooleanColumn
  device_type: string
  created_at: Millis
  last_used_at: Millis | null
}

export interface WebauthnChallengesTable {
  challenge: string
  purpose: string
  user_id: number | null
  created_at: Millis
  expires_at: Millis
  used_at: Millis | null
}

export interface Database {
  users: UsersTable
  groups: GroupsTable
  user_groups: UserGroupsTable
  app_user_groups: AppUserGroupsTable
  outstanding_tokens: OutstandingTokensTable
  blacklisted_tokens: BlacklistedTokensTable
  user_cutoffs: UserCutoffsTable
  ended_sessions: EndedSessionsTable
  audit_events: AuditEventsTable
  api_clients: ApiClientsTable
  account_tokens: AccountTokensTable
  mail_outbox: MailOutboxTable
  mfa_totp: MfaTotpTable
  mfa_recovery_codes: MfaRecoveryCodesTable
  mfa_challenges: MfaChallengesTable
  webauthn_credentials: WebauthnCredentialsTable
  webauthn_challenges: WebauthnChallengesTable
}

/**
 * Every table and column of `Database`, as runtime values. The mapped type makes `tsc` fail when
 * a column is added to an interface above but not here, so the migration test that checks the
 * live schema against this list also checks it against the type.
 */
export const DATABASE_COLUMNS: {
  readonly [T in keyof Database]: { readonly [C in keyof Database[T]]: true }
} = {
  users: {
    id: true,
    username: true,
    email: true,
    password_hash: true,
    first_name: true,
    last_name: true,
    is_active: true,
    is_staff: true,
    is_superuser: true,
    date_joined: true,
    last_login: true,
    username_key: true,
    email_verified: true,
  },
  groups: { id: true, name: true },
  user_groups: { user_id: true, group_id: true },
  app_user_groups: { user_id: true, group_id: true },
  outstanding_tokens: {
    jti: true,
    user_id: true,
    family_id: true,
    parent_jti: true,
    created_at: true,
    expires_at: true,
    rotated_at: true,
    replaced_by: true,
    last_used_at: true,
    user_agent: true,
    ip: true,
  },
  blacklisted_tokens: { jti: true, blacklisted_at: true, expires_at: true },
  user_cutoffs: { user_id: true, not_before: true, seq: true },
  ended_sessions: { session_id: true, user_id: true, ended_at: true, void_until: true, seq: true },
  audit_events: { id: true, at: true, event: true, user_id: true, ip: true, user_agent: true, detail: true },
  api_clients: { client_id: true, secret_hash: true, name: true, created_at: true },
  account_tokens: {
    token_hash: true,
    purpose: true,
    user_id: true,
    email: true,
    fingerprint: true,
    created_at: true,
    expires_at: true,
    used_at: true,
  },
  mail_outbox: {
    id: true,
    kind: true,
    to_address: true,
    subject: true,
    text_body: true,
    html_body: true,
    created_at: true,
    due_at: true,
    discard_after: true,
    attempts: true,
    lease_owner: true,
    lease_until: true,
    last_error: true,
  },
  mfa_totp: { user_id: true, secret: true, confirmed_at: true, last_step: true, created_at: true },
  mfa_recovery_codes: { code_hash: true, user_id: true, created_at: true, used_at: true },
  mfa_challenges: {
    token_hash: true,
    user_id: true,
    purpose: true,
    created_at: true,
    expires_at: true,
    attempts: true,
    used_at: true,
  },
  webauthn_credentials: {
    id: true,
    user_id: true,
    user_handle: true,
    public_key: true,
    counter: true,
    transports: true,
    name: true,
    backed_up: true,
    device_type: true,
    created_at: true,
    last_used_at: true,
  },
  webauthn_challenges: {
    challenge: true,
    purpose: true,
    user_id: true,
    created_at: true,
    expires_at: true,
    used_at: true,
  },
}
