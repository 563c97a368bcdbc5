import type {} from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { CsrfFailed } from '../core/errors.js'
import { timingSafeEqualStrings } from '../core/ids.js'
import { AUTH_TRANSPORT_HEADER } from '@tessera/protocol'
import { headerNameFromMeta } from '../settings/load.js'
import type { Settings } from '../settings/types.js'

export type BrowserSettings = Pick<
  Settings,
  | 'API_PREFIX'
  | 'REFRESH_TOKEN_LIFETIME'
  | 'REFRESH_COOKIE_ENABLED'
  | 'REFRESH_COOKIE_NAME'
  | 'REFRESH_COOKIE_SECURE'
  | 'REFRESH_COOKIE_SAMESITE'
  | 'REFRESH_COOKIE_PATH'
  | 'REFRESH_COOKIE_DOMAIN'
  | 'CSRF_COOKIE_NAME'
  | 'CSRF_HEADER_NAME'
  | 'CSRF_TRUSTED_ORIGINS'
  | 'CORS_ALLOWED_ORIGINS'
>

const CSRF_TOKEN_BYTES = 32

/**
 * Browser mode (seed 004): the refresh token travels in an HttpOnly cookie that scripts cannot read,
 * the access token stays in the page's memory, and every request a cookie authenticates must prove
 * it comes from the page (double-submit CSRF token, Origin and Fetch-Metadata checks). Chosen per
 * request with `X-Auth-Transport: cookie`, so one server serves browsers and API clients at once.
 */
export class BrowserMode {
  readonly #csrfHeader: string
  readonly #trustedOrigins: ReadonlySet<string>
  readonly #cookiePath: string

  constructor(private readonly settings: BrowserSettings) {
    this.#csrfHeader = headerNameFromMeta(settings.CSRF_HEADER_NAME)
    this.#trustedOrigins = new Set([...settings.CSRF_TRUSTED_ORIGINS, ...settings.CORS_ALLOWED_ORIGINS])
    this.#cookiePath = settings.REFRESH_COOKIE_PATH ?? `${settings.API_PREFIX}/token/`
  }

  /** The client asked for cookie transport (and the server allows it). */
  wantsCookie(request: FastifyRequest): boolean {
    return this.settings.REFRESH_COOKIE_ENABLED && request.headers[AUTH_TRANSPORT_HEADER] === 'cookie'
  }

  /** The refresh token from the cookie, if cookie mode is on and the browser sent one. */
  refreshCookie(request: FastifyRequest): string | undefined {
    if (!this.settings.REFRESH_COOKIE_ENABLED) return undefined
    const value = request.cookies?.[this.settings.REFRESH_COOKIE_NAME]
    return value === undefined || value === '' ? undefined : value
  }

  /**
   * A cookie is about to authenticate this request: it must carry the CSRF token of the
   * `csrftoken` cookie in the `X-CSRFToken` header (constant-time compare), and must not come
   * from a foreign origin (Origin header, then Fetch Metadata).
   *
   * @throws CsrfFailed
   */
  checkCsrf(request: FastifyRequest): void {
    this.checkOrigin(request)
    const cookie = request.cookies?.[this.settings.CSRF_COOKIE_NAME]
    if (cookie === undefined || cookie === '') throw new CsrfFailed('CSRF cookie not set.')
    const header = request.headers[this.#csrfHeader]
    if (typeof header !== 'string' || header === '') throw new CsrfFailed('CSRF token missing.')
    if (!timingSafeEqualStrings(header, cookie)) throw new CsrfFailed('CSRF token incorrect.')
  }

  /**
   * Origin and Fetch-Metadata checks (OWASP CSRF cheat sheet): a request from another site is
   * refused unless its origin is trusted. Also applied to cookie-mode logins (login CSRF).
   *
   * @throws CsrfFailed
   */
  checkOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin
    if (origin !== undefined) {
      const own = `${request.protocol}://${request.host}`
      if (origin !== own && !this.#trustedOrigins.has(origin)) {
        throw new CsrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`)
      }
      return
    }
    if (request.headers['sec-fetch-site'] === 'cross-site') {
      throw new CsrfFailed('Cross-site request refused (Sec-Fetch-Site).')
    }
  }

  /** Sets the refresh cookie (HttpOnly, scoped to the token paths) and a fresh CSRF cookie. */
  setSessionCookies(reply: FastifyReply, refreshToken: string): void {
    const s = this.settings
    reply.setCookie(s.REFRESH_COOKIE_NAME, refreshToken, {
      ...this.#attributes(),
      httpOnly: true,
      path: this.#cookiePath,
      maxAge: s.REFRESH_TOKEN_LIFETIME,
    })
    reply.setCookie(s.CSRF_COOKIE_NAME, newCsrfToken(), {
      ...this.#attributes(),
      // Scripts must read it to echo it in the header: that is the double submit.
      httpOnly: false,
      path: '/',
      maxAge: s.REFRESH_TOKEN_LIFETIME,
    })
  }

  /** Logout: both cookies expire now. */
  clearSessionCookies(reply: FastifyReply): void {
    const s = this.settings
    reply.setCookie(s.REFRESH_COOKIE_NAME, '', {
      ...this.#attributes(),
      httpOnly: true,
      path: this.#cookiePath,
      maxAge: 0,
    })
    reply.setCookie(s.CSRF_COOKIE_NAME, '', { ...this.#attributes(), httpOnly: false, path: '/', maxAge: 0 })
  }

  #attributes() {
    const s = this.settings
    return {
      secure: s.REFRESH_COOKIE_SECURE,
      sameSite: s.REFRESH_COOKIE_SAMESITE,
      ...(s.REFRESH_COOKIE_DOMAIN !== null ? { domain: s.REFRESH_COOKIE_DOMAIN } : {}),
    }
  }
}

function newCsrfToken(): string {
  const bytes = new Uint8Array(CSRF_TOKEN_BYTES)
  globalThis.crypto.getRandomValues(bytes)
  return Buffer.from(bytes).toString('base64url')
}
