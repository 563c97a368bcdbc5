import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readCharFields } from '../../src/accounts/validators/drf-fields.js'
import { pyIsDigit, pyNumberString, pyStrip } from '../../src/accounts/validators/python-text.js'
import {
  isValidUsername,
  quickRatio,
  validatePassword,
  validateRegistrationInput,
  validateUsername,
} from '../../src/accounts/validators/index.js'

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.'
const TOO_COMMON = 'This password is too common.'
const NUMERIC = 'This password is entirely numeric.'
const INVALID_USERNAME =
  'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'

describe('quickRatio (difflib.SequenceMatcher.quick_ratio)', () => {
  // Right-hand values printed by CPython 3.11's difflib.
  it.each([
    ['abc', 'abd', 0.6666666666666666],
    ['carolinexyz1', 'carolinexyz', 0.9565217391304348],
    ['password', 'name', 0.16666666666666666],
    ['1234', 'bob', 0],
    ['', 'x', 0],
    ['', '', 1],
    ['aab', 'abb', 0.6666666666666666],
    ['correct-horse-9', 'bob1', 0.10526315789473684],
    ['😀😀a', '😀b', 0.4],
  ])('quick_ratio(%j, %j) = %d', (a, b, expected) => {
    expect(quickRatio(a, b)).toBe(expected)
  })

  it('is symmetric and within [0, 1]', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const r = quickRatio(a, b)
        expect(r).toBeGreaterThanOrEqual(0)
        expect(r).toBeLessThanOrEqual(1)
        expect(quickRatio(b, a)).toBe(r)
      }),
    )
  })
})

describe('validatePassword (Django 3.2 defaults)', () => {
  const bob = { username: 'bob1', email: 'bob1@example.com' }

  it('contract 11b: "1234" fails length, common and numeric, in that order', () => {
    expect(validatePassword('1234', bob)).toEqual([TOO_SHORT, TOO_COMMON, NUMERIC])
  })

  it('contract 11c: carolinexyz1 is too similar to carolinexyz', () => {
    expect(validatePassword('carolinexyz1', { username: 'carolinexyz', email: 'carol@example.com' })).toEqual(
      ['The password is too similar to the username.'],
    )
  })

  it('accepts the reference passwords', () => {
    expect(validatePassword('Correct-Horse-9', bob)).toEqual([])
    expect(validatePassword('Wonderland-42!', { username: 'alice', email: 'alice@example.com' })).toEqual([])
  })

  // Expected messages from Django 3.2's validator code run in CPython.
  it.each([
    ['alicewonder', { username: 'bob', email: 'alice.wonder@example.com' }, 'email address'],
    [
      'Smithsonian1',
      { username: 'bob', email: 'b@x.io', first_name: 'Ann', last_name: 'Smithson' },
      'last name',
    ],
    ['annabelle99', { username: 'bob', email: 'b@x.io', first_name: 'Annabelle' }, 'first name'],
    ['ELPMAXE', { username: 'zzz', email: 'z@example.org' }, 'email address'],
    ['Ünïcödé1', { username: 'ünïcödé', email: 'u@x.io' }, 'username'],
  ])('%j is too similar to the %s', (password, user, verboseName) => {
    expect(validatePassword(password, user)[0]).toBe(`The password is too similar to the ${verboseName}.`)
  })

  it('gives one similarity message even when several attributes match', () => {
    const messages = validatePassword('bobbobbob', { username: 'bobbobbob', email: 'bobbobbob@x.io' })
    expect(messages).toEqual(['The password is too similar to the username.'])
  })

  it('skips the similarity check without a user or with empty attributes', () => {
    expect(validatePassword('carolinexyz1')).toEqual([])
    expect(validatePassword('carolinexyz1', { username: '', email: '' })).toEqual([])
  })

  it("keeps Django's quirk: an empty part from a trailing separator is identical to an empty password", () => {
    expect(validatePassword('', { username: 'a.', email: '' })).toEqual([
      'The password is too similar to the username.',
      TOO_SHORT,
    ])
  })

  it('counts length in code points', () => {
    expect(validatePassword('😀😀😀😀ab', {})).toEqual([TOO_SHORT])
    expect(validatePassword('😀😀😀😀abcd', {})).toEqual([])
  })

  it('compares common passwords lower-cased and stripped the Python way', () => {
    expect(validatePassword('PassWord1', {})).toContain(TOO_COMMON)
    expect(validatePassword('  password  ', {})).toContain(TOO_COMMON)
    // Python's strip() removes U+001C-U+001F but not U+FEFF; JavaScript's trim() does the opposite.
    expect(validatePassword('\x1cpassword\x1f', {})).toContain(TOO_COMMON)
    expect(validatePassword('\ufeffpassword', {})).not.toContain(TOO_COMMON)
    expect(pyStrip('\x1c a \u3000')).toBe('a')
    expect(pyStrip('\ufeffa')).toBe('\ufeffa')
  })

  it('treats digits as str.isdigit() does', () => {
    for (const digits of ['12345678', '²³²³²³²³', '①②③④⑤⑥⑦⑧', '١٢٣٤٥٦٧٨', '１２３４５６７８']) {
      expect(validatePassword(digits, {}), digits).toContain(NUMERIC)
    }
    for (const notDigits of ['½½½½½½½½', '1234567a', '']) {
      expect(pyIsDigit(notDigits), notDigits).toBe(false)
    }
  })
})

