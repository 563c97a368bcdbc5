/**
 * Tells a user by mail that a second factor was added or removed (a stolen session that turns
 * MFA off, or an operator's reset, does not go unnoticed). Sent after the answer; a failure is
 * logged by `Background`, never answered.
 */
import type { UserStore } from '../../store/ports.js'
import type { AccountMailer } from '../account-mail.js'
import type { Background } from '../background.js'
import type { FactorChange } from './factors.js'

const WHAT: Record<FactorChange, string> = {
  totp_enabled: 'An authenticator app (TOTP) was added as a second factor.',
  totp_disabled: 'The authenticator app (TOTP) was removed as a second factor.',
  recovery_codes_regenerated: 'A new set of recovery codes was made; the old codes no longer work.',
  passkey_added: 'A passkey was added to your account.',
  passkey_removed: 'A passkey was removed from your account.',
  mfa_reset: 'An administrator removed every second factor of your account and signed out every session.',
}

export function factorNotifier(deps: {
  users: Pick<UserStore, 'findById'>
  send: AccountMailer
  background: Background
}): (userId: number, change: FactorChange) => void {
  return (userId, change) =>
    deps.background.run('second factor notice', async () => {
      const user = await deps.users.findById(userId)
      if (user === undefined || user.email === '') return
      await deps.send({
        template: 'mfa_changed',
        to: user.email,
        variables: { username: user.username, change: WHAT[change] },
      })
    })
}
