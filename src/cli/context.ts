import { createInterface } from 'node:readline'
import { type OperatorContext, withOperatorContext } from '../server/operator.js'
import type { CliIO } from './command.js'

/** Settings from the command's environment and an open database, closed after `work`. */
export function withStores<T>(io: CliIO, work: (context: OperatorContext) => Promise<T>): Promise<T> {
  return withOperatorContext(io.env, work)
}

/**
 * Reads one line from stdin. Lines are read from one shared reader, so successive prompts
 * (password, then again) each get the next line of piped input.
 */
export async function readLine(io: CliIO, prompt: string): Promise<string> {
  io.stderr.write(prompt)
  const lines = linesOf(io)
  const next = await lines.next()
  return next.done ? '' : next.value
}

const readers = new WeakMap<object, AsyncIterator<string>>()

function linesOf(io: CliIO): AsyncIterator<string> {
  let reader = readers.get(io.stdin)
  if (reader === undefined) {
    reader = createInterface({ input: io.stdin, terminal: false })[Symbol.asyncIterator]()
    readers.set(io.stdin, reader)
  }
  return reader
}
