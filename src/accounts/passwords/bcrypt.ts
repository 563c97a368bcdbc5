/**
 * Verification of bcrypt hashes (`$2a$`, `$2b$`, `$2y$` with a cost and 53 characters of salt and
 * digest), as apps that Tessera authenticates on their own users table often store them. Verified
 * on libuv's pool by @node-rs/bcrypt (prebuilt, no compiler), as Django's PBKDF2 is by node:crypto;
 * a match is upgraded to argon2id by the login. Tessera never writes these hashes.
 */
import { verify } from '@node-rs/bcrypt'

const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/

/** True when `stored` is a well-formed bcrypt hash of a cost bcrypt accepts (4 to 31). */
export function isBcryptHash(stored: string): boolean {
  return BCRYPT.test(stored)
}

/**
 * Checks `password` against a bcrypt hash. Like every bcrypt, only the first 72 bytes of the
 * password count. Never rejects: a hash the library refuses does not match.
 */
export async function verifyBcrypt(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(password, stored)
  } catch {
    return false
  }
}
