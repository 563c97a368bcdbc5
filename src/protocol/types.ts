import type { ErrorCode } from './codes.js'

/** `POST /api/token/` answer (refresh is absent in cookie transport). */
export interface TokenPair {
  refresh?: string
  access: string
}

/** `POST /api/token/refresh/` answer: `refresh` only when rotating and not in cookie transport. */
export interface RefreshAnswer {
  access: string
  refresh?: string
}

export interface SlidingAnswer {
  token: string
}

/** `GET /api/me/`: the reference deployment's fields, in its order. */
export interface UserView {
  id: number
  username: string
  email: string
  date_joined: string
  last_login: string | null
}

export interface RegisterAnswer {
  id: number
  username: string
  email: string
}

/** One entry of `messages` in a protected view's token error (simplejwt `authentication.py`). */
export interface TokenMessage {
  token_class: string
  token_type: string
  message: string
}

/** Error bodies: `{detail}`, `{detail, code}`, `{detail, code, messages}`, or DRF field errors. */
export interface DetailError {
  detail: string
  code?: ErrorCode
  messages?: TokenMessage[]
}

export type FieldErrors = Record<string, string[]>

/** Claims Tessera puts in every token (simplejwt's names). */
export interface TokenClaims {
  token_type: 'access' | 'refresh' | 'sliding'
  exp: number
  iat: number
  jti: string
  user_id: number | string
  [claim: string]: unknown
}
