import { PATHS } from '@tessera/protocol'
import type { Settings } from '../settings/types.js'

export type LinkSettings = Pick<
  Settings,
  | 'FRONTEND_URL'
  | 'HOST'
  | 'PORT'
  | 'API_PREFIX'
  | 'PASSWORD_RESET_PATH'
  | 'EMAIL_VERIFY_PATH'
  | 'EMAIL_CHANGE_CONFIRM_PATH'
  | 'EMAIL_CHANGE_CANCEL_PATH'
>

export type LinkKind = 'password_reset' | 'email_verify' | 'email_change_confirm' | 'email_change_cancel'

/**
 * The links in account mails: `FRONTEND_URL` (development: the server itself), the flow's path,
 * and the token in the fragment (`#token=…`). A fragment never reaches a server, so the token is
 * not in any access log, proxy log or `Referer`, and a mail scanner that fetches the link
 * fetches a page that consumes nothing (only its `POST` does).
 */
export class MailLinks {
  readonly #base: string
  readonly #paths: Record<LinkKind, string>

  constructor(settings: LinkSettings) {
    const host = settings.HOST.includes(':') ? `[${settings.HOST}]` : settings.HOST
    this.#base = settings.FRONTEND_URL ?? `http://${host}:${settings.PORT}`
    const api = settings.API_PREFIX
    this.#paths = {
      password_reset: settings.PASSWORD_RESET_PATH ?? api + PATHS.passwordResetConfirm,
      email_verify: settings.EMAIL_VERIFY_PATH ?? api + PATHS.emailVerify,
      email_change_confirm: settings.EMAIL_CHANGE_CONFIRM_PATH ?? api + PATHS.emailChangeConfirm,
      email_change_cancel: settings.EMAIL_CHANGE_CANCEL_PATH ?? api + PATHS.emailChangeCancel,
    }
  }

  link(kind: LinkKind, token: string): string {
    return `${this.#base}${this.#paths[kind]}#token=${token}`
  }
}