describe('usernames (UnicodeUsernameValidator)', () => {
  it.each([
    ['José', true],
    ['Ωmega', true],
    ['李小龙', true],
    ['user.name@x+y-z', true],
    ['١٢٣', true],
    ['²', true],
    ['_', true],
    ['user name', false],
    ['bad name!', false],
    ['bob\n', false],
    ['a\u0301', false],
    ['ab\u200d', false],
    ['', false],
  ])('%j → %s (as CPython re)', (username, ok) => {
    expect(isValidUsername(username)).toBe(ok)
  })

  it('reports the pattern and the length together, as DRF runs every validator', () => {
    expect(validateUsername('a'.repeat(150))).toEqual([])
    expect(validateUsername('a'.repeat(151))).toEqual(['Ensure this field has no more than 150 characters.'])
    expect(validateUsername(`${'!'.repeat(151)}`)).toEqual([
      INVALID_USERNAME,
      'Ensure this field has no more than 150 characters.',
    ])
  })
})

describe('validateRegistrationInput', () => {
  it('contract 11: a valid body', () => {
    expect(
      validateRegistrationInput({ username: 'bob1', email: 'bob1@example.com', password: 'Correct-Horse-9' }),
    ).toEqual({
      ok: true,
      value: { username: 'bob1', email: 'bob1@example.com', password: 'Correct-Horse-9' },
    })
  })

  it('contract 11b', () => {
    expect(
      validateRegistrationInput({ username: 'bob2', email: 'bob2@example.com', password: '1234' }),
    ).toEqual({
      ok: false,
      errors: { password: [TOO_SHORT, TOO_COMMON, NUMERIC] },
    })
  })

  it('contract 11c', () => {
    expect(
      validateRegistrationInput({
        username: 'carolinexyz',
        email: 'carol@example.com',
        password: 'carolinexyz1',
      }),
    ).toEqual({ ok: false, errors: { password: ['The password is too similar to the username.'] } })
  })

  it('contract 11d, byte for byte', () => {
    const result = validateRegistrationInput(
      JSON.parse('{"username":"bad name!","email":"not-an-email","password":"password"}'),
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(JSON.stringify(result.errors)).toBe(
      '{"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],"email":["Enter a valid email address."],"password":["This password is too common."]}',
    )
  })

  it('contract 11e and 11f, byte for byte', () => {
    const missing = validateRegistrationInput({})
    expect(missing.ok ? null : JSON.stringify(missing.errors)).toBe(
      '{"username":["This field is required."],"email":["This field is required."],"password":["This field is required."]}',
    )
    const blank = validateRegistrationInput({ password: '', email: '', username: '' })
    expect(blank.ok ? null : JSON.stringify(blank.errors)).toBe(
      '{"username":["This field may not be blank."],"email":["This field may not be blank."],"password":["This field may not be blank."]}',
    )
    // A missing body is DRF's empty request.data.
    expect(validateRegistrationInput(undefined)).toEqual(missing)
  })

  it('trims username and email but never the password', () => {
    // Eight spaces are a valid password for Django: 8 characters, and strip() leaves "", not a common one.
    expect(
      validateRegistrationInput({
        username: '  bob1\n',
        email: ' bob1@example.com\t',
        password: ' Correct-Horse-9 ',
      }),
    ).toEqual({
      ok: true,
      value: { username: 'bob1', email: 'bob1@example.com', password: ' Correct-Horse-9 ' },
    })
    expect(validateRegistrationInput({ username: '   ', email: '\u3000', password: '        ' })).toEqual({
      ok: false,
      errors: {
        username: ['This field may not be blank.'],
        email: ['This field may not be blank.'],
      },
    })
  })

  it('answers null, wrong types and numbers as DRF does', () => {
    expect(validateRegistrationInput({ username: null, email: ['a@b.co'], password: { x: 1 } })).toEqual({
      ok: false,
      errors: {
        username: ['This field may not be null.'],
        email: ['Not a valid string.'],
        password: ['Not a valid string.'],
      },
    })
    expect(validateRegistrationInput({ username: true, email: 'e@example.com', password: false })).toEqual({
      ok: false,
      errors: { username: ['Not a valid string.'], password: ['Not a valid string.'] },
    })
    // Numbers become str(number): 12345678 is then a common, numeric password.
    expect(validateRegistrationInput({ username: 42, email: 'e@example.com', password: 12345678 })).toEqual({
      ok: false,
      errors: { password: [TOO_COMMON, NUMERIC] },
    })
    expect(
      validateRegistrationInput({ username: 4.5, email: 'e@example.com', password: 'Correct-Horse-9' }),
    ).toEqual({ ok: true, value: { username: '4.5', email: 'e@example.com', password: 'Correct-Horse-9' } })
  })

  it('checks password similarity only against valid username and email', () => {
    const invalidUsername = validateRegistrationInput({
      username: 'carolinexyz!',
      email: 'x@example.com',
      password: 'carolinexyz!1',
    })
    expect(invalidUsername).toEqual({ ok: false, errors: { username: [INVALID_USERNAME] } })
    const viaEmail = validateRegistrationInput({
      username: 'zed',
      email: 'carolinexyz@example.com',
      password: 'carolinexyz1',
    })
    expect(viaEmail).toEqual({
      ok: false,
      errors: { password: ['The password is too similar to the email address.'] },
    })
  })

  it('caps lengths: 150, 254 and 4096 code points', () => {
    const result = validateRegistrationInput({
      username: 'u'.repeat(151),
      email: `${'e'.repeat(250)}@example.com`,
      password: 'p'.repeat(4097),
    })
    expect(result).toEqual({
      ok: false,
      errors: {
        username: ['Ensure this field has no more than 150 characters.'],
        email: ['Ensure this field has no more than 254 characters.'],
        password: ['Ensure this field has no more than 4096 characters.'],
      },
    })
    const emoji = '😀'.repeat(4096)
    expect(validateRegistrationInput({ username: 'bob', email: 'b@example.com', password: emoji }).ok).toBe(
      true,
    )
  })

  it('refuses NUL and lone surrogates with DRF messages', () => {
    expect(
      validateRegistrationInput({ username: 'bob', email: 'b@example.com', password: 'Correct\0Horse-9' }),
    ).toEqual({ ok: false, errors: { password: ['Null characters are not allowed.'] } })
    expect(
      validateRegistrationInput({
        username: 'bob',
        email: 'b@example.com',
        password: 'Correct-Horse-9\ud800',
      }),
    ).toEqual({ ok: false, errors: { password: ['Surrogate characters are not allowed: U+D800.'] } })
  })

  it('answers a body that is not an object with non_field_errors', () => {
    expect(validateRegistrationInput(null)).toEqual({
      ok: false,
      errors: { non_field_errors: ['No data provided'] },
    })
    expect(validateRegistrationInput([1])).toEqual({
      ok: false,
      errors: { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] },
    })
    expect(validateRegistrationInput('x')).toEqual({
      ok: false,
      errors: { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] },
    })
  })

  it('names a body that is not an object as Python would, on every endpoint (one engine)', () => {
    for (const [body, name] of [
      [1.5, 'float'],
      [2, 'int'],
      [true, 'bool'],
      [[], 'list'],
      ['x', 'str'],
    ] as const) {
      const message = `Invalid data. Expected a dictionary, but got ${name}.`
      expect(validateRegistrationInput(body)).toEqual({ ok: false, errors: { non_field_errors: [message] } })
      expect(() => readCharFields(body, { token: {} })).toThrow(
        expect.objectContaining({ fields: { non_field_errors: [message] } }),
      )
    }
    expect(readCharFields(null, { token: { required: false } })).toEqual({})
  })

  it('ignores inherited and unknown keys', () => {
    const body = JSON.parse('{"__proto__":{"username":"x"},"extra":1}')
    expect(validateRegistrationInput(body)).toMatchObject({
      ok: false,
      errors: { username: ['This field is required.'] },
    })
  })

  it('never throws; objects give errors keyed only by the three fields, in order', () => {
    const fields = ['username', 'email', 'password']
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              username: fc.oneof(fc.string(), fc.jsonValue()),
              email: fc.oneof(fc.emailAddress(), fc.string(), fc.jsonValue()),
              password: fc.oneof(fc.string(), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
        ),
        (body) => {
          const result = validateRegistrationInput(body)
          if (result.ok) {
            expect(typeof result.value.username).toBe('string')
            expect(typeof result.value.password).toBe('string')
            return
          }
          const keys = Object.keys(result.errors)
          expect(keys.length).toBeGreaterThan(0)
          for (const messages of Object.values(result.errors)) expect(messages.length).toBeGreaterThan(0)
          if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
            expect(keys).toEqual(fields.filter((f) => keys.includes(f)))
          } else {
            expect(keys).toEqual(['non_field_errors'])
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe("pyNumberString (Python's str of a JSON number)", () => {
  it.each([
    [5, '5'],
    [-0, '0'],
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [123.456, '123.456'],
    [-0.5, '-0.5'],
    [2.5e-7, '2.5e-07'],
    [0.0001, '0.0001'],
    [1e21, '1000000000000000000000'],
    [Number.POSITIVE_INFINITY, 'inf'],
  ])('%d → %s', (n, expected) => {
    expect(pyNumberString(n)).toBe(expected)
  })
})
