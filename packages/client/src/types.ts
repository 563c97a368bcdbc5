/** Public types of `tessera/client`. */
import type {
  MfaMethod,
  MfaStatus,
  PasskeyView,
  RegisterAnswer,
  TotpSetupAnswer,
  UserView,
} from '@tessera/protocol'
import type { FetchFunction, FetchInit, FetchInput, FetchResponse } from './fetch-types.js'
import type { LockManagerLike } from './tabs.js'

/**
 * Where body mode keeps the refresh token. Defaults to memory (lost on reload); an app that wants
 * sessions to survive reloads in body mode provides one, accepting that scripts can read it.
 *
 * @example
 * ```ts
 * const storage: RefreshTokenStorage = {
 *   get: () => localStorage.getItem('refresh'),
 *   set: (t) => localStorage.setItem('refresh', t),
 *   remove: () => localStorage.removeItem('refresh'),
 * }
 * ```
 */
export interface RefreshTokenStorage {
  get(): string | null | undefined | Promise<string | null | undefined>
  set(token: string): void | Promise<void>
  remove(): void | Promise<void>
}

/** Options of {@link createTesseraClient}. Everything is optional. */
export interface TesseraClientOptions {
  /** Origin of the Tessera server, e.g. `https://auth.example.com`. Default `''` (same origin). */
  baseUrl?: string
  /** The server's `API_PREFIX`. Default `/api`. */
  apiPrefix?: string
  /**
   * `cookie`: the refresh token lives in an HttpOnly cookie (browsers; CSRF header added).
   * `body`: the client holds the refresh token (Node, mobile, or browsers by choice).
   * Default: `cookie` where `document` exists, else `body`.
   */
  mode?: 'cookie' | 'body'
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: FetchFunction
  /** Milliseconds since the epoch. Default `Date.now`; inject one in tests. */
  clock?: () => number
  /**
   * Renew at most this many seconds before the access token's `exp`. Default 30. Shorter-lived
   * tokens renew a sixth of their lifetime (`exp − iat`) before `exp`, at least 1 s before.
   */
  refreshSkewSeconds?: number
  /** Body mode only: where the refresh token is kept. Default: memory. */
  storage?: RefreshTokenStorage
  /** Field name the server's `LOGIN_FIELD` expects in `login()`. Default `username`. */
  loginField?: string
  /** Name of the script-readable CSRF cookie. Default `csrftoken`. */
  csrfCookieName?: string
  /** Header that carries the CSRF token. Default `X-CSRFToken`. */
  csrfHeaderName?: string
  /** Reads cookies; default `document.cookie`. Inject in tests or non-browser cookie jars. */
  cookies?: () => string
  /** Share tokens and logouts with other tabs and lock refreshes across them. Default: on where available. */
  tabCoordination?: boolean
  /** BroadcastChannel name; the refresh lock is `<name>-refresh`. Default `tessera`. */
  channelName?: string
  /** Web Locks implementation. Default `navigator.locks` when present; `null` disables locking. */
  locks?: LockManagerLike | null
}

/** Client events. `login` also fires when a session is restored or adopted from another tab. */
export type TesseraEvent = 'login' | 'logout' | 'session-expired' | 'refresh'

/** `POST /api/register/` input. */
export interface RegisterInput {
  username: string
  email: string
  password: string
  [field: string]: unknown
}

