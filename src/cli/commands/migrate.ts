import { migrateToLatest, migrationStatus } from '../../store/sql/index.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { withStores } from '../context.js'

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply database migrations (--status: list them)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { status: { type: 'boolean' } })
    return withStores(io, async ({ stores }) => {
      if (values.status) {
        for (const migration of await migrationStatus(stores.db)) {
          io.stdout.write(`${migration.executedAt ? '[x]' : '[ ]'} ${migration.name}\n`)
        }
        return 0
      }
      const applied = await migrateToLatest(stores.db)
      io.stdout.write(applied.length === 0 ? 'No migrations to apply.\n' : `Applied: ${applied.join(', ')}\n`)
      return 0
    })
  },
}
