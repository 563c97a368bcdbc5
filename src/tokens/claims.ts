import type { UserRecord } from '../store/ports.js'
import type { CustomClaims } from './types.js'

/**
 * The one hook for custom claims: given the user and their group names, the claims to add to
 * every token. simplejwt projects do this by overriding `get_token`; here it is a setting of the
 * server (`buildServer({ customClaims })`). Keep it small: every claim travels on every request.
 */
export type CustomClaimsHook = (user: UserRecord, groups: readonly string[]) => CustomClaims

/** Default: the user's `email` and `roles` (group names), as the reference deployment adds. */
export const defaultCustomClaims: CustomClaimsHook = (user, groups) => ({
  email: user.email,
  roles: [...groups],
})
