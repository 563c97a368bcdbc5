/**
 * An in-process fake of the Tessera HTTP contract, for client tests: a `fetch` that answers the token,
 * register, me, hello and logout-all endpoints, issues JWT-shaped tokens (unsigned: the client never
 * verifies) with `exp` from an injected clock, rotates refresh tokens, and emulates a browser cookie
 * jar for cookie transport, with the double-submit CSRF check.
 */

export interface FakeUser {
  id: number
  username: string
  email: string
  password: string
}

export interface RecordedRequest {
  method: string
  path: string
  headers: Headers
  body: unknown
  credentials: RequestCredentials | undefined
}

export interface FakeServerOptions {
  /** Seconds since the epoch, shared with the client's clock. */
  nowSeconds: () => number
  accessLifetime?: number
  refreshLifetime?: number
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Builds an unsigned JWT-shaped token. */
export function makeToken(payload: Record<string, unknown>): string {
  return `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}.c2ln`
}

function readToken(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

const TOKEN_INVALID = {
  detail: 'Token is invalid or expired',
  code: 'token_not_valid',
}

export class FakeServer {
  readonly users: FakeUser[] = [
    { id: 1, username: 'alice', email: 'alice@example.com', password: 'Wonderland-42!' },
  ]
  readonly requests: RecordedRequest[] = []
  /** The browser's cookie jar: name → value (the refresh cookie is HttpOnly, `csrftoken` is not). */
  readonly jar = new Map<string, string>()
  /** Refresh jtis that were rotated out or blacklisted. */
  readonly blacklisted = new Set<string>()
  /** Access tokens refused from now on (simulates revocation). */
  readonly revokedAccess = new Set<string>()
  /** Refuse every access token (the retry-after-refresh also fails). */
  rejectAllAccess = false
  /** Answer the next obtain with 429. */
  throttleNext = false
  /** While set, refresh answers wait for it: lets tests hold a refresh in flight. */
  refreshGate: Promise<void> | undefined
  activeRefreshes = 0
  maxConcurrentRefreshes = 0
  private seq = 0
  private readonly now: () => number
  private readonly accessLifetime: number
  private readonly refreshLifetime: number

  constructor(options: FakeServerOptions) {
    this.now = options.nowSeconds
    this.accessLifetime = options.accessLifetime ?? 300
    this.refreshLifetime = options.refreshLifetime ?? 86_400
  }

  /** Requests to one path, e.g. `count('/api/token/refresh/')`. */
  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length
  }

  /** What `document.cookie` shows: only cookies that are not HttpOnly. */
  documentCookie(): string {
    const csrf = this.jar.get('csrftoken')
    return csrf ? `theme=dark; csrftoken=${csrf}` : 'theme=dark'
  }

  issue(type: 'access' | 'refresh', userId: number): string {
    const iat = this.now()
    const lifetime = type === 'access' ? this.accessLifetime : this.refreshLifetime
    const jti = (++this.seq).toString(16).padStart(32, '0')
    const token = makeToken({ token_type: type, exp: iat + lifetime, iat, jti, user_id: userId })
    if (type === 'access') this.issuedAccess.push({ token, userId })
    return token
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers = new Headers(init.headers)
    const method = init.method ?? 'GET'
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    this.requests.push({ method, path: url.pathname, headers, body, credentials: init.credentials })
    // The browser sends cookies cross-origin only with `credentials: 'include'`.
    const cookies = init.credentials === 'include' ? this.jar : new Map<string, string>()
    const cookieTransport = headers.get('x-auth-transport') === 'cookie'
    switch (`${method} ${url.pathname}`) {
      case 'POST /api/token/':
        return this.obtain(body, cookieTransport)
      case 'POST /api/token/refresh/':
        return this.refresh(body, headers, cookies, cookieTransport)
      case 'POST /api/token/blacklist/':
        return this.blacklist(body, headers, cookies, cookieTransport)
      case 'POST /api/register/':
        return this.register(body)
      case 'GET /api/me/':
      case 'GET /api/hello/':
      case 'POST /api/logout/all/': {
        const user = this.authenticate(headers)
        if (!(user && 'id' in user))
          return user ?? json(401, { detail: 'Authentication credentials were not provided.' })
        if (url.pathname === '/api/hello/') return json(200, { message: 'Hello, World!' })
        if (url.pathname === '/api/me/')
          return json(200, { id: user.id, username: user.username, email: user.email })
        for (const issued of this.issuedAccess) {
          if (issued.userId === user.id) this.revokedAccess.add(issued.token)
        }
        this.jar.delete('refresh')
        this.revokeAllRefresh = true
        return json(200, {})
      }
      default:
        return json(404, { detail: 'Not found.' })
    }
  }

  private revokeAllRefresh = false
  private readonly issuedAccess: { token: string; userId: number }[] = []

  private authenticate(headers: Headers): FakeUser | Response | undefined {
    const auth = headers.get('authorization')
    if (!auth?.startsWith('Bearer ')) return undefined
    const token = auth.slice(7)
    const claims = readToken(token)
    const invalid = () =>
      json(
        401,
        {
          detail: 'Given token not valid for any token type',
          code: 'token_not_valid',
          messages: [
            { token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' },
          ],
        },
        { 'www-authenticate': 'Bearer realm="api"' },
      )
    if (claims?.token_type !== 'access' || (claims.exp as number) <= this.now()) return invalid()
    if (this.rejectAllAccess || this.revokedAccess.has(token)) return invalid()
    return this.users.find((u) => u.id === claims.user_id) ?? invalid()
  }

  private obtain(body: { username?: string; password?: string }, cookieTransport: boolean): Response {
    if (this.throttleNext) {
      this.throttleNext = false
      return json(
        429,
        { detail: 'Request was throttled. Expected available in 7 seconds.', code: 'throttled' },
        {
          'retry-after': '7',
        },
      )
    }
    const user = this.users.find((u) => u.username === body.username && u.password === body.password)
    if (!user) return json(401, { detail: 'No active account found with the given credentials' })
    this.revokeAllRefresh = false
    const refresh = this.issue('refresh', user.id)
    const access = this.issue('access', user.id)
    if (!cookieTransport) return json(200, { refresh, access })
    this.jar.set('refresh', refresh)
    this.jar.set('csrftoken', `csrf-${this.seq}`)
    return json(200, { access })
  }

  /** Finds the refresh token of a request (cookie or body) and checks CSRF for the cookie. */
  private presented(
    body: { refresh?: string } | undefined,
    headers: Headers,
    cookies: Map<string, string>,
    cookieTransport: boolean,
  ): string | Response {
    if (body?.refresh) return body.refresh
    const cookie = cookieTransport ? cookies.get('refresh') : undefined
    if (!cookie) return json(400, { refresh: ['This field is required.'] })
    const csrf = cookies.get('csrftoken')
    if (!csrf || headers.get('x-csrftoken') !== csrf) {
      return json(403, { detail: 'CSRF Failed: CSRF token missing or incorrect.', code: 'csrf_failed' })
    }
    return cookie
  }

  private async refresh(
    body: { refresh?: string } | undefined,
    headers: Headers,
    cookies: Map<string, string>,
    cookieTransport: boolean,
  ): Promise<Response> {
    const token = this.presented(body, headers, cookies, cookieTransport)
    if (typeof token !== 'string') return token
    this.activeRefreshes++
    this.maxConcurrentRefreshes = Math.max(this.maxConcurrentRefreshes, this.activeRefreshes)
    try {
      await this.refreshGate
      const claims = readToken(token)
      const fromCookie = body?.refresh === undefined
      const refused = (answer: unknown) => {
        if (fromCookie) this.clearSessionCookies()
        return json(401, answer)
      }
      if (claims?.token_type !== 'refresh' || (claims.exp as number) <= this.now()) {
        return refused(TOKEN_INVALID)
      }
      if (this.revokeAllRefresh || this.blacklisted.has(claims.jti as string)) {
        return refused({ detail: 'Token is blacklisted', code: 'token_not_valid' })
      }
      this.blacklisted.add(claims.jti as string)
      const refresh = this.issue('refresh', claims.user_id as number)
      const access = this.issue('access', claims.user_id as number)
      if (!cookieTransport) return json(200, { access, refresh })
      this.jar.set('refresh', refresh)
      return json(200, { access })
    } finally {
      this.activeRefreshes--
    }
  }

  private blacklist(
    body: { refresh?: string } | undefined,
    headers: Headers,
    cookies: Map<string, string>,
    cookieTransport: boolean,
  ): Response {
    const token = this.presented(body, headers, cookies, cookieTransport)
    if (typeof token !== 'string') return token
    const jti = readToken(token)?.jti
    if (typeof jti !== 'string') return json(401, TOKEN_INVALID)
    this.blacklisted.add(jti)
    if (cookieTransport) this.clearSessionCookies()
    return json(200, {})
  }

  /** What the server's Set-Cookie does on logout and on a refused refresh cookie: both cookies go. */
  private clearSessionCookies(): void {
    this.jar.delete('refresh')
    this.jar.delete('csrftoken')
  }

  private register(body: Record<string, unknown>): Response {
    const errors: Record<string, string[]> = {}
    for (const field of ['username', 'email', 'password']) {
      if (!body[field]) errors[field] = ['This field is required.']
    }
    if (this.users.some((u) => u.username === body.username)) {
      errors.username = ['A user with that username already exists.']
    }
    if (typeof body.password === 'string' && body.password.length < 8) {
      errors.password = ['This password is too short. It must contain at least 8 characters.']
    }
    if (Object.keys(errors).length > 0) return json(400, errors)
    const user = {
      id: this.users.length + 1,
      username: String(body.username),
      email: String(body.email),
      password: String(body.password),
    }
    this.users.push(user)
    return json(201, { id: user.id, username: user.username, email: user.email })
  }
}

/** A mutable clock: `clock.ms()` for the client, `clock.seconds()` for the server. */
export function fakeClock(start = Date.UTC(2026, 0, 1) as number) {
  let ms = start
  return {
    ms: () => ms,
    seconds: () => Math.floor(ms / 1000),
    advance(seconds: number) {
      ms += seconds * 1000
    },
  }
}

/** Resolves on the next `event` of a client (used to wait for BroadcastChannel delivery). */
export function nextEvent(
  client: { on(e: string, l: () => void): () => void },
  event: string,
): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on(event, () => {
      off()
      resolve()
    })
  })
}
