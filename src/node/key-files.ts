import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { SettingsError } from '../core/errors.js'
import {
  completeDocument,
  createKeyRing,
  exportRing,
  importRingDocument,
  isHmacAlgorithm,
  type KeyRing,
  type KeyRingDocument,
  type KeyStatus,
  loadDocument,
  loadPrivateJwk,
  loadPrivatePem,
  loadPublicKey,
  newStoredKey,
  promoteInDocument,
  type RingKey,
  retireInDocument,
  rotateDocument,
  type SigningKey,
  signerOf,
  type StoredKey,
} from '../keys/index.js'
import { isGuessableSecret, MIN_SECRET_BITS, SECRET_ADVICE } from '../settings/secret-strength.js'
import type { Mode, Settings } from '../settings/types.js'
import type { Algorithm } from '@tessera/protocol'

export type KeySettings = Pick<
  Settings,
  'MODE' | 'ALGORITHM' | 'SIGNING_KEY' | 'SIGNING_KEYS' | 'VERIFYING_KEY' | 'KEY_DIR'
>

/** The ring file: a JWK Set of private keys with Tessera's metadata (`exportRing`). */
export const ringPath = (dir: string): string => join(dir, 'keyring.json')

/** Private to the owner: the folder 0700, the ring file 0600 (it holds private keys). */
const DIR_MODE = 0o700
const FILE_MODE = 0o600

/**
 * The ring document under `dir`, or undefined when there is none.
 *
 * @throws SettingsError (`KEY_DIR`) for a file that is not a key ring
 */
export function readRingFile(dir: string): KeyRingDocument | undefined {
  const path = ringPath(dir)
  if (!existsSync(path)) return undefined
  return importRingDocument(readFileSync(path, 'utf8'), path)
}

function ensureDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE })
    // mkdir's mode is filtered by the umask; the folder we create is private whatever the umask.
    chmodSync(dir, DIR_MODE)
  }
}

