/** `newJti`: simplejwt's jti format (uuid4().hex), and no repeats. */
import { describe, expect, it } from 'vitest'
import { newJti } from '../../src/core/ids.js'

const UUID4_HEX = /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/

describe('newJti', () => {
  it('is a version-4 UUID in hex without dashes, as uuid.uuid4().hex', () => {
    for (let i = 0; i < 1000; i++) expect(newJti()).toMatch(UUID4_HEX)
  })

  it('does not repeat, and uses every hex digit in its random positions', () => {
    const ids = Array.from({ length: 10_000 }, () => newJti())
    expect(new Set(ids).size).toBe(ids.length)
    const firstDigits = new Set(ids.map((id) => id[0]))
    expect(firstDigits.size).toBe(16)
  })
})
