import { SettingsError } from '../core/errors.js'
import type { Settings } from './types.js'

export interface RelyingPartySettings {
  readonly id: string
  readonly name: string
  readonly origins: readonly string[]
}

type RpSettings = Pick<
  Settings,
  'WEBAUTHN_RP_ID' | 'WEBAUTHN_RP_NAME' | 'WEBAUTHN_ORIGINS' | 'FRONTEND_URL' | 'PORT'
>

/**
 * The WebAuthn relying party: `WEBAUTHN_RP_ID` (default: the host of `FRONTEND_URL`, else
 * `localhost`) and `WEBAUTHN_ORIGINS` (default: the origin of `FRONTEND_URL`, else
 * `http://localhost:PORT`). Every origin must be on the RP id or a subdomain of it, as browsers
 * require (WebAuthn §5.1.3 step 8); the check runs at startup.
 *
 * @throws SettingsError
 */
export function relyingParty(settings: RpSettings): RelyingPartySettings {
  const frontend = settings.FRONTEND_URL === null ? undefined : new URL(settings.FRONTEND_URL)
  const id = settings.WEBAUTHN_RP_ID ?? frontend?.hostname ?? 'localhost'
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(id))
    throw new SettingsError('WEBAUTHN_RP_ID', 'expected a lower-case domain name such as example.com')
  const origins =
    settings.WEBAUTHN_ORIGINS.length > 0
      ? settings.WEBAUTHN_ORIGINS
      : [frontend?.origin ?? `http://localhost:${settings.PORT}`]
  for (const origin of origins) {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      throw new SettingsError('WEBAUTHN_ORIGINS', `${JSON.stringify(origin)} is not an origin`)
    }
    if (url.origin !== origin || !/^https?:$/.test(url.protocol))
      throw new SettingsError(
        'WEBAUTHN_ORIGINS',
        `expected origins like https://app.example.com, got ${JSON.stringify(origin)}`,
      )
    if (url.hostname !== id && !url.hostname.endsWith(`.${id}`))
      throw new SettingsError(
        'WEBAUTHN_ORIGINS',
        `${origin} is not on the relying party id ${id} (WEBAUTHN_RP_ID)`,
      )
  }
  return { id, name: settings.WEBAUTHN_RP_NAME, origins: [...origins] }
}
