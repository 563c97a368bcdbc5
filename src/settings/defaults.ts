import * as kind from './kinds.js'
import type { Kind } from './kinds.js'
import { ALGORITHMS } from '@tessera/protocol'
import { EMAIL_BACKENDS, LOGIN_FIELDS, type Mode, MODES, SAME_SITE_VALUES, type Settings } from './types.js'

/**
 * A default that depends on the mode: the value listed for the mode, else `otherwise`. The one
 * mechanism for mode-dependent defaults: the loader resolves it once MODE is known, for a setting
 * left unset (or set empty, where its kind allows empty).
 */
export class ModeDefault<T> {
  constructor(
    readonly otherwise: T,
    readonly modes: Readonly<Partial<Record<Mode, T>>>,
  ) {}

  for(mode: Mode): T {
    return Object.hasOwn(this.modes, mode) ? (this.modes[mode] as T) : this.otherwise
  }
}

interface Spec<T> {
  kind: Kind<T>
  default: T | ModeDefault<T>
  /** One line for `docs/settings.md`. */
  doc: string
}

type Specs = { readonly [K in keyof Settings]: Spec<Settings[K]> }

const s = <T>(k: Kind<T>, value: T | ModeDefault<T>, doc: string): Spec<T> => ({
  kind: k,
  default: value,
  doc,
})
const byMode = <T>(otherwise: T, modes: Partial<Record<Mode, T>>): ModeDefault<T> =>
  new ModeDefault(otherwise, modes)

/**
 * Every setting's kind, default and meaning, in one place. Secure where simplejwt is not:
 * rotation and blacklist-after-rotation are on, and both seed header styles are accepted.
 */
