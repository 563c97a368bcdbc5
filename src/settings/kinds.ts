import { Secret } from '../core/secret.js'

/**
 * How one setting is read from an environment string and checked when given in code. Each
 * `parse` throws a plain message; `load.ts` prefixes it with the setting's name.
 */
export interface Kind<T> {
  /** Shown in `docs/settings.md`. */
  readonly type: string
  parse(raw: string): T
  accepts(value: unknown): value is T
  /** Whether a value given in code that `accepts` refuses is parsed from its string form instead. */
  readsFromCode?(value: unknown): boolean
}

const DURATION = /^(\d{1,9})\s*(s|m|h|d|w)?$/
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const

/** Whole seconds, or a number with a unit: `300`, `5m`, `12h`, `1d`. */
export const duration: Kind<number> = {
  type: 'duration (seconds, or 30s/5m/12h/1d/1w)',
  parse(raw) {
    const match = DURATION.exec(raw.trim())
    if (!match) throw new Error(`expected seconds or a duration like 5m or 1d, got ${JSON.stringify(raw)}`)
    const unit = (match[2] ?? 's') as keyof typeof UNIT_SECONDS
    return Number(match[1]) * UNIT_SECONDS[unit]
  },
  accepts: (value): value is number => Number.isSafeInteger(value) && (value as number) >= 0,
}

export const integer = (min: number, max: number): Kind<number> => ({
  type: `integer ${min}..${max}`,
  parse(raw) {
    if (!/^\d+$/.test(raw.trim())) throw new Error(`expected a whole number, got ${JSON.stringify(raw)}`)
    const value = Number(raw)
    if (value < min || value > max) throw new Error(`expected ${min}..${max}, got ${value}`)
    return value
  },
  accepts: (value): value is number =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
})

export const boolean: Kind<boolean> = {
  type: 'boolean (true/false)',
  parse(raw) {
    const value = raw.trim().toLowerCase()
    if (value === 'true' || value === '1') return true
    if (value === 'false' || value === '0') return false
    throw new Error(`expected true or false, got ${JSON.stringify(raw)}`)
  },
  accepts: (value): value is boolean => typeof value === 'boolean',
}

export const string: Kind<string> = {
  type: 'string',
  parse: (raw) => raw,
  accepts: (value): value is string => typeof value === 'string',
}

export const optionalString: Kind<string | null> = {
  type: 'string or empty',
  parse: (raw) => (raw === '' ? null : raw),
  accepts: (value): value is string | null => value === null || typeof value === 'string',
}

export const optionalSecret: Kind<Secret | null> = {
  type: 'secret string',
  parse: (raw) => (raw === '' ? null : new Secret(raw)),
  accepts: (value): value is Secret | null => value === null || value instanceof Secret,
}

/** Comma-separated in the environment; empty items are dropped. */
export const list: Kind<readonly string[]> = {
  type: 'comma-separated list',
  parse: (raw) =>
    raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  accepts: (value): value is readonly string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string'),
}

export const oneOf = <const T extends string>(choices: readonly T[]): Kind<T> => ({
  type: `one of ${choices.join(', ')}`,
  parse(raw) {
    const value = raw.trim()
    if (!(choices as readonly string[]).includes(value)) {
      throw new Error(`expected one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`)
    }
    return value as T
  },
  accepts: (value): value is T => (choices as readonly unknown[]).includes(value),
})

export const optionalBoolean: Kind<boolean | null> = {
  type: 'boolean, or empty for the mode default',
  parse: (raw) => (raw.trim() === '' ? null : boolean.parse(raw)),
  accepts: (value): value is boolean | null => value === null || typeof value === 'boolean',
}

export { trustProxy } from './trust-proxy.js'