/** The client returned by {@link createTesseraClient}. */
export interface TesseraClient {
  /**
   * Obtains a token pair. For a user with a second factor it resolves `{status: 'mfa_required',
   * methods}` instead, and `completeMfa` finishes the login. Throws `TesseraClientError` (401
   * `no_active_account`, 429 `throttled`, …).
   */
  login(username: string, password: string): Promise<LoginResult>
  /**
   * Finishes a login that answered `mfa_required`: a TOTP code, a recovery code, or a passkey
   * assertion (`@tessera/client/passkeys` makes one). Throws `TesseraClientError`: 401
   * `authentication_failed` (try again), 401 `mfa_token_invalid` (log in again), 429.
   */
  completeMfa(factor: SecondFactor): Promise<void>
  /** The login waiting for its second factor, if any: its `mfa_token` and the user's methods. */
  pendingSecondFactor(): { mfaToken: string; methods: MfaMethod[] } | undefined
  /** The logged-in user's second factors (TOTP, recovery codes). Step-up actions may answer 403 `reauthentication_required`. */
  mfa: {
    status(): Promise<MfaStatus>
    /** A new TOTP secret, its `otpauth://` URI and QR code (SVG); in force once confirmed. */
    setupTotp(): Promise<TotpSetupAnswer>
    /** Confirms the secret with a code from it; resolves the recovery codes, shown once. */
    confirmTotp(code: string): Promise<string[]>
    disableTotp(): Promise<void>
    /** A new set of recovery codes (the old ones stop working). */
    regenerateRecoveryCodes(): Promise<string[]>
  }
  /** The logged-in user's passkeys, and the passkey ceremonies' server halves (`@tessera/client/passkeys` runs the browser halves). */
  passkeys: {
    list(): Promise<PasskeyView[]>
    registrationOptions(): Promise<unknown>
    register(credential: unknown, name?: string): Promise<PasskeyView>
    remove(id: string): Promise<void>
    /** Options for a passkey login: passwordless, or the second step of the pending login. */
    loginOptions(): Promise<unknown>
    /** A passwordless login with a discoverable passkey's assertion. */
    login(credential: unknown): Promise<void>
  }
  /** Creates an account (does not log in). Throws `TesseraClientError` with `fields` on a 400. */
  register(input: RegisterInput): Promise<RegisterAnswer>
  /** Blacklists the refresh token, forgets the session and tells other tabs. Never throws for network errors. */
  logout(): Promise<void>
  /** Ends every session of the user (all devices), then logs out here. */
  logoutAll(): Promise<void>
  /** `GET /api/me/`. */
  me<U = UserView>(): Promise<U>
  /**
   * `fetch` with `Authorization: Bearer <access>`; refreshes before expiry and once on a 401
   * `token_not_valid`, then retries once. Paths starting with `/` are resolved against `baseUrl`.
   * Throws `SessionExpiredError` when the session cannot be renewed.
   */
  fetch(input: FetchInput, init?: FetchInit): Promise<FetchResponse>
  /**
   * Asks for a password-reset mail. Resolves the same whether or not the address has an account
   * (the server answers 202 either way); throws `TesseraClientError` on a 400 or a 429.
   */
  requestPasswordReset(email: string): Promise<void>
  /** Sets a new password with the token from the reset link (every session ends). */
  confirmPasswordReset(token: string, newPassword: string): Promise<void>
  /** Marks the address verified with the token from the verification link. */
  verifyEmail(token: string): Promise<void>
  /** Sends the logged-in user a new verification mail (limited by the server). */
  resendVerification(): Promise<void>
  /** Asks to change the logged-in user's address: applies once confirmed from the new address. */
  changeEmail(email: string): Promise<void>
  /** Applies an address change with the token mailed to the new address. */
  confirmEmailChange(token: string): Promise<void>
  /** Cancels an address change with the token mailed to the old address. */
  cancelEmailChange(token: string): Promise<void>
  /**
   * Restores a session on page load (the refresh cookie, or the stored refresh token). Resolves `true`
   * when logged in. Cookie mode asks the server only when the CSRF cookie is present (the server sets
   * and clears it with the refresh cookie).
   */
  restore(): Promise<boolean>
  /** A valid access token (refreshing if needed), or `null` when anonymous. */
  getAccessToken(): Promise<string | null>
  /** `exp` (seconds) of the access token held in memory, or `undefined`. */
  expiresAt(): number | undefined
  /** Whether an access token is held (it may need a refresh). */
  isAuthenticated(): boolean
  /** Subscribes to an event; returns the unsubscribe function. */
  on(event: TesseraEvent, listener: () => void): () => void
  /** Closes the tab channel and drops listeners. */
  close(): void
}

/** What `login` resolved to: a session, or a login waiting for its second factor. */
export type LoginResult = { status: 'authenticated' } | { status: 'mfa_required'; methods: MfaMethod[] }

/** One second factor for `completeMfa`. */
export type SecondFactor = { code: string } | { recoveryCode: string } | { webauthn: unknown }
