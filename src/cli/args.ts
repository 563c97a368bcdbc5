import { parseArgs } from 'node:util'

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>

export interface ParsedArgs<T extends OptionSpec> {
  values: { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean }
  positionals: string[]
}

/** `--flag value` / `--flag=value` / `--switch` parsing (node's util.parseArgs, strict). */
export function parseCommandArgs<T extends OptionSpec>(args: readonly string[], options: T): ParsedArgs<T> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options,
    allowPositionals: true,
    strict: true,
  })
  return { values: values as ParsedArgs<T>['values'], positionals }
}
