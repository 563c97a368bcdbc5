import { type OperatorContext, withOperatorContext } from '../server/operator.js'
import type { CliIO } from './command.js'
import { prompt } from './prompt.js'

/** Settings from the command's environment and an open database, closed after `work`. */
export function withStores<T>(io: CliIO, work: (context: OperatorContext) => Promise<T>): Promise<T> {
  return withOperatorContext(io.env, work)
}

/** Reads one answer from stdin, echoed on a terminal (see `prompt`). */
export function readLine(io: CliIO, question: string): Promise<string> {
  return prompt(io, question, { echo: true })
}

/** Reads a password: never echoed on a terminal (see `prompt`). */
export function readSecret(io: CliIO, question: string): Promise<string> {
  return prompt(io, question, { echo: false })
}
