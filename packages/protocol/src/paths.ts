/** Endpoint paths, relative to the server's `API_PREFIX` (default `/api`), as simplejwt names them. */
export const PATHS = {
  tokenObtain: '/token/',
  tokenRefresh: '/token/refresh/',
  tokenVerify: '/token/verify/',
  tokenBlacklist: '/token/blacklist/',
  tokenSliding: '/token/sliding/',
  tokenSlidingRefresh: '/token/sliding/refresh/',
  tokenIntrospect: '/token/introspect/',
  register: '/register/',
  me: '/me/',
  mePassword: '/me/password/',
  sessions: '/sessions/',
  logoutAll: '/logout/all/',
  revocationStream: '/revocations/stream/',
  passwordReset: '/password/reset/',
  passwordResetConfirm: '/password/reset/confirm/',
  emailVerify: '/email/verify/',
  emailVerifyResend: '/email/verify/resend/',
  emailChange: '/email/change/',
  emailChangeConfirm: '/email/change/confirm/',
  emailChangeCancel: '/email/change/cancel/',
  tokenMfa: '/token/mfa/',
  mfaTotpSetup: '/mfa/totp/setup/',
  mfaTotpConfirm: '/mfa/totp/confirm/',
  mfaTotp: '/mfa/totp/',
  mfaRecoveryCodes: '/mfa/recovery-codes/',
  mfa: '/mfa/',
  passkeys: '/passkeys/',
  passkeyRegisterOptions: '/passkeys/register/options/',
  passkeyRegister: '/passkeys/register/',
  passkeyLoginOptions: '/passkeys/login/options/',
  passkeyLogin: '/passkeys/login/',
  hello: '/hello/',
} as const

export const DEFAULT_API_PREFIX = '/api'
export const JWKS_PATH = '/.well-known/jwks.json'

/** Header a browser client sends to ask for the refresh token in an HttpOnly cookie. */
export const AUTH_TRANSPORT_HEADER = 'x-auth-transport'

/**
 * The revocation stream's event names (`text/event-stream`, `GET {API_PREFIX}/revocations/stream/`).
 * `revocations` carries a {@link RevocationBatch}; `reset` a {@link RevocationReset}.
 */
export const REVOCATION_EVENTS = { batch: 'revocations', reset: 'reset' } as const

/** Redis channel (after `REDIS_PREFIX`) on which Tessera publishes each revocation batch. */
export const REVOCATION_FEED_CHANNEL = 'revocations:feed'

/**
 * The admin API (issue 22), relative to `API_PREFIX`: staff read, superusers write. `{id}`,
 * `{sid}`, `{jti}`, `{kid}` and `{client_id}` are path parameters.
 */
export const ADMIN_PATHS = {
  users: '/admin/users/',
  user: '/admin/users/{id}/',
  userPassword: '/admin/users/{id}/password/',
  userSessions: '/admin/users/{id}/sessions/',
  userSession: '/admin/users/{id}/sessions/{sid}/',
  userLogoutAll: '/admin/users/{id}/logout/all/',
  userResetMfa: '/admin/users/{id}/mfa/reset/',
  groups: '/admin/groups/',
  group: '/admin/groups/{id}/',
  groupMembers: '/admin/groups/{id}/members/',
  groupMember: '/admin/groups/{id}/members/{user_id}/',
  tokens: '/admin/tokens/',
  tokenBlacklist: '/admin/tokens/{jti}/blacklist/',
  audit: '/admin/audit/',
  auditExport: '/admin/audit/export/',
  clients: '/admin/clients/',
  client: '/admin/clients/{client_id}/',
  clientRotate: '/admin/clients/{client_id}/rotate/',
  keys: '/admin/keys/',
  keyPromote: '/admin/keys/{kid}/promote/',
  keyRetire: '/admin/keys/{kid}/retire/',
} as const
