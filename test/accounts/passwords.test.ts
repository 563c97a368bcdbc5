import { pbkdf2Sync } from 'node:crypto'
import { hash as bcryptHash } from '@node-rs/bcrypt'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationFailed } from '../../src/core/errors.js'
import {
  argon2idMatchesParams,
  createPasswordHasher,
  encodeDjangoPbkdf2,
  hashArgon2id,
  hashCostKind,
  isBcryptHash,
  MAX_PBKDF2_ITERATIONS,
  parseDjangoPbkdf2,
  verifyDjangoPbkdf2,
} from '../../src/accounts/passwords/index.js'

// The settings' minimum cost: fast enough for property tests, still real argon2id.
const CHEAP = { memoryKib: 1024, iterations: 1, parallelism: 1 }
const hasher = createPasswordHasher(CHEAP)

describe('argon2id', () => {
  it('round-trips and rejects a wrong password', async () => {
    const stored = await hasher.hash('Wonderland-42!')
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    expect(await hasher.verify(stored, 'Wonderland-42!')).toEqual({ ok: true, needsRehash: false })
    expect(await hasher.verify(stored, 'wonderland-42!')).toEqual({ ok: false, needsRehash: false })
    expect(await hasher.verify(stored, '')).toEqual({ ok: false, needsRehash: false })
  })

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('same'), hasher.hash('same')])
    expect(a).not.toBe(b)
  })

  it('handles non-ASCII passwords', async () => {
    const stored = await hasher.hash('pässwörd-日本-😀')
    expect((await hasher.verify(stored, 'pässwörd-日本-😀')).ok).toBe(true)
    expect((await hasher.verify(stored, 'passwörd-日本-😀')).ok).toBe(false)
  })

  it('asks for a rehash when the parameters changed, only on a match', async () => {
    const old = await hashArgon2id('pw-1', { memoryKib: 2048, iterations: 1, parallelism: 1 })
    expect(await hasher.verify(old, 'pw-1')).toEqual({ ok: true, needsRehash: true })
    expect(await hasher.verify(old, 'pw-2')).toEqual({ ok: false, needsRehash: false })
    const moreLanes = await hashArgon2id('pw-1', { memoryKib: 1024, iterations: 1, parallelism: 2 })
    expect(await hasher.verify(moreLanes, 'pw-1')).toEqual({ ok: true, needsRehash: true })
    const morePasses = await hashArgon2id('pw-1', { memoryKib: 1024, iterations: 2, parallelism: 1 })
    expect(await hasher.verify(morePasses, 'pw-1')).toEqual({ ok: true, needsRehash: true })
    expect(argon2idMatchesParams(morePasses, { memoryKib: 1024, iterations: 2, parallelism: 1 })).toBe(true)
  })

  it("verifies Django's argon2 format and asks for a rehash", async () => {
    const phc = await hashArgon2id('django-argon', CHEAP)
    expect(await hasher.verify(`argon2${phc}`, 'django-argon')).toEqual({ ok: true, needsRehash: true })
    expect(await hasher.verify(`argon2${phc}`, 'nope')).toEqual({ ok: false, needsRehash: false })
  })

  it('refuses stored hashes with absurd cost instead of allocating', async () => {
    const phc = await hashArgon2id('pw', CHEAP)
    const huge = phc.replace('m=1024', 'm=4294967295')
    expect(await hasher.verify(huge, 'pw')).toEqual({ ok: false, needsRehash: false })
    const manyPasses = phc.replace('t=1', 't=1000000')
    expect(await hasher.verify(manyPasses, 'pw')).toEqual({ ok: false, needsRehash: false })
  })

  it('rejects over-long passwords with a typed error, and never matches them', async () => {
    const long = 'a'.repeat(4097)
    await expect(hasher.hash(long)).rejects.toBeInstanceOf(ValidationFailed)
    await expect(hasher.hash(long)).rejects.toMatchObject({
      fields: { password: ['Ensure this field has no more than 4096 characters.'] },
    })
    // 4096 code points made of astral characters is 8192 UTF-16 units and still allowed.
    const emoji = '😀'.repeat(4096)
    const stored = await hasher.hash(emoji)
    expect((await hasher.verify(stored, emoji)).ok).toBe(true)
    expect((await hasher.verify(stored, `${emoji}😀`)).ok).toBe(false)
  })
})

