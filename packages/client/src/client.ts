/**
 * The Tessera browser/Node client. The access token lives only in this closure (never in storage,
 * so an XSS cannot lift it from localStorage); the refresh token lives in an HttpOnly cookie (cookie
 * mode) or in the app's {@link RefreshTokenStorage} (body mode).
 */
import {
  AUTH_TRANSPORT_HEADER,
  DEFAULT_API_PREFIX,
  type MfaChallenge,
  type MfaStatus,
  PATHS,
  type PasskeyView,
  type RecoveryCodesAnswer,
  type RefreshAnswer,
  type RegisterAnswer,
  type TokenPair,
  type TotpSetupAnswer,
} from '@tessera/protocol'
import { readCookie } from './cookies.js'
import { errorFromResponse, SessionExpiredError, TesseraClientError } from './errors.js'
import { decodeJwtPayload, renewalMargin, tokenExpiry } from './jwt.js'
import { type LockManagerLike, openTabLink, type TabMessage, withLock } from './tabs.js'
import type { SecondFactor, TesseraClient, TesseraClientOptions, TesseraEvent } from './types.js'

/** How long a tab that queued for the refresh lock waits for the holder's broadcast (see handOff). */
const HANDOFF_MS = 1000

/**
 * Creates a client for one Tessera server.
 *
 * @example
 * ```ts
 * const auth = createTesseraClient({ baseUrl: 'https://auth.example.com', mode: 'cookie' })
 * await auth.restore() // page load: resume the session from the refresh cookie
 * await auth.login('alice', 'Wonderland-42!')
 * const res = await auth.fetch('/api/hello/') // Bearer attached, refreshed when due
 * auth.on('session-expired', () => location.assign('/login'))
 * ```
 */
