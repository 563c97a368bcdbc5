/**
 * Recovery codes: ten per set, each 10 characters from an alphabet without look-alikes (about 50
 * bits each), shown as `xxxxx-xxxxx`. Only their SHA-256 is stored; typing is forgiving (case,
 * spaces and dashes are ignored), and each code works once.
 */
import { createHash, randomInt } from 'node:crypto'

export const RECOVERY_CODE_COUNT = 10
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
const LENGTH = 10

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    let code = ''
    for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)]
    return `${code.slice(0, 5)}-${code.slice(5)}`
  })
}

/** Hex SHA-256 of a code as typed; undefined for what cannot be a code. */
export function recoveryCodeHash(typed: string): string | undefined {
  const normalised = typed.toLowerCase().replace(/[\s-]/g, '')
  if (normalised.length !== LENGTH || ![...normalised].every((c) => ALPHABET.includes(c))) return undefined
  return createHash('sha256').update(`tessera-recovery-code:${normalised}`).digest('hex')
}
