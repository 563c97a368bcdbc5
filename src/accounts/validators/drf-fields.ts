/**
 * The one field engine (every endpoint's body goes through it): DRF 3.14's `CharField.run_validation`
 * for one JSON value (blank and empty checks, the lenient number-to-string conversion, then every
 * field validator, collecting all their messages: DRF's `run_validators` does not stop at the
 * first), and a serializer's reading of several such fields from a JSON body.
 */
import { ValidationFailed } from '../../core/errors.js'
import type { FieldErrors } from '@tessera/protocol'
import { pyLen, pyNumberString, pyStrip } from './python-text.js'

/** A field validator: its message, or null when the value passes. */
export type FieldValidator = (value: string) => string | null

/** The outcome for one field. */
export type FieldResult = { ok: true; value: string } | { ok: false; errors: string[] }

/**
 * How one `CharField` is declared. Its validators run in DRF's order: the field's own
 * (`validators`, e.g. a model field's), then those every CharField appends (`maxLength`, no NUL,
 * no lone surrogates), then those a subclass appends (`validatorsAfter`, e.g. EmailField's).
 */
export interface CharFieldSpec {
  /** DRF's `trim_whitespace` (default true): strip before the blank check and in the value. */
  trimWhitespace?: boolean
  /** DRF's `max_length`, in code points as Python counts. */
  maxLength?: number
  /** DRF's `required` (default true): when false, a missing field is left out of the result. */
  required?: boolean
  validators?: readonly FieldValidator[]
  validatorsAfter?: readonly FieldValidator[]
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
  const trim = spec.trimWhitespace !== false
  if (typeof data === 'string' && (data === '' || (trim && pyStrip(data) === ''))) {
    return { ok: false, errors: [FIELD_MESSAGES.blank] }
  }
  if (!present) return { ok: false, errors: [FIELD_MESSAGES.required] }
  if (data === null) return { ok: false, errors: [FIELD_MESSAGES.null] }
  let value: string
  if (typeof data === 'string') value = data
  else if (typeof data === 'number' || typeof data === 'bigint') value = pyNumberString(data)
  else return { ok: false, errors: [FIELD_MESSAGES.invalid] }
  if (trim) value = pyStrip(value)
  const errors: string[] = []
  for (const validator of validatorsOf(spec)) {
    const message = validator(value)
    if (message !== null) errors.push(message)
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value }
}

/** The validators of `spec` in DRF's order (see `CharFieldSpec`). */
function validatorsOf(spec: CharFieldSpec): readonly FieldValidator[] {
  return [
    ...(spec.validators ?? []),
    ...(spec.maxLength === undefined ? [] : [maxLength(spec.maxLength)]),
    prohibitNullCharacters,
    prohibitSurrogateCharacters,
    ...(spec.validatorsAfter ?? []),
  ]
}

/** `type(data).__name__` for what JSON can hold besides an object. */
export function pythonTypeName(value: unknown): string {
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (Array.isArray(value)) return 'list'
  return typeof value
}

/**
 * A serializer's view of a JSON body that is not an object: DRF's `non_field_errors`. A missing
 * or null body reads as no fields (DRF's empty `request.data`).
 *
 * @throws ValidationFailed
 */
export function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>
  throw new ValidationFailed({
    non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`],
  })
}

/**
 * Reads `CharField`s from a JSON body with DRF's messages, in the order given; collects every
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
    const present = Object.hasOwn(source, name) && source[name] !== undefined
    if (!present && spec.required === false) continue
    const result = runCharField(present, source[name], spec)
    if (result.ok) values[name] = result.value
    else errors[name] = result.errors
  }
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors)
  return values
}
