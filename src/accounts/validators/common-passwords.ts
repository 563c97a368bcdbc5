/**
 * The common-password list for CommonPasswordValidator: the 49,233 entries of
 * @zxcvbn-ts/language-common's `passwords-common` (Django ships its own 20,000-entry list; this
 * one is a superset of the usual suspects and already a dependency).
 */
import { createRequire } from 'node:module'

type LanguageCommon = typeof import('@zxcvbn-ts/language-common')

let common: ReadonlySet<string> | undefined

/**
 * The list as a Set, built on first use. The package decompresses its dictionaries when loaded
 * (tens of milliseconds), so it is required here on demand rather than imported at startup.
 */
export function commonPasswords(): ReadonlySet<string> {
  if (common === undefined) {
    const require = createRequire(import.meta.url)
    const { dictionary } = require('@zxcvbn-ts/language-common') as LanguageCommon
    common = new Set(dictionary['passwords-common'])
  }
  return common
}
