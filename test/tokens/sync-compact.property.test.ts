/**
 * The synchronous path for HMAC and EdDSA tokens (packages/verify/src/engine/sync-compact.ts with the
 * server's node:crypto verifier) against jose: for generated tokens (valid, tampered, re-encoded, odd headers and claims, signed
 * by hand, by jose and by the server's signer), a codec with the fast path and the same codec
 * without it (jose alone) give the same answer: the same claims, or TokenInvalid with the same
 * reason. The synchronous entry point answers the same too, and answers for every token whose
 * header names an HMAC algorithm or EdDSA and carries no `crit`.
 */
import { createHmac, type KeyObject, createPrivateKey, sign } from 'node:crypto'
import fc from 'fast-check'
import { decodeProtectedHeader, type JWTHeaderParameters, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { TokenInvalid } from '../../src/core/errors.js'
import { createKeyRing, hmacKeyRing, loadDocument, newStoredKey } from '../../src/keys/index.js'
import type { KeyMaterial } from '../../src/keys/ring.js'
import { signHmacJws } from '../../src/node/hmac-signer.js'
import { nodeSyncVerifier } from '../../src/node/sync-verifier.js'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { type KeyResolver, TokenCodec } from '../../src/tokens/codec.js'
import type { TokenType } from '../../src/tokens/types.js'

const NOW_MS = 1_795_000_000_000
const NOW = NOW_MS / 1000
const SECRET = 'differential-test-secret-0123456789abcdef'
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const
type HmacAlg = (typeof HMAC_ALGS)[number]
/** What the synchronous path decides itself. */
const SYNC_ALGS = [...HMAC_ALGS, 'EdDSA'] as const
const NODE_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const

/**
 * A key a token may be signed with: its secret bytes or private key for hand signing, its material
 * for the signers.
 */
type SignerKey =
  | { alg: HmacAlg; kid: string | undefined; bytes: Uint8Array; material: KeyMaterial }
  | { alg: 'EdDSA'; kid: string | undefined; privateKey: KeyObject; material: CryptoKey }

interface Setup {
  name: string
  settings: Readonly<Settings>
  fast: TokenCodec
  jose: TokenCodec
  /** Keys the setup verifies with (the first `known`), then keys it does not know or allow. */
  keys: SignerKey[]
  known: number
  kids: string[]
  /** A token of another algorithm (jose's path in both codecs), when the setup has one. */
  foreign: string[]
  /** Issues tokens this setup verifies. */
  issuer: TokenCodec
  /** Some of its keys are ones jose refuses: the fast path leaves those tokens to jose. */
  oddKeys?: true
}

const clock = new ManualClock(NOW_MS)
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url')

function codecs(settings: Readonly<Settings>, keys: ConstructorParameters<typeof TokenCodec>[1]) {
  return {
    fast: new TokenCodec(settings, keys, clock, { cacheSize: 0, syncVerifier: nodeSyncVerifier }),
    jose: new TokenCodec(settings, keys, clock, { cacheSize: 0 }),
  }
}

async function strangerKey(alg: HmacAlg): Promise<SignerKey> {
  const stored = await newStoredKey(alg, new Date(NOW_MS))
  const bytes = Buffer.from(stored.jwk.k ?? '', 'base64url')
  return { alg, kid: stored.kid, bytes, material: bytes }
}

/** One HS256 secret, as simplejwt's SIGNING_KEY: no kid, default claim rules. */
async function loneSecret(): Promise<Setup> {
  const settings = loadSettings({ mode: 'test', overrides: { SIGNING_KEY: SECRET } })
  const ring = await hmacKeyRing(SECRET, 'HS256')
  const bytes = new TextEncoder().encode(SECRET)
  return {
    name: 'a lone HS256 secret',
    known: 1,
    settings,
    ...codecs(settings, ring),
    keys: [
      { alg: 'HS256', kid: undefined, bytes, material: ring.signingKey().key },
      await strangerKey('HS256'),
      { alg: 'HS512', kid: undefined, bytes, material: bytes },
    ],
    kids: ['nope'],
    foreign: [],
    issuer: new TokenCodec(settings, ring, clock),
  }
}

/** A ring of three HMAC keys with kids and an EdDSA key; audience, issuer and leeway set. */
async function mixedRing(): Promise<Setup> {
  const settings = loadSettings({
    mode: 'test',
    overrides: {
      SIGNING_KEY: SECRET,
      AUDIENCE: 'tessera-api',
      ISSUER: 'https://issuer.example',
      LEEWAY: 30,
    },
  })
  const stored = await Promise.all(
    (['HS256', 'HS384', 'HS512', 'EdDSA'] as const).map((alg, i) => newStoredKey(alg, new Date(NOW_MS - i))),
  )
  const ring = createKeyRing(await loadDocument({ keys: stored }, 'test'))
  const keys: SignerKey[] = []
  for (const [i, key] of stored.slice(0, 3).entries()) {
    const loaded = ring.keys[i]
    keys.push({
      alg: key.alg as HmacAlg,
      kid: key.kid,
      bytes: Buffer.from(key.jwk.k ?? '', 'base64url'),
      material: loaded?.signing as KeyMaterial,
    })
  }
  keys.push(await strangerKey('HS256'))
  const eddsa = ring.keys[3]
  const foreign = [
    await new SignJWT({
      token_type: 'access',
      exp: NOW + 60,
      jti: 'j',
      user_id: 1,
      aud: 'tessera-api',
      iss: 'https://issuer.example',
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: eddsa?.kid ?? '' })
      .sign(eddsa?.signing as CryptoKey),
  ]
  return {
    name: 'a ring of HS256, HS384, HS512 and EdDSA keys',
    known: 3,
    settings,
    ...codecs(settings, ring),
    keys,
    kids: [...stored.map((key) => key.kid), 'unknown-kid'],
    foreign,
    issuer: new TokenCodec(settings, ring, clock),
  }
}

/** A signer key for a stored EdDSA key: its private JWK for hand signing and for jose. */
async function ed25519Signer(jwk: Record<string, unknown>, kid: string | undefined): Promise<SignerKey> {
  const { kid: _kid, alg: _alg, use: _use, status: _status, ...material } = jwk
  const privateKey = createPrivateKey({ key: material as never, format: 'jwk' })
  const cryptoKey = await crypto.subtle.importKey('jwk', material as JsonWebKey, { name: 'Ed25519' }, false, [
    'sign',
  ])
  return { alg: 'EdDSA', kid, privateKey, material: cryptoKey }
}

/** A ring of two EdDSA keys (as `tessera keys` makes them), audience and leeway set. */
async function ed25519Ring(): Promise<Setup> {
  const settings = loadSettings({
    mode: 'test',
    overrides: { ALGORITHM: 'EdDSA', AUDIENCE: 'tessera-api', LEEWAY: 5 },
  })
  const stored = await Promise.all([0, 1].map((i) => newStoredKey('EdDSA', new Date(NOW_MS - i))))
  const ring = createKeyRing(await loadDocument({ keys: stored }, 'test'))
  const stranger = await newStoredKey('EdDSA', new Date(NOW_MS))
  const keys = await Promise.all(
    [...stored, stranger].map((key) => ed25519Signer(key.jwk as Record<string, unknown>, key.kid)),
  )
  // The stranger's key, under a kid the ring knows: a wrong signature, not an unknown key.
  keys.push({ ...(keys[2] as SignerKey), kid: stored[0]?.kid })
  const hs256 = await hmacKeyRing(SECRET, 'HS256')
  return {
    name: 'a ring of two EdDSA keys',
    known: 2,
    settings,
    ...codecs(settings, ring),
    keys,
    kids: [...stored.map((key) => key.kid), stranger.kid, 'unknown-kid'],
    // An HS256 token: an algorithm this ring does not allow.
    foreign: [(await new TokenCodec(settings, hs256, clock).issue('access', 42, {})).token],
    issuer: new TokenCodec(settings, ring, clock),
  }
}

/** @tessera/verify's shape: raw secret bytes for any HMAC header, two algorithms allowed. */
async function rawSecretResolver(): Promise<Setup> {
  const settings = loadSettings({ mode: 'test', overrides: { SIGNING_KEY: SECRET, LEEWAY: 5 } })
  const bytes = new TextEncoder().encode(SECRET)
  const resolver: KeyResolver = { algorithms: ['HS256', 'HS512'], verificationKey: () => bytes }
  return {
    name: 'raw secret bytes, HS256 and HS512 allowed',
    known: 2,
    settings,
    ...codecs(settings, resolver),
    keys: [
      { alg: 'HS256', kid: undefined, bytes, material: bytes },
      { alg: 'HS512', kid: undefined, bytes, material: bytes },
      { alg: 'HS384', kid: undefined, bytes, material: bytes },
      await strangerKey('HS512'),
    ],
    kids: ['any'],
    foreign: [],
    issuer: new TokenCodec(settings, await hmacKeyRing(SECRET, 'HS512'), clock),
  }
}

/** A resolver whose keys jose refuses for some algorithms: an HS256 key for HS512, empty bytes for HS384. */
async function oddKeyResolver(): Promise<Setup> {
  const settings = loadSettings({ mode: 'test', overrides: { SIGNING_KEY: SECRET } })
  const ring = await hmacKeyRing(SECRET, 'HS256')
  const hs256 = ring.signingKey().key
  const bytes = new TextEncoder().encode(SECRET)
  const resolver: KeyResolver = {
    algorithms: ['HS256', 'HS384', 'HS512'],
    verificationKey: ({ alg }) => (alg === 'HS384' ? new Uint8Array(0) : hs256),
  }
  return {
    name: 'keys jose refuses (a key of another hash, empty bytes)',
    known: 1,
    settings,
    ...codecs(settings, resolver),
    keys: [
      { alg: 'HS256', kid: undefined, bytes, material: hs256 },
      { alg: 'HS512', kid: undefined, bytes, material: bytes },
      { alg: 'HS384', kid: undefined, bytes, material: bytes },
    ],
    kids: ['any'],
    foreign: [],
    issuer: new TokenCodec(settings, ring, clock),
    oddKeys: true,
  }
}

// ---- generators: JSON text built by hand (duplicate keys, odd numbers, bytes that are not UTF-8)

type Entry = [key: string, json: string]

const json = (value: unknown) => JSON.stringify(value)

/** A numeric date near now (edges of exp/nbf and the leeway), or something that is not one. */
const dateJson = fc.oneof(
  {
    // Each side of every leeway the setups use (0, 5 and 30 seconds).
    weight: 6,
    arbitrary: fc
      .constantFrom(-31, -30, -29, -6, -5, -4, -1, 0, 1, 4, 5, 6, 29, 30, 31)
      .map((d) => String(NOW + d)),
  },
  { weight: 6, arbitrary: fc.integer({ min: -90, max: 90 }).map((d) => String(NOW + d)) },
  { weight: 2, arbitrary: fc.integer({ min: -3600, max: 3600 }).map((d) => String(NOW + d)) },
  { weight: 1, arbitrary: fc.double({ min: NOW - 60, max: NOW + 60, noNaN: true }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      json(String(NOW + 60)),
      'null',
      'true',
      '[]',
      '{}',
      '-1',
      '0',
      '-0',
      '1e400',
      '-1e400',
      '1e20',
      `${NOW + 60}.0`,
      `${NOW}.5`,
      String(2 ** 53 + 1),
    ),
  },
)

/** A few changes (most often none) to a list of entries: a value replaced, an entry dropped or added. */
function perturbed(
  base: Entry[],
  odd: Record<string, fc.Arbitrary<string>>,
  extras: Entry[],
  single = false,
): fc.Arbitrary<Entry[]> {
  const change = fc.oneof(
    fc
      .constantFrom(...Object.keys(odd))
      .chain((name) =>
        (odd[name] as fc.Arbitrary<string>).map((value) => ({ kind: 'set' as const, name, value })),
      ),
    fc
      .constantFrom(...base.map(([name]) => name))
      .map((name) => ({ kind: 'drop' as const, name, value: '' })),
    fc.constantFrom(...extras).map(([name, value]) => ({ kind: 'add' as const, name, value })),
  )
  const changes = single
    ? change.map((one) => [one])
    : fc.oneof(
        { weight: 1, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(change, { minLength: 1, maxLength: 3 }) },
      )
  return changes.map((changes) => {
    let entries = [...base]
    for (const { kind, name, value } of changes) {
      if (kind === 'drop') entries = entries.filter(([key]) => key !== name)
      else if (kind === 'add') entries.push([name, value])
      else if (entries.some(([key]) => key === name))
        entries = entries.map(([key, v]) => [key, key === name ? value : v])
      else entries.push([name, value])
    }
    return entries
  })
}

/** The claims of a valid access token under these settings. */
const validClaims = (s: Readonly<Settings>): Entry[] => [
  [s.TOKEN_TYPE_CLAIM, '"access"'],
  ['exp', String(NOW + 300)],
  ['iat', String(NOW)],
  [s.JTI_CLAIM, '"0123456789abcdef0123456789abcdef"'],
  [s.USER_ID_CLAIM, '42'],
  ['sid', '"s-1"'],
  ...(s.AUDIENCE === null ? [] : ([['aud', json(s.AUDIENCE)]] as Entry[])),
  ...(s.ISSUER === null ? [] : ([['iss', json(s.ISSUER)]] as Entry[])),
]

const claimEntries = (s: Readonly<Settings>, single = false): fc.Arbitrary<Entry[]> => {
  const aud = s.AUDIENCE
  const iss = s.ISSUER
  const base = validClaims(s)
  return perturbed(
    base,
    {
      [s.TOKEN_TYPE_CLAIM]: fc.constantFrom('"refresh"', '"sliding"', '"ACCESS"', '1', 'null'),
      exp: dateJson,
      iat: dateJson,
      nbf: dateJson,
      [s.JTI_CLAIM]: fc.constantFrom('""', '7', json('x'.repeat(300))),
      [s.USER_ID_CLAIM]: fc.constantFrom('"42"', '4.5', '9007199254740993', '-3', 'null', '1e3'),
      sid: fc.constantFrom('""', '5', json('s'.repeat(80))),
      aud: fc.constantFrom(
        json(aud ?? 'x'),
        json([aud ?? 'x', 'other']),
        json(['other']),
        '[]',
        json('TESSERA-API'),
        '7',
        json([7, aud ?? 'x']),
        json(['other', aud ?? 'x']),
      ),
      iss: fc.constantFrom(json(iss ?? 'x'), json(`${iss ?? 'x'}/`), '1', 'null', json([iss ?? 'x'])),
      email: fc.constantFrom('"a@example.com"', '"\\u00e9t\\u00e9"', '"\\ud800"'),
    },
    [
      ['exp', String(NOW - 600)],
      ['nbf', String(NOW + 600)],
      ['__proto__', json({ exp: 1 })],
      ['roles', json(['staff'])],
    ],
    single,
  )
}

const headerEntries = (key: SignerKey, kids: string[], single = false): fc.Arbitrary<Entry[]> =>
  perturbed(
    [
      ['alg', json(key.alg)],
      ['typ', '"JWT"'],
      ...(key.kid === undefined ? [] : ([['kid', json(key.kid)]] as Entry[])),
    ],
    {
      alg: fc.constantFrom(
        '"HS256"',
        '"HS384"',
        '"HS512"',
        '"hs256"',
        '"HS256 "',
        '"RS256"',
        '"EdDSA"',
        '"none"',
        '""',
        '1',
        'null',
      ),
      typ: fc.constantFrom(
        '"jwt"',
        '"Jwt"',
        '"application/jwt"',
        '"APPLICATION/JWT"',
        '"application/JWT"',
        '"JWS"',
        '"at+jwt"',
        '"application/at+jwt"',
        '""',
        '" JWT"',
        '"JWT/"',
        '"/jwt"',
        '1',
        'null',
      ),
      kid: fc.constantFrom(...kids.map(json), '7', 'null', '{}', '""'),
    },
    [
      ['crit', json(['b64'])],
      ['crit', '[]'],
      ['crit', json('b64')],
      ['crit', json(['exp'])],
      ['crit', json(['b64', 'b64'])],
      ['crit', json([''])],
      ['b64', 'false'],
      ['b64', 'true'],
      ['b64', '"no"'],
      ['jku', json('https://evil.example/jwks.json')],
      ['x5u', json('https://evil.example/x5u')],
      ['jwk', json({ kty: 'oct', k: 'AAAA' })],
      ['x5c', '[]'],
      ['cty', '"JWT"'],
      ['zip', '"DEF"'],
      ['__proto__', json({ crit: ['b64'] })],
      ['alg', '"none"'],
      ['alg', json(key.alg)],
      ['typ', '"JWT"'],
    ],
    single,
  )

/** The JSON text of an object with these entries, sometimes spelled oddly, or not an object at all. */
const objectBytes = (entries: fc.Arbitrary<Entry[]>): fc.Arbitrary<Buffer> =>
  fc
    .tuple(
      entries,
      fc.oneof(
        { weight: 12, arbitrary: fc.constant('plain') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'spaced',
            'bom',
            'array',
            'string',
            'null',
            'bad-utf8',
            'trailing',
            'not-json',
          ),
        },
      ),
    )
    .map(([list, shape]) => {
      const body = list.map(([name, value]) => `${json(name)}:${value}`)
      const text = shape === 'spaced' ? `{ ${body.join(' ,\n\t')} }` : `{${body.join(',')}}`
      switch (shape) {
        case 'bom':
          return Buffer.from(`\ufeff${text}`)
        case 'array':
          return Buffer.from(`[${text}]`)
        case 'string':
          return Buffer.from(json(text))
        case 'null':
          return Buffer.from('null')
        case 'bad-utf8':
          return Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xc3, 0x28]), Buffer.from('}')])
        case 'trailing':
          return Buffer.from(`${text},`)
        case 'not-json':
          return Buffer.from(text.replace(':', '='))
        default:
          return Buffer.from(text)
      }
    })

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Changes to the token's text after signing: none most often. */
type Mutation = (token: string) => string
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 60, arbitrary: fc.constant((t: string) => t) },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.nat(2), fc.constantFrom('=', '==', '===')).map(
      ([part, pad]): Mutation =>
        (t) =>
          t
            .split('.')
            .map((p, i) => (i === part ? p + pad : p))
            .join('.'),
    ),
  },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.nat(2), fc.nat(63)).map(
      ([part, bits]): Mutation =>
        (t) =>
          // The last character's stray bits: same bytes for jose, a second spelling of the token.
          t
            .split('.')
            .map((p, i) => {
              if (i !== part || p.length === 0) return p
              const last = ALPHABET.indexOf(p.at(-1) ?? 'A')
              const mask = p.length % 4 === 2 ? 15 : p.length % 4 === 3 ? 3 : 0
              return p.slice(0, -1) + (ALPHABET[(last & ~mask) | (bits & mask)] ?? 'A')
            })
            .join('.'),
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Mutation>(
      (t) => t.replace('-', '+'),
      (t) => t.replace('_', '/'),
      (t) => t.replaceAll('-', '+').replaceAll('_', '/'),
    ),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.nat(10_000), fc.constantFrom(' ', '\n', '\t', '\r', '\u00a0', '.')).map(
      ([at, ch]): Mutation =>
        (t) =>
          t.slice(0, at % (t.length + 1)) + ch + t.slice(at % (t.length + 1)),
    ),
  },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.nat(10_000), fc.nat(63)).map(
      ([at, pick]): Mutation =>
        (t) => {
          const i = at % t.length
          if (t[i] === '.') return t
          const replacement = ALPHABET[pick] === t[i] ? ALPHABET[(pick + 1) % 64] : ALPHABET[pick]
          return t.slice(0, i) + replacement + t.slice(i + 1)
        },
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Mutation>(
      (t) => t.slice(0, t.lastIndexOf('.') + 1),
      (t) => t.slice(0, -4),
      (t) => `${t}AAAA`,
      (t) => `${t}A`,
      (t) => `${t}Q`,
      (t) => t.replace('.', 'A.'),
      (t) => t.replace('.', '.A'),
      (t) => `${t}.`,
      (t) => `${t}.AAAA`,
      (t) => t.slice(0, t.lastIndexOf('.')),
      (t) => `.${t}`,
      (t) => t.replace('.', '..'),
      (t) => `${t}${'A'.repeat(9000)}`,
    ),
  },
)

