import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BadAuthorizationHeader } from '@tessera/protocol'
import { authorizationOf, headerFromRaw, tokenFromAuthorization } from '../src/auth-header.js'

const TYPES = ['Bearer', 'JWT']

describe('Authorization header parsing (simplejwt get_raw_token)', () => {
  it('follows the reference cases', () => {
    expect(tokenFromAuthorization(undefined, TYPES)).toBeUndefined()
    expect(tokenFromAuthorization('', TYPES)).toBeUndefined()
    expect(tokenFromAuthorization('Token abc', TYPES)).toBeUndefined()
    expect(tokenFromAuthorization('bearer abc', TYPES)).toBeUndefined()
    expect(tokenFromAuthorization('Bearer abc', TYPES)).toBe('abc')
    expect(tokenFromAuthorization('JWT  abc ', TYPES)).toBe('abc')
    expect(() => tokenFromAuthorization('Bearer', TYPES)).toThrow(BadAuthorizationHeader)
    expect(() => tokenFromAuthorization('Bearer a b', TYPES)).toThrow(BadAuthorizationHeader)
    expect(() => tokenFromAuthorization(`Bearer ${'a'.repeat(9000)}`, TYPES)).toThrow(BadAuthorizationHeader)
  })

  it('any header yields a token, nothing, or BadAuthorizationHeader', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        try {
          const token = tokenFromAuthorization(header, TYPES)
          if (token !== undefined) {
            expect(token).not.toMatch(/\s/)
            expect(TYPES).toContain(header.trim().split(/\s+/)[0])
          }
        } catch (error) {
          expect(error).toBeInstanceOf(BadAuthorizationHeader)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('a known scheme and one token always give that token back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES),
        fc.stringMatching(/^[A-Za-z0-9._-]{1,200}$/),
        (scheme, token) => {
          expect(tokenFromAuthorization(`${scheme} ${token}`, TYPES)).toBe(token)
        },
      ),
    )
  })

  it('agrees with a plain whitespace split on any header (the fast path changes nothing)', () => {
    /** simplejwt's get_raw_token, transcribed: `header.split()`, then the scheme and count checks. */
    const reference = (header: string): string | undefined | 'bad' => {
      if (header === '') return undefined
      if (header.length > 8192) return 'bad'
      const parts = header.split(/\s+/).filter((part) => part !== '')
      if (parts[0] === undefined || !TYPES.includes(parts[0])) return undefined
      return parts.length === 2 ? parts[1] : 'bad'
    }
    const piece = fc.oneof(
      fc.constantFrom('Bearer', 'JWT', 'bearer', 'Token', ' ', '  ', '\t', '\n', '\u00a0', '\u2003', 'a.b.c'),
      fc.string({ maxLength: 12 }),
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const header = pieces.join('')
        let actual: string | undefined | 'bad'
        try {
          actual = tokenFromAuthorization(header, TYPES)
        } catch (error) {
          expect(error).toBeInstanceOf(BadAuthorizationHeader)
          actual = 'bad'
        }
        expect(actual).toBe(reference(header))
      }),
      { numRuns: 5000 },
    )
  })
})

describe('headerFromRaw (the Authorization header without building request.headers)', () => {
  const NAMES = [
    'authorization',
    'Authorization',
    'AUTHORIZATION',
    'x-access-token',
    'host',
    'Accept',
    'authorizatio',
    'authorization2',
  ]
  const raw = fc
    .array(fc.tuple(fc.constantFrom(...NAMES), fc.string({ maxLength: 40 })), { maxLength: 12 })
    .map((pairs) => pairs.flat())

  it('is the value when sent once, the values joined by ", " when repeated, undefined when absent', () => {
    fc.assert(
      fc.property(raw, fc.constantFrom('authorization', 'x-access-token', 'accept'), (headers, name) => {
        // The reference: every occurrence, whatever its case, in the order received (RFC 9110 5.3).
        const values: string[] = []
        for (let i = 0; i < headers.length; i += 2) {
          if ((headers[i] as string).toLowerCase() === name) values.push(headers[i + 1] as string)
        }
        expect(headerFromRaw(headers, name)).toBe(values.length === 0 ? undefined : values.join(', '))
      }),
      { numRuns: 2000 },
    )
  })

  it('gives what Node gives in request.headers for a header sent once', () => {
    expect(headerFromRaw(['Host', 'a', 'AuThOrIzAtIoN', 'Bearer t'], 'authorization')).toBe('Bearer t')
    expect(headerFromRaw(['Host', 'a'], 'authorization')).toBeUndefined()
    expect(headerFromRaw([], 'authorization')).toBeUndefined()
  })

  it('makes a repeated Authorization header a refused one, as simplejwt behind a WSGI server does', () => {
    const joined = headerFromRaw(['authorization', 'Bearer a', 'Authorization', 'Bearer b'], 'authorization')
    expect(joined).toBe('Bearer a, Bearer b')
    expect(() => tokenFromAuthorization(joined, TYPES)).toThrow(BadAuthorizationHeader)
  })
})

describe('authorizationOf (the guards)', () => {
  it('prefers what the client sent, and falls back on a header the app set itself', () => {
    expect(authorizationOf(['Authorization', 'Bearer sent'], { authorization: 'Bearer own' })).toBe(
      'Bearer sent',
    )
    expect(authorizationOf(['Host', 'x'], { authorization: 'Bearer own' })).toBe('Bearer own')
    expect(authorizationOf(undefined, { authorization: ['Bearer a', 'Bearer b'] })).toBe('Bearer a')
    expect(authorizationOf([], {})).toBeUndefined()
    expect(authorizationOf(['authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b'], {})).toBe(
      'Bearer a, Bearer b',
    )
  })
})
