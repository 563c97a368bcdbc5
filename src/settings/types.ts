import type { Secret } from '../core/secret.js'
import type { Algorithm } from '@tessera/protocol'

export const MODES = ['development', 'production', 'test'] as const
export type Mode = (typeof MODES)[number]

export const LOGIN_FIELDS = ['username', 'email', 'username_or_email'] as const
export type LoginField = (typeof LOGIN_FIELDS)[number]

/**
 * Which `X-Forwarded-For` entries are believed: none (`false`); those appended by this many
 * proxies, counted from the socket; or those appended by proxies at these addresses or CIDRs.
 */
export type TrustProxy = false | number | readonly string[]

/** `console`: messages in the server log (development); `smtp`: `EMAIL_URL`; `memory`: kept for tests. */
export const EMAIL_BACKENDS = ['console', 'smtp', 'memory'] as const
export type EmailBackend = (typeof EMAIL_BACKENDS)[number]

export const SAME_SITE_VALUES = ['strict', 'lax', 'none'] as const
export type SameSite = (typeof SAME_SITE_VALUES)[number]

/**
 * Every setting, with simplejwt's names where simplejwt has one. Durations are whole seconds.
 * Defaults and units: `src/settings/defaults.ts`; reference: `docs/settings.md`.
 */
export interface Settings {
  MODE: Mode
  // simplejwt
  ACCESS_TOKEN_LIFETIME: number
  REFRESH_TOKEN_LIFETIME: number
  SLIDING_TOKEN_LIFETIME: number
  SLIDING_TOKEN_REFRESH_LIFETIME: number
  ROTATE_REFRESH_TOKENS: boolean
  BLACKLIST_AFTER_ROTATION: boolean
  UPDATE_LAST_LOGIN: boolean
  ALGORITHM: Algorithm
  SIGNING_KEY: Secret | null
  VERIFYING_KEY: string | null
  AUDIENCE: string | null
  ISSUER: string | null
  JWK_URL: string | null
  LEEWAY: number
  AUTH_HEADER_TYPES: readonly string[]
  AUTH_HEADER_NAME: string
  USER_ID_FIELD: string
  USER_ID_CLAIM: string
  TOKEN_TYPE_CLAIM: string
  JTI_CLAIM: string
  SLIDING_TOKEN_REFRESH_EXP_CLAIM: string
  // Tessera: server and storage
  HOST: string
  PORT: number
  DATABASE_URL: string
  ALLOW_SQLITE_IN_PRODUCTION: boolean
  DATABASE_POOL_SIZE: number
  DATABASE_SCHEMA: string | null
  MIGRATE_ON_START: boolean | null
  REDIS_URL: string | null
  REDIS_PREFIX: string
  API_PREFIX: string
  BODY_LIMIT: number
  TRUST_PROXY: TrustProxy
  LOG_LEVEL: string
  /** null until loaded: then by mode (see load.ts). */
  SERVE_DEMO: boolean | null
  /** The admin API under `API_PREFIX/admin/` (docs/admin.md): on by default except in production. */
  ADMIN_ENABLED: boolean
  /** The admin web UI at `ADMIN_UI_PATH` (docs/admin.md): on by default except in production; needs `ADMIN_ENABLED`. */
  ADMIN_UI_ENABLED: boolean
  ADMIN_UI_PATH: string
  SCHEMA_ENABLED: boolean
  /** null until loaded: then by mode (see load.ts). */
  DOCS_ENABLED: boolean | null
  // Tessera: keys
  KEY_DIR: string
  SIGNING_KEYS: Secret | null
  // Tessera: accounts
  LOGIN_FIELD: LoginField
  /** null only in production when not set, where the server refuses to start (load.ts). */
  REGISTRATION_OPEN: boolean | null
  PASSWORD_HASHER: 'argon2id'
  ARGON2_MEMORY_KIB: number
  ARGON2_ITERATIONS: number
  ARGON2_PARALLELISM: number
  LOGIN_TIMING_PBKDF2_ITERATIONS: number
  PASSWORD_HASH_CONCURRENCY: number
  PASSWORD_HASH_NICE: number
  // Tessera: sessions and revocation
  REFRESH_REUSE_INTERVAL: number
  SESSION_ID_CLAIM: string | null
  REVOCATION_POLL_INTERVAL: number
  REVOCATION_STREAM_HEARTBEAT: number
  REVOCATION_STREAM_MAX_PER_CLIENT: number
  // Tessera: browser mode
  REFRESH_COOKIE_ENABLED: boolean
  REFRESH_COOKIE_NAME: string
  REFRESH_COOKIE_SECURE: boolean
  REFRESH_COOKIE_SAMESITE: SameSite
  REFRESH_COOKIE_PATH: string | null
  REFRESH_COOKIE_DOMAIN: string | null
  CSRF_COOKIE_NAME: string
  CSRF_HEADER_NAME: string
  CSRF_TRUSTED_ORIGINS: readonly string[]
  CORS_ALLOWED_ORIGINS: readonly string[]
  // Tessera: rate limits (requests per window)
  RATE_LIMIT_ENABLED: boolean
  RATE_LIMIT_WINDOW: number
  RATE_LIMIT_LOGIN_PER_IP: number
  RATE_LIMIT_LOGIN_PER_ACCOUNT: number
  RATE_LIMIT_REGISTER_PER_IP: number
  RATE_LIMIT_REFRESH_PER_IP: number
  RATE_LIMIT_PASSWORD_PER_IP: number
  RATE_LIMIT_INTROSPECT_PER_CLIENT: number
  // Tessera: audit log
  AUDIT_RETENTION: number
  RATE_LIMIT_PROFILE_PER_IP: number
  // Tessera: mail
  EMAIL_BACKEND: EmailBackend
  EMAIL_URL: Secret | null
  EMAIL_FROM: string
  EMAIL_TEMPLATES_DIR: string | null
  EMAIL_MAX_ATTEMPTS: number
  EMAIL_RETRY_DELAY: number
  EMAIL_POLL_INTERVAL: number
  FRONTEND_URL: string | null
  PASSWORD_RESET_PATH: string | null
  EMAIL_VERIFY_PATH: string | null
  EMAIL_CHANGE_CONFIRM_PATH: string | null
  EMAIL_CHANGE_CANCEL_PATH: string | null
  PASSWORD_RESET_TIMEOUT: number
  EMAIL_VERIFICATION_TIMEOUT: number
  REQUIRE_EMAIL_VERIFICATION: boolean
  RATE_LIMIT_MAIL_PER_IP: number
  RATE_LIMIT_MAIL_PER_ADDRESS: number
  // Tessera: second factors and step-up
  MFA_SECRET_KEY: Secret | null
  MFA_SECRET_KEY_FALLBACKS: Secret | null
  MFA_TOKEN_LIFETIME: number
  MFA_MAX_ATTEMPTS: number
  RATE_LIMIT_MFA_PER_ACCOUNT: number
  MFA_REQUIRED_FOR_STAFF: boolean
  TOTP_ISSUER: string
  TOTP_WINDOW: number
  REAUTHENTICATION_MAX_AGE: number
  WEBAUTHN_RP_ID: string | null
  WEBAUTHN_RP_NAME: string
  WEBAUTHN_ORIGINS: readonly string[]
  WEBAUTHN_CHALLENGE_TIMEOUT: number
}

export type SettingName = keyof Settings
