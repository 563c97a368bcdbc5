export { type CustomClaimsHook, defaultCustomClaims } from './claims.js'
export {
  type IssuedToken,
  type IssueOptions,
  MAX_TOKEN_LENGTH,
  type ReservedToken,
  TokenCodec,
} from './codec.js'
export type { CustomClaims, TokenSettings, TokenType, VerifiedToken } from './types.js'
