/**
 * Typed errors thrown by the client. They carry the server's wire fields so an app can branch on
 * `code` (stable) rather than on `detail` (human text that may change or be translated).
 */
import type { FieldErrors } from '@tessera/protocol'
import type { ErrorResponse } from './fetch-types.js'

/**
 * A non-success answer from the Tessera server.
 *
 * @example
 * ```ts
 * try {
 *   await client.register({ username, email, password })
 * } catch (e) {
 *   if (e instanceof TesseraClientError && e.fields) showFieldErrors(e.fields)
 * }
 * ```
 */
export class TesseraClientError extends Error {
  /** HTTP status of the answer. */
  readonly status: number
  /** Stable wire code (`token_not_valid`, `throttled`, `csrf_failed`, …) when the server sent one. */
  readonly code: string | undefined
  /** The server's `detail`, or the first field message for a 400 with field errors. */
  readonly detail: string
  /** DRF-style field errors (`{username: ["…"]}`) of a 400 answer. */
  readonly fields: FieldErrors | undefined
  /** Seconds to wait, from `Retry-After` (429 answers). */
  readonly retryAfter: number | undefined

  constructor(
    status: number,
    detail: string,
    extra: {
      code?: string | undefined
      fields?: FieldErrors | undefined
      retryAfter?: number | undefined
    } = {},
  ) {
    super(detail)
    this.name = new.target.name
    this.status = status
    this.detail = detail
    this.code = extra.code
    this.fields = extra.fields
    this.retryAfter = extra.retryAfter
  }
}

/**
 * The session is over: the refresh token was refused (expired, blacklisted, revoked by logout-all)
 * or a freshly refreshed access token was still refused. The user must log in again.
 *
 * @example
 * ```ts
 * client.fetch('/api/hello/').catch((e) => {
 *   if (e instanceof SessionExpiredError) router.push('/login')
 * })
 * ```
 */
export class SessionExpiredError extends TesseraClientError {}

/**
 * Builds a {@link TesseraClientError} from a failed response, reading `{detail, code}` or field errors.
 *
 * @example
 * ```ts
 * if (!res.ok) throw await errorFromResponse(res)
 * ```
 */
export async function errorFromResponse(res: ErrorResponse): Promise<TesseraClientError> {
  const body: unknown = await res.json().catch(() => undefined)
  const retry = Number(res.headers.get('retry-after'))
  const retryAfter = retry > 0 ? retry : undefined
  if (body && typeof body === 'object') {
    const { detail, code } = body as { detail?: unknown; code?: unknown }
    if (typeof detail === 'string') {
      return new TesseraClientError(res.status, detail, {
        code: typeof code === 'string' ? code : undefined,
        retryAfter,
      })
    }
    // No `detail`: DRF field errors, `{field: [messages]}`.
    const fields = body as FieldErrors
    const first = Object.values(fields)[0]
    return new TesseraClientError(res.status, (Array.isArray(first) && first[0]) || 'Invalid input.', {
      code: 'invalid',
      fields,
    })
  }
  return new TesseraClientError(res.status, res.statusText || `HTTP ${res.status}`, { retryAfter })
}
