import { BlockList, isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'
import type { TrustProxy } from '../settings/types.js'

/**
 * Fastify's `trustProxy` function: whether the address `hop` steps from the socket (0: the peer
 * itself) is a proxy whose `X-Forwarded-For` entry is believed. Fastify (proxy-addr) walks the
 * header from the right and takes the first address this answers false for.
 */
export type ProxyTrust = (address: string, hop: number) => boolean

/** The longest IP address text (`ffff:…:255.255.255.255`); the address columns hold 64. */
const MAX_IP_LENGTH = 45

/** `TRUST_PROXY` as Fastify's `trustProxy` option; `false` when no proxy is trusted. */
export function proxyTrust(setting: TrustProxy): ProxyTrust | false {
  if (setting === false) return false
  if (typeof setting === 'number') {
    const hops = setting
    return (_address, hop) => hop < hops
  }
  const proxies = new BlockList()
  for (const entry of setting) {
    const [address = '', prefix] = entry.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) proxies.addAddress(address, family)
    else proxies.addSubnet(address, Number(prefix), family)
  }
  // BlockList matches IPv4-mapped IPv6 peers (a dual-stack socket's `::ffff:10.0.0.1`) to IPv4
  // ranges, and answers false for anything that is not an address.
  return (address) => {
    const family = isIP(address)
    return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4')
  }
}

/**
 * Whether a value taken from `X-Forwarded-For` may stand as the client's address: an IP address
 * without a zone id, so never longer than the address columns.
 */
export function isClientAddress(value: string): boolean {
  return value.length <= MAX_IP_LENGTH && !value.includes('%') && isIP(value) !== 0
}

/**
 * The client's IP: the address `TRUST_PROXY` designates (Fastify's `request.ip`), when it is an IP
 * address; otherwise the socket's peer. Rate limits, the login throttle, the audit log and the
 * sessions list all take it from here, so a client's header never chooses what they see.
 */
export function clientIp(request: FastifyRequest): string | null {
  const designated = request.ip
  if (designated !== undefined && isClientAddress(designated)) return designated
  return request.raw.socket?.remoteAddress ?? null
}
