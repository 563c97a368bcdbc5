/** Password hashing for the accounts room: argon2id, plus Django PBKDF2 and bcrypt to verify and upgrade. */
export {
  type Argon2Params,
  type Argon2Primitives,
  argon2idMatchesParams,
  hashArgon2id,
  isArgon2Hash,
  LIBUV_ARGON2,
  verifyArgon2,
} from './argon2id.js'
export {
  type DjangoPbkdf2Hash,
  encodeDjangoPbkdf2,
  isDjangoPbkdf2Hash,
  MAX_PBKDF2_ITERATIONS,
  parseDjangoPbkdf2,
  unmatchablePbkdf2Hash,
  verifyDjangoPbkdf2,
} from './django-pbkdf2.js'
export { isBcryptHash, verifyBcrypt } from './bcrypt.js'
export { hashCostKind } from './cost-kind.js'
export { createPasswordHasher, type PasswordCheck, type PasswordHasher } from './hasher.js'
export { exceedsMaxPasswordLength, MAX_PASSWORD_LENGTH, passwordLengthError } from './limits.js'
