/**
 * The narrow, domain-named interfaces every store implements (SQL today; others can follow).
 * Types only: rooms that use a store depend on these, never on `store/sql`.
 * One contract suite (`test/store/contract.test.ts`) runs against every implementation.
 */

export interface UserRecord {
  id: number
  username: string
  email: string
  /** `argon2id$…` (PHC string) or an imported Django `pbkdf2_sha256$…` hash; `!` = unusable. */
  passwordHash: string
  firstName: string
  lastName: string
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
  dateJoined: Date
  lastLogin: Date | null
  /**
   * Whether the owner proved they receive mail at `email` (a verification or e-mail change link).
   * Undefined when the store cannot tell (an app's table without such a column).
   */
  emailVerified?: boolean
}

export interface NewUser {
  username: string
  email: string
  passwordHash: string
  firstName?: string
  lastName?: string
  isActive?: boolean
  isStaff?: boolean
  isSuperuser?: boolean
  dateJoined?: Date
  lastLogin?: Date | null
  emailVerified?: boolean
  /** Keep a given id (Django import); otherwise the store assigns one. */
  id?: number
}

export type UserPatch = Partial<
  Pick<
    UserRecord,
    | 'email'
    | 'firstName'
    | 'lastName'
    | 'isActive'
    | 'isStaff'
    | 'isSuperuser'
    | 'passwordHash'
    | 'lastLogin'
    | 'emailVerified'
  >
>

/** The accounts port, like Django's `AUTH_USER_MODEL`: apps with their own users table implement it. */
export interface UserStore {
  findById(id: number): Promise<UserRecord | undefined>
  /** Exact match: Django usernames are case-sensitive. */
  findByUsername(username: string): Promise<UserRecord | undefined>
  /**
   * Optional: a user whose username has the same `usernameKey` (core) as `username`, i.e. equal
   * but for case and Unicode compatibility forms. Registration refuses such look-alikes when the
   * store offers it.
   */
  findByUsernameKey?(username: string): Promise<UserRecord | undefined>
  /** Case-insensitive match. */
  findByEmail(email: string): Promise<UserRecord | undefined>
  /** @throws UniqueViolation naming `username` and/or `email` when taken (email case-insensitively). */
  create(user: NewUser): Promise<UserRecord>
  /**
   * @throws UniqueViolation when the new email is taken. Returns undefined for an unknown id.
   * A new `email` without `emailVerified` in the same patch leaves the address unverified.
   */
  update(id: number, patch: UserPatch): Promise<UserRecord | undefined>
  /**
   * Optional: takes the id the next created user would have got, so no user ever gets it. A
   * registration refused for a taken e-mail answers with such an id, indistinguishable from a
   * real one (the ids of the accounts made before and after it leave the same gap either way).
   */
  reserveId?(): Promise<number>
  delete(id: number): Promise<boolean>
  /** Group names of the user, sorted. */
  groupNames(userId: number): Promise<string[]>
  /**
   * Optional: the user and their sorted group names in one read (a refresh needs both, and a
   * round trip to the database is most of its cost). Without it, `findById` then `groupNames`.
   */
  findWithGroups?(id: number): Promise<UserWithGroups | undefined>
  /** Replaces the user's groups, creating groups that do not exist. */
  setGroups(userId: number, names: readonly string[]): Promise<void>
  count(): Promise<number>
}

/** One issued refresh token (simplejwt's `OutstandingToken`, plus its family for theft detection). */
export interface OutstandingToken {
  jti: string
  userId: number
  /** jti of the first token of the login this token descends from. */
  familyId: string
  /** jti of the token this one was rotated from; null for a login. */
  parentJti: string | null
  createdAt: Date
  expiresAt: Date
  userAgent: string | null
  ip: string | null
}

export interface SessionRecord extends OutstandingToken {
  lastUsedAt: Date | null
}

/** A user with their group names, sorted. */
export interface UserWithGroups {
  user: UserRecord
  groups: string[]
}

/** What `TokenLedger.rotateForActiveUser` answers. */
export type AccountRotation =
  /** The user no longer exists (`account` undefined) or is inactive: nothing changed. */
  | { account: UserWithGroups | undefined; rotation: null }
  /** The user is active; the rotation's outcome, as `rotate` gives it. */
  | { account: UserWithGroups; rotation: RotationResult }

/** The token that replaced a rotated one, as the ledger has it now. */
export interface Replacement {
  jti: string
  createdAt: Date
  expiresAt: Date
  /** Neither rotated nor blacklisted (its expiry is the caller's to judge). */
  unused: boolean
}

