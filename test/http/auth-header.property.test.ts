import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BadAuthorizationHeader } from '../../src/core/errors.js'
import { tokenFromAuthorization } from '../../src/http/auth-header.js'

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
})
