import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Authentication } from '../accounts/mfa/authentication.js'
import type { MfaChallengePurpose, UserRecord } from '../store/ports.js'
import type { BrowserMode } from './browser-mode.js'
import type { RouteDeps } from './deps.js'
import { contextOf } from './route.js'

/** A login that just completed. */
export interface CompletedLogin {
  readonly user: UserRecord
  /** How the user proved who they are (`amr`, `auth_time`); a password login now when absent. */
  readonly auth?: Authentication | undefined
  /** The tokens the login began for: `pair` (`POST /api/token/`, passkeys) or `sliding`. */
  readonly purpose: MfaChallengePurpose
}

/** A pair (the refresh token left out in cookie mode), or a sliding token. */
export type LoginAnswer = { access: string; refresh?: string } | { token: string }

/**
 * The tokens of a completed login, whatever completed it: a password alone, the second step, a
 * passkey. The one place a login is recorded (`UPDATE_LAST_LOGIN`), so the password step of an
 * account that still owes its second factor, a refresh and a password change never are. A pair is
 * answered as `POST /api/token/` answers it, the refresh token in a cookie in cookie mode.
 */
export async function answerLogin(
  deps: RouteDeps,
  browser: BrowserMode,
  request: FastifyRequest,
  reply: FastifyReply,
  login: CompletedLogin,
): Promise<LoginAnswer> {
  const user = await deps.login.recordLogin(login.user)
  if (login.purpose === 'sliding') return { token: await deps.sessions.obtainSliding(user, login.auth) }
  const pair = await deps.sessions.obtainPair(user, contextOf(request), login.auth)
  if (!browser.wantsCookie(request)) return { refresh: pair.refresh, access: pair.access }
  browser.setSessionCookies(reply, pair.refresh)
  return { access: pair.access }
}
