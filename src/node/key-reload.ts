import { statSync } from 'node:fs'
import type { KeyRing } from '../keys/index.js'
import { type KeySettings, loadOrCreateKeyRing, ringPath } from './key-files.js'

/**
 * A key ring that follows `keyring.json`: `tessera keys rotate|promote|retire` on the machine (or a
 * shared volume) reaches the running server within `intervalMs`, without a restart. Keys from
 * `SIGNING_KEY`/`SIGNING_KEYS` never change while running. On each change `onChange` runs (the
 * codec forgets cached verifications, so a retired key's tokens stop at once). A changed file
 * that does not load, or whose signing key is not of ALGORITHM, is not adopted: the current ring
 * stays and `onError` reports it, so the signing algorithm never changes while running.
 */
export class ReloadingKeyRing implements KeyRing {
  #ring: KeyRing
  #mtime: number
  readonly #timer: NodeJS.Timeout | undefined

  private constructor(
    ring: KeyRing,
    private readonly settings: KeySettings,
    private readonly onChange: () => void,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#ring = ring
    this.#mtime = this.#currentMtime()
    const fromFile = settings.SIGNING_KEY === null && settings.SIGNING_KEYS === null
    this.#timer = fromFile ? setInterval(() => void this.check(), intervalMs) : undefined
    this.#timer?.unref()
  }

  static async open(
    settings: KeySettings,
    options: { onChange?: () => void; onError?: (error: unknown) => void; intervalMs?: number } = {},
  ): Promise<ReloadingKeyRing> {
    return new ReloadingKeyRing(
      await loadOrCreateKeyRing(settings),
      settings,
      options.onChange ?? (() => {}),
      options.intervalMs ?? 2000,
      options.onError ?? (() => {}),
    )
  }

  #currentMtime(): number {
    try {
      return statSync(ringPath(this.settings.KEY_DIR)).mtimeMs
    } catch {
      return 0
    }
  }

  /** Reloads when the file changed. A broken file keeps the current ring (and is reported). */
  async check(): Promise<boolean> {
    const mtime = this.#currentMtime()
    if (mtime === this.#mtime) return false
    this.#mtime = mtime
    try {
      this.#ring = await loadOrCreateKeyRing(this.settings)
      this.onChange()
      return true
    } catch (error) {
      this.onError(error)
      return false
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
  }

  get algorithms() {
    return this.#ring.algorithms
  }
  signingKey() {
    return this.#ring.signingKey()
  }
  verificationKey(header: Parameters<KeyRing['verificationKey']>[0]) {
    return this.#ring.verificationKey(header)
  }
  jwks() {
    return this.#ring.jwks()
  }
}
