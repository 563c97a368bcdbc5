/**
 * Reads one cookie from a `document.cookie`-style string. Used for the double-submit CSRF token:
 * the server sets a script-readable `csrftoken` cookie and expects its value back in a header.
 *
 * @example
 * ```ts
 * readCookie('a=1; csrftoken=xyz', 'csrftoken') // 'xyz'
 * ```
 */
export function readCookie(cookies: string, name: string): string | undefined {
  for (const pair of cookies.split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === name) return decodeURIComponent(pair.slice(eq + 1).trim())
  }
  return undefined
}
