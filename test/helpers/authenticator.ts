/**
 * A software WebAuthn authenticator for tests: an ES256 key pair from node:crypto, attestation
 * `none`, and authenticator data, client data and CBOR written by hand (WebAuthn §6.1, §6.5;
 * RFC 8949 for the few CBOR types used), so the server's verification runs on real bytes.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'

type Cbor = number | string | Uint8Array | CborMap | CborRecord
interface CborMap extends Map<Cbor, Cbor> {}
interface CborRecord {
  [key: string]: Cbor
}

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length])
  if (length < 256) return Buffer.from([(major << 5) | 24, length])
  if (length < 65536) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff])
  throw new RangeError('too long for this encoder')
}

/** Canonical enough CBOR for attestation objects and COSE keys. */
export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value)
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([head(3, bytes.length), bytes])
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value])
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value)
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])])
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()
const b64u = (data: Uint8Array) => Buffer.from(data).toString('base64url')

export interface Options {
  rpId: string
  origin: string
  /** Backed up (a synced passkey): flags BE and BS. */
  backedUp?: boolean
}

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(32)
  readonly #key: KeyObject
  readonly #publicJwk: { x: string; y: string }
  counter = 0
  userHandle: string | undefined

  constructor(private readonly options: Options) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.#key = privateKey
    this.#publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string }
  }

  get id(): string {
    return b64u(this.credentialId)
  }

  #coseKey(): Buffer {
    return cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(this.#publicJwk.x, 'base64url')],
        [-3, Buffer.from(this.#publicJwk.y, 'base64url')],
      ]),
    )
  }

  #flags(uv: boolean, attested: boolean): number {
    const backup = this.options.backedUp === true ? 0x08 | 0x10 : 0
    return 0x01 | (uv ? 0x04 : 0) | backup | (attested ? 0x40 : 0)
  }

  #clientData(type: string, challenge: string, origin = this.options.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  /** `navigator.credentials.create()` for the server's options (as JSON). */
  create(options: { challenge: string; user: { id: string } }, uv = true) {
    this.userHandle = options.user.id
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(this.counter)
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(this.credentialId.length)
    const authData = Buffer.concat([
      sha256(this.options.rpId),
      Buffer.from([this.#flags(uv, true)]),
      counter,
      Buffer.alloc(16),
      idLength,
      this.credentialId,
      this.#coseKey(),
    ])
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData })
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(this.#clientData('webauthn.create', options.challenge)),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    }
  }

  /** `navigator.credentials.get()`: the counter moves on unless `counter` says otherwise. */
  get(options: { challenge: string }, settings: { uv?: boolean; origin?: string; counter?: number } = {}) {
    this.counter = settings.counter ?? this.counter + 1
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(this.counter)
    const authenticatorData = Buffer.concat([
      sha256(this.options.rpId),
      Buffer.from([this.#flags(settings.uv ?? true, false)]),
      counter,
    ])
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, settings.origin)
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.#key)
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
        ...(this.userHandle === undefined ? {} : { userHandle: this.userHandle }),
      },
      clientExtensionResults: {},
    }
  }
}
