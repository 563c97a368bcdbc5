import type { Settings } from '../settings/types.js'
import type { UserRecord } from '../store/ports.js'
import {
  consumeLink,
  findLink,
  INVALID_LINK,
  issueLink,
  type MailFlowDeps,
  mayMail,
  sameAddress,
} from './account-mail.js'
import type { RequestContext } from './context.js'
import { passwordFingerprint, validForText } from './link-tokens.js'
import type { PasswordVerifier } from './login.js'
import { ValidationFailed } from '../core/errors.js'

export interface PasswordResetDeps extends MailFlowDeps {
  hasher: Pick<PasswordVerifier, 'hash'>
  validatePassword: (password: string, user: Record<string, string>) => string[]
  /** Ends every session of the user (the per-user cut-off): `AccountAdmin.revokeAll`. */
  revokeAll: (userId: number) => Promise<number>
  settings: Pick<Settings, 'PASSWORD_RESET_TIMEOUT' | 'EMAIL_VERIFICATION_TIMEOUT'>
}

/** An account that may get a reset link: active, with a usable password (Django's rule). */
const resettable = (user: UserRecord | undefined): user is UserRecord =>
  user?.isActive === true && !user.passwordHash.startsWith('!')

/**
 * Password reset by mail (Django's `PasswordResetView`, without its CVE-2024-45231 lesson to
 * learn): the request answers the same whoever the address belongs to, and the link's token is
 * random, stored as a hash, single use, voided by any password change or a newer request.
 */
export class PasswordReset {
  constructor(private readonly deps: PasswordResetDeps) {}

  /** `POST /api/password/reset/`: everything that depends on the address happens after the answer. */
  request(email: string, context: RequestContext): void {
    this.deps.background.run('password reset request', async () => {
      const { deps } = this
      const user = await deps.users.findByEmail(email)
      if (!resettable(user)) return
      if (!(await mayMail(deps, user.email, user.id))) return
      const lifetime = deps.settings.PASSWORD_RESET_TIMEOUT
      const { token, expiresAt } = await issueLink(deps, 'password_reset', user, {
        email: user.email,
        lifetime,
        fingerprint: passwordFingerprint(user.passwordHash),
        replace: true,
      })
      await deps.send({
        template: 'password_reset',
        to: user.email,
        variables: {
          username: user.username,
          link: deps.links.link('password_reset', token),
          valid_for: validForText(lifetime),
        },
        discardAfter: expiresAt,
      })
      void deps.audit.record('password_reset_requested', { userId: user.id, context })
    })
  }

  /**
   * `POST /api/password/reset/confirm/`: the new password must pass the validators before the
   * token is used, so a refused password leaves the link working.
   *
   * @throws ValidationFailed (`token`: invalid link; `new_password`: the validators' messages)
   */
  async confirm(token: string, newPassword: string, context: RequestContext): Promise<void> {
    const { deps } = this
    const { hash, found } = await findLink(deps, token, 'password_reset')
    const user = await deps.users.findById(found.userId)
    if (
      !resettable(user) ||
      found.fingerprint !== passwordFingerprint(user.passwordHash) ||
      !sameAddress(found.email, user.email)
    ) {
      throw INVALID_LINK()
    }
    const problems = deps.validatePassword(newPassword, {
      username: user.username,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
    })
    if (problems.length > 0) throw new ValidationFailed({ new_password: problems })
    await consumeLink(deps, hash, 'password_reset')
    const passwordHash = await deps.hasher.hash(newPassword)
    // The link reached the account's address: that proves the address as a verification would.
    await deps.users.update(user.id, { passwordHash, emailVerified: true })
    await deps.tokens.voidFor(user.id, ['password_reset'], new Date(deps.clock.now()))
    const ended = await deps.revokeAll(user.id)
    void deps.audit.record('password_reset', { userId: user.id, context, detail: { sessions: ended } })
  }
}