export type RotationResult =
  /** This call rotated the token; the replacement is recorded in the family (the session). */
  | { outcome: 'rotated'; familyId: string }
  /**
   * Someone rotated it before: a lost race, a retry, or a replay. `replacement` is the token that
   * rotation recorded (null when it recorded none or it was flushed).
   */
  | {
      outcome: 'already_rotated'
      rotatedAt: Date
      replacedBy: string | null
      familyId: string
      replacement: Replacement | null
    }
  /** Blacklisted by a logout or a revoked family. */
  | { outcome: 'blacklisted' }

/** Every refresh token issued, the blacklist, and rotation: the `TokenLedger` port. */
export interface TokenLedger {
  recordIssued(token: OutstandingToken): Promise<void>
  isBlacklisted(jti: string): Promise<boolean>
  /**
   * Logout: blacklists a refresh token and ends its session (every live token of its family is
   * blacklisted and the family recorded as ended until `voidUntil`), in one transaction. `token`
   * is recorded as outstanding first when no row exists (a token issued before the ledger knew
   * it). Returns false when it was already blacklisted.
   */
  blacklist(token: OutstandingToken, at: Date, voidUntil: Date): Promise<boolean>
  /**
   * Atomically consumes `old` and records `replacement` (null when not rotating). Of concurrent
   * calls for one `old.jti`, exactly one gets `rotated`. With `blacklistOld`, the old token is
   * also blacklisted in the same transaction. `old` is recorded first when no row exists.
   */
  rotate(
    old: OutstandingToken,
    replacement: OutstandingToken | null,
    at: Date,
    blacklistOld: boolean,
  ): Promise<RotationResult>
  /**
   * A refresh's read of the token's user (with their groups) and its rotation, in one step (the
   * ledger's database holds the users too). When the user exists and is active, rotates exactly
   * as `rotate(old, replacement, at, blacklistOld)` would; otherwise changes nothing.
   */
  rotateForActiveUser(
    old: OutstandingToken,
    replacement: OutstandingToken,
    at: Date,
    blacklistOld: boolean,
  ): Promise<AccountRotation>
  /**
   * Ends a session: blacklists every live token of the family and records the family as ended
   * until `voidUntil` (when its last access token has expired), in one transaction that waits for
   * a rotation in flight in the family. Returns how many tokens were blacklisted now.
   */
  revokeFamily(familyId: string, at: Date, voidUntil: Date): Promise<number>
  /**
   * Ends every session of a user as `revokeFamily` does, in one transaction: each family with a
   * token unexpired (or expired just now) is recorded as ended. Returns how many tokens were
   * blacklisted now.
   */
  revokeUser(userId: number, at: Date, voidUntil: Date): Promise<number>
  /** The user's refresh tokens that are neither expired, rotated nor blacklisted, newest first. */
  liveSessions(userId: number, now: Date): Promise<SessionRecord[]>
  /** Deletes expired rows in batches of `batchSize`; returns how many of each were deleted. */
  flushExpired(
    now: Date,
    batchSize: number,
  ): Promise<{ outstanding: number; blacklisted: number; endedSessions: number }>
}

/** Per-user "tokens issued before T are void" marks, with a change feed for other instances. */
export interface RevocationStore {
  /** Sets the user's cut-off to `notBefore` (epoch seconds) if later than the current one. */
  setCutoff(userId: number, notBefore: number): Promise<void>
  /** All cut-offs (for a fresh instance) or those changed after `cursor`. */
  cutoffsSince(cursor: number): Promise<{ cursor: number; cutoffs: { userId: number; notBefore: number }[] }>
  /** Sessions ended (by `TokenLedger`) after `cursor`, all of them the first time (cursor -1). */
  endedSessionsSince(cursor: number): Promise<{ cursor: number; sessions: EndedSession[] }>
}

export interface EndedSession {
  sessionId: string
  userId: number
  /** Epoch ms after which no access token of the session is left to refuse. */
  voidUntil: number
}

export interface AuditEvent {
  at: Date
  event: string
  userId: number | null
  ip: string | null
  userAgent: string | null
  /** Extra facts; never a password, token, key or cookie. */
  detail: Record<string, unknown>
}

export interface AuditStore {
  write(event: AuditEvent): Promise<void>
  recent(limit: number): Promise<AuditEvent[]>
  /**
   * Deletes the events from before `cutoff`, `batchSize` rows per statement (so no statement
   * holds locks for long); returns how many were deleted.
   */
  flushOlderThan(cutoff: Date, batchSize: number): Promise<number>
}

