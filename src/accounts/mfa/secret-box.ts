/**
 * Encryption of second-factor secrets at rest (TOTP seeds): AES-256-GCM under a key derived with
 * HKDF-SHA256 from `MFA_SECRET_KEY`, a fresh 96-bit IV per value, and the user id as associated
 * data, so a stored value copied onto another user's row does not decrypt. A copy of the database
 * alone opens no authenticator. Stored as `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url).
 * Earlier keys (`MFA_SECRET_KEY_FALLBACKS`) still open what they sealed, so the key can rotate:
 * `isCurrent` tells a caller to seal such a value again under the current key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import type { Settings } from '../../settings/types.js'

/** The key used when `MFA_SECRET_KEY` is not set outside production: it protects nothing. */
export const DEVELOPMENT_MFA_KEY = 'tessera-development-mfa-key: set MFA_SECRET_KEY in production'

/** A sealed value no configured key opens: the key changed without its fallback, or the row was altered. */
export class UnreadableSecret extends Error {}

const deriveKey = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'tessera-mfa', 'tessera mfa secret box v1', 32))
const kidOf = (key: Buffer): string => createHash('sha256').update(key).digest('base64url').slice(0, 8)

export class SecretBox {
  readonly #key: Buffer
  readonly #kid: string
  /** Key id → key, the current key and every fallback. */
  readonly #keys = new Map<string, Buffer>()

  constructor(secret: string, fallbacks: readonly string[] = []) {
    this.#key = deriveKey(secret)
    this.#kid = kidOf(this.#key)
    for (const key of [this.#key, ...fallbacks.map(deriveKey)]) {
      if (!this.#keys.has(kidOf(key))) this.#keys.set(kidOf(key), key)
    }
  }

  /** Whether `sealed` was sealed under the current key (else open it and seal it again). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.#kid
  }

  /** A stable, unguessable identifier for `value` in `purpose` (base64url of an HMAC-SHA256). */
  tag(purpose: string, value: string): string {
    return createHmac('sha256', this.#key).update(`${purpose}:${value}`).digest('base64url')
  }

  seal(plain: string, userId: number): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(`user:${userId}`))
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return [
      'v1',
      this.#kid,
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.')
  }

  /** @throws UnreadableSecret when no configured key sealed it, or it was sealed for another user, or altered. */
  open(sealed: string, userId: number): string {
    const [version, kid, iv, body, tag] = sealed.split('.')
    if (version !== 'v1' || kid === undefined || iv === undefined || body === undefined || tag === undefined)
      throw new UnreadableSecret('not a sealed secret')
    const key = this.#keys.get(kid)
    if (key === undefined)
      throw new UnreadableSecret('sealed under a key that is neither MFA_SECRET_KEY nor a fallback')
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(`user:${userId}`))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      )
    } catch (error) {
      throw new UnreadableSecret('the sealed secret does not authenticate', { cause: error })
    }
  }
}

/** The box the settings give: `MFA_SECRET_KEY` (the development key when unset) and its fallbacks. */
export function secretBoxFor(
  settings: Pick<Settings, 'MFA_SECRET_KEY' | 'MFA_SECRET_KEY_FALLBACKS'>,
): SecretBox {
  const fallbacks = (settings.MFA_SECRET_KEY_FALLBACKS?.reveal() ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '')
  return new SecretBox(settings.MFA_SECRET_KEY?.reveal() ?? DEVELOPMENT_MFA_KEY, fallbacks)
}
