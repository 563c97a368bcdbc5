import { BadAuthorizationHeader } from '../core/errors.js'

/** Longest Authorization header read; anything longer is refused before splitting. */
export const MAX_AUTH_HEADER_LENGTH = 8192

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
  const parts = header.split(/\s+/).filter((part) => part !== '')
  const scheme = parts[0]
  if (scheme === undefined || !types.includes(scheme)) return undefined
  if (parts.length !== 2) throw new BadAuthorizationHeader()
  return parts[1]
}