/** A client allowed to call RFC 7662 introspection (HTTP Basic with its id and secret). */
export interface ApiClientRecord {
  clientId: string
  /** Hash of the client secret (same formats as `UserRecord.passwordHash`); never the secret. */
  secretHash: string
  name: string
  createdAt: Date
}

export interface NewApiClient {
  clientId: string
  secretHash: string
  name: string
  createdAt?: Date
}

/** Introspection clients. */
export interface ApiClientStore {
  find(clientId: string): Promise<ApiClientRecord | undefined>
  /** @throws ValidationFailed (`client_id`) when the id is taken. */
  create(client: NewApiClient): Promise<ApiClientRecord>
}

/** What a single-use account link is for. */
export type AccountTokenPurpose = 'password_reset' | 'email_verify' | 'email_change' | 'email_change_cancel'

/** A link token as stored: its SHA-256, never the token itself. */
export interface AccountToken {
  /** Hex SHA-256 of the token. */
  hash: string
  purpose: AccountTokenPurpose
  userId: number
  /**
   * The address the token is about: the one the mail went to (reset, verify), the new address
   * (`email_change`), or the old one to restore (`email_change_cancel`).
   */
  email: string
  /** Digest of the password hash when issued (`password_reset`): any later change voids it. */
  fingerprint: string | null
  createdAt: Date
  expiresAt: Date
}

