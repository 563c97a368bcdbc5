import { SettingsError, ValidationFailed } from '../core/errors.js'
import type { KeyRingAdmin } from '../keys/index.js'
import type { Settings } from '../settings/types.js'
import type { Algorithm } from '@tessera/protocol'
import { listKeys, promoteKey, retireKey, rotateKeyRingFile } from './key-files.js'

/**
 * The admin API's key operations on `dir/keyring.json`: the functions `tessera keys` runs, then
 * `reload` so this instance uses the changed ring before answering.
 */
export function keyRingAdmin(
  dir: string,
  settings: Pick<Settings, 'ALGORITHM'>,
  reload: () => Promise<unknown>,
): KeyRingAdmin {
  /** The key-file functions report an operator's mistake about a kid as a SettingsError. */
  const asFieldError = async <T>(work: () => T | Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      if (error instanceof SettingsError && error.setting === 'kid')
        throw new ValidationFailed({ kid: [error.reason] })
      throw error
    }
  }
  return {
    list: () => listKeys(dir),
    async stage(alg: Algorithm | undefined) {
      if (alg !== undefined && alg !== settings.ALGORITHM) {
        throw new ValidationFailed({
          algorithm: [
            `This server signs with ${settings.ALGORITHM}; a ring of another algorithm is refused. Switch with "tessera keys rotate --algorithm" and a restart.`,
          ],
        })
      }
      const key = await rotateKeyRingFile(dir, settings.ALGORITHM, { stage: true })
      await reload()
      const summary = (await listKeys(dir)).find((listed) => listed.kid === key.kid)
      if (summary === undefined) throw new Error('the staged key is not in the ring file')
      return summary
    },
    async promote(kid: string) {
      await asFieldError(() => promoteKey(dir, kid))
      await reload()
    },
    async retire(kid: string) {
      await asFieldError(() => retireKey(dir, kid))
      await reload()
    },
  }
}
