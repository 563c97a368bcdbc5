/**
 * What the mail flows (password reset, e-mail verification, e-mail change) share: the mailer
 * port, the stores, and issuing a link. `accounts` knows mail only through `AccountMailer`; the
 * composition root connects it to the mail room's outbox.
 */
import type { Clock } from '../core/clock.js'
import { ValidationFailed } from '../core/errors.js'
import type { Settings } from '../settings/types.js'
import type { AccountTokenPurpose, AccountTokenStore, UserRecord, UserStore } from '../store/ports.js'
import type { AuditLog } from './audit.js'
import type { Background } from './background.js'
import { linkTokenHash, newLinkToken } from './link-tokens.js'
import type { MailLinks } from './mail-links.js'
import type { MailQuota } from './mail-quota.js'

export type AccountMailTemplate =
  | 'password_reset'
  | 'email_verify'
  | 'signup_existing'
  | 'email_change_confirm'
  | 'email_change_notice'
  | 'mfa_changed'

export interface AccountMail {
  template: AccountMailTemplate
  to: string
  variables: Readonly<Record<string, string>>
  /** Not worth sending after this (its link has expired). */
  discardAfter?: Date
}

/** Queues a mail; resolves once it is stored (sent later, by the outbox worker). */
export type AccountMailer = (mail: AccountMail) => Promise<void>

export interface MailFlowDeps {
  users: UserStore
  tokens: AccountTokenStore
  send: AccountMailer
  links: MailLinks
  clock: Clock
  audit: Pick<AuditLog, 'record'>
  background: Background
  /** Mails per address per window; none: unlimited. */
  quota?: MailQuota | undefined
  settings: Pick<Settings, 'PASSWORD_RESET_TIMEOUT' | 'EMAIL_VERIFICATION_TIMEOUT'>
}

/** The one answer for a token that is unknown, used, expired or voided: no hint which. */
export const INVALID_LINK = (): ValidationFailed =>
  new ValidationFailed({ token: ['Invalid or expired link.'] })

export const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/** Stores a new link token for `user` and returns the token and its expiry. */
export async function issueLink(
  deps: MailFlowDeps,
  purpose: AccountTokenPurpose,
  user: UserRecord,
  options: { email: string; lifetime: number; fingerprint?: string; replace: boolean },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newLinkToken()
  const now = deps.clock.now()
  const expiresAt = new Date(now + options.lifetime * 1000)
  await deps.tokens.issue(
    {
      hash: linkTokenHash(token) as string,
      purpose,
      userId: user.id,
      email: options.email,
      fingerprint: options.fingerprint ?? null,
      createdAt: new Date(now),
      expiresAt,
    },
    options.replace,
  )
  return { token, expiresAt }
}

/** The stored token for `token`, unused and unexpired, or the invalid-link error. */
export async function findLink(
  deps: Pick<MailFlowDeps, 'tokens' | 'clock'>,
  token: string,
  purpose: AccountTokenPurpose,
) {
  const hash = linkTokenHash(token)
  const found = hash && (await deps.tokens.find(hash, purpose, new Date(deps.clock.now())))
  if (!hash || !found) throw INVALID_LINK()
  return { hash, found }
}

/** Uses the token found by `findLink`; the invalid-link error when a concurrent use won. */
export async function consumeLink(
  deps: Pick<MailFlowDeps, 'tokens' | 'clock'>,
  hash: string,
  purpose: AccountTokenPurpose,
): Promise<void> {
  if ((await deps.tokens.consume(hash, purpose, new Date(deps.clock.now()))) === undefined)
    throw INVALID_LINK()
}

/** Whether another mail may go to `address` now (the per-address quota). */
export async function mayMail(deps: MailFlowDeps, address: string, userId: number): Promise<boolean> {
  if (deps.quota === undefined || (await deps.quota.allow(address))) return true
  void deps.audit.record('rate_limited', { userId, detail: { limit: 'mail_per_address' } })
  return false
}
