import type { ErrorCode } from './codes.js'

/** `POST /api/token/` answer (refresh is absent in cookie transport). */
export interface TokenPair {
  refresh?: string
  access: string
}

/** `POST /api/token/refresh/` answer: `refresh` only when rotating and not in cookie transport. */
export interface RefreshAnswer {
  access: string
  refresh?: string
}

export interface SlidingAnswer {
  token: string
}

/** `GET /api/me/`: the reference deployment's fields, in its order. */
export interface UserView {
  id: number
  username: string
  email: string
  date_joined: string
  last_login: string | null
}

export interface RegisterAnswer {
  id: number
  username: string
  email: string
}

/** One entry of `messages` in a protected view's token error (simplejwt `authentication.py`). */
export interface TokenMessage {
  token_class: string
  token_type: string
  message: string
}

/** Error bodies: `{detail}`, `{detail, code}`, `{detail, code, messages}`, or DRF field errors. */
export interface DetailError {
  detail: string
  code?: ErrorCode
  messages?: TokenMessage[]
}

export type FieldErrors = Record<string, string[]>

/** Claims Tessera puts in every token (simplejwt's names). */
export interface TokenClaims {
  token_type: 'access' | 'refresh' | 'sliding'
  exp: number
  iat: number
  jti: string
  user_id: number | string
  [claim: string]: unknown
}

/**
 * One event of the revocation feed (the SSE stream and the Redis feed channel). Its position is
 * `id`, `"<cut-off seq>-<ended-session seq>"`: both parts only grow, and a client that saw `id`
 * has seen every change at or before both parts.
 */
export interface RevocationBatch {
  id: string
  /** Per-user cut-offs: the user's tokens issued (`iat`, epoch s) before `not_before` are void. */
  cutoffs: { user_id: number; not_before: number }[]
  /** Ended sessions: tokens whose `sid` claim is `sid` are void until `void_until` (epoch ms). */
  sessions: { sid: string; void_until: number }[]
}

/**
 * The server cannot tell what the client missed (its last id is ahead of the server's feed: a
 * restored or replaced database). The client drops what it knew, treats every token issued before
 * `not_before` (epoch s) as void, and the full state follows.
 */
export interface RevocationReset {
  id: string
  not_before: number
}

/** A second factor a login may be completed with (`methods` of {@link MfaChallenge}). */
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn'

/**
 * `POST /api/token/` (and `/api/token/sliding/`) for a user with a second factor: 401 with this
 * body instead of tokens. `mfa_token` is single use and short-lived; it goes to
 * `POST /api/token/mfa/` with one of `methods`.
 */
export interface MfaChallenge {
  detail: string
  code: 'mfa_required'
  mfa_token: string
  methods: MfaMethod[]
}

/** `POST /api/mfa/totp/setup/`: a secret not yet in force until confirmed with a code from it. */
export interface TotpSetupAnswer {
  secret: string
  otpauth_uri: string
  /** The URI as a QR code, an SVG document. */
  qr_svg: string
}

/** `POST /api/mfa/totp/confirm/` and `POST /api/mfa/recovery-codes/`: shown once, never again. */
export interface RecoveryCodesAnswer {
  recovery_codes: string[]
}

/** `GET /api/mfa/`: the caller's second factors. */
export interface MfaStatus {
  totp: boolean
  recovery_codes_remaining: number
  passkeys: number
  methods: MfaMethod[]
}

/** One entry of `GET /api/passkeys/`. */
export interface PasskeyView {
  id: string
  name: string
  created: string
  last_used: string | null
  backed_up: boolean
  transports: string[]
}

/**
 * A page of an admin list, as DRF's `PageNumberPagination` answers it: `next` and `previous` are
 * absolute URLs (null at either end).
 */
export interface AdminPage<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

/** A user as the admin API shows it. */
export interface AdminUser {
  id: number
  username: string
  email: string
  /** null when the users table cannot tell. */
  email_verified: boolean | null
  first_name: string
  last_name: string
  is_active: boolean
  is_staff: boolean
  is_superuser: boolean
  date_joined: string
  last_login: string | null
  /** Group names, sorted: the `roles` claim. */
  groups: string[]
  /** Whether a second factor guards the account: a confirmed TOTP secret or a passkey. */
  has_mfa: boolean
}

/** A session (token family) of a user, as the admin API and `GET /api/sessions/` show it. */
export interface AdminSession {
  id: string
  device: string
  user_agent: string | null
  ip: string | null
  created: string
  last_used: string
  expires: string
}

export interface AdminGroup {
  id: number
  name: string
  member_count: number
}

export interface AdminGroupMember {
  id: number
  username: string
}

/** A refresh token as simplejwt's admin shows outstanding and blacklisted tokens. */
export interface AdminToken {
  jti: string
  user: number
  /** The user's username; null when the user no longer exists. */
  username: string | null
  /** The session (token family) it belongs to. */
  session: string
  created_at: string
  expires_at: string
  /** null while not blacklisted. */
  blacklisted_at: string | null
}

export interface AdminAuditEvent {
  id: number
  at: string
  event: string
  /** The id of the user the event is about. */
  user: number | null
  /** That user's username; null when the event has no user or the user no longer exists. */
  username: string | null
  ip: string | null
  user_agent: string | null
  detail: Record<string, unknown>
}

export interface AdminClient {
  client_id: string
  name: string
  created_at: string
}

/** A new or rotated introspection client: the only answer that ever holds the secret. */
export interface AdminClientCredentials extends AdminClient {
  client_secret: string
}

export interface AdminKey {
  kid: string
  alg: string
  /** `active` (verifies; the newest active key signs), `next` (staged: verifies only) or `retired`. */
  status: string
  created: string
  signing: boolean
}
