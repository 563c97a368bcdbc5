import type { Readable, Writable } from 'node:stream'

/** What a command may touch: passed in, so tests run commands in-process with their own streams. */
export interface CliIO {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  /** True when stdin is a terminal (interactive prompts allowed). */
  readonly interactive: boolean
}

/** One CLI command, one file under `src/cli/commands/`. */
export interface Command {
  readonly name: string
  /** One line for `tessera --help`. */
  readonly summary: string
  /** Returns the process exit code. Errors meant for the operator are printed, not thrown. */
  run(args: readonly string[], io: CliIO): Promise<number>
}
