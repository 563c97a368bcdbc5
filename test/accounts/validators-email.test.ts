import { describe, expect, it } from 'vitest'
import { isValidIPv4, isValidIPv6 } from '../../src/accounts/validators/ip-address.js'
import { isValidEmailAddress, validateEmail } from '../../src/accounts/validators/index.js'

// Expected results come from CPython 3.11 running Django 3.2.25's EmailValidator code
// (regexes, `rsplit('@', 1)`, the 320-character cap, `encode('idna')` and the ipaddress module).
const VALID = [
  'alice@a\u200db.de',
  'alice@BÜCHER.DE',
  'alice@example.com',
  'Alice.Smith+tag@Example.COM',
  'a@b.co',
  'user@localhost',
  '"a@b"@example.com',
  '"john\\"doe"@example.com',
  '""@example.com',
  'alice@example.c-m',
  'alice@[127.0.0.1]',
  'alice@[::1]',
  'alice@[2001:db8::1]',
  'alice@[::ffff:1.2.3.4]',
  'alice@[1:2:3:4:5:6:7:8]',
  'alice@[1:2:3:4:5:6:7::]',
  'alice@bücher.de',
  'alice@例え.テスト',
  'alice@xn--bcher-kva.de',
  'alice@münchen。de',
  'ſ@example.com',
  'K@example.com',
  'ı@example.com',
  'İ@example.com',
  'alice@exampſe.com',
  'alice@example.123',
  'alice@123.123',
  'alice@☃.net',
  'alice@faß.de',
  'a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com',
  'alice@ex-ample.com',
  'alice+@example.com',
  '{}@example.com',
  'a@[0.0.0.0]',
]

const INVALID = [
  'alice@bü\ncher.de',
  'alice@bü_cher.de',
  'alice@xn--ü.de',
  'alice@ü..de',
  'alice@faß.de.',
  'a@b.c',
  'a@b',
  'user@LOCALHOST',
  'user@localhost.',
  'user@example.com.',
  'not-an-email',
  '@example.com',
  'alice@',
  'alice@@example.com',
  'a@b@example.com',
  '"john doe"@example.com',
  'john doe@example.com',
  '.alice@example.com',
  'alice.@example.com',
  'al..ice@example.com',
  'alice@-example.com',
  'alice@example-.com',
  'alice@example.co-',
  'alice@exa_mple.com',
  'alice@[127.0.0.256]',
  'alice@[127.0.01.1]',
  'alice@[2001:db8::1::2]',
  'alice@[1:2:3:4:5:6:7:8:9]',
  'alice@[:1:2:3:4:5:6:7]',
  'alice@[IPv6:::1]',
  'alice@bücher.de.',
  'alice@exa mple.com',
  'alice@ex..ample.com',
  'alice@.example.com',
  'alice@example..com',
  'é@example.com',
  'a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com',
  'alice@example.com\n',
  'alice\n@example.com',
  'alice@bücher.de\n',
  'alice@xn--.com',
  'a@b.cd-',
  'a@[1.2.3.4.5]',
  'a@[]',
  'a@[1.2.3]',
]

describe('isValidEmailAddress (Django EmailValidator)', () => {
  it.each(VALID)('accepts %j', (email) => {
    expect(isValidEmailAddress(email)).toBe(true)
  })

  it.each(INVALID)('refuses %j', (email) => {
    expect(isValidEmailAddress(email)).toBe(false)
  })

  it('refuses addresses over 320 characters before running the patterns', () => {
    const local = 'a'.repeat(64)
    const labels = Array.from({ length: 30 }, () => 'abcdef').join('.')
    expect(isValidEmailAddress(`${local}@${labels}.com`)).toBe(true)
    expect(isValidEmailAddress(`${local}@${'a.'.repeat(130)}com`)).toBe(false)
  })
})

describe('validateEmail (DRF EmailField)', () => {
  it('gives the max-length message before the invalid message, as DRF orders its validators', () => {
    const long = `${'a'.repeat(250)}@example.com`
    expect(validateEmail(long)).toEqual(['Ensure this field has no more than 254 characters.'])
    expect(validateEmail(`${'a'.repeat(330)}@example.com`)).toEqual([
      'Ensure this field has no more than 254 characters.',
      'Enter a valid email address.',
    ])
    expect(validateEmail('bob@example.com')).toEqual([])
    expect(validateEmail('bob\u0000@example.com')).toEqual([
      'Null characters are not allowed.',
      'Enter a valid email address.',
    ])
  })
})

describe('IP literals (Python ipaddress)', () => {
  it.each([
    ['1.2.3.4', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['01.2.3.4', false],
    ['0.0.0.0', true],
    ['1.2.3', false],
    ['1.2.3.4.', false],
    ['1..3.4', false],
  ])('IPv4 %s → %s', (ip, ok) => {
    expect(isValidIPv4(ip)).toBe(ok)
  })

  it.each([
    ['::', true],
    ['::1', true],
    ['1::', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7::', true],
    ['::2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    [':1:2:3:4:5:6:7', false],
    ['1:2:3:4:5:6:7:', false],
    ['12345::', false],
    ['::ffff:1.2.3.4', true],
    ['1:2:3:4:5:6:1.2.3.4', true],
    ['1:2:3:4:5:6:7:1.2.3.4', false],
    ['::1.2.3', false],
    ['1:2', false],
  ])('IPv6 %s → %s', (ip, ok) => {
    expect(isValidIPv6(ip)).toBe(ok)
  })
})
