/**
 * `@tessera/client/passkeys`: the browser halves of the passkey ceremonies, through
 * `@simplewebauthn/browser` (an optional peer dependency: install it beside the client to use
 * this entry point). Each function asks the server for options, lets the browser and the
 * authenticator answer, and hands the answer to the client's server half.
 */
import { startAuthentication, startRegistration } from '@simplewebauthn/browser'
import type { PasskeyView } from '@tessera/protocol'
import type { TesseraClient } from './types.js'

type RegistrationOptions = Parameters<typeof startRegistration>[0]['optionsJSON']
type AuthenticationOptions = Parameters<typeof startAuthentication>[0]['optionsJSON']

/** Registers a passkey for the logged-in user (the browser asks the user to create one). */
export async function registerPasskey(client: TesseraClient, name?: string): Promise<PasskeyView> {
  const optionsJSON = (await client.passkeys.registrationOptions()) as RegistrationOptions
  const credential = await startRegistration({ optionsJSON })
  return client.passkeys.register(credential, name)
}

/** Logs in with a discoverable passkey alone (no username, no password). */
export async function loginWithPasskey(client: TesseraClient): Promise<void> {
  const optionsJSON = (await client.passkeys.loginOptions()) as AuthenticationOptions
  await client.passkeys.login(await startAuthentication({ optionsJSON }))
}

/** Finishes a login that answered `mfa_required` with a passkey as its second factor. */
export async function completeMfaWithPasskey(client: TesseraClient): Promise<void> {
  if (client.pendingSecondFactor() === undefined) {
    throw new Error('No login is waiting for a second factor: log in with the password first.')
  }
  const optionsJSON = (await client.passkeys.loginOptions()) as AuthenticationOptions
  await client.completeMfa({ webauthn: await startAuthentication({ optionsJSON }) })
}
