import { UniqueViolation, ValidationFailed } from '../core/errors.js'
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
import { validForText } from './link-tokens.js'

export interface EmailChangeDeps extends MailFlowDeps {
  /** Ends every session of the user: `AccountAdmin.revokeAll`. */
  revokeAll: (userId: number) => Promise<number>
}

/**
 * Changing an account's address: the change applies only once confirmed from the new address;
 * the old address is told, with a link that cancels the change, and, if it was already confirmed,
 * restores the old address and ends every session (a stolen session must not keep the account).
 */
export class EmailChange {
  constructor(private readonly deps: EmailChangeDeps) {}

  /**
   * Asks for the change (`POST /api/email/change/`, `PATCH /api/me/`). The answer is the same
   * whether or not the new address belongs to another account: that account gets no mail and
   * this one no change.
   */
  request(user: UserRecord, newEmail: string, context: RequestContext): void {
    this.deps.background.run('e-mail change request', async () => {
      const { deps } = this
      if (sameAddress(newEmail, user.email)) return
      const owner = await deps.users.findByEmail(newEmail)
      if (owner !== undefined) return
      if (!(await mayMail(deps, newEmail, user.id))) return
      const lifetime = deps.settings.EMAIL_VERIFICATION_TIMEOUT
      const confirm = await issueLink(deps, 'email_change', user, {
        email: newEmail,
        lifetime,
        replace: true,
      })
      // Cancel links are never replaced: a later change, asked from a stolen session, must not
      // void the link the rightful owner already holds.
      const cancel = await issueLink(deps, 'email_change_cancel', user, {
        email: user.email,
        lifetime,
        replace: false,
      })
      const validFor = validForText(lifetime)
      await deps.send({
        template: 'email_change_confirm',
        to: newEmail,
        variables: {
          username: user.username,
          old_email: user.email,
          link: deps.links.link('email_change_confirm', confirm.token),
          valid_for: validFor,
        },
        discardAfter: confirm.expiresAt,
      })
      await deps.send({
        template: 'email_change_notice',
        to: user.email,
        variables: {
          username: user.username,
          new_email: newEmail,
          cancel_link: deps.links.link('email_change_cancel', cancel.token),
          valid_for: validFor,
        },
        discardAfter: cancel.expiresAt,
      })
      void deps.audit.record('email_change_requested', { userId: user.id, context })
    })
  }

  /**
   * `POST /api/email/change/confirm/`: the account takes the new (now verified) address; links
   * sent to the old one for a reset or another change are void.
   *
   * @throws ValidationFailed (`token`)
   */
  async confirm(token: string, context: RequestContext): Promise<UserRecord> {
    const { deps } = this
    const { hash, found } = await findLink(deps, token, 'email_change')
    const user = await deps.users.findById(found.userId)
    if (user === undefined || !user.isActive) throw INVALID_LINK()
    await consumeLink(deps, hash, 'email_change')
    const updated = await this.#setEmail(user.id, found.email)
    await deps.tokens.voidFor(
      user.id,
      ['email_change', 'password_reset', 'email_verify'],
      new Date(deps.clock.now()),
    )
    void deps.audit.record('email_changed', { userId: user.id, context })
    return updated
  }

  /**
   * `POST /api/email/change/cancel/`: pending changes are void; a change already confirmed is
   * undone and every session ended.
   *
   * @throws ValidationFailed (`token`)
   */
  async cancel(token: string, context: RequestContext): Promise<void> {
    const { deps } = this
    const { hash, found } = await findLink(deps, token, 'email_change_cancel')
    const user = await deps.users.findById(found.userId)
    if (user === undefined) throw INVALID_LINK()
    await consumeLink(deps, hash, 'email_change_cancel')
    const now = new Date(deps.clock.now())
    await deps.tokens.voidFor(user.id, ['email_change'], now)
    const reverted = !sameAddress(user.email, found.email)
    if (reverted) {
      await this.#setEmail(user.id, found.email)
      await deps.tokens.voidFor(user.id, ['password_reset', 'email_verify'], now)
      await deps.revokeAll(user.id)
    }
    void deps.audit.record('email_change_cancelled', { userId: user.id, context, detail: { reverted } })
  }

  /** The address was proved by the link that reached it: verified. */
  async #setEmail(userId: number, email: string): Promise<UserRecord> {
    try {
      const updated = await this.deps.users.update(userId, { email, emailVerified: true })
      if (updated === undefined) throw INVALID_LINK()
      return updated
    } catch (error) {
      if (error instanceof UniqueViolation) {
        throw new ValidationFailed({ token: ['This address now belongs to another account.'] })
      }
      throw error
    }
  }
}
