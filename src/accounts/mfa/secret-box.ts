/**
 * Encryption of second-factor secrets at rest (TOTP seeds): AES-256-GCM under a key derived with
 * HKDF-SHA256 from `MFA_SECRET_KEY`, a fresh 96-bit IV per value, and the user id as associated
 * data, so a stored value copied onto another user's row does not decrypt. A copy of the database
 * alone opens no authenticator. Stored as `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/** The key used when `MFA_SECRET_KEY` is not set outside production: it protects nothing. */
export const DEVELOPMENT_MFA_KEY = 'tessera-development-mfa-key: set MFA_SECRET_KEY in production'

export class SecretBox {
  readonly #key: Buffer
  readonly #kid: string

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'tessera-mfa', 'tessera mfa secret box v1', 32))
    this.#kid = createHash('sha256').update(this.#key).digest('base64url').slice(0, 8)
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

  /** @throws Error when the value was sealed under another key, for another user, or altered. */
  open(sealed: string, userId: number): string {
    const [version, kid, iv, body, tag] = sealed.split('.')
    if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined)
      throw new Error('not a sealed secret')
    if (kid !== this.#kid) throw new Error('sealed under another MFA_SECRET_KEY')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(`user:${userId}`))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
  }
}
