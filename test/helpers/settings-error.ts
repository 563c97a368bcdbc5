import { expect } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'

/** The SettingsError `run` throws; fails the test when it throws anything else or nothing. */
export function settingsError(run: () => unknown): SettingsError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return error as SettingsError
  }
  throw new Error('expected a SettingsError')
}
