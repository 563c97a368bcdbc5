import { PassThrough, Readable } from 'node:stream'
import type { CliIO } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/main.js'

/** In-process CLI streams that record what a command prints. */
export function cliIO(
  env: Record<string, string>,
  input = '',
  cwd = process.cwd(),
): CliIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => {
    out += chunk
  })
  stderr.on('data', (chunk) => {
    err += chunk
  })
  return {
    env,
    cwd,
    stdin: Readable.from([input]),
    stdout,
    stderr,
    interactive: false,
    out: () => out,
    err: () => err,
  }
}

/** Runs `tessera <args>` in-process; returns the exit code and what it printed. */
export async function runCommand(env: Record<string, string>, ...args: string[]) {
  const io = cliIO(env)
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}
