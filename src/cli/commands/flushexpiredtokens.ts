import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { withStores } from '../context.js'

export const flushExpiredTokensCommand: Command = {
  name: 'flushexpiredtokens',
  summary: 'delete expired outstanding and blacklisted tokens in batches (--batch-size N)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { 'batch-size': { type: 'string' } })
    const batchSize = Number(values['batch-size'] ?? 1000)
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      io.stderr.write('--batch-size must be a positive whole number\n')
      return 2
    }
    return withStores(io, async ({ stores }) => {
      const deleted = await stores.ledger.flushExpired(new Date(), batchSize)
      io.stdout.write(
        `Deleted ${deleted.outstanding} expired outstanding token(s) and ${deleted.blacklisted} expired blacklisted token(s).\n`,
      )
      return 0
    })
  },
}
