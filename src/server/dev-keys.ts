import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SettingsError } from '../core/errors.js'
import { hmacKeyRing } from '../keys/hmac.js'
import type { KeyRing } from '../keys/ring.js'
import type { Settings } from '../settings/types.js'

/** HMAC-only key loading (interim until the key-ring files land). */
export async function loadOrCreateKeyRing(settings: Readonly<Settings>): Promise<KeyRing> {
  const secret = settings.SIGNING_KEY?.reveal()
  if (secret !== undefined) return hmacKeyRing(secret, settings.ALGORITHM)
  if (settings.MODE === 'production')
    throw new SettingsError('SIGNING_KEY', 'production needs an explicit key')
  const path = join(settings.KEY_DIR, 'dev-hmac.key')
  if (!existsSync(path)) {
    mkdirSync(settings.KEY_DIR, { recursive: true, mode: 0o700 })
    const bytes = new Uint8Array(64)
    globalThis.crypto.getRandomValues(bytes)
    writeFileSync(path, Buffer.from(bytes).toString('base64url'), { mode: 0o600 })
    chmodSync(path, 0o600)
  }
  return hmacKeyRing(readFileSync(path, 'utf8').trim(), settings.ALGORITHM)
}
