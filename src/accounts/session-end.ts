import type { Settings } from '../settings/types.js'

export type SessionEndSettings = Pick<Settings, 'ACCESS_TOKEN_LIFETIME' | 'LEEWAY'>

/**
 * Until when a session ended at `nowMs` must be remembered as ended: past the expiry (with leeway)
 * of any access token it issued, and of one signed by a refresh that raced the ending. An access
 * token's `exp` is fixed before its refresh reaches the database, so it is never later than that.
 */
export function sessionVoidUntil(nowMs: number, settings: SessionEndSettings): Date {
  return new Date(nowMs + (settings.ACCESS_TOKEN_LIFETIME + settings.LEEWAY + 1) * 1000)
}
