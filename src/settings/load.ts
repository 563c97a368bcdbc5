import { SettingsError } from '../core/errors.js'
import { Secret } from '../core/secret.js'
import { checkAdminUi } from './admin-ui.js'
import { ModeDefault, NON_SETTING_ENV, SPECS } from './defaults.js'
import { isGuessableSecret, MIN_SECRET_BITS, SECRET_ADVICE } from './secret-strength.js'
import { relyingParty } from './relying-party.js'
import type { Mode, SettingName, Settings } from './types.js'
import { HMAC_ALGORITHMS } from '@tessera/protocol'

const ENV_PREFIX = 'TESSERA_'
/** Unprefixed variables every hosting platform sets, read when the prefixed one is absent. */
const CONVENTIONAL_ENV = ['DATABASE_URL', 'REDIS_URL'] as const
/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output; 32 bytes for HS256. */
const MIN_HMAC_SECRET_BYTES = 32
/** Seconds: a replayed refresh token passes for a benign race only this soon after its rotation. */
const MAX_REFRESH_REUSE_INTERVAL = 300

/**
 * What a caller will use of the settings: production's refusals apply only to those parts, so an
 * operator command is not refused for a setting it never reads (`migrate` needs no signing key).
 */
export type SettingsUse = 'keys' | 'database' | 'http'
const ALL_USES: readonly SettingsUse[] = ['keys', 'database', 'http']

export interface LoadOptions {
  /** Environment to read `TESSERA_*` variables from (default: none; the server passes process.env). */
  env?: Readonly<Record<string, string | undefined>>
  /** Values given in code; they beat the environment. Strings are parsed like env values. */
  overrides?: Partial<{ [K in SettingName]: Settings[K] | string }>
  /** Shortcut for `overrides.MODE`. */
  mode?: Mode
  /** The parts the caller uses (default: all of them, as the server does). */
  uses?: readonly SettingsUse[]
}

const isSettingName = (name: string): name is SettingName => Object.hasOwn(SPECS, name)
const SETTING_NAMES = Object.keys(SPECS) as SettingName[]

function parseOne<K extends SettingName>(name: K, raw: string, source: string): Settings[K] {
  try {
    return SPECS[name].kind.parse(raw)
  } catch (error) {
    throw new SettingsError(source, (error as Error).message)
  }
}

/**
 * Builds the one settings object: defaults, then `TESSERA_*` environment, then code overrides;
 * validated, checked against the mode, and deep-frozen.
 *
 * @throws SettingsError naming the variable or setting, for an unknown name, a bad value, or a
 * setup production refuses.
 */
export function loadSettings(options: LoadOptions = {}): Readonly<Settings> {
  const values: Record<string, unknown> = {}
  for (const name of SETTING_NAMES) {
    const fallback = SPECS[name].default
    if (!(fallback instanceof ModeDefault)) values[name] = fallback
  }
  // Where each value came from, so an error names what the operator set (`TESSERA_DATABASE_URL`).
  const sources = new Map<string, string>()

  const env = options.env ?? {}
  for (const name of CONVENTIONAL_ENV) {
    const raw = env[name]
    if (raw !== undefined && env[ENV_PREFIX + name] === undefined) {
      values[name] = parseOne(name, raw, name)
      sources.set(name, name)
    }
  }
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined) continue
    const name = variable.slice(ENV_PREFIX.length)
    if (NON_SETTING_ENV.has(name)) continue
    if (!isSettingName(name)) throw new SettingsError(variable, 'unknown setting (see docs/settings.md)')
    values[name] = parseOne(name, raw, variable)
    sources.set(name, variable)
  }

  const overrides: Record<string, unknown> = { ...options.overrides }
  if (options.mode !== undefined) overrides.MODE = options.mode
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue
    if (!isSettingName(name)) throw new SettingsError(name, 'unknown setting (see docs/settings.md)')
    const spec = SPECS[name]
    if (spec.kind.accepts(value)) values[name] = value
    else if (typeof value === 'string') values[name] = parseOne(name, value, name)
    // A kind may read other values given in code as the environment would say them, for its own
    // message (TRUST_PROXY: true) or form (range names in a list).
    else if (spec.kind.readsFromCode?.(value)) values[name] = parseOne(name, String(value), name)
    else throw new SettingsError(name, `expected ${spec.kind.type}`)
    sources.set(name, name)
  }
  if (typeof values.SIGNING_KEY === 'string') values.SIGNING_KEY = new Secret(values.SIGNING_KEY)
  // The defaults that depend on the mode, now that it is known: for settings left unset or empty.
  for (const name of SETTING_NAMES) {
    const fallback = SPECS[name].default
    if (fallback instanceof ModeDefault && (!sources.has(name) || values[name] === null)) {
      values[name] = fallback.for(values.MODE as Mode)
    }
  }
  // Left unset, the admin UI follows the admin API: off with it, whatever the mode.
  if (!sources.has('ADMIN_UI_ENABLED') && values.ADMIN_ENABLED === false) values.ADMIN_UI_ENABLED = false

  const settings = values as unknown as Settings
  try {
    checkConsistency(settings)
    if (settings.MODE === 'production') checkProduction(settings, new Set(options.uses ?? ALL_USES))
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    // A setting nobody set is named as the operator would set it: in the environment.
    const unsetSource = options.env === undefined ? undefined : ENV_PREFIX + error.setting
    throw renamed(error, sources.get(error.setting) ?? unsetSource)
  }
  return deepFreeze(settings)
}

