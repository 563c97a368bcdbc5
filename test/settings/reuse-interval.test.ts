/**
 * Issue 17, item 14: `REFRESH_REUSE_INTERVAL` is the window in which a replayed refresh token is
 * taken for a benign race; a long window is a long replay window, so it is capped.
 */
import { describe, expect, it } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'
import { loadSettings } from '../../src/settings/load.js'

describe('REFRESH_REUSE_INTERVAL', () => {
  it('accepts up to five minutes', () => {
    expect(loadSettings({ env: { TESSERA_REFRESH_REUSE_INTERVAL: '5m' } }).REFRESH_REUSE_INTERVAL).toBe(300)
    expect(loadSettings({ overrides: { REFRESH_REUSE_INTERVAL: 0 } }).REFRESH_REUSE_INTERVAL).toBe(0)
  })

  it('refuses more, in every mode, with a SettingsError naming the setting and the cap', () => {
    for (const env of [
      { TESSERA_REFRESH_REUSE_INTERVAL: '1w' },
      { TESSERA_REFRESH_REUSE_INTERVAL: '301' },
      { TESSERA_REFRESH_REUSE_INTERVAL: '301', TESSERA_MODE: 'test' },
    ]) {
      let thrown: unknown
      try {
        loadSettings({ env })
      } catch (error) {
        thrown = error
      }
      expect(thrown, JSON.stringify(env)).toBeInstanceOf(SettingsError)
      expect((thrown as SettingsError).setting).toBe('REFRESH_REUSE_INTERVAL')
      expect((thrown as Error).message).toMatch(/at most 300/)
    }
  })
})