export function createTesseraClient(options: TesseraClientOptions = {}): TesseraClient {
  const cookieMode = (options.mode ?? (typeof document === 'undefined' ? 'body' : 'cookie')) === 'cookie'
  const base = (options.baseUrl ?? '').replace(/\/+$/, '')
  const api = base + (options.apiPrefix ?? DEFAULT_API_PREFIX).replace(/\/+$/, '')
  // Kept in a local, never called as `options.fetch(...)`: browsers throw "Illegal invocation" when
  // window.fetch runs with another `this`.
  const send =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const now = options.clock ?? Date.now
  const maxMarginMs = (options.refreshSkewSeconds ?? 30) * 1000
  const loginField = options.loginField ?? 'username'
  const readCookies = options.cookies ?? (() => (typeof document === 'undefined' ? '' : document.cookie))
  const channelName = options.channelName ?? 'tessera'
  const coordinate = options.tabCoordination !== false
  const locks: LockManagerLike | undefined = !coordinate
    ? undefined
    : options.locks === undefined
      ? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks
      : (options.locks ?? undefined)

  let memoryRefresh: string | null | undefined
  const storage = options.storage ?? {
    get: () => memoryRefresh,
    set: (token: string) => {
      memoryRefresh = token
    },
    remove: () => {
      memoryRefresh = undefined
    },
  }

  let access: string | null = null
  let accessExp: number | undefined
  /** The `mfa_token` of a login waiting for its second factor (never stored: this closure only). */
  let pendingMfa: MfaChallenge | undefined
  /** When the held token is due for renewal (ms since the epoch); see `renewalMargin`. */
  let renewAt = Number.POSITIVE_INFINITY
  let inFlight: Promise<string> | undefined
  // Bumped when a session ends or starts, so a refresh that was in flight cannot resurrect the old one.
  let epoch = 0
  const listeners = new Map<TesseraEvent, Set<() => void>>()
  // Refreshes waiting for another tab's broadcast (see handOff): woken by any message from the tabs.
  const tabWaiters = new Set<() => void>()

  const emit = (event: TesseraEvent) => {
    for (const listener of listeners.get(event) ?? []) {
      // One faulty listener must not break a refresh or a logout half-way.
      try {
        listener()
      } catch (error) {
        console.error(error)
      }
    }
  }

  const setAccess = (token: string | null) => {
    access = token
    const payload = token ? decodeJwtPayload(token) : undefined
    const exp = typeof payload?.exp === 'number' ? payload.exp : undefined
    accessExp = exp
    if (exp === undefined) {
      renewAt = Number.POSITIVE_INFINITY
      return
    }
    // The lifetime from the server's own `iat`, so a skewed client clock cannot shrink it; a token
    // without one counts from now.
    const iat = typeof payload?.iat === 'number' ? payload.iat : now() / 1000
    renewAt = exp * 1000 - renewalMargin((exp - iat) * 1000, maxMarginMs)
  }

  /** Usable without a refresh: held, and not yet due for renewal (no `exp`: the server decides). */
  const fresh = () => access !== null && renewAt > now()

  const onTab = (message: TabMessage) => {
    adoptFromTab(message)
    for (const wake of tabWaiters) wake()
  }
  const adoptFromTab = (message: TabMessage) => {
    if (message.t === 'logout') {
      const had = access !== null
      epoch++
      setAccess(null)
      void storage.remove()
      if (had) emit('logout')
      return
    }
    // Adopt only a token that lives longer than ours: messages may arrive out of order.
    const exp = tokenExpiry(message.a)
    if (access === null || (exp ?? 0) > (accessExp ?? 0)) {
      const had = access !== null
      setAccess(message.a)
      emit(had ? 'refresh' : 'login')
    }
  }
  const link = coordinate ? openTabLink(channelName, onTab) : undefined

  /**
   * Waits until a message from another tab arrives, or `ms` pass. A tab that queued for the refresh
   * lock behind another tab uses it: that tab posted its new access token before releasing the lock,
   * but the grant can overtake the message (by far more than one task on a busy machine), and
   * refreshing again would spend a second refresh token on the same expiry.
   */
  const handOff = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        tabWaiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      tabWaiters.add(wake)
    })

  const csrfToken = () => readCookie(readCookies(), options.csrfCookieName ?? 'csrftoken') || undefined

  /** A POST to a token endpoint, with the cookie-transport and CSRF headers in cookie mode. */
  const postToken = (path: string, body: object, transport = true) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(body) }
    if (cookieMode && transport) {
      headers[AUTH_TRANSPORT_HEADER] = 'cookie'
      const csrf = csrfToken()
      if (csrf) headers[options.csrfHeaderName ?? 'X-CSRFToken'] = csrf
      init.credentials = 'include'
    }
    return send(api + path, init)
  }

  /** Forgets the session after the server refused it; returns the error to throw. */
  const endSession = async (cause: TesseraClientError, spent?: string | null) => {
    const had = access !== null
    setAccess(null)
    // Body mode: drop the refused token, but not one another tab rotated into shared storage meanwhile.
    if (!cookieMode && (spent === undefined || (await storage.get()) === spent)) await storage.remove()
    if (had) emit('session-expired')
    return new SessionExpiredError(cause.status, cause.detail, { code: cause.code })
  }

  /** Single-flight refresh: concurrent callers share one request, and tabs take turns via a Web Lock. */
  const refresh = (): Promise<string> => {
    const trigger = access
    inFlight ??= withLock(locks, `${channelName}-refresh`, async ({ waited }) => {
      const adopted = () => access !== null && access !== trigger && fresh()
      if (locks && link && !adopted()) {
        // We queued behind another tab: it most likely just refreshed, and its broadcast is on the
        // way (a tab whose refresh failed sends none, so the wait is bounded). Granted at once: yield
        // one task, for a broadcast posted just before a release we did not queue behind.
        if (waited) await handOff(HANDOFF_MS)
        else await new Promise((resolve) => setTimeout(resolve, 0))
      }
      if (adopted()) return access as string
      const started = epoch
      const spent = cookieMode ? null : await storage.get()
      if (!cookieMode && !spent) {
        throw await endSession(new TesseraClientError(401, 'No refresh token.', { code: 'token_not_valid' }))
      }
      const res = await postToken(PATHS.tokenRefresh, cookieMode ? {} : { refresh: spent })
      if (!res.ok) {
        const error = await errorFromResponse(res)
        // 400: no refresh token at all (no cookie); 401: refused. Either way the session is gone.
        throw res.status === 400 || res.status === 401 ? await endSession(error, spent) : error
      }
      const answer = (await res.json()) as RefreshAnswer
      if (epoch !== started) {
        if (fresh()) return access as string
        throw new SessionExpiredError(401, 'Logged out during the refresh.', { code: 'token_not_valid' })
      }
      if (!cookieMode && answer.refresh) await storage.set(answer.refresh)
      const had = access !== null
      setAccess(answer.access)
      link?.post({ t: 'access', a: answer.access })
      emit(had ? 'refresh' : 'login')
      return answer.access
    }).finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  /** Where there is no session, a failed refresh just means "anonymous". */
  const anonymous = (error: unknown) => {
    if (error instanceof SessionExpiredError) return null
    throw error
  }

  const getAccessToken = async (): Promise<string | null> => {
    if (fresh()) return access
    if (access !== null) return refresh()
    if (inFlight) return inFlight.catch(anonymous) // a restore() is under way
    if (!cookieMode && (await storage.get())) return refresh().catch(anonymous)
    return null
  }

  const withBearer = (input: RequestInfo | URL, init: RequestInit, token: string | null) => {
    const isRequest = typeof Request !== 'undefined' && input instanceof Request
    const headers = new Headers(init.headers ?? (isRequest ? input.headers : undefined))
    if (token) headers.set('authorization', `Bearer ${token}`)
    // A Request's body can be read once: send a clone so the retry still has it.
    return send(isRequest ? input.clone() : input, { ...init, headers })
  }

  const authFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const target = typeof input === 'string' && input.startsWith('/') ? base + input : input
    const token = await getAccessToken()
    const res = await withBearer(target, init, token)
    if (token === null || res.status !== 401) return res
    const body = (await res
      .clone()
      .json()
      .catch(() => undefined)) as { code?: unknown } | undefined
    if (body?.code !== 'token_not_valid') return res
    // Refresh once (unless a concurrent call already did) and retry once; a second 401 ends the session.
    const next = access !== null && access !== token && fresh() ? access : await refresh()
    const retried = await withBearer(target, init, next)
    if (retried.status === 401) throw await endSession(await errorFromResponse(retried))
    return retried
  }

  const json = async <T>(res: Response): Promise<T> => {
    if (!res.ok) throw await errorFromResponse(res)
    return (await res.json()) as T
  }

  /** A new session's tokens: kept as `login` keeps them, announced to the other tabs. */
  const adoptPair = (pair: TokenPair) => {
    // Cookie mode never keeps a refresh token, even if a misconfigured server sends one.
    if (!cookieMode && pair.refresh) void storage.set(pair.refresh)
    epoch++
    setAccess(pair.access)
    link?.post({ t: 'access', a: pair.access })
    emit('login')
  }

  /** A JSON call on the logged-in user's behalf (Bearer attached, refreshed when due). */
  const sendAuthed = (path: string, method: string, body?: object) =>
    authFetch(
      api + path,
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    )

  const expectOk = async (res: Response) => {
    if (!res.ok) throw await errorFromResponse(res)
  }

  const logout = async () => {
    // Let a refresh under way finish first, so the token blacklisted is the one it rotated to.
    await inFlight?.catch(() => undefined)
    epoch++
    try {
      const spent = cookieMode ? null : await storage.get()
      if (cookieMode || spent) await postToken(PATHS.tokenBlacklist, cookieMode ? {} : { refresh: spent })
    } catch {
      // Offline or server down: forget the session anyway; the refresh token expires on its own.
    }
    setAccess(null)
    if (!cookieMode) await storage.remove()
    link?.post({ t: 'logout' })
    emit('logout')
  }

  return {
    async login(username, password) {
      const res = await postToken(PATHS.tokenObtain, { [loginField]: username, password })
      const challenge = await mfaChallengeOf(res)
      if (challenge !== undefined) {
        pendingMfa = challenge
        return { status: 'mfa_required', methods: challenge.methods }
      }
      adoptPair(await json<TokenPair>(res))
      return { status: 'authenticated' }
    },
    async completeMfa(factor: SecondFactor) {
      const challenge = pendingMfa
      if (challenge === undefined) {
        throw new TesseraClientError(401, 'No login is waiting for a second factor: log in first.', {
          code: 'mfa_token_invalid',
        })
      }
      const res = await postToken(PATHS.tokenMfa, { mfa_token: challenge.mfa_token, ...factorBody(factor) })
      if (!res.ok) {
        const error = await errorFromResponse(res)
        // Used up, expired or out of attempts: only a new login helps.
        if (error.code === 'mfa_token_invalid' && pendingMfa === challenge) pendingMfa = undefined
        throw error
      }
      pendingMfa = undefined
      adoptPair((await res.json()) as TokenPair)
    },
    pendingSecondFactor: () =>
      pendingMfa === undefined ? undefined : { mfaToken: pendingMfa.mfa_token, methods: pendingMfa.methods },
    mfa: {
      status: async () => json<MfaStatus>(await authFetch(api + PATHS.mfa)),
      setupTotp: async () => json<TotpSetupAnswer>(await sendAuthed(PATHS.mfaTotpSetup, 'POST', {})),
      confirmTotp: async (code) =>
        (await json<RecoveryCodesAnswer>(await sendAuthed(PATHS.mfaTotpConfirm, 'POST', { code }))).recovery_codes,
      disableTotp: async () => {
        await expectOk(await sendAuthed(PATHS.mfaTotp, 'DELETE'))
      },
      regenerateRecoveryCodes: async () =>
        (await json<RecoveryCodesAnswer>(await sendAuthed(PATHS.mfaRecoveryCodes, 'POST', {}))).recovery_codes,
    },
    passkeys: {
      list: async () => json<PasskeyView[]>(await authFetch(api + PATHS.passkeys)),
      registrationOptions: async () => json<unknown>(await sendAuthed(PATHS.passkeyRegisterOptions, 'POST', {})),
      register: async (credential, name) =>
        json<PasskeyView>(
          await sendAuthed(PATHS.passkeyRegister, 'POST', name === undefined ? { credential } : { credential, name }),
        ),
      remove: async (id) => {
        await expectOk(await sendAuthed(`${PATHS.passkeys}${encodeURIComponent(id)}/`, 'DELETE'))
      },
      loginOptions: async () => {
        const body = pendingMfa === undefined ? {} : { mfa_token: pendingMfa.mfa_token }
        return json<unknown>(await postToken(PATHS.passkeyLoginOptions, body, false))
      },
      login: async (credential) => {
        adoptPair(await json<TokenPair>(await postToken(PATHS.passkeyLogin, { credential })))
      },
    },
    async register(input) {
      return json<RegisterAnswer>(await postToken(PATHS.register, input, false))
    },
    logout,
    async logoutAll() {
      await json(await authFetch(api + PATHS.logoutAll, { method: 'POST' }))
      await logout()
    },
    async me<U>() {
      return json<U>(await authFetch(api + PATHS.me))
    },
    async requestPasswordReset(email) {
      await json(await postToken(PATHS.passwordReset, { email }, false))
    },
    async confirmPasswordReset(token, newPassword) {
      await json(await postToken(PATHS.passwordResetConfirm, { token, new_password: newPassword }, false))
    },
    async verifyEmail(token) {
      await json(await postToken(PATHS.emailVerify, { token }, false))
    },
    async resendVerification() {
      await json(await authFetch(api + PATHS.emailVerifyResend, { method: 'POST' }))
    },
    async changeEmail(email) {
      await json(
        await authFetch(api + PATHS.emailChange, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        }),
      )
    },
    async confirmEmailChange(token) {
      await json(await postToken(PATHS.emailChangeConfirm, { token }, false))
    },
    async cancelEmailChange(token) {
      await json(await postToken(PATHS.emailChangeCancel, { token }, false))
    },
    fetch: authFetch,
    async restore() {
      if (fresh()) return true
      // Cookie mode: the server sets the script-readable CSRF cookie with the HttpOnly refresh cookie
      // and clears both together (logout, refused refresh), and a cookie refresh without it fails
      // the CSRF check anyway. No CSRF cookie: no session to resume, so nothing to ask.
      if (cookieMode && inFlight === undefined && csrfToken() === undefined) return false
      try {
        await refresh()
        return true
      } catch (error) {
        // No cookie, no CSRF cookie yet, or an expired token: simply not logged in.
        if (error instanceof TesseraClientError && error.status >= 400 && error.status < 404) return false
        throw error
      }
    },
    getAccessToken,
    expiresAt: () => accessExp,
    isAuthenticated: () => access !== null,
    on(event, listener) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(listener)
      return () => {
        set.delete(listener)
      }
    },
    close() {
      link?.close()
      listeners.clear()
    },
  }
}

/** The second-factor challenge of a 401 answer to a password login, if that is what it is. */
async function mfaChallengeOf(res: Response): Promise<MfaChallenge | undefined> {
  if (res.status !== 401) return undefined
  try {
    const body = (await res.clone().json()) as Partial<MfaChallenge>
    if (body.code === 'mfa_required' && typeof body.mfa_token === 'string' && Array.isArray(body.methods)) {
      return body as MfaChallenge
    }
  } catch {
    // Not JSON: an ordinary failure, reported by the caller.
  }
  return undefined
}

function factorBody(factor: SecondFactor): Record<string, unknown> {
  if ('code' in factor) return { code: factor.code }
  if ('recoveryCode' in factor) return { recovery_code: factor.recoveryCode }
  return { webauthn: factor.webauthn }
}