/** The same error, naming the variable the operator set instead of the setting. */
function renamed(error: SettingsError, source: string | undefined): SettingsError {
  if (source === undefined || source === error.source) return error
  return new SettingsError(error.setting, error.reason, source)
}

/**
 * The name an operator gave a setting: `TESSERA_<NAME>`, or the conventional `DATABASE_URL` /
 * `REDIS_URL` when that is the one set. For messages about a setting found wrong after loading.
 */
export function settingSource(env: Readonly<Record<string, string | undefined>>, name: SettingName): string {
  if (env[ENV_PREFIX + name] !== undefined) return ENV_PREFIX + name
  if ((CONVENTIONAL_ENV as readonly string[]).includes(name) && env[name] !== undefined) return name
  return name
}

function checkConsistency(settings: Settings): void {
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(settings.API_PREFIX)) {
    throw new SettingsError('API_PREFIX', 'must be empty or start with "/" and not end with "/"')
  }
  if (settings.AUTH_HEADER_TYPES.length === 0) {
    throw new SettingsError('AUTH_HEADER_TYPES', 'must name at least one scheme')
  }
  if (settings.AUTH_HEADER_TYPES.some((type) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(type))) {
    throw new SettingsError('AUTH_HEADER_TYPES', 'each scheme must be an HTTP token')
  }
  if (settings.ACCESS_TOKEN_LIFETIME < 1)
    throw new SettingsError('ACCESS_TOKEN_LIFETIME', 'must be at least 1s')
  if (settings.REFRESH_TOKEN_LIFETIME < 1)
    throw new SettingsError('REFRESH_TOKEN_LIFETIME', 'must be at least 1s')
  if (settings.REFRESH_REUSE_INTERVAL > MAX_REFRESH_REUSE_INTERVAL) {
    throw new SettingsError(
      'REFRESH_REUSE_INTERVAL',
      `must be at most ${MAX_REFRESH_REUSE_INTERVAL}s: a replay within it is not treated as theft (a few seconds cover tabs and retries)`,
    )
  }
  if (!/^(sqlite:|postgres:|postgresql:)/.test(settings.DATABASE_URL)) {
    throw new SettingsError('DATABASE_URL', 'expected sqlite:PATH or postgres://…')
  }
  if (settings.DATABASE_SCHEMA !== null) {
    if (!settings.DATABASE_URL.startsWith('postgres')) {
      throw new SettingsError('DATABASE_SCHEMA', 'applies to PostgreSQL only')
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(settings.DATABASE_SCHEMA)) {
      throw new SettingsError('DATABASE_SCHEMA', 'expected a PostgreSQL identifier: letters, digits and _')
    }
  }
  if (settings.REDIS_URL !== null && !/^rediss?:\/\//.test(settings.REDIS_URL)) {
    throw new SettingsError('REDIS_URL', 'expected redis://… or rediss://…')
  }
  if (settings.REFRESH_COOKIE_SAMESITE === 'none' && !settings.REFRESH_COOKIE_SECURE) {
    throw new SettingsError('REFRESH_COOKIE_SAMESITE', 'none requires REFRESH_COOKIE_SECURE')
  }
  if (!settings.REFRESH_COOKIE_SECURE && settings.MODE !== 'development') {
    throw new SettingsError('REFRESH_COOKIE_SECURE', 'cookies may be sent without Secure only in development')
  }
  const secret = settings.SIGNING_KEY?.reveal()
  if (secret !== undefined && isHmac(settings) && new TextEncoder().encode(secret).length < 8) {
    throw new SettingsError('SIGNING_KEY', 'an HMAC secret shorter than 8 bytes is never acceptable')
  }
  checkMail(settings)
  checkAdminUi(settings)
  relyingParty(settings)
  const mfaKey = settings.MFA_SECRET_KEY?.reveal()
  if (mfaKey !== undefined && new TextEncoder().encode(mfaKey).length < 16) {
    throw new SettingsError('MFA_SECRET_KEY', 'a key shorter than 16 bytes is never acceptable')
  }
  const fallbacks = settings.MFA_SECRET_KEY_FALLBACKS?.reveal()
  if (fallbacks !== undefined) {
    if (mfaKey === undefined)
      throw new SettingsError(
        'MFA_SECRET_KEY_FALLBACKS',
        'fallbacks need MFA_SECRET_KEY, the key they were replaced by',
      )
    const keys = fallbacks.split(',').map((key) => key.trim())
    if (keys.some((key) => new TextEncoder().encode(key).length < 16))
      throw new SettingsError(
        'MFA_SECRET_KEY_FALLBACKS',
        'every fallback key must be at least 16 bytes (comma-separated)',
      )
  }
}

