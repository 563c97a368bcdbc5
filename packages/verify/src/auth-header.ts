import { BadAuthorizationHeader } from '@tessera/protocol'

/** Longest Authorization header read; anything longer is refused before splitting. */
export const MAX_AUTH_HEADER_LENGTH = 8192

/**
 * The value of the request header `name` (lower case), read from Node's `rawHeaders` (`[name,
 * value, ...]` as received). Node builds `request.headers` on first access, an object with every
 * header the client sent; the protected route needs only this one, and skipping that object is a
 * measurable share of its cost, more with the dozen headers a browser sends (bench/FINDINGS.md).
 * A header sent more
 * than once gives its values joined by ", " (RFC 9110 section 5.3), as a WSGI server hands them to
 * Django: for Authorization that is no longer one credential, so simplejwt's parsing refuses it,
 * and so does `tokenFromAuthorization`.
 */
export function headerFromRaw(rawHeaders: readonly string[], name: string): string | undefined {
  let value: string | undefined
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const field = rawHeaders[i] as string
    if (!sameFieldName(field, name)) continue
    const next = rawHeaders[i + 1] as string
    value = value === undefined ? next : `${value}, ${next}`
  }
  return value
}

/**
 * The Authorization header of a request in a user's own app (the guards): as the client sent it
 * (`rawHeaders`, so a repeated header is refused like the server refuses it), or, when the client
 * sent none, what the app itself put in `headers` (a hook that turns a cookie into a header).
 */
export function authorizationOf(
  rawHeaders: readonly string[] | undefined,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const sent = rawHeaders === undefined ? undefined : headerFromRaw(rawHeaders, 'authorization')
  if (sent !== undefined) return sent
  const own = headers.authorization
  return Array.isArray(own) ? own[0] : own
}

/**
 * Whether a received field name is `lower` in any case (field names are ASCII tokens), without
 * allocating a lower-cased copy of each name: lengths first, so most names are ruled out at once.
 */
function sameFieldName(field: string, lower: string): boolean {
  if (field === lower) return true
  if (field.length !== lower.length) return false
  for (let i = 0; i < field.length; i++) {
    const code = field.charCodeAt(i)
    // A-Z to a-z; every other code unit must match as it is.
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== lower.charCodeAt(i)) return false
  }
  return true
}

/** What `str.split()` splits on, as in simplejwt. */
const ANY_WHITESPACE = /\s/

/**
 * Extracts the token from an Authorization header the way simplejwt's `get_raw_token` does:
 * split on whitespace; no header, or a scheme not in `types` (case-sensitive), means "no
 * credentials" (undefined), so other authenticators may apply; a known scheme with anything but
 * exactly one token is `bad_authorization_header`.
 *
 * @throws BadAuthorizationHeader
 */
export function tokenFromAuthorization(
  header: string | undefined,
  types: readonly string[],
): string | undefined {
  if (header === undefined || header === '') return undefined
  if (header.length > MAX_AUTH_HEADER_LENGTH) throw new BadAuthorizationHeader()
  // The shape every client sends, "<scheme> <token>" with one space and no other whitespace,
  // answered without splitting: the same result as below, for a fraction of the cost (hot path).
  const space = header.indexOf(' ')
  if (space > 0) {
    const token = header.slice(space + 1)
    const scheme = header.slice(0, space)
    if (token !== '' && !ANY_WHITESPACE.test(token) && !ANY_WHITESPACE.test(scheme)) {
      return types.includes(scheme) ? token : undefined
    }
  }
  const parts = header.split(/\s+/).filter((part) => part !== '')
  const scheme = parts[0]
  if (scheme === undefined || !types.includes(scheme)) return undefined
  if (parts.length !== 2) throw new BadAuthorizationHeader()
  return parts[1]
}
