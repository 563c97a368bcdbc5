/**
 * A port of Django 3.2's `EmailValidator` (`django.core.validators.validate_email`), which DRF's
 * `EmailField` runs. Faithful down to Python's regex quirks:
 * - `re.IGNORECASE` on a `str` pattern lets `[A-Z]` also match U+0130, U+0131, U+017F and
 *   U+212A (they case-map into ASCII), so those four are listed explicitly below;
 * - the local part may be a quoted string (`"john doe"@example.com`);
 * - `user@localhost` is allowed, `[1.2.3.4]` and `[IPv6:…]`-less IPv6 literals are checked as IPs;
 * - a domain that fails is retried after IDNA encoding (`bücher.example` → `xn--bcher-kva.example`).
 */
import { domainToASCII } from 'node:url'
import { isValidIPv46 } from './ip-address.js'

/** Python's `[A-Z]` under `re.IGNORECASE`: ASCII letters and four non-ASCII ones. */
const LETTERS = 'A-Za-z\\u0130\\u0131\\u017F\\u212A'
const ATOM = `[-!#$%&'*+/=?^_\`{}|~0-9${LETTERS}]`
const USER_RE = new RegExp(
  `^${ATOM}+(?:\\.${ATOM}+)*$` +
    `|^"(?:[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f!#-\\[\\]-\\x7f\\u0130\\u0131\\u017F\\u212A]` +
    `|\\\\[\\x01-\\x09\\x0b\\x0c\\x0e-\\x7f\\u0130\\u0131\\u017F\\u212A])*"$`,
  'u',
)
const DOMAIN_RE = new RegExp(
  `^(?:[0-9${LETTERS}](?:[-0-9${LETTERS}]{0,61}[0-9${LETTERS}])?\\.)+[-0-9${LETTERS}]{2,63}(?<!-)$`,
  'u',
)
const LITERAL_RE = /^\[([A-Fa-f0-9:.]+)\]$/
const DOMAIN_ALLOWLIST: readonly string[] = ['localhost']
/** Nameprep (RFC 3491) table B.1: code points deleted from a label before it is encoded. */
const MAPPED_TO_NOTHING: ReadonlySet<number> = new Set([
  0xad,
  0x34f,
  0x1806,
  0x180b,
  0x180c,
  0x180d,
  0x200b,
  0x200c,
  0x200d,
  0x2060,
  0xfeff,
  ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i),
])
/** RFC 3696's maximum address length; Django 3.2.20 added it against regex denial of service. */
const MAX_EMAIL_LENGTH = 320

/** Django's message when EmailValidator refuses an address. */
export const INVALID_EMAIL_MESSAGE = 'Enter a valid email address.'

/** Django's `EmailValidator()(value)` as a predicate. */
export function isValidEmailAddress(value: string): boolean {
  if (value === '' || !value.includes('@') || codePoints(value) > MAX_EMAIL_LENGTH) return false
  const at = value.lastIndexOf('@')
  const userPart = value.slice(0, at)
  const domainPart = value.slice(at + 1)
  if (!USER_RE.test(userPart)) return false
  if (DOMAIN_ALLOWLIST.includes(domainPart) || isValidDomainPart(domainPart)) return true
  const ascii = idnaToAscii(domainPart)
  return ascii !== undefined && isValidDomainPart(ascii)
}

function isValidDomainPart(domain: string): boolean {
  if (DOMAIN_RE.test(domain)) return true
  const literal = LITERAL_RE.exec(domain)
  return literal?.[1] !== undefined && isValidIPv46(literal[1])
}

/**
 * Django's `punycode(domain)`, i.e. Python's `domain.encode('idna')` (IDNA 2003), or undefined
 * where Python raises UnicodeError. An ASCII domain comes back unchanged, as in Python. For other
 * domains Node's UTS #46 mapping stands in for nameprep; the two differ only on rare characters
 * (`ß` maps to `ss` in IDNA 2003 and stays `ß` in UTS #46), and both give an LDH string.
 */
function idnaToAscii(domain: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  const ascii = /^[\x00-\x7f]*$/
  if (ascii.test(domain)) return domain
  const labels = domain.split(/[.\u3002\uff0e\uff61]/)
  // Python keeps one trailing dot (which then fails the domain pattern) and refuses empty labels.
  const trailingDot = labels.length > 1 && labels[labels.length - 1] === ''
  if (trailingDot) labels.pop()
  const encoded: string[] = []
  for (const original of labels) {
    // Nameprep's table B.1 maps these to nothing; UTS #46 would refuse some (U+200D).
    const label = Array.from(original)
      .filter((ch) => !MAPPED_TO_NOTHING.has(ch.codePointAt(0) ?? 0))
      .join('')
    if (ascii.test(label)) {
      // ToASCII leaves an ASCII label as it is, only checking its length.
      if (label.length === 0 || label.length > 63) return undefined
      encoded.push(label)
      continue
    }
    // Nameprep keeps ASCII punctuation, spaces and controls, which then fail the domain pattern.
    // Node's WHATWG mapping would drop or reject some of them instead: decide here, as Python would.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII controls are among the refused
    if (/[\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/.test(label)) return undefined
    const ace = domainToASCII(label)
    if (ace === '' || ace.includes('.') || ace.length > 63) return undefined
    encoded.push(ace)
  }
  return encoded.join('.') + (trailingDot ? '.' : '')
}

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n += 1
  return n
}
