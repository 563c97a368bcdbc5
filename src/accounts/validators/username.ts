/**
 * Django's `UnicodeUsernameValidator` (the default on `AbstractUser.username`):
 * `^[\w.@+-]+\Z` with Unicode `\w`. `\Z` is the very end, so a trailing newline is refused.
 */
import { PY_WORD_CLASS } from './python-text.js'

const USERNAME_RE = new RegExp(`^[${PY_WORD_CLASS}.@+-]+$`, 'u')

/** Django's message for a username the validator refuses. */
export const INVALID_USERNAME_MESSAGE =
  'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'

/** Django's `AbstractBaseUser.normalize_username`: NFKC, so `ａｌｉｃｅ` is `alice`. */
export function normalizeUsername(value: string): string {
  return value.normalize('NFKC')
}

/** Django's `UnicodeUsernameValidator()(value)` as a predicate. */
export function isValidUsername(value: string): boolean {
  return USERNAME_RE.test(value)
}

/** Refused at registration: a name mixing scripts is how look-alikes of existing names are made. */
export const MIXED_SCRIPT_USERNAME_MESSAGE =
  'Enter a valid username. This value may not mix letters of different scripts, as in a look-alike name.'

/** The scripts told apart; a letter of any other script counts as one more, unnamed script. */
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Cherokee',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
] as const
const SCRIPT_PATTERNS = SCRIPTS.map((name) => [name, new RegExp(`^\\p{Script=${name}}$`, 'u')] as const)
/** Digits, `_`, `@.+-` and combining marks belong to no script of their own. */
const SHARED = /^[\p{Script=Common}\p{Script=Inherited}]$/u
/** UTS #39's "highly restrictive" level: one script, or Latin with one of the CJK writing systems. */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
]

/**
 * True when the letters of `value` come from one script, or from a combination UTS #39's highly
 * restrictive profile allows (Japanese, Chinese and Korean with Latin). `аlice` with a Cyrillic
 * `а` is refused; `алиса`, `ελένη_7` and `たなか太郎` pass.
 */
export function isSingleScript(value: string): boolean {
  const scripts = new Set<string>()
  for (const ch of value) {
    if (SHARED.test(ch)) continue
    scripts.add(SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(ch))?.[0] ?? 'other')
  }
  if (scripts.size <= 1) return true
  return ALLOWED_MIXES.some((allowed) => [...scripts].every((script) => allowed.has(script)))
}
