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
  type RegistrationResult,
  readEmailField,
  validateEmail,
  validateRegistrationInput,
  validateUsername,
} from './registration.js'
export { quickRatio } from './sequence-matcher.js'
export { INVALID_USERNAME_MESSAGE, isValidUsername } from './username.js'
