import type { UserRecord } from '../store/ports.js'
import type { CustomClaims } from './types.js'

/**
 * The one hook for custom claims: given the user and their group names, the claims to add to
 * every token. simplejwt projects do this by overriding `get_token`; here it is a setting of the
 * server (`buildServer({ customClaims })`). Keep it small: every claim travels on every request.
 */
export type CustomClaimsHook = (user: UserRecord, groups: readonly string[]) => CustomClaims

/**
 * Default: the user's `email`, `email_verified` (when the users store keeps it) and `roles`
 * (group names), and Django's `is_staff` / `is_superuser` flags when true (absent means false,
 * keeping ordinary tokens small). These are extra claims: simplejwt and PyJWT ignore them, and the
 * `admin` guard reads `is_staff` as DRF's `IsAdminUser`.
 */
export const defaultCustomClaims: CustomClaimsHook = (user, groups) => ({
  email: user.email,
  ...(user.emailVerified === undefined ? {} : { email_verified: user.emailVerified }),
  roles: [...groups],
  ...(user.isStaff ? { is_staff: true } : {}),
  ...(user.isSuperuser ? { is_superuser: true } : {}),
})
