/**
 * Reads a JWT's payload WITHOUT verifying it. The client only needs `exp` to decide when to refresh;
 * the server verifies every token it receives, so trusting the payload here cannot widen access.
 * Hand-written (no `jose`) to keep the browser bundle tiny.
 */

/**
 * Decodes the payload (second segment) of a JWT, or `undefined` when it is not a JWT.
 *
 * @example
 * ```ts
 * decodeJwtPayload(access)?.user_id // 1
 * ```
 */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const segment = token.split('.')[1]
  if (!segment) return undefined
  try {
    // atob's forgiving decoder accepts unpadded input; only the URL-safe alphabet needs mapping.
    const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'))
    // Claims such as `email` may hold non-ASCII text: decode the bytes as UTF-8, not as Latin-1.
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
    const payload: unknown = JSON.parse(json)
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * The token's `exp` claim in seconds since the epoch, or `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * const exp = tokenExpiry(access)
 * if (exp !== undefined && exp * 1000 < Date.now()) console.log('expired')
 * ```
 */
export function tokenExpiry(token: string): number | undefined {
  const exp = decodeJwtPayload(token)?.exp
  return typeof exp === 'number' ? exp : undefined
}