function writeTemp(dir: string, document: KeyRingDocument): string {
  ensureDir(dir)
  const temp = `${ringPath(dir)}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(temp, exportRing(document), { mode: FILE_MODE, flag: 'wx' })
  chmodSync(temp, FILE_MODE)
  return temp
}

/** Writes the ring atomically (temp file + rename): a reader never sees half a file. */
export function writeRingFile(dir: string, document: KeyRingDocument): void {
  renameSync(writeTemp(dir, document), ringPath(dir))
}

/**
 * Writes the ring only if there is none yet (a hard link fails on an existing name), so two
 * processes starting at once never replace each other's fresh key. False when one existed.
 */
function createRingFile(dir: string, document: KeyRingDocument): boolean {
  const temp = writeTemp(dir, document)
  try {
    linkSync(temp, ringPath(dir))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(temp)
  }
}

export interface LoadKeyRingOptions {
  /** Overrides `settings.MODE` (the CLI checks a ring "as production would"). */
  mode?: Mode
}

/**
 * The key ring from the settings, in this order: `SIGNING_KEYS` (a JWK Set, for containers);
 * `SIGNING_KEY` (an HMAC secret, or a PEM/JWK private key, with an optional `VERIFYING_KEY`);
 * the ring file `KEY_DIR/keyring.json`. In development and test a ring file with a fresh key
 * (for HMAC, a random 64-byte secret) is created when there is none, so tokens survive restarts;
 * production never generates a key and refuses one generated for development (RFC 8725 §3.5).
 *
 * @throws SettingsError when no usable key is configured, or a key is malformed
 */
export async function loadOrCreateKeyRing(
  settings: KeySettings,
  options: LoadKeyRingOptions = {},
): Promise<KeyRing> {
  const mode = options.mode ?? settings.MODE
  const { keys, source } = await ringKeys(settings, mode)
  if (settings.VERIFYING_KEY !== null && !isHmacAlgorithm(settings.ALGORITHM)) {
    const peer = await loadPublicKey(settings.VERIFYING_KEY, settings.ALGORITHM)
    // The public half of SIGNING_KEY (simplejwt's pairing) is already in the ring under that kid.
    if (!keys.some((key) => key.kid === peer.kid)) {
      keys.push({
        kid: peer.kid,
        alg: settings.ALGORITHM,
        signing: peer.key,
        verifying: peer.key,
        publicJwk: peer.jwk,
        status: 'active',
        createdAt: 0,
        verifyOnly: true,
      })
    }
  }
  const ring = createKeyRing(keys)
  refuseOtherAlgorithm(ring.signingKey(), settings.ALGORITHM, source)
  return ring
}

/**
 * ALGORITHM names the algorithm this server signs with; a ring whose signing key has another is
 * refused rather than followed, so no file edit or forgotten variable switches what JWKS
 * consumers receive (a running server keeps its keys: see `ReloadingKeyRing`).
 */
function refuseOtherAlgorithm(signer: SigningKey, algorithm: Algorithm, source: string): void {
  if (signer.alg === algorithm) return
  throw new SettingsError(
    'ALGORITHM',
    `is ${algorithm}, but the signing key of ${source} (${signer.kid}) is ${signer.alg}: set ` +
      `TESSERA_ALGORITHM=${signer.alg} to sign with the ring as it is, or add a ${algorithm} key ` +
      `to the ring ("tessera keys rotate --algorithm ${algorithm}") to switch`,
  )
}

async function ringKeys(settings: KeySettings, mode: Mode): Promise<{ keys: RingKey[]; source: string }> {
  const signingKeys = settings.SIGNING_KEYS?.reveal()
  if (signingKeys !== undefined) {
    const document = importRingDocument(signingKeys, 'SIGNING_KEYS')
    refuseDevelopmentKeys(document, mode, 'SIGNING_KEYS')
    return { keys: await loadDocument(document, 'SIGNING_KEYS'), source: 'SIGNING_KEYS' }
  }
  const signingKey = settings.SIGNING_KEY?.reveal()
  if (signingKey !== undefined) {
    return { keys: [await fromSigningKey(signingKey, settings.ALGORITHM)], source: 'SIGNING_KEY' }
  }
  return { keys: await fromRingFile(settings, mode), source: ringPath(settings.KEY_DIR) }
}

/** Production refuses live keys generated for development, and guessable HMAC secrets. */
function refuseDevelopmentKeys(document: KeyRingDocument, mode: Mode, source: string): void {
  if (mode !== 'production') return
  const live = document.keys.filter((key) => key.status !== 'retired')
  if (live.some((key) => key.generated_for_development)) {
    throw new SettingsError(
      source,
      'holds a key generated for development; create a real one with "tessera keys generate"',
    )
  }
  for (const key of live) {
    const secret = isHmacAlgorithm(key.alg) && typeof key.jwk.k === 'string' ? key.jwk.k : undefined
    if (secret !== undefined && isGuessableSecret(Buffer.from(secret, 'base64url'))) {
      throw new SettingsError(
        source,
        `the ${key.alg} secret of key ${key.kid || '(no kid)'} looks guessable (under ` +
          `${MIN_SECRET_BITS} bits by the estimate in docs/settings.md); ${SECRET_ADVICE}`,
      )
    }
  }
}

async function fromSigningKey(value: string, alg: Algorithm): Promise<RingKey> {
  const base = { status: 'active' as const, createdAt: 0 }
  if (isHmacAlgorithm(alg)) {
    const k = Buffer.from(value, 'utf8').toString('base64url')
    return { ...(await loadPrivateJwk({ kty: 'oct', k }, alg)), ...base }
  }
  const trimmed = value.trim()
  try {
    if (trimmed.startsWith('-----BEGIN')) return { ...(await loadPrivatePem(trimmed, alg)), ...base }
    if (trimmed.startsWith('{')) return { ...(await loadPrivateJwk(JSON.parse(trimmed), alg)), ...base }
  } catch (error) {
    if (error instanceof SettingsError) throw error
    // Never echo the value: it is a private key. jose's messages name the problem, not the key.
    throw new SettingsError('SIGNING_KEY', `not a usable ${alg} private key (${(error as Error).name})`)
  }
  throw new SettingsError('SIGNING_KEY', `an ${alg} signing key must be a PKCS#8 PEM or a private JWK`)
}

