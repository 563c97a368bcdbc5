import { ValidationFailed } from '../core/errors.js'
import type { FieldErrors } from '../protocol/types.js'

export interface CharFieldSpec {
  /** DRF `trim_whitespace` (true for CharField, false for passwords). */
  trim?: boolean
  maxLength?: number
  required?: boolean
}

const BLANK = 'This field may not be blank.'
const REQUIRED = 'This field is required.'

/** DRF's answer to a JSON body that is not an object. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
  const got = Array.isArray(body)
    ? 'list'
    : typeof body === 'string'
      ? 'str'
      : typeof body === 'number'
        ? 'int'
        : 'bool'
  throw new ValidationFailed({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] })
}

/**
 * Reads DRF `CharField`s from a JSON body with DRF's messages, in the order given; collects every
 * field's error before failing, as a serializer does.
 *
 * @throws ValidationFailed with `{field: [message]}`
 */
export function readCharFields<const K extends string>(
  body: unknown,
  specs: Readonly<Record<K, CharFieldSpec>>,
): Record<K, string> {
  const source = requireObject(body)
  const values = {} as Record<K, string>
  const errors: FieldErrors = {}
  for (const [name, spec] of Object.entries(specs) as [K, CharFieldSpec][]) {
    const raw = Object.hasOwn(source, name) ? source[name] : undefined
    if (raw === undefined) {
      if (spec.required !== false) errors[name] = [REQUIRED]
      continue
    }
    if (raw === null) {
      errors[name] = ['This field may not be null.']
      continue
    }
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
      errors[name] = ['Not a valid string.']
      continue
    }
    let value = String(raw)
    if (spec.trim !== false) value = value.trim()
    if (value === '') {
      errors[name] = [BLANK]
      continue
    }
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
      errors[name] = [`Ensure this field has no more than ${spec.maxLength} characters.`]
      continue
    }
    values[name] = value
  }
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors)
  return values
}
