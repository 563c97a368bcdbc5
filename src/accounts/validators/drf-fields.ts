/**
 * DRF 3.14's `CharField.run_validation` for one JSON value: blank and empty checks, the lenient
 * number-to-string conversion, then every field validator, collecting all their messages (DRF's
 * `run_validators` does not stop at the first).
 */
import { pyLen, pyNumberString, pyStrip } from './python-text.js'

/** A field validator: its message, or null when the value passes. */
export type FieldValidator = (value: string) => string | null

/** The outcome for one field. */
export type FieldResult = { ok: true; value: string } | { ok: false; errors: string[] }

/** How one `CharField` is declared. */
export interface CharFieldSpec {
  /** DRF's `trim_whitespace` (default true): strip before the blank check and in the value. */
  trimWhitespace: boolean
  /** The field's validators in the order DRF runs them. */
  validators: readonly FieldValidator[]
}

/** DRF's messages for the checks `run_validation` makes before the validators. */
export const FIELD_MESSAGES = Object.freeze({
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  null: 'This field may not be null.',
  invalid: 'Not a valid string.',
})

/** `MaxLengthValidator` as DRF's CharField declares it, counting code points as Python does. */
export function maxLength(limit: number): FieldValidator {
  return (value) => (pyLen(value) > limit ? `Ensure this field has no more than ${limit} characters.` : null)
}

/** Django's `ProhibitNullCharactersValidator`, which every DRF CharField appends. */
export const prohibitNullCharacters: FieldValidator = (value) =>
  value.includes('\0') ? 'Null characters are not allowed.' : null

/** DRF's `ProhibitSurrogateCharactersValidator`, which every DRF CharField appends. */
export const prohibitSurrogateCharacters: FieldValidator = (value) => {
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0
    if (code >= 0xd800 && code <= 0xdfff) {
      return `Surrogate characters are not allowed: U+${code.toString(16).toUpperCase()}.`
    }
  }
  return null
}

/**
 * Validates one field. `present` is false when the key is missing from the body (DRF's `empty`).
 * The order is DRF's: blank (`''`, or whitespace only when trimming), then required and null,
 * then type (`bool` and non-scalars are refused, numbers become Python's `str()` of them), then
 * the validators.
 */
export function runCharField(present: boolean, data: unknown, spec: CharFieldSpec): FieldResult {
  if (typeof data === 'string' && (data === '' || (spec.trimWhitespace && pyStrip(data) === ''))) {
    return { ok: false, errors: [FIELD_MESSAGES.blank] }
  }
  if (!present) return { ok: false, errors: [FIELD_MESSAGES.required] }
  if (data === null) return { ok: false, errors: [FIELD_MESSAGES.null] }
  let value: string
  if (typeof data === 'string') value = data
  else if (typeof data === 'number' || typeof data === 'bigint') value = pyNumberString(data)
  else return { ok: false, errors: [FIELD_MESSAGES.invalid] }
  if (spec.trimWhitespace) value = pyStrip(value)
  const errors: string[] = []
  for (const validator of spec.validators) {
    const message = validator(value)
    if (message !== null) errors.push(message)
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value }
}