async function fromRingFile(settings: KeySettings, mode: Mode): Promise<RingKey[]> {
  const dir = settings.KEY_DIR
  const path = ringPath(dir)
  let document = readRingFile(dir)
  if (document === undefined) {
    if (mode === 'production') {
      throw new SettingsError(
        'SIGNING_KEY',
        `production needs a key: set SIGNING_KEY or SIGNING_KEYS, or create ${path} with "tessera keys generate"`,
      )
    }
    const fresh: KeyRingDocument = { keys: [await newStoredKey(settings.ALGORITHM, new Date(), true)] }
    // Another process may have created it meanwhile: then its key is the one to use.
    document = createRingFile(dir, fresh) ? fresh : (readRingFile(dir) as KeyRingDocument)
  }
  refuseDevelopmentKeys(document, mode, path)
  const developmentOnly = document.keys.every(
    (key) => key.status === 'retired' || key.generated_for_development === true,
  )
  if (mode !== 'production' && developmentOnly && signerOf(document)?.alg !== settings.ALGORITHM) {
    // Development convenience: switching ALGORITHM adds a key for it (the old one keeps verifying).
    // Only in a ring of generated keys: a ring an operator made is refused, never changed.
    document.keys.push(await newStoredKey(settings.ALGORITHM, new Date(), true))
    writeRingFile(dir, document)
  }
  return loadDocument(document, path)
}

function requireRing(dir: string): KeyRingDocument {
  const document = readRingFile(dir)
  if (document === undefined) {
    throw new SettingsError('KEY_DIR', `no key ring at ${ringPath(dir)}: run "tessera keys generate" first`)
  }
  return document
}

/**
 * Creates `dir/keyring.json` with one new signing key (for production: not marked as a
 * development key).
 *
 * @throws SettingsError when a ring exists and `force` is not set (replacing it would break
 *   every token still within its lifetime)
 */
export async function generateKeyRingFile(
  dir: string,
  alg: Algorithm,
  options: { force?: boolean; now?: Date } = {},
): Promise<StoredKey> {
  if (existsSync(ringPath(dir)) && options.force !== true) {
    throw new SettingsError(
      'KEY_DIR',
      `${ringPath(dir)} exists: use "tessera keys rotate", or --force to replace it`,
    )
  }
  const key = await newStoredKey(alg, options.now ?? new Date())
  writeRingFile(dir, { keys: [key] })
  return key
}

/** The algorithm the ring signs with (its newest active key's), or undefined without a ring. */
export function ringAlgorithm(dir: string): Algorithm | undefined {
  const document = readRingFile(dir)
  return document === undefined ? undefined : signerOf(document)?.alg
}

/**
 * Rotation: adds a new key that signs from now on (with `stage`, one that only verifies until
 * promoted); every older key keeps verifying until retired, so no live token breaks. The key has
 * the algorithm the ring signs with, unless `alg` names another (switching deliberately).
 */
export async function rotateKeyRingFile(
  dir: string,
  alg: Algorithm | undefined,
  options: { stage?: boolean; now?: Date } = {},
): Promise<StoredKey> {
  const document = requireRing(dir)
  const algorithm = alg ?? signerOf(document)?.alg
  if (algorithm === undefined) {
    throw new SettingsError('KEY_DIR', `${ringPath(dir)} has no active key: name one with --algorithm`)
  }
  const key = await rotateDocument(document, algorithm, options.now ?? new Date(), options.stage === true)
  writeRingFile(dir, document)
  return key
}

/** A staged key (`rotate --stage`) starts signing. */
export function promoteKey(dir: string, kid: string, now = new Date()): void {
  const document = requireRing(dir)
  promoteInDocument(document, kid, now)
  writeRingFile(dir, document)
}

/**
 * Retirement: the key stops verifying, so its tokens are refused (servers reading the file pick
 * it up without a restart). The signing key cannot be retired.
 *
 * @throws SettingsError for an unknown kid or the current signing key
 */
export function retireKey(dir: string, kid: string): void {
  const document = requireRing(dir)
  retireInDocument(document, kid)
  writeRingFile(dir, document)
}

/** What `tessera keys list` shows of a key: never any key material. */
export interface KeySummary {
  readonly kid: string
  readonly alg: Algorithm
  readonly status: KeyStatus
  readonly createdAt: string
  /** The key new tokens are signed with. */
  readonly signing: boolean
  readonly generatedForDevelopment: boolean
}

/** Every key of the ring file, oldest first. */
export async function listKeys(dir: string): Promise<KeySummary[]> {
  const document = await completeDocument(requireRing(dir), ringPath(dir))
  const signingKid = createKeyRing(await loadDocument(document, ringPath(dir))).signingKey().kid
  return document.keys
    .map((key) => ({
      kid: key.kid,
      alg: key.alg,
      status: key.status,
      createdAt: key.created_at,
      signing: key.kid === signingKid,
      generatedForDevelopment: key.generated_for_development === true,
    }))
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
}
