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

/**
 * Proving an account's address: registration sends a link, `POST /api/email/verify/` uses it.
 * A token names the address it was sent to; once the account's address is another, it is void.
 */
export class EmailVerification {
  constructor(private readonly deps: MailFlowDeps) {}

  /** Queues a verification mail for `user`'s current address, after the answer. */
  sendFor(user: UserRecord, context: RequestContext): void {
    this.deps.background.run('verification mail', async () => {
      if (!(await mayMail(this.deps, user.email, user.id))) return
      await this.#send(user, context)
    })
  }

  /**
   * Registration with an address that has an account: its owner is told (someone may be trying
   * to find out who has an account, or the owner forgot theirs).
   */
  notifyExisting(owner: UserRecord): void {
    this.deps.background.run('existing-account notice', async () => {
      if (!(await mayMail(this.deps, owner.email, owner.id))) return
      await this.deps.send({
        template: 'signup_existing',
        to: owner.email,
        variables: { username: owner.username },
      })
    })
  }

  /**
   * `POST /api/email/verify/resend/`, authenticated: a new link unless the address is verified.
   * Answers the same either way.
   */
  resendFor(userId: number, context: RequestContext): void {
    this.deps.background.run('verification resend', async () => {
      const user = await this.deps.users.findById(userId)
      if (user === undefined || user.emailVerified === true) return
      if (!(await mayMail(this.deps, user.email, user.id))) return
      await this.#send(user, context)
    })
  }

  /**
   * `POST /api/email/verify/resend/ {email}`, without a session: someone whose login is refused
   * until their address is verified has no session to ask with. Answers the same whoever the
   * address belongs to.
   */
  resendTo(email: string, context: RequestContext): void {
    this.deps.background.run('verification resend', async () => {
      const user = await this.deps.users.findByEmail(email)
      if (user === undefined || !user.isActive || user.emailVerified === true) return
      if (!(await mayMail(this.deps, user.email, user.id))) return
      await this.#send(user, context)
    })
  }

  async #send(user: UserRecord, context: RequestContext): Promise<void> {
    const { deps } = this
    const lifetime = deps.settings.EMAIL_VERIFICATION_TIMEOUT
    const { token, expiresAt } = await issueLink(deps, 'email_verify', user, {
      email: user.email,
      lifetime,
      replace: true,
    })
    await deps.send({
      template: 'email_verify',
      to: user.email,
      variables: {
        username: user.username,
        link: deps.links.link('email_verify', token),
        valid_for: validForText(lifetime),
      },
      discardAfter: expiresAt,
    })
    void deps.audit.record('email_verification_sent', { userId: user.id, context })
  }

  /**
   * `POST /api/email/verify/`: marks the address verified.
   *
   * @throws ValidationFailed (`token`) for an unknown, used or expired link, or one sent to an
   * address the account no longer has.
   */
  async verify(token: string, context: RequestContext): Promise<void> {
    const { deps } = this
    const { hash, found } = await findLink(deps, token, 'email_verify')
    const user = await deps.users.findById(found.userId)
    if (user === undefined || !sameAddress(user.email, found.email)) throw INVALID_LINK()
    await consumeLink(deps, hash, 'email_verify')
    await deps.users.update(user.id, { emailVerified: true })
    void deps.audit.record('email_verified', { userId: user.id, context })
  }
}
