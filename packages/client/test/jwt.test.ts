import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeJwtPayload, readCookie, tokenExpiry } from '../src/index.js'
import { makeToken } from './fake-server.js'

describe('decodeJwtPayload', () => {
  it('reads exp and claims, including non-ASCII text', () => {
    const token = makeToken({ exp: 1_800_000_000, email: 'zoë@exämple.com', user_id: 7 })
    expect(tokenExpiry(token)).toBe(1_800_000_000)
    expect(decodeJwtPayload(token)).toEqual({ exp: 1_800_000_000, email: 'zoë@exämple.com', user_id: 7 })
  })

  it('round-trips any JSON object payload (base64url, unpadded)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (payload) => {
        expect(decodeJwtPayload(makeToken(payload))).toEqual(JSON.parse(JSON.stringify(payload)))
      }),
    )
  })

  it('answers undefined for what is not a JWT', () => {
    expect(decodeJwtPayload('garbage')).toBeUndefined()
    expect(decodeJwtPayload('a.%%%.c')).toBeUndefined()
    expect(decodeJwtPayload(`a.${Buffer.from('"str"').toString('base64url')}.c`)).toBeUndefined()
    expect(tokenExpiry(makeToken({ exp: 'soon' }))).toBeUndefined()
  })
})

describe('readCookie', () => {
  it('finds one cookie by exact name and decodes it', () => {
    expect(readCookie('xcsrftoken=no; csrftoken=a%20b; other=1', 'csrftoken')).toBe('a b')
    expect(readCookie('csrftoken=v=1', 'csrftoken')).toBe('v=1')
    expect(readCookie('', 'csrftoken')).toBeUndefined()
  })
})
