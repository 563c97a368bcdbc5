import type { Kind } from './kinds.js'
import type { TrustProxy } from './types.js'

/** More proxies than any real chain has: a larger count is a typo. */
const MAX_HOPS = 32

/** The named ranges proxy-addr (Express, Fastify) knows, as the CIDRs they stand for. */
const RANGE_NAMES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** IPv6 by the URL parser's own rules (portable: no `node:net` in this room); no zone ids. */
function isIPv6(value: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(value) || !value.includes(':')) return false
  try {
    new URL(`http://[${value}]/`)
    return true
  } catch {
    return false
  }
}

/** An address, or an address with a prefix length that fits its family. */
function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/')
  if (rest.length > 0) return false
  const bits = IPV4.test(address) ? 32 : isIPv6(address) ? 128 : 0
  if (bits === 0) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits)
}

const REFUSED_TRUE =
  'true would take the client IP from whatever the client writes in X-Forwarded-For; give the number ' +
  'of proxies in front of Tessera (e.g. 1) or their addresses (e.g. 10.0.0.0/8,127.0.0.1)'

/**
 * `TRUST_PROXY`: `false` (or `0`, or empty), a hop count, or comma-separated proxy addresses and
 * CIDRs (`loopback`, `linklocal` and `uniquelocal` expand to their ranges). `true` is refused in
 * every mode: trusting every hop lets any client choose the address that rate limits, the login
 * throttle and the audit log see.
 */
export const trustProxy: Kind<TrustProxy> = {
  type: 'false, a hop count, or proxy addresses/CIDRs (comma-separated)',
  parse(raw) {
    const value = raw.trim()
    if (value === '' || value.toLowerCase() === 'false' || value === '0') return false
    if (value.toLowerCase() === 'true') throw new Error(REFUSED_TRUE)
    if (/^\d+$/.test(value)) {
      const hops = Number(value)
      if (hops > MAX_HOPS) throw new Error(`expected at most ${MAX_HOPS} proxies, got ${hops}`)
      return hops
    }
    const ranges: string[] = []
    for (const entry of value.split(',').map((item) => item.trim())) {
      const named = RANGE_NAMES[entry.toLowerCase()]
      if (named !== undefined) ranges.push(...named)
      else if (isAddressOrRange(entry)) ranges.push(entry)
      else throw new Error(`expected a hop count, or IP addresses and CIDRs, got ${JSON.stringify(entry)}`)
    }
    return ranges
  },
  // `true`, `0` or a list with range names, given in code, read as in the environment.
  readsFromCode: (value) => typeof value === 'boolean' || typeof value === 'number' || Array.isArray(value),
  accepts: (value): value is TrustProxy =>
    value === false ||
    (Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_HOPS) ||
    (Array.isArray(value) &&
      value.length > 0 &&
      value.every((entry) => typeof entry === 'string' && isAddressOrRange(entry))),
}