function signByHand(key: SignerKey, header: Buffer, payload: Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`
  const signature =
    key.alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key.privateKey).toString('base64url')
      : createHmac(NODE_HASH[key.alg], key.bytes).update(input).digest('base64url')
  return `${input}.${signature}`
}

/** Header and claims as objects, signed by jose's SignJWT or the server's signer. */
async function signWithLibrary(by: 'jose' | 'server', key: SignerKey, header: Buffer, payload: Buffer) {
  let headerObject: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    headerObject = JSON.parse(header.toString('utf8'))
    claims = JSON.parse(payload.toString('utf8'))
  } catch {
    return undefined
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObject(headerObject) || !isObject(claims)) return undefined
  // The server signs EdDSA with jose.
  if (by === 'server' && key.alg !== 'EdDSA') return signHmacJws(key.alg, key.material, headerObject, claims)
  try {
    return await new SignJWT(claims)
      .setProtectedHeader({ ...headerObject, alg: key.alg } as JWTHeaderParameters)
      .sign(key.material)
  } catch {
    return undefined // jose refuses some headers (b64: false) and some claims (Infinity) outright
  }
}

// ---- the comparison

type Outcome = { ok: unknown } | { invalid: string } | { other: string }

function outcomeOf(run: () => unknown): Outcome {
  try {
    return { ok: structuredClone(run()) }
  } catch (error) {
    return error instanceof TokenInvalid ? { invalid: error.reason } : { other: String(error) }
  }
}

async function asyncOutcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: structuredClone(await run()) }
  } catch (error) {
    return error instanceof TokenInvalid ? { invalid: error.reason } : { other: String(error) }
  }
}

/** Whether the fast path must answer itself: a JSON-object header naming HMAC or EdDSA, no `crit`. */
function fastPathOwns(token: string): boolean {
  try {
    const header = decodeProtectedHeader(token) as Record<string, unknown>
    return !Object.hasOwn(header, 'crit') && (SYNC_ALGS as readonly unknown[]).includes(header.alg)
  } catch {
    return false
  }
}

interface Tally {
  runs: number
  accepted: number
  reasons: Set<string>
  answeredSync: number
}

async function compare(setup: Setup, token: string, expected: TokenType | null, nowMs: number, tally: Tally) {
  clock.set(nowMs)
  const jose = await asyncOutcome(() => setup.jose.verify(token, expected))
  const fastAsync = await asyncOutcome(() => setup.fast.verify(token, expected))
  let deferred = false
  const fastSync = outcomeOf(() => {
    const verified = setup.fast.verifyNow(token, expected, nowMs)
    if (verified === undefined) deferred = true
    return verified
  })
  expect(jose).not.toHaveProperty('other')
  expect(fastAsync, token).toEqual(jose)
  if (!deferred) expect(fastSync, token).toEqual(jose)
  if (fastPathOwns(token) && !setup.oddKeys) expect(deferred, token).toBe(false)
  tally.runs++
  if ('ok' in jose) tally.accepted++
  if ('invalid' in jose) tally.reasons.add(jose.invalid)
  if (!deferred) tally.answeredSync++
}

const setups: Array<() => Promise<Setup>> = [
  loneSecret,
  mixedRing,
  ed25519Ring,
  rawSecretResolver,
  oddKeyResolver,
]

describe.each(setups.map((make) => [make.name, make] as const))('fast path vs jose, %s', (_, make) => {
  let setup: Setup
  beforeAll(async () => {
    setup = await make()
  })

  it('agree on generated tokens, signed by hand, by jose and by the server signer', async () => {
    const s = setup.settings
    const tally: Tally = { runs: 0, accepted: 0, reasons: new Set(), answeredSync: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(
            { weight: 4, arbitrary: fc.constantFrom(...setup.keys.slice(0, setup.known)) },
            { weight: 1, arbitrary: fc.constantFrom(...setup.keys) },
          )
          .chain((key) =>
            fc.record({
              key: fc.constant(key),
              signWith: fc.oneof(
                { weight: 8, arbitrary: fc.constant(key) },
                { weight: 1, arbitrary: fc.constantFrom(...setup.keys) },
              ),
              header: objectBytes(headerEntries(key, setup.kids)),
              payload: objectBytes(claimEntries(s)),
              by: fc.constantFrom('hand', 'hand', 'jose', 'server'),
              mutate: mutation,
              expected: fc.constantFrom<TokenType | null>(null, null, null, 'access', 'access', 'refresh'),
              nowMs: fc.oneof(fc.constant(NOW_MS), fc.integer({ min: NOW_MS - 999, max: NOW_MS + 999 })),
            }),
          ),
        async ({ signWith, header, payload, by, mutate, expected, nowMs }) => {
          const signed =
            by === 'hand'
              ? signByHand(signWith, header, payload)
              : ((await signWithLibrary(by, signWith, header, payload)) ??
                signByHand(signWith, header, payload))
          await compare(setup, mutate(signed), expected, nowMs, tally)
        },
      ),
      { numRuns: 1500 },
    )
    // Not vacuous: many tokens are accepted, refusals take many reasons, most answers are synchronous.
    expect(tally.accepted).toBeGreaterThan(tally.runs / 20)
    expect(tally.answeredSync).toBeGreaterThan(tally.runs / 2)
    for (const reason of [
      'malformed',
      'bad_signature',
      'bad_claims',
      'expired',
      'not_yet_valid',
      'wrong_type',
      'alg_not_allowed',
      'bad_header',
    ]) {
      expect(tally.reasons).toContain(reason)
    }
  })

  it('agree on valid tokens with exactly one odd claim or header member', async () => {
    const tally: Tally = { runs: 0, accepted: 0, reasons: new Set(), answeredSync: 0 }
    const known = setup.keys.slice(0, setup.known)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...known).chain((key) =>
          fc.record({
            key: fc.constant(key),
            odd: fc.oneof(
              { weight: 3, arbitrary: claimEntries(setup.settings, true).map((claims) => ({ claims })) },
              { weight: 1, arbitrary: headerEntries(key, setup.kids, true).map((header) => ({ header })) },
            ),
          }),
        ),
        // Whole seconds, and the milliseconds on each side of one.
        fc.constantFrom(NOW_MS, NOW_MS - 1, NOW_MS + 499, NOW_MS + 500, NOW_MS + 999),
        async ({ key, odd }, nowMs) => {
          const text = (entries: Entry[]) =>
            Buffer.from(`{${entries.map(([name, value]) => `${json(name)}:${value}`).join(',')}}`)
          const header =
            'header' in odd
              ? odd.header
              : ([
                  ['alg', json(key.alg)],
                  ['typ', '"JWT"'],
                ] as Entry[])
          if (!('header' in odd) && key.kid !== undefined) header.push(['kid', json(key.kid)])
          const claims = 'claims' in odd ? odd.claims : validClaims(setup.settings)
          await compare(setup, signByHand(key, text(header), text(claims)), null, nowMs, tally)
        },
      ),
      { numRuns: 600 },
    )
    expect(tally.accepted).toBeGreaterThan(tally.runs / 10)
  })

  it('agree on tokens the codec issues, at any time around their lifetime', async () => {
    const tally: Tally = { runs: 0, accepted: 0, reasons: new Set(), answeredSync: 0 }
    clock.set(NOW_MS)
    const issued = await Promise.all(
      (['access', 'refresh', 'sliding'] as const).map(async (type) => {
        const { token } = await setup.issuer.issue(
          type,
          42,
          { email: 'a@example.com', roles: ['staff'] },
          {
            sessionId: 'session-1',
          },
        )
        return token
      }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...issued, ...setup.foreign, 'x.y.z'),
        fc.integer({ min: -120, max: 86_400 * 2 }),
        fc.constantFrom<TokenType | null>(null, 'access', 'refresh', 'sliding'),
        async (token, offsetSeconds, expected) => {
          await compare(setup, token, expected, NOW_MS + offsetSeconds * 1000, tally)
        },
      ),
      { numRuns: 300 },
    )
    expect(tally.accepted).toBeGreaterThan(0)
  })
})
