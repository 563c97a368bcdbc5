import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { withStores } from '../context.js'

const DAY = 86_400

/** `7776000` → `90 days`; other durations in the largest unit that divides them. */
function describeDuration(seconds: number): string {
  const units: [number, string][] = [
    [DAY, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ]
  const [size, name] = units.find(([unit]) => seconds % unit === 0) ?? [1, 'second']
  const count = seconds / size
  return `${count} ${name}${count === 1 ? '' : 's'}`
}

export const flushExpiredTokensCommand: Command = {
  name: 'flushexpiredtokens',
  summary:
    'delete expired outstanding and blacklisted tokens, used or expired mail link tokens, second-step logins and WebAuthn challenges, and audit events past AUDIT_RETENTION, in batches (--batch-size N)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { 'batch-size': { type: 'string' } })
    const batchSize = Number(values['batch-size'] ?? 1000)
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      io.stderr.write('--batch-size must be a positive whole number\n')
      return 2
    }
    return withStores(io, async ({ stores, settings }) => {
      const now = new Date()
      const deleted = await stores.ledger.flushExpired(now, batchSize)
      io.stdout.write(
        `Deleted ${deleted.outstanding} expired outstanding token(s) and ${deleted.blacklisted} expired blacklisted token(s).\n`,
      )
      const links = await stores.accountTokens.flushExpired(now, batchSize)
      io.stdout.write(`Deleted ${links} used or expired mail link token(s).\n`)
      const logins = await stores.mfa.flushExpired(now, batchSize)
      const challenges = await stores.passkeys.flushExpired(now, batchSize)
      io.stdout.write(
        `Deleted ${logins} used or expired second-step login(s) and ${challenges} WebAuthn challenge(s).\n`,
      )
      const retention = settings.AUDIT_RETENTION
      if (retention === 0) {
        io.stdout.write('Audit events are kept (AUDIT_RETENTION is 0).\n')
      } else {
        const cutoff = new Date(now.getTime() - retention * 1000)
        const events = await stores.audit.flushOlderThan(cutoff, batchSize)
        io.stdout.write(`Deleted ${events} audit event(s) older than ${describeDuration(retention)}.\n`)
      }
      return 0
    })
  },
}
