import type { FastifyRequest } from 'fastify'
import { requireRecentAuthentication } from '../accounts/mfa/step-up.js'
import type { Clock } from '../core/clock.js'
import { UserNotFound } from '../core/errors.js'
import type { Settings } from '../settings/types.js'
import type { UserRecord, UserStore } from '../store/ports.js'
import { principalOf } from './route.js'

/**
 * The record of a protected route's caller, read now (not the token's claims).
 *
 * @throws UserNotFound when the account was deleted since the token was issued
 */
export async function callerOf(
  users: Pick<UserStore, 'findById'>,
  request: FastifyRequest,
): Promise<UserRecord> {
  const user = await users.findById(principalOf(request).userId)
  if (user === undefined) throw new UserNotFound()
  return user
}

/**
 * The step-up check of a sensitive action: the caller's login is at most `REAUTHENTICATION_MAX_AGE`
 * old (its token's `auth_time`; a refresh does not renew it).
 *
 * @throws ReauthenticationRequired otherwise
 */
export function requireRecentLogin(
  deps: { readonly settings: Pick<Settings, 'REAUTHENTICATION_MAX_AGE'>; readonly clock: Clock },
  request: FastifyRequest,
): void {
  requireRecentAuthentication(
    principalOf(request).token,
    deps.settings.REAUTHENTICATION_MAX_AGE,
    deps.clock.now(),
  )
}