export const SPECS: Specs = {
  MODE: s(
    kind.oneOf(MODES),
    'development',
    'development, production or test; production refuses weak setups',
  ),
  ACCESS_TOKEN_LIFETIME: s(kind.duration, 300, 'access token lifetime, seconds'),
  REFRESH_TOKEN_LIFETIME: s(kind.duration, 86_400, 'refresh token lifetime, seconds'),
  SLIDING_TOKEN_LIFETIME: s(kind.duration, 300, 'sliding token lifetime, seconds'),
  SLIDING_TOKEN_REFRESH_LIFETIME: s(
    kind.duration,
    86_400,
    'how long a sliding token can be refreshed, seconds',
  ),
  ROTATE_REFRESH_TOKENS: s(kind.boolean, true, '/refresh/ also returns a new refresh token'),
  BLACKLIST_AFTER_ROTATION: s(kind.boolean, true, 'a rotated refresh token is blacklisted'),
  UPDATE_LAST_LOGIN: s(
    kind.boolean,
    false,
    'a completed login (password alone, the second step, a passkey) writes the user last_login as its tokens are issued; the password step before a second factor, refreshes and password changes do not',
  ),
  ALGORITHM: s(
    kind.oneOf(ALGORITHMS),
    'HS256',
    "the algorithm this server signs with: the key ring's signing key must have it (startup refuses otherwise); tokens verify with every live key of the ring",
  ),
  SIGNING_KEY: s(
    kind.optionalSecret,
    null,
    'HMAC secret or private key (PEM/JWK); generated under KEY_DIR in development',
  ),
  VERIFYING_KEY: s(kind.optionalString, null, 'public key (PEM/JWK) for asymmetric algorithms'),
  AUDIENCE: s(kind.optionalString, null, 'aud claim set and required when given'),
  ISSUER: s(kind.optionalString, null, 'iss claim set and required when given'),
  JWK_URL: s(kind.optionalString, null, 'verify with keys from this JWKS URL instead of local keys'),
  LEEWAY: s(kind.duration, 0, 'clock skew allowed on exp/nbf/iat, seconds'),
  AUTH_HEADER_TYPES: s(
    kind.list,
    ['Bearer', 'JWT'],
    'accepted Authorization schemes; the first names the 401 realm',
  ),
  AUTH_HEADER_NAME: s(
    kind.string,
    'HTTP_AUTHORIZATION',
    'header carrying the token (Django META name or plain)',
  ),
  USER_ID_FIELD: s(kind.string, 'id', 'user field copied into tokens'),
  USER_ID_CLAIM: s(kind.string, 'user_id', 'claim holding the user id'),
  TOKEN_TYPE_CLAIM: s(kind.string, 'token_type', 'claim holding the token type'),
  JTI_CLAIM: s(kind.string, 'jti', 'claim holding the token id'),
  SLIDING_TOKEN_REFRESH_EXP_CLAIM: s(
    kind.string,
    'refresh_exp',
    'claim holding a sliding token refresh deadline',
  ),
  HOST: s(kind.string, '127.0.0.1', 'address the server listens on'),
  PORT: s(kind.integer(0, 65_535), 8000, 'port the server listens on'),
  DATABASE_URL: s(kind.string, 'sqlite:var/tessera.sqlite3', 'sqlite:PATH, sqlite::memory: or postgres://…'),
  ALLOW_SQLITE_IN_PRODUCTION: s(kind.boolean, false, 'explicit opt-in to SQLite in production'),
  DATABASE_POOL_SIZE: s(kind.integer(1, 200), 10, 'PostgreSQL connections per process'),
  DATABASE_SCHEMA: s(
    kind.optionalString,
    null,
    "PostgreSQL schema for Tessera's tables and functions (created if missing; the connections' search_path), apart from an app's own tables",
  ),
  MIGRATE_ON_START: s(
    kind.optionalBoolean,
    null,
    'apply migrations at startup (default: yes unless production)',
  ),
  REDIS_URL: s(kind.optionalString, null, 'redis://… for revocation fan-out and shared rate limits'),
  REDIS_PREFIX: s(
    kind.string,
    'tessera:',
    'prefix of every Redis key and channel (one per deployment sharing a Redis)',
  ),
  API_PREFIX: s(kind.string, '/api', 'path prefix of the API routes'),
  BODY_LIMIT: s(kind.integer(1024, 1_048_576), 16_384, 'largest accepted request body, bytes'),
  TRUST_PROXY: s(
    kind.trustProxy,
    false,
    'proxies whose X-Forwarded-For entries are believed (docs/deploy.md); true is refused in every mode',
  ),
  LOG_LEVEL: s(
    kind.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
    'pino log level; at info one access line per request (docs/deploy.md, "Logs"), at debug and trace also a line as each request arrives, above info failures only',
  ),
  SERVE_DEMO: s(
    kind.optionalBoolean,
    byMode<boolean | null>(true, { production: false }),
    'serve the demo page at / to browsers and GET /api/hello/',
  ),
  ADMIN_ENABLED: s(
    kind.boolean,
    byMode(true, { production: false }),
    'serve the admin API at API_PREFIX/admin/ (staff read, superusers write; docs/admin.md); off: 404',
  ),
  ADMIN_UI_ENABLED: s(
    kind.boolean,
    byMode(true, { production: false }),
    'serve the admin web UI at ADMIN_UI_PATH (docs/admin.md); needs ADMIN_ENABLED, and is off with it unless set; off: 404',
  ),
  ADMIN_UI_PATH: s(
    kind.string,
    '/admin/',
    'path of the admin web UI: starts and ends with "/", outside API_PREFIX and /assets/',
  ),
  SCHEMA_ENABLED: s(
    kind.boolean,
    true,
    'serve the OpenAPI 3.1 document at API_PREFIX/schema/ (JSON, or YAML with ?format=yaml); it describes only the public API',
  ),
  DOCS_ENABLED: s(
    kind.optionalBoolean,
    byMode<boolean | null>(true, { production: false }),
    'serve the interactive API docs page at API_PREFIX/docs/ (needs SCHEMA_ENABLED); off in production unless set',
  ),
  KEY_DIR: s(kind.string, 'var/keys', 'where development keys and the key ring live'),
  SIGNING_KEYS: s(kind.optionalSecret, null, 'a JWK Set (JSON) of private keys, for containers'),
  LOGIN_FIELD: s(kind.oneOf(LOGIN_FIELDS), 'username', 'what /token/ takes: username, email, or either'),
  REGISTRATION_OPEN: s(
    kind.optionalBoolean,
    byMode<boolean | null>(true, { production: null }),
    'anyone may register at /register/ (production requires an explicit choice)',
  ),
  PASSWORD_HASHER: s(kind.oneOf(['argon2id'] as const), 'argon2id', 'hasher for new passwords'),
  ARGON2_MEMORY_KIB: s(kind.integer(1024, 4_194_304), 19_456, 'argon2id memory, KiB (OWASP: 19 MiB)'),
  ARGON2_ITERATIONS: s(kind.integer(1, 100), 2, 'argon2id passes (OWASP: 2)'),
  ARGON2_PARALLELISM: s(kind.integer(1, 16), 1, 'argon2id lanes (OWASP: 1)'),
  LOGIN_TIMING_PBKDF2_ITERATIONS: s(
    kind.integer(0, 10_000_000),
    1_000_000,
    'failed logins take at least one PBKDF2 check of this many rounds, the most an imported Django hash has (0: only argon2id and hashes seen since start)',
  ),
  PASSWORD_HASH_CONCURRENCY: s(
    kind.integer(0, 256),
    0,
    'password hashes computed at once (0: one less than the cores, at most 4, at least 1), so logins never starve requests',
  ),
  PASSWORD_HASH_NICE: s(
    kind.integer(0, 19),
    19,
    'CPU priority (nice, Linux) of the password-hashing threads: above 0, requests come first when the CPU is short',
  ),
  REFRESH_REUSE_INTERVAL: s(
    kind.duration,
    10,
    'a repeat refresh within this many seconds is a benign race (at most 300)',
  ),
  SESSION_ID_CLAIM: s(
    kind.optionalString,
    'sid',
    'claim carrying the session (token family) id, so ending a session voids its access tokens; empty: simplejwt claims only',
  ),
  REVOCATION_POLL_INTERVAL: s(
    kind.duration,
    1,
    'without Redis, other instances see a revocation within this many seconds (database poll)',
  ),
  REVOCATION_STREAM_HEARTBEAT: s(
    kind.integer(1, 3600),
    15,
    'the revocation stream sends a comment this often, seconds, so proxies and clients see it alive',
  ),
  REVOCATION_STREAM_MAX_PER_CLIENT: s(
    kind.integer(1, 1000),
    8,
    'open revocation streams per introspection client on one instance; more answer 429',
  ),
  REFRESH_COOKIE_ENABLED: s(kind.boolean, true, 'honour X-Auth-Transport: cookie'),
  REFRESH_COOKIE_NAME: s(kind.string, 'refresh_token', 'name of the HttpOnly refresh cookie'),
  REFRESH_COOKIE_SECURE: s(
    kind.boolean,
    byMode(true, { development: false }),
    'Secure flag; may be off only in development (browsers drop Secure cookies on plain http://127.0.0.1)',
  ),
  REFRESH_COOKIE_SAMESITE: s(kind.oneOf(SAME_SITE_VALUES), 'strict', 'SameSite of the refresh cookie'),
  REFRESH_COOKIE_PATH: s(kind.optionalString, null, 'cookie path (default: API_PREFIX + /token/)'),
  REFRESH_COOKIE_DOMAIN: s(kind.optionalString, null, 'cookie domain (default: host only)'),
  CSRF_COOKIE_NAME: s(kind.string, 'csrftoken', 'double-submit cookie, readable by scripts'),
  CSRF_HEADER_NAME: s(kind.string, 'HTTP_X_CSRFTOKEN', 'header that must echo the CSRF cookie'),
  CSRF_TRUSTED_ORIGINS: s(kind.list, [], 'origins allowed to send cookie-authenticated requests'),
  CORS_ALLOWED_ORIGINS: s(kind.list, [], 'origins allowed by CORS, with credentials'),
  RATE_LIMIT_ENABLED: s(
    kind.boolean,
    true,
    'rate limits on obtain, register, refresh, password change, and the per-account login throttle',
  ),
  RATE_LIMIT_WINDOW: s(kind.duration, 60, 'rate limit window, seconds'),
  RATE_LIMIT_LOGIN_PER_IP: s(kind.integer(1, 1_000_000), 30, 'obtain attempts per IP per window'),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: s(kind.integer(1, 1_000_000), 10, 'failed logins per account per window'),
  RATE_LIMIT_REGISTER_PER_IP: s(kind.integer(1, 1_000_000), 10, 'registrations per IP per window'),
  RATE_LIMIT_REFRESH_PER_IP: s(kind.integer(1, 1_000_000), 120, 'refreshes per IP per window'),
  RATE_LIMIT_PASSWORD_PER_IP: s(kind.integer(1, 1_000_000), 10, 'password changes per IP per window'),
  RATE_LIMIT_INTROSPECT_PER_CLIENT: s(
    kind.integer(1, 1_000_000),
    1200,
    'introspections per client per window (failed client authentication: per IP)',
  ),
  AUDIT_RETENTION: s(
    kind.duration,
    7_776_000,
    'audit events older than this are deleted by flushexpiredtokens (default 90 days); 0 keeps them',
  ),
  RATE_LIMIT_PROFILE_PER_IP: s(
    kind.integer(1, 1_000_000),
    10,
    'profile changes (PATCH /api/me/) per IP per window',
  ),
  EMAIL_BACKEND: s(
    kind.oneOf(EMAIL_BACKENDS),
    byMode<'console' | 'smtp' | 'memory'>('console', { test: 'memory' }),
    'console (messages, links included, in the server log), smtp (EMAIL_URL) or memory (tests); production requires smtp',
  ),
  EMAIL_URL: s(
    kind.optionalSecret,
    null,
    'smtp://user:pass@host:587 (STARTTLS required; ?requireTLS=false to allow plain) or smtps://…:465; never logged',
  ),
  EMAIL_FROM: s(kind.string, 'webmaster@localhost', 'From address of every mail'),
  EMAIL_TEMPLATES_DIR: s(
    kind.optionalString,
    null,
    'directory of templates overriding the built-in ones (<name>.subject.txt, <name>.txt, <name>.html; docs/account-mail.md)',
  ),
  EMAIL_MAX_ATTEMPTS: s(kind.integer(1, 100), 8, 'delivery attempts per message before it is given up'),
  EMAIL_RETRY_DELAY: s(
    kind.duration,
    10,
    'wait before the first retry of a failed delivery, seconds; doubled on each further failure (at most an hour)',
  ),
  EMAIL_POLL_INTERVAL: s(
    kind.duration,
    5,
    'how often the outbox is checked for due messages (retries, messages queued by other instances), seconds',
  ),
  FRONTEND_URL: s(
    kind.optionalString,
    null,
    'origin (and base path) of links in mails, e.g. https://app.example.com; default: http://HOST:PORT (production requires it)',
  ),
  PASSWORD_RESET_PATH: s(
    kind.optionalString,
    null,
    'path of the reset link under FRONTEND_URL; the token follows as #token=…; default: the server page at API_PREFIX/password/reset/confirm/',
  ),
  EMAIL_VERIFY_PATH: s(
    kind.optionalString,
    null,
    'path of the verification link under FRONTEND_URL; default: the server page at API_PREFIX/email/verify/',
  ),
  EMAIL_CHANGE_CONFIRM_PATH: s(
    kind.optionalString,
    null,
    'path of the e-mail change confirmation link; default: the server page at API_PREFIX/email/change/confirm/',
  ),
  EMAIL_CHANGE_CANCEL_PATH: s(
    kind.optionalString,
    null,
    'path of the cancel link sent to the old address; default: the server page at API_PREFIX/email/change/cancel/',
  ),
  PASSWORD_RESET_TIMEOUT: s(kind.duration, 3600, 'how long a password reset link works, seconds'),
  EMAIL_VERIFICATION_TIMEOUT: s(
    kind.duration,
    259_200,
    'how long verification, e-mail change and cancel links work, seconds',
  ),
  REQUIRE_EMAIL_VERIFICATION: s(
    kind.boolean,
    false,
    'refuse login (403 email_not_verified) until the account address is verified',
  ),
  RATE_LIMIT_MAIL_PER_IP: s(
    kind.integer(1, 1_000_000),
    10,
    'requests that send mail (reset, resend, e-mail change) and link confirmations per IP per window',
  ),
  RATE_LIMIT_MAIL_PER_ADDRESS: s(
    kind.integer(1, 1_000_000),
    3,
    'mails per recipient address per window; past it requests answer the same but send nothing',
  ),
  MFA_SECRET_KEY: s(
    kind.optionalSecret,
    null,
    'key that encrypts TOTP secrets at rest (AES-256-GCM, HKDF-derived); production requires one of at least 32 bytes; never logged',
  ),
  MFA_SECRET_KEY_FALLBACKS: s(
    kind.optionalSecret,
    null,
    'earlier MFA_SECRET_KEY values, comma-separated, for a key rotation: secrets sealed under one still open and are sealed again under MFA_SECRET_KEY when next used; never logged',
  ),
  MFA_TOKEN_LIFETIME: s(
    kind.duration,
    300,
    'how long the mfa_token of a login waiting for its second factor works, seconds',
  ),
  MFA_MAX_ATTEMPTS: s(kind.integer(1, 100), 5, 'second-factor attempts per mfa_token'),
  RATE_LIMIT_MFA_PER_ACCOUNT: s(
    kind.integer(1, 1_000_000),
    10,
    'failed second-factor attempts per account per window (any mfa_token)',
  ),
  MFA_REQUIRED_FOR_STAFF: s(
    kind.boolean,
    false,
    'staff and superusers without a second factor get tokens limited to enrolling one (code mfa_enrollment_required)',
  ),
  TOTP_ISSUER: s(kind.string, 'Tessera', 'issuer name authenticator apps show for TOTP'),
  TOTP_WINDOW: s(kind.integer(0, 5), 1, 'TOTP time steps accepted either side of now (clock drift)'),
  REAUTHENTICATION_MAX_AGE: s(
    kind.duration,
    300,
    'sensitive actions (password, e-mail, factors) need a login at most this old (auth_time), seconds',
  ),
  WEBAUTHN_RP_ID: s(
    kind.optionalString,
    null,
    'WebAuthn relying party id (a domain the origins are on); default: the host of FRONTEND_URL, else localhost',
  ),
  WEBAUTHN_RP_NAME: s(kind.string, 'Tessera', 'relying party name shown by authenticators'),
  WEBAUTHN_ORIGINS: s(
    kind.list,
    [],
    'origins passkey ceremonies may come from; default: the origin of FRONTEND_URL, else http://localhost:PORT; production: https only',
  ),
  WEBAUTHN_CHALLENGE_TIMEOUT: s(kind.duration, 300, 'how long a WebAuthn challenge may be answered, seconds'),
}

/** Variables under `TESSERA_` that are inputs to commands, not settings. */
export const NON_SETTING_ENV = new Set(['SUPERUSER_PASSWORD'])
