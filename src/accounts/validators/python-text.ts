/**
 * Python `str` semantics that Django's and DRF's validators rely on, where JavaScript's differ:
 * lengths and iteration are by code point, `strip()` and `isdigit()` use Python's character sets,
 * and `\w` in a `str` pattern is Unicode-aware.
 */

/** Python's `len(s)`: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0
  for (const _ of s) n += 1
  return n
}

/** The characters `str.isspace()` accepts (Python 3.11): `strip()` with no argument removes these. */
const PY_SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g')

/** Python's `s.strip()`. JavaScript's `trim()` also strips U+FEFF and keeps U+001C-U+001F and U+0085. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '')
}

/**
 * Python's `\w` for `str` patterns: `str.isalnum()` or `_`, i.e. Unicode letters (L*) and numbers
 * (N*). Checked against CPython 3.11 over every code point: identical up to Unicode version.
 */
export const PY_WORD_CLASS = '\\p{L}\\p{N}_'
const NON_WORD_RUN = new RegExp(`[^${PY_WORD_CLASS}]+`, 'u')

/** Python's `re.split(r'\W+', s)`: leading and trailing empty strings included, as Python keeps them. */
export function pySplitNonWord(s: string): string[] {
  return s.split(NON_WORD_RUN)
}

/**
 * `str.isdigit()` is true for decimal digits (Nd) and for characters of Numeric_Type=Digit, which
 * JavaScript has no property for: superscripts, circled and parenthesized digits and the like.
 * This list is CPython 3.11's (Unicode 14), computed over every code point.
 */
const PY_DIGIT = new RegExp(
  '^[\\p{Nd}\\u00b2\\u00b3\\u00b9\\u1369-\\u1371\\u19da\\u2070\\u2074-\\u2079\\u2080-\\u2089\\u2460-\\u2468' +
    '\\u2474-\\u247c\\u2488-\\u2490\\u24ea\\u24f5-\\u24fd\\u24ff\\u2776-\\u277e\\u2780-\\u2788\\u278a-\\u2792' +
    '\\u{10a40}-\\u{10a43}\\u{10e60}-\\u{10e68}\\u{11052}-\\u{1105a}\\u{1f100}-\\u{1f10a}]+$',
  'u',
)

/** Python's `s.isdigit()`: non-empty and every character a digit in the sense above. */
export function pyIsDigit(s: string): boolean {
  return PY_DIGIT.test(s)
}

/**
 * Python's `str()` of a JSON number, as DRF's `CharField` converts one (`str(data)`). JSON
 * integers become Python ints (`"5"`), other numbers floats in `repr` style (`"1.5"`, `"1e-05"`).
 * A parsed JSON value cannot tell `5.0` from `5`, so both give `"5"`: the one known difference
 * from DRF, which would answer `"5.0"` for the former.
 */
export function pyNumberString(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString()
  if (Number.isNaN(n)) return 'nan'
  if (n === Number.POSITIVE_INFINITY) return 'inf'
  if (n === Number.NEGATIVE_INFINITY) return '-inf'
  if (Number.isInteger(n)) return BigInt(n).toString()
  // Shortest round-trip digits, as both Python's repr and JavaScript use; only the layout differs.
  const [mantissa = '', exp = '0'] = n.toExponential().split('e')
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const e = Number(exp)
  const sign = negative ? '-' : ''
  // repr switches to exponent notation below 1e-4 and from 1e16 (non-integers never reach 1e16).
  if (e < -4 || e >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    const magnitude = String(Math.abs(e)).padStart(2, '0')
    return `${sign}${body}e${e < 0 ? '-' : '+'}${magnitude}`
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`
  const whole = digits.slice(0, e + 1).padEnd(e + 1, '0')
  const fraction = digits.slice(e + 1)
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`
}
