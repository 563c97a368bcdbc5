import { ValidationFailed } from '../core/errors.js'
import type { FieldErrors } from '../protocol/types.js'
import {
  type FieldValidator,
  maxLength,
  prohibitNullCharacters,
  prohibitSurrogateCharacters,
  runCharField,
} from '../accounts/validators/drf-fields.js'

export interface CharFieldSpec {
  /** DRF `trim_whitespace` (true for CharField, false for passwords). */
  trim?: boolean
  /** DRF `max_length`, in code points as Python counts. */
  maxLength?: number
  required?: boolean
  /** The field's own validators, run before the ones every CharField has. */
  validators?: readonly FieldValidator[]
}

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
 * field's error before failing, as a serializer does. Every field refuses NUL and lone surrogates
 * as DRF's CharField does, so neither reaches a lookup or the database.
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
    const result = runCharField(present, source[name], {
      trimWhitespace: spec.trim !== false,
      validators: [
        ...(spec.validators ?? []),
        ...(spec.maxLength === undefined ? [] : [maxLength(spec.maxLength)]),
        prohibitNullCharacters,
        prohibitSurrogateCharacters,
      ],
    })
    if (result.ok) values[name] = result.value
    else errors[name] = result.errors
  }
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors)
  return values
}
