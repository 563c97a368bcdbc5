/**
 * DRF's non-text fields for one JSON value, with DRF 3.14's messages: `BooleanField`,
 * `IntegerField` and a `ListField` of `CharField`s. Each answers the value or the field's messages.
 */
import { type FieldResult, FIELD_MESSAGES, pythonTypeName, runCharField } from './drf-fields.js'

export type ValueResult<T> = { ok: true; value: T } | { ok: false; errors: string[] }

const TRUE_VALUES: ReadonlySet<unknown> = new Set([
  true,
  1,
  '1',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
])
const FALSE_VALUES: ReadonlySet<unknown> = new Set([
  false,
  0,
  '0',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  'n',
  'N',
  'no',
  'No',
  'NO',
])

/** DRF `BooleanField.to_internal_value`: its true and false spellings, nothing else. */
export function runBooleanField(data: unknown): ValueResult<boolean> {
  if (data === null) return { ok: false, errors: [FIELD_MESSAGES.null] }
  if (TRUE_VALUES.has(data)) return { ok: true, value: true }
  if (FALSE_VALUES.has(data)) return { ok: true, value: false }
  return { ok: false, errors: ['Must be a valid boolean.'] }
}

/** DRF `IntegerField`: an integer, or a string of one (no fractions, no booleans). */
export function runIntegerField(data: unknown): ValueResult<number> {
  if (data === null) return { ok: false, errors: [FIELD_MESSAGES.null] }
  const text = typeof data === 'number' ? String(data) : typeof data === 'string' ? data.trim() : undefined
  if (text === undefined || !/^-?\d+(\.0*)?$/.test(text))
    return { ok: false, errors: ['A valid integer is required.'] }
  const value = Number.parseInt(text, 10)
  if (!Number.isSafeInteger(value)) return { ok: false, errors: ['A valid integer is required.'] }
  return { ok: true, value }
}

/**
 * DRF `ListField(child=CharField())`: a JSON array of strings. A child's errors are reported
 * under its index, as DRF does (`{"0": ["…"]}`), flattened here into `"0: message"`.
 */
export function runStringListField(data: unknown): ValueResult<string[]> {
  if (data === null) return { ok: false, errors: [FIELD_MESSAGES.null] }
  if (!Array.isArray(data)) {
    return { ok: false, errors: [`Expected a list of items but got type "${pythonTypeName(data)}".`] }
  }
  const values: string[] = []
  const errors: string[] = []
  data.forEach((item, index) => {
    const result: FieldResult = runCharField(true, item, {})
    if (result.ok) values.push(result.value)
    else errors.push(...result.errors.map((message) => `${index}: ${message}`))
  })
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: values }
}
