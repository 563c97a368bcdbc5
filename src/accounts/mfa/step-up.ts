import { ReauthenticationRequired } from '@tessera/protocol'
import { toEpochSeconds } from '../../core/clock.js'
import type { VerifiedToken } from '../../tokens/types.js'
import { authenticationOf } from './authentication.js'

/**
 * Step-up for sensitive actions: the token's session must have logged in within `maxAge` seconds
 * (its `auth_time`, which refreshes never move). A token without `auth_time` is never recent.
 *
 * @throws ReauthenticationRequired
 */
export function requireRecentAuthentication(token: VerifiedToken, maxAge: number, nowMs: number): void {
  const auth = authenticationOf(token)
  if (auth === undefined || toEpochSeconds(nowMs) - auth.authTime > maxAge)
    throw new ReauthenticationRequired(maxAge)
}
