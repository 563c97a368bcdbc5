/**
 * Tokens of the links in account mails: 256 random bits, base64url. Only their SHA-256 is stored,
 * so a copy of the database opens no account; a token is looked up by that hash (an equality on
 * a digest of a random value: nothing to learn from its timing).
 */
import { createHash, randomBytes } from 'node:crypto'

const TOKEN = /^[A-Za-z0-9_-]{43}$/

export function newLinkToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Hex SHA-256 of a token as stored; undefined for a string that is no token of ours. */
export function linkTokenHash(token: string): string | undefined {
  return TOKEN.test(token) ? createHash('sha256').update(token).digest('hex') : undefined
}

/**
 * What a reset token remembers of the password: a digest of its hash. A new password (by any
 * path: reset, change, the CLI, an upgrade of the hash at login) gives another digest, which voids
 * the reset links sent before.
 */
export function passwordFingerprint(passwordHash: string): string {
  return createHash('sha256').update(`tessera-password-fingerprint:${passwordHash}`).digest('hex')
}

/** A duration in seconds as the mails say it: "1 hour", "3 days", "90 minutes". */
export function validForText(seconds: number): string {
  const unit = (value: number, name: string) => `${value} ${name}${value === 1 ? '' : 's'}`
  if (seconds % 86_400 === 0) return unit(seconds / 86_400, 'day')
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour')
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute')
  return unit(seconds, 'second')
}
