/** Input validation for the accounts room: Django's password validators and DRF field rules. */
export { INVALID_EMAIL_MESSAGE, isValidEmailAddress } from './email.js'
export {
  commonPassword,
  DEFAULT_PASSWORD_VALIDATORS,
  MAX_SIMILARITY,
  MIN_PASSWORD_LENGTH,
  minimumLength,
  numericPassword,
  type PasswordUser,
  type PasswordValidator,
  userAttributeSimilarity,
  validatePassword,
} from './password.js'
export {
  MAX_EMAIL_LENGTH,
  MAX_USERNAME_LENGTH,
  type RegistrationInput,
  EMAIL_LIKE_USERNAME_MESSAGE,
  type RegistrationResult,
  type UsernameRules,
  readEmailField,
  validateEmail,
  validateRegistrationInput,
  validateUsername,
} from './registration.js'
export { quickRatio } from './sequence-matcher.js'
export {
  INVALID_USERNAME_MESSAGE,
  isSingleScript,
  isValidUsername,
  MIXED_SCRIPT_USERNAME_MESSAGE,
  normalizeUsername,
} from './username.js'