describe('unusable and malformed hashes', () => {
  it('never match', async () => {
    const real = await hasher.hash('pw')
    for (const stored of [
      '',
      '!',
      `!${real}`,
      '!Xz8qB1bS4bM7nT0bY2vP5uC3cR6aW9',
      'md5$salt$hash',
      'bcrypt_sha256$$2b$12$abc',
      '$argon2id$',
      '$argon2id$v=19$m=1024,t=1,p=1$$',
      'argon2$argon2id$garbage',
      'pbkdf2_sha256',
      'pbkdf2_sha256$$$',
      'pbkdf2_sha256$abc$salt$Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4=',
      'pbkdf2_sha256$0$salt$Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4=',
      'pbkdf2_sha256$1000$salt$short',
    ]) {
      expect(await hasher.verify(stored, 'pw'), stored).toEqual({ ok: false, needsRehash: false })
    }
  })

  it('burn resolves and never throws, even for odd input', async () => {
    await expect(hasher.burn('anything')).resolves.toBeUndefined()
    await expect(hasher.burn('x'.repeat(100_000))).resolves.toBeUndefined()
    await expect(hasher.burn('')).resolves.toBeUndefined()
  })

  it('arbitrary stored strings never throw', async () => {
    const storedLike = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc
        .constantFrom(
          '$argon2id$',
          '$argon2i$',
          'argon2$argon2id$',
          'pbkdf2_sha256$',
          'pbkdf2_sha1$',
          '$2b$04$',
          '$2y$10$',
          '!',
        )
        .chain((prefix) => fc.string({ maxLength: 80 }).map((rest) => prefix + rest)),
      fc
        .tuple(fc.integer({ min: -5, max: 2000 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 50 }))
        .map(([n, salt, h]) => `pbkdf2_sha256$${n}$${salt}$${h}`),
    )
    await fc.assert(
      fc.asyncProperty(storedLike, fc.string({ maxLength: 40 }), async (stored, password) => {
        // Random data cannot be a valid hash of a random password: only "no match" is right.
        expect(await hasher.verify(stored, password)).toEqual({ ok: false, needsRehash: false })
      }),
      { numRuns: 150 },
    )
  })
})

describe('bcrypt', () => {
  it('verifies $2a$, $2b$ and $2y$ hashes and asks for a rehash only on a match', async () => {
    const stored = await bcryptHash('bcrypt-pw', 4)
    for (const variant of ['2a', '2b', '2y']) {
      const hash = stored.replace(/^\$2b\$/, `$${variant}$`)
      expect(isBcryptHash(hash)).toBe(true)
      expect(await hasher.verify(hash, 'bcrypt-pw')).toEqual({ ok: true, needsRehash: true })
      expect(await hasher.verify(hash, 'bcrypt-PW')).toEqual({ ok: false, needsRehash: false })
    }
  })

  it('refuses malformed bcrypt hashes: an impossible cost, a short digest, another variant', async () => {
    const stored = await bcryptHash('bcrypt-pw', 4)
    for (const bad of [
      stored.replace('$04$', '$99$'),
      stored.replace('$04$', '$03$'),
      stored.slice(0, -1),
      stored.replace(/^\$2b\$/, '$2x$'),
    ]) {
      expect(isBcryptHash(bad), bad).toBe(false)
      expect(await hasher.verify(bad, 'bcrypt-pw'), bad).toEqual({ ok: false, needsRehash: false })
    }
  })

  it('has a cost kind per variant and cost, for the floor under failed logins', async () => {
    expect(hashCostKind(await bcryptHash('x', 4))).toBe('$2b$04')
    expect(hashCostKind(`$2y$12$${'a'.repeat(53)}`)).toBe('$2y$12')
  })
})

