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

/** Short-lived tokens renew this share of their lifetime before `exp`. */
const MARGIN_FRACTION = 1 / 6
/** ...but never closer to `exp` than this, for round trips and clock steps. */
const MIN_MARGIN_MS = 1000

/**
 * How long before `exp` a token of `lifetimeMs` is renewed: a sixth of its lifetime, at least 1 s,
 * at most `maxMs`. A fixed margin longer than the lifetime would renew before every call.
 *
 * @example
 * ```ts
 * renewalMargin(300_000, 30_000) // 30_000: a 5-minute token renews 30 s before it expires
 * renewalMargin(5_000, 30_000) // 1_000: a 5-second token is used for 4 s
 * ```
 */
export function renewalMargin(lifetimeMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(MIN_MARGIN_MS, lifetimeMs * MARGIN_FRACTION))
}
