import type { Algorithm } from '@tessera/protocol'
import type { KeyStatus } from './keyring.js'

/** What an operator sees of a key: never any key material. */
export interface KeySummary {
  readonly kid: string
  readonly alg: Algorithm
  readonly status: KeyStatus
  readonly createdAt: string
  /** The key new tokens are signed with. */
  readonly signing: boolean
  readonly generatedForDevelopment: boolean
}

/**
 * The key ring file under `KEY_DIR` as the admin API changes it (the same operations as
 * `tessera keys`). Every change is in effect on this instance when the promise settles; other
 * instances reading the same file follow within their reload interval.
 */
export interface KeyRingAdmin {
  list(): Promise<KeySummary[]>
  /**
   * Adds a key that verifies only (promote it to sign), of the server's `ALGORITHM`.
   *
   * @throws ValidationFailed (`algorithm`) for another algorithm: servers refuse such a ring
   */
  stage(alg: Algorithm | undefined): Promise<KeySummary>
  /** @throws ValidationFailed (`kid`) when no staged key has this kid */
  promote(kid: string): Promise<void>
  /** @throws ValidationFailed (`kid`) for an unknown kid or the signing key */
  retire(kid: string): Promise<void>
}