describe('Django PBKDF2', () => {
  // Generated with Python's hashlib.pbkdf2_hmac, which Django's PBKDF2PasswordHasher calls.
  const DJANGO_260K =
    'pbkdf2_sha256$260000$8cLzWq3tG1pVx0Ru7bYk2e$Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4='
  const DJANGO_SHA1 = 'pbkdf2_sha1$1000$tessera-salt$Ejo6wrEKaxaIHVQpuzwe2qxoeLU='
  const DJANGO_UNICODE = 'pbkdf2_sha256$1000$Ωsalt$sgv6QBAY2UhbSqEHZNkaF0jTTJGJlvc7xzQdkkVydrI='

  it('matches a vector computed in-test with node:crypto', async () => {
    const salt = 'knownsalt123'
    const digest = pbkdf2Sync('Correct-Horse-9', salt, 1000, 32, 'sha256').toString('base64')
    const stored = `pbkdf2_sha256$1000$${salt}$${digest}`
    expect(await encodeDjangoPbkdf2('Correct-Horse-9', salt, 1000)).toBe(stored)
    expect(await verifyDjangoPbkdf2(stored, 'Correct-Horse-9')).toBe(true)
    expect(await verifyDjangoPbkdf2(stored, 'Correct-Horse-8')).toBe(false)
    expect(await hasher.verify(stored, 'Correct-Horse-9')).toEqual({ ok: true, needsRehash: true })
    expect(await hasher.verify(stored, 'wrong')).toEqual({ ok: false, needsRehash: false })
  })

  it("verifies Python's 260,000-round vector", async () => {
    const salt = '8cLzWq3tG1pVx0Ru7bYk2e'
    const inTest = pbkdf2Sync('Wonderland-42!', salt, 260_000, 32, 'sha256').toString('base64')
    expect(`pbkdf2_sha256$260000$${salt}$${inTest}`).toBe(DJANGO_260K)
    expect(await hasher.verify(DJANGO_260K, 'Wonderland-42!')).toEqual({ ok: true, needsRehash: true })
    expect((await hasher.verify(DJANGO_260K, 'Wonderland-42')).ok).toBe(false)
  })

  it('verifies pbkdf2_sha1 and UTF-8 passwords and salts', async () => {
    expect(await hasher.verify(DJANGO_SHA1, 'Wonderland-42!')).toEqual({ ok: true, needsRehash: true })
    expect(await encodeDjangoPbkdf2('Wonderland-42!', 'tessera-salt', 1000, 'pbkdf2_sha1')).toBe(DJANGO_SHA1)
    expect((await hasher.verify(DJANGO_UNICODE, 'pässwörd-日本')).ok).toBe(true)
    expect((await hasher.verify(DJANGO_UNICODE, 'passwörd-日本')).ok).toBe(false)
  })

  it('refuses absurd iteration counts without running them', async () => {
    const absurd = `pbkdf2_sha256$${MAX_PBKDF2_ITERATIONS + 1}$salt$Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4=`
    expect(parseDjangoPbkdf2(absurd)).toBeUndefined()
    expect(await verifyDjangoPbkdf2(absurd, 'x')).toBe(false)
    expect(
      await hasher.verify('pbkdf2_sha256$99999999999$s$Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4=', 'x'),
    ).toEqual({
      ok: false,
      needsRehash: false,
    })
  })

  it('parses the way Django splits', () => {
    expect(parseDjangoPbkdf2(DJANGO_260K)).toEqual({
      algorithm: 'pbkdf2_sha256',
      iterations: 260000,
      salt: '8cLzWq3tG1pVx0Ru7bYk2e',
      hash: 'Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4=',
    })
    // A digest that is not canonical padded base64 never equals Django's re-encoding.
    expect(parseDjangoPbkdf2(DJANGO_260K.replace(/=$/, ''))).toBeUndefined()
    expect(
      parseDjangoPbkdf2('pbkdf2_sha512$1000$s$Reiq1xmVg1ix3Vo8QmpbasBHH3bsDaao7F63JOxy/I4='),
    ).toBeUndefined()
  })
})