const LINK_PATHS = [
  'PASSWORD_RESET_PATH',
  'EMAIL_VERIFY_PATH',
  'EMAIL_CHANGE_CONFIRM_PATH',
  'EMAIL_CHANGE_CANCEL_PATH',
] as const

/** Mail settings that cannot work together. Messages never include `EMAIL_URL` itself (it holds a password). */
function checkMail(settings: Settings): void {
  for (const name of [
    'EMAIL_RETRY_DELAY',
    'EMAIL_POLL_INTERVAL',
    'PASSWORD_RESET_TIMEOUT',
    'EMAIL_VERIFICATION_TIMEOUT',
  ] as const) {
    if (settings[name] < 1) throw new SettingsError(name, 'must be at least 1s')
  }
  const url = settings.EMAIL_URL?.reveal()
  if (settings.EMAIL_BACKEND === 'smtp' && url === undefined) {
    throw new SettingsError('EMAIL_URL', 'EMAIL_BACKEND=smtp needs EMAIL_URL (smtp://user:pass@host:587)')
  }
  if (url !== undefined && !/^smtps?:\/\/[^/?#]/.test(url)) {
    throw new SettingsError('EMAIL_URL', 'expected smtp://[user:pass@]host[:port] or smtps://…')
  }
  if (settings.FRONTEND_URL !== null) {
    let parsed: URL | undefined
    try {
      parsed = new URL(settings.FRONTEND_URL)
    } catch {
      parsed = undefined
    }
    if (
      parsed === undefined ||
      !/^https?:$/.test(parsed.protocol) ||
      parsed.search !== '' ||
      parsed.hash !== '' ||
      settings.FRONTEND_URL.endsWith('/')
    ) {
      throw new SettingsError(
        'FRONTEND_URL',
        'expected an http(s) origin with an optional base path, without a trailing slash, query or fragment',
      )
    }
  }
  for (const name of LINK_PATHS) {
    const path = settings[name]
    if (path !== null && !/^\/[^#?\s]*$/.test(path)) {
      throw new SettingsError(name, 'expected a path starting with "/" (the token follows as #token=…)')
    }
  }
}

const isHmac = (settings: Settings): boolean =>
  (HMAC_ALGORITHMS as readonly string[]).includes(settings.ALGORITHM)

/** OWASP and RFC 8725 §3.5: production never runs on a guessable or development setup. */
function checkProduction(settings: Settings, uses: ReadonlySet<SettingsUse>): void {
  // Without SIGNING_KEY the key ring (SIGNING_KEYS or KEY_DIR) is checked where it is loaded: a
  // missing one, one generated for development, or one of another algorithm stops the server.
  const secret = settings.SIGNING_KEY?.reveal()
  if (uses.has('keys') && isHmac(settings) && settings.SIGNING_KEYS === null && secret !== undefined) {
    const bytes = new TextEncoder().encode(secret)
    if (bytes.length < MIN_HMAC_SECRET_BYTES) {
      throw new SettingsError(
        'SIGNING_KEY',
        `an ${settings.ALGORITHM} secret must be at least ${MIN_HMAC_SECRET_BYTES} bytes in production; ${SECRET_ADVICE}`,
      )
    }
    if (isGuessableSecret(bytes)) {
      throw new SettingsError(
        'SIGNING_KEY',
        `this ${settings.ALGORITHM} secret looks guessable (repeats, runs or few distinct characters: ` +
          `under ${MIN_SECRET_BITS} bits by the estimate in docs/settings.md); ${SECRET_ADVICE}`,
      )
    }
  }
  if (uses.has('http') && settings.REGISTRATION_OPEN === null) {
    throw new SettingsError(
      'REGISTRATION_OPEN',
      'production needs an explicit choice: true lets anyone create an account at /register/, false closes it',
    )
  }
  if (uses.has('http') && settings.EMAIL_BACKEND !== 'smtp') {
    throw new SettingsError(
      'EMAIL_BACKEND',
      `production sends mail over SMTP (set EMAIL_BACKEND=smtp and EMAIL_URL): ${settings.EMAIL_BACKEND} would keep reset and verification links from their owners`,
    )
  }
  if (uses.has('http') && settings.FRONTEND_URL === null) {
    throw new SettingsError(
      'FRONTEND_URL',
      'production needs the public URL that links in mails point to (https://app.example.com)',
    )
  }
  if (uses.has('http')) checkMfaProduction(settings)
  if (
    uses.has('database') &&
    settings.DATABASE_URL.startsWith('sqlite:') &&
    !settings.ALLOW_SQLITE_IN_PRODUCTION
  ) {
    throw new SettingsError(
      'DATABASE_URL',
      'production uses PostgreSQL; set ALLOW_SQLITE_IN_PRODUCTION=true to run on SQLite deliberately',
    )
  }
}

/** Second factors in production: a real key for TOTP secrets, and a relying party named on purpose. */
function checkMfaProduction(settings: Settings): void {
  const key = settings.MFA_SECRET_KEY?.reveal()
  if (key === undefined || new TextEncoder().encode(key).length < MIN_HMAC_SECRET_BYTES) {
    throw new SettingsError(
      'MFA_SECRET_KEY',
      `production encrypts TOTP secrets with a key of at least ${MIN_HMAC_SECRET_BYTES} bytes (openssl rand -base64 48)`,
    )
  }
  // The relying party defaults to FRONTEND_URL's host, which production requires: https only.
  if (relyingParty(settings).origins.some((origin) => !origin.startsWith('https://'))) {
    throw new SettingsError(
      'WEBAUTHN_ORIGINS',
      'production uses passkeys from https origins only (set WEBAUTHN_ORIGINS, or an https FRONTEND_URL)',
    )
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** The Node header name for a Django `META` name: `HTTP_X_CSRFTOKEN` -> `x-csrftoken`. */
export function headerNameFromMeta(name: string): string {
  const plain = name.startsWith('HTTP_') ? name.slice('HTTP_'.length).replaceAll('_', '-') : name
  return plain.toLowerCase()
}
