/**
 * X-Forwarded-For is written by whoever sends the request: whatever it holds, the client IP is an
 * IP address, never longer than the address columns, and behind trusted proxies it is the address
 * they appended, not anything the client wrote.
 */
import { isIP } from 'node:net'
import fc from 'fast-check'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientIp, isClientAddress, proxyTrust } from '../../src/http/client-ip.js'
import type { TrustProxy } from '../../src/settings/types.js'

const PEER = '10.0.0.2'

/** A bare app with Tessera's trust rule and client IP, answering the IP it sees. */
async function appTrusting(setting: TrustProxy): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy: proxyTrust(setting) })
  app.get('/', (request) => ({ ip: clientIp(request) }))
  await app.ready()
  return app
}

const TEN: TrustProxy = ['10.0.0.0/8']
const SETTINGS: readonly TrustProxy[] = [false, 1, 2, 5, TEN, ['10.0.0.0/8', '2001:db8::/32']]

/** Header-safe text with plenty of commas, spaces and address-like pieces. */
const headerText = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.ipV4(),
      fc.ipV6(),
      fc.constantFrom(',', ', ', ' ', '%eth0', '::ffff:', '<script>', '1'.repeat(80), '[::1]:80'),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''))

describe('client IP from X-Forwarded-For (property)', () => {
  const apps = new Map<TrustProxy, FastifyInstance>()
  beforeAll(async () => {
    for (const setting of SETTINGS) apps.set(setting, await appTrusting(setting))
  })
  afterAll(async () => {
    for (const app of apps.values()) await app.close()
  })

  const ipSeen = async (setting: TrustProxy, forwardedFor: string, peer = PEER): Promise<string> => {
    const app = apps.get(setting) as FastifyInstance
    const res = await app.inject({
      url: '/',
      remoteAddress: peer,
      headers: { 'x-forwarded-for': forwardedFor },
    })
    return res.json().ip
  }

  it('is always the peer or an IP address of at most 45 characters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SETTINGS), headerText, async (setting, header) => {
        const ip = await ipSeen(setting, header)
        if (ip !== PEER) {
          expect(isIP(ip)).not.toBe(0)
          expect(ip.length).toBeLessThanOrEqual(45)
          expect(header).toContain(ip)
        }
        if (setting === false) expect(ip).toBe(PEER)
      }),
      { numRuns: 600 },
    )
  })

  it('behind one appending proxy is the address it appended, whatever the client wrote', async () => {
    await fc.assert(
      fc.asyncProperty(headerText, fc.oneof(fc.ipV4(), fc.ipV6()), async (written, real) => {
        expect(await ipSeen(1, `${written}, ${real}`)).toBe(real)
      }),
      { numRuns: 300 },
    )
  })

  it('behind proxies named by range is the first address outside them, from the right', async () => {
    const outside = fc.ipV4().filter((ip) => !ip.startsWith('10.'))
    await fc.assert(
      fc.asyncProperty(headerText, outside, fc.ipV4(), async (written, real, inner) => {
        const proxy = `10.${inner.split('.').slice(1).join('.')}`
        expect(await ipSeen(TEN, `${written}, ${real}, ${proxy}`)).toBe(real)
        // The same header from a peer that is not a trusted proxy is not believed at all.
        expect(await ipSeen(TEN, `${written}, ${real}`, '192.0.2.9')).toBe('192.0.2.9')
      }),
      { numRuns: 300 },
    )
  })

  it('accepts only plain IP addresses as a client address', () => {
    for (const good of ['1.2.3.4', '::1', '2001:db8::1', '::ffff:192.0.2.1'])
      expect(isClientAddress(good)).toBe(true)
    for (const bad of ['', 'x', '<script>', '1.2.3.4:80', '[::1]', 'fe80::1%eth0', '1.2.3', ' 1.2.3.4']) {
      expect(isClientAddress(bad)).toBe(false)
    }
  })
})