/** Single-use link tokens (password reset, verification, e-mail change). */
export interface AccountTokenStore {
  /**
   * Stores `token`. With `replace`, the user's unused tokens of the same purpose are voided in the
   * same transaction: only the newest link works.
   */
  issue(token: AccountToken, replace: boolean): Promise<void>
  /** The unused, unexpired token with this hash and purpose, without using it. */
  find(hash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountToken | undefined>
  /**
   * Uses the token: of concurrent calls for one hash, at most one gets it back; unused and
   * unexpired tokens only.
   */
  consume(hash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountToken | undefined>
  /** Voids the user's unused tokens of these purposes; returns how many. */
  voidFor(userId: number, purposes: readonly AccountTokenPurpose[], now: Date): Promise<number>
  /** Deletes used and expired tokens, `batchSize` per statement; returns how many. */
  flushExpired(now: Date, batchSize: number): Promise<number>
}

/** A rendered message waiting in the outbox. */
export interface OutgoingMail {
  to: string
  subject: string
  text: string
  html: string
  /** The template it was made from: for logs and metrics, never the content. */
  kind: string
  /** Not sent after this (its link has expired); null: no deadline. */
  discardAfter: Date | null
}

export interface ClaimedMail extends OutgoingMail {
  id: number
  /** Attempts including this one. */
  attempts: number
}

/**
 * The mail outbox: messages are stored with the change that caused them and sent by a worker.
 * Claims are leases: a message is handed to one claimer at a time, across processes; a claimer
 * that dies leaves it to be claimed again once its lease has run out.
 */
export interface OutboxStore {
  enqueue(mail: OutgoingMail, now: Date): Promise<void>
  /**
   * Leases up to `limit` due messages (queued, retry time reached, no live lease) to `owner`
   * until `leaseUntil`, counting an attempt on each. Of concurrent claims, each message goes to
   * at most one.
   */
  claimDue(now: Date, leaseUntil: Date, owner: string, limit: number): Promise<ClaimedMail[]>
  /** Delivered: the message (and the link in it) is deleted. */
  delivered(id: number, owner: string): Promise<void>
  /**
   * Delivery failed: retried from `retryAt`, or given up when null (kept, without its bodies,
   * for the operator). `error` must not hold credentials.
   */
  failed(id: number, owner: string, retryAt: Date | null, error: string): Promise<void>
  /** Messages waiting (not given up): for `/metrics` and tests. */
  pending(): Promise<number>
}

/** A user's TOTP authenticator as stored. */
export interface TotpRecord {
  /** Encrypted by the accounts room; a store never sees the plain secret. */
  secret: string
  /** Null while set up and not yet confirmed with a code. */
  confirmedAt: Date | null
  /** The last RFC 6238 time step accepted (codes of it or earlier are replays); null: none yet. */
  lastStep: number | null
}

/** What a completed login answers: a token pair, or a sliding token. */
export type MfaChallengePurpose = 'pair' | 'sliding'

/** The second step of a login, waiting for a factor (the `mfa_token`, stored as its SHA-256). */
export interface MfaChallenge {
  hash: string
  userId: number
  purpose: MfaChallengePurpose
  createdAt: Date
  expiresAt: Date
  /** Attempts made with it, this one included (as `attempt` answers it). */
  attempts: number
}

/** TOTP secrets, recovery codes and pending second steps of logins. */
export interface MfaStore {
  totp(userId: number): Promise<TotpRecord | undefined>
  /** Stores a new, unconfirmed secret, replacing an unconfirmed one; false when one is confirmed. */
  setPendingTotp(userId: number, secret: string, now: Date): Promise<boolean>
  /**
   * Accepts time step `step` for the user's secret: of concurrent calls with one step at most one
   * gets true, and never for a step at or before the last one accepted. `confirm` accepts it only
   * on an unconfirmed secret and confirms it; otherwise only on a confirmed one.
   */
  acceptTotpStep(userId: number, step: number, now: Date, confirm: boolean): Promise<boolean>
  /** Removes the secret; false when there was none. */
  deleteTotp(userId: number): Promise<boolean>
  /** Replaces the stored (sealed) secret `sealed` with `resealed`, if it is still the stored one. */
  resealTotp(userId: number, sealed: string, resealed: string): Promise<void>
  /** Replaces the user's recovery codes with these hashes, in one transaction. */
  replaceRecoveryCodes(userId: number, hashes: readonly string[], now: Date): Promise<void>
  /** Uses one unused code: of concurrent calls for one hash, at most one gets true. */
  redeemRecoveryCode(userId: number, hash: string, now: Date): Promise<boolean>
  remainingRecoveryCodes(userId: number): Promise<number>
  issueChallenge(challenge: Omit<MfaChallenge, 'attempts'>): Promise<void>
  /**
   * Counts one attempt on the unused, unexpired challenge and answers it, or undefined (unknown,
   * used, expired, or `maxAttempts` reached before this one).
   */
  attemptChallenge(hash: string, now: Date, maxAttempts: number): Promise<MfaChallenge | undefined>
  /** Uses the challenge up: of concurrent calls, at most one gets true. */
  finishChallenge(hash: string, now: Date): Promise<boolean>
  /** Deletes expired and used challenges, `batchSize` per statement; returns how many. */
  flushExpired(now: Date, batchSize: number): Promise<number>
}

/** One passkey (WebAuthn credential). Ids and keys are base64url. */
export interface PasskeyRecord {
  id: string
  userId: number
  userHandle: string
  publicKey: string
  /** The signature counter last seen (0: the authenticator keeps none). */
  counter: number
  transports: string[]
  name: string
  backedUp: boolean
  deviceType: 'singleDevice' | 'multiDevice'
  createdAt: Date
  lastUsedAt: Date | null
}

export type WebauthnChallengePurpose = 'register' | 'login'

export interface WebauthnChallenge {
  challenge: string
  purpose: WebauthnChallengePurpose
  /** The user registering, or the user whose second step this is; null for a passkey login. */
  userId: number | null
  createdAt: Date
  expiresAt: Date
}

/** Passkeys and the WebAuthn challenges handed out (single use, shared by every instance). */
export interface PasskeyStore {
  add(passkey: PasskeyRecord): Promise<void>
  find(id: string): Promise<PasskeyRecord | undefined>
  listFor(userId: number): Promise<PasskeyRecord[]>
  /**
   * Records a use: the new counter, only if it is still `expectedCounter` (a concurrent use of a
   * cloned key loses); false otherwise.
   */
  recordUse(id: string, expectedCounter: number, counter: number, at: Date): Promise<boolean>
  delete(userId: number, id: string): Promise<boolean>
  /** Removes every passkey of the user; returns how many. */
  deleteAllFor(userId: number): Promise<number>
  saveChallenge(challenge: WebauthnChallenge): Promise<void>
  /** Uses the unused, unexpired challenge: of concurrent calls, at most one gets it. */
  takeChallenge(
    challenge: string,
    purpose: WebauthnChallengePurpose,
    now: Date,
  ): Promise<WebauthnChallenge | undefined>
  /** Deletes expired and used challenges, `batchSize` per statement; returns how many. */
  flushExpired(now: Date, batchSize: number): Promise<number>
}

/** One key of a list's order: a field the list allows, ascending unless `descending`. */
export interface OrderTerm<Field extends string = string> {
  field: Field
  descending: boolean
}

/** A slice of a list: rows `offset` to `offset + limit`, in `ordering` (then by id). */
export interface Slice<Field extends string = string> {
  offset: number
  limit: number
  ordering: readonly OrderTerm<Field>[]
}

/** A slice of rows and how many rows the whole list has. */
export interface Counted<T> {
  count: number
  rows: T[]
}

export type UserOrderField = 'id' | 'username' | 'email' | 'date_joined' | 'last_login'

/** The admin's user list: every filter optional (absent: not filtered). */
export interface UserQuery extends Slice<UserOrderField> {
  /** Part of the username or e-mail, case-insensitively. */
  search?: string
  isActive?: boolean
  isStaff?: boolean
  isSuperuser?: boolean
  emailVerified?: boolean
  /**
   * Users with a second factor that completes a login (a confirmed TOTP secret or a passkey), or
   * without one. Recovery codes alone do not count: they only back up one of those.
   */
  hasMfa?: boolean
}

/** A user as the admin lists it: with groups, and whether a second factor guards the account. */
export interface AdminUserRow extends UserWithGroups {
  hasMfa: boolean
}

export interface GroupSummary {
  id: number
  name: string
  memberCount: number
}

export type GroupOrderField = 'id' | 'name'

export interface GroupQuery extends Slice<GroupOrderField> {
  search?: string
}

/** A refresh token as the admin lists it: outstanding, and when it was blacklisted. */
export interface TokenListing extends OutstandingToken {
  blacklistedAt: Date | null
  /** The user's username, read with the token; null when no user has `userId` any more. */
  username: string | null
}

export type TokenOrderField = 'created_at' | 'expires_at'

export interface TokenQuery extends Slice<TokenOrderField> {
  userId?: number
  blacklisted?: boolean
}

export interface StoredAuditEvent extends AuditEvent {
  id: number
  /** The username of `userId`, read with the event; null without a user or when it was deleted. */
  username: string | null
}

export type AuditOrderField = 'at' | 'id'

export interface AuditQuery extends Slice<AuditOrderField> {
  userId?: number
  event?: string
  ip?: string
  /** Events at or after this time. */
  since?: Date
  /** Events before this time. */
  until?: Date
}

export type ClientOrderField = 'name' | 'created_at'

/**
 * What the admin API reads and changes beyond the other ports: lists with search, filters and
 * pagination over Tessera's own tables (users, groups, tokens, audit, clients). Only Tessera's own
 * users table has it; an app that brings its own users administers them itself.
 */
export interface AdminStore {
  listUsers(query: UserQuery): Promise<Counted<AdminUserRow>>
  /** Those of `userIds` that have a second factor, as `UserQuery.hasMfa` counts one. */
  usersWithMfa(userIds: readonly number[]): Promise<Set<number>>
  listGroups(query: GroupQuery): Promise<Counted<GroupSummary>>
  findGroup(id: number): Promise<GroupSummary | undefined>
  /** Names that exist, of those given. */
  existingGroups(names: readonly string[]): Promise<string[]>
  /** Members of the group, by username. */
  groupMembers(groupId: number): Promise<{ id: number; username: string }[]>
  /** Undefined when a group of that name exists. */
  createGroup(name: string): Promise<GroupSummary | undefined>
  /** `taken`: another group has the name. */
  renameGroup(id: number, name: string): Promise<'renamed' | 'missing' | 'taken'>
  deleteGroup(id: number): Promise<boolean>
  listTokens(query: TokenQuery): Promise<Counted<TokenListing>>
  findToken(jti: string): Promise<TokenListing | undefined>
  /** Events recorded so far (queued ones included), filtered and sliced. */
  listAudit(query: AuditQuery): Promise<Counted<StoredAuditEvent>>
  listClients(query: Slice<ClientOrderField>): Promise<Counted<Omit<ApiClientRecord, 'secretHash'>>>
  /** False for an unknown client. */
  replaceClientSecret(clientId: string, secretHash: string): Promise<boolean>
  deleteClient(clientId: string): Promise<boolean>
}

/** Database liveness for `/readyz` and lifecycle for the composition root. */
export interface StoreLifecycle {
  ping(): Promise<void>
  close(): Promise<void>
}

/** Everything the server needs from one database. */
export interface Stores {
  users: UserStore
  ledger: TokenLedger
  revocations: RevocationStore
  audit: AuditStore
  lifecycle: StoreLifecycle
}

/** Expiring counters for rate limits and login throttling (memory, or Redis across instances). */
export interface CounterStore {
  /** Adds one to `key`, starting a window of `windowMs` on the first hit; returns the count and the time left. */
  increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>
  /** The current count and time left (0 and 0 when the window has passed). */
  peek(key: string): Promise<{ count: number; ttlMs: number }>
  reset(key: string): Promise<void>
}
