/**
 * Python's `ipaddress.IPv4Address(str)` and `IPv6Address(str)` parsers reduced to "is it valid",
 * for the `[literal]` domains Django's EmailValidator accepts (`validate_ipv46_address`).
 */

/** `IPv4Address(value)` succeeds, plus Django 3.2's refusal of leading zeros (octal ambiguity). */
export function isValidIPv4(value: string): boolean {
  const octets = value.split('.')
  if (octets.length !== 4) return false
  return octets.every(
    (octet) =>
      /^[0-9]{1,3}$/.test(octet) && !(octet.length > 1 && octet.startsWith('0')) && Number(octet) <= 255,
  )
}

/** `IPv6Address(value)` succeeds: at most one `::`, 8 hextets, an optional trailing IPv4 part. */
export function isValidIPv6(value: string): boolean {
  if (value === '') return false
  const parts = value.split(':')
  if (parts.length < 3) return false
  const last = parts[parts.length - 1] ?? ''
  if (last.includes('.')) {
    if (!isValidIPv4(last)) return false
    // An embedded IPv4 address stands for two hextets.
    parts.splice(parts.length - 1, 1, '0', '0')
  }
  if (parts.length > 9) return false
  let skip = -1
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] === '') {
      if (skip !== -1) return false
      skip = i
    }
  }
  let hi: number
  let lo: number
  if (skip !== -1) {
    hi = skip
    lo = parts.length - skip - 1
    if (parts[0] === '') {
      hi -= 1
      if (hi !== 0) return false
    }
    if (parts[parts.length - 1] === '') {
      lo -= 1
      if (lo !== 0) return false
    }
    if (8 - (hi + lo) < 1) return false
  } else {
    if (parts.length !== 8 || parts[0] === '' || parts[parts.length - 1] === '') return false
    hi = parts.length
    lo = 0
  }
  const hextets = [...parts.slice(0, hi), ...parts.slice(parts.length - lo)]
  return hextets.every((h) => /^[0-9a-fA-F]{1,4}$/.test(h))
}

/** Django's `validate_ipv46_address` as a predicate. */
export function isValidIPv46(value: string): boolean {
  return isValidIPv4(value) || isValidIPv6(value)
}
