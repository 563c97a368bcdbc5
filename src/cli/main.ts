#!/usr/bin/env -S node --no-memory-reducer --min-semi-space-size=8
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CliIO, Command } from './command.js'
import { changePasswordCommand } from './commands/changepassword.js'
import { clientsCommand } from './commands/clients.js'
import { createSuperuserCommand } from './commands/createsuperuser.js'
import { flushExpiredTokensCommand } from './commands/flushexpiredtokens.js'
import { groupsCommand } from './commands/groups.js'
import { keysCommand } from './commands/keys.js'

import { migrateCommand } from './commands/migrate.js'
import { serveCommand } from './commands/serve.js'
import { usersCommand } from './commands/users.js'
import { PromptInterrupted, releaseInput } from './prompt.js'

export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  createSuperuserCommand,
  changePasswordCommand,
  flushExpiredTokensCommand,
  usersCommand,
  groupsCommand,
  keysCommand,
  clientsCommand,
]

function usage(): string {
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(20)} ${command.summary}`)
  return `usage: tessera <command> [options]\n\ncommands:\n${lines.join('\n')}\n`
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (command === undefined) {
    io.stderr.write(`tessera: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof PromptInterrupted) return 130
    io.stderr.write(`tessera ${name}: ${(error as Error).message}\n`)
    return 1
  } finally {
    if (name !== 'serve') releaseInput(io)
  }
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
})()

if (invokedDirectly) {
  const io: CliIO = {
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stdin.isTTY),
  }
  runCli(process.argv.slice(2), io).then((code) => {
    // `serve` keeps the process alive itself; every other command ends here.
    if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code
  })
}
