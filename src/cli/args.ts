/** Minimal `--flag value` / `--flag=value` / `--switch` parsing with node's util.parseArgs. */
import { parseArgs } from 'node:util'

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>

export function parseCommandArgs<T extends OptionSpec>(args: readonly string[], options: T) {
  return parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
}
