import { Secret } from '../core/secret.js'
import { ModeDefault, SPECS } from './defaults.js'
import type { SettingName } from './types.js'

function show(value: unknown): string {
  if (value instanceof ModeDefault) {
    const modes = Object.entries(value.modes).map(([mode, given]) => `${mode}: ${show(given)}`)
    return `${show(value.otherwise)} (${modes.join('; ')})`
  }
  if (value === null) return '(none)'
  if (value instanceof Secret) return '(secret)'
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.join(', ')
  return String(value)
}

/**
 * The settings reference table of `docs/settings.md`, generated from `SPECS` so the two cannot
 * drift (a test compares them).
 */
export function settingsTable(): string {
  const rows = (Object.keys(SPECS) as SettingName[]).map((name) => {
    const spec = SPECS[name]
    return `| \`${name}\` | \`TESSERA_${name}\` | ${spec.kind.type} | \`${show(spec.default)}\` | ${spec.doc} |`
  })
  return ['| setting | environment | type | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n')
}
