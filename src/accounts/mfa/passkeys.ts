/**
 * Passkeys (WebAuthn Level 3 with @simplewebauthn/server): registration, listing and deletion,
 * and assertions for a second step or a passwordless login with a discoverable credential.
 * Challenges are random, stored server-side (any instance can finish what another began), single
 * use and short-lived. Attestation is not asked for (`none`): Tessera trusts the user who
 * registers, not the maker of the authenticator. User verification is required for a passwordless
 * login and preferred otherwise; the signature counter must grow when the authenticator keeps one
 * (WebAuthn §6.1.1), and a use is recorded only if the counter is still the one checked.
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import type { Clock } from '../../core/clock.js'
import { ValidationFailed } from '../../core/errors.js'
import type { PasskeyRecord, PasskeyStore, UserRecord, UserStore } from '../../store/ports.js'
import type { AuditLog } from '../audit.js'
import type { RequestContext } from '../context.js'
import type { FactorChange } from './factors.js'

export interface RelyingParty {
  /** `WEBAUTHN_RP_ID`: a registrable domain the origins are on. */
  id: string
  name: string
  /** `WEBAUTHN_ORIGINS`: the exact origins the browser may report. */
  origins: readonly string[]
}

export interface PasskeyDeps {
  store: PasskeyStore
  users: UserStore
  rp: RelyingParty
  clock: Clock
  audit: Pick<AuditLog, 'record'>
  /** How long a challenge may be answered, seconds. */
  challengeTimeout: number
  notify?: (userId: number, change: FactorChange) => void
  /**
   * The user handle authenticators keep for `userId`: stable (one passkey per authenticator and
   * account), and never the user id itself (WebAuthn §14.6.1).
   */
  userHandle: (userId: number) => string
  /** After a passkey goes: recovery codes go too when no factor is left. */
  afterRemoval?: (userId: number) => Promise<void>
}

/** What an assertion proved: the user, the passkey, and its RFC 8176 `amr` values. */
export interface PasskeyAssertion {
  user: UserRecord
  passkey: PasskeyRecord
  /** `hwk` for a device-bound key, `swk` for a synced (backed-up) one; `user` when verified. */
  amr: string[]
  userVerified: boolean
}

const MAX_PASSKEYS = 20
const invalidPasskey = () => new ValidationFailed({ webauthn: ['The passkey could not be verified.'] })

/** A JSON object with the fields the verifiers read; anything else is refused before they run. */
function credentialJson<T>(value: unknown, field: string): T {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { id?: unknown }).id === 'string' &&
    typeof (value as { rawId?: unknown }).rawId === 'string' &&
    typeof (value as { response?: unknown }).response === 'object' &&
    (value as { response?: unknown }).response !== null &&
    (value as { type?: unknown }).type === 'public-key'
  if (!ok)
    throw new ValidationFailed({ [field]: ['Expected a WebAuthn credential (PublicKeyCredential JSON).'] })
  return value as T
}

/** The challenge the browser signed, from `clientDataJSON`; undefined when unreadable. */
function challengeOf(clientDataJSON: unknown): string | undefined {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 4096) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'))
    const challenge = (parsed as { challenge?: unknown }).challenge
    return typeof challenge === 'string' && challenge.length <= 128 ? challenge : undefined
  } catch {
    return undefined
  }
}

export class Passkeys {
  constructor(private readonly deps: PasskeyDeps) {}

  #now(): Date {
    return new Date(this.deps.clock.now())
  }

  async #saveChallenge(challenge: string, purpose: 'register' | 'login', userId: number | null) {
    const now = this.deps.clock.now()
    await this.deps.store.saveChallenge({
      challenge,
      purpose,
      userId,
      createdAt: new Date(now),
      expiresAt: new Date(now + this.deps.challengeTimeout * 1000),
    })
  }

  list(userId: number): Promise<PasskeyRecord[]> {
    return this.deps.store.listFor(userId)
  }

  /** Options for `navigator.credentials.create()`: a discoverable credential, no attestation. */
  async registrationOptions(user: UserRecord): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { rp, challengeTimeout } = this.deps
    const existing = await this.deps.store.listFor(user.id)
    if (existing.length >= MAX_PASSKEYS)
      throw new ValidationFailed({ non_field_errors: [`At most ${MAX_PASSKEYS} passkeys per account.`] })
    const handle = this.deps.userHandle(user.id)
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.username,
      userDisplayName: user.username,
      userID: new Uint8Array(Buffer.from(handle, 'base64url')),
      timeout: challengeTimeout * 1000,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    })
    await this.#saveChallenge(options.challenge, 'register', user.id)
    return options
  }

  /** Verifies a registration and stores the passkey under `name`. */
  async register(
    user: UserRecord,
    body: unknown,
    name: string,
    context: RequestContext,
  ): Promise<PasskeyRecord> {
    const response = credentialJson<RegistrationResponseJSON>(body, 'credential')
    const challenge = challengeOf(response.response.clientDataJSON)
    const stored = challenge && (await this.deps.store.takeChallenge(challenge, 'register', this.#now()))
    if (!stored || stored.userId !== user.id) throw invalidPasskey()
    const { rp } = this.deps
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: stored.challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.id,
        requireUserVerification: false,
      })
    } catch {
      throw invalidPasskey()
    }
    if (!verification.verified) throw invalidPasskey()
    const info = verification.registrationInfo
    if ((await this.deps.store.find(info.credential.id)) !== undefined) throw invalidPasskey()
    const passkey: PasskeyRecord = {
      id: info.credential.id,
      userId: user.id,
      userHandle: this.deps.userHandle(user.id),
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: (response.response.transports ?? []).filter((t): t is string => typeof t === 'string'),
      name,
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
      createdAt: this.#now(),
      lastUsedAt: null,
    }
    await this.deps.store.add(passkey)
    void this.deps.audit.record('passkey_added', {
      userId: user.id,
      context,
      detail: { passkey: passkey.id.slice(0, 16) },
    })
    this.deps.notify?.(user.id, 'passkey_added')
    return passkey
  }

  async remove(userId: number, id: string, context: RequestContext): Promise<boolean> {
    if (!(await this.deps.store.delete(userId, id))) return false
    await this.deps.afterRemoval?.(userId)
    void this.deps.audit.record('passkey_removed', { userId, context, detail: { passkey: id.slice(0, 16) } })
    this.deps.notify?.(userId, 'passkey_removed')
    return true
  }

  /**
   * Options for `navigator.credentials.get()`: for `userId`'s passkeys (a second step), or for any
   * discoverable credential (a passwordless login, `userId` null: user verification required).
   */
  async authenticationOptions(userId: number | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = userId === null ? [] : await this.deps.store.listFor(userId)
    const options = await generateAuthenticationOptions({
      rpID: this.deps.rp.id,
      timeout: this.deps.challengeTimeout * 1000,
      userVerification: userId === null ? 'required' : 'preferred',
      ...(userId === null
        ? {}
        : { allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports })) }),
    })
    await this.#saveChallenge(options.challenge, 'login', userId)
    return options
  }

  /**
   * Verifies an assertion. With `expectedUserId`, it must be one of that user's passkeys on a
   * challenge handed out for them; without, a passwordless login: the challenge was for anyone,
   * the user handle must match the passkey's, and the user must have been verified.
   *
   * @throws ValidationFailed (`webauthn`) for anything that does not verify.
   */
  async assert(body: unknown, expectedUserId: number | null): Promise<PasskeyAssertion> {
    const response = credentialJson<AuthenticationResponseJSON>(body, 'webauthn')
    const challenge = challengeOf(response.response.clientDataJSON)
    const stored = challenge && (await this.deps.store.takeChallenge(challenge, 'login', this.#now()))
    if (!stored || stored.userId !== expectedUserId) throw invalidPasskey()
    const passkey = await this.deps.store.find(response.id)
    if (passkey === undefined) throw invalidPasskey()
    if (expectedUserId !== null && passkey.userId !== expectedUserId) throw invalidPasskey()
    if (expectedUserId === null && response.response.userHandle !== passkey.userHandle) throw invalidPasskey()
    const { rp } = this.deps
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: stored.challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.id,
        credential: {
          id: passkey.id,
          publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification: expectedUserId === null,
      })
    } catch {
      throw invalidPasskey()
    }
    if (!verification.verified) throw invalidPasskey()
    const info = verification.authenticationInfo
    // Counter checked by the verifier (it must grow when either side is non-zero); recorded only
    // if no other use of the same key got in first.
    if (!(await this.deps.store.recordUse(passkey.id, passkey.counter, info.newCounter, this.#now())))
      throw invalidPasskey()
    const user = await this.deps.users.findById(passkey.userId)
    if (user === undefined || !user.isActive) throw invalidPasskey()
    const amr = [info.credentialBackedUp ? 'swk' : 'hwk', ...(info.userVerified ? ['user'] : [])]
    return { user, passkey, amr, userVerified: info.userVerified }
  }
}
