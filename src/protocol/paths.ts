/** Endpoint paths, relative to the server's `API_PREFIX` (default `/api`), as simplejwt names them. */
export const PATHS = {
  tokenObtain: '/token/',
  tokenRefresh: '/token/refresh/',
  tokenVerify: '/token/verify/',
  tokenBlacklist: '/token/blacklist/',
  tokenSliding: '/token/sliding/',
  tokenSlidingRefresh: '/token/sliding/refresh/',
  tokenIntrospect: '/token/introspect/',
  register: '/register/',
  me: '/me/',
  mePassword: '/me/password/',
  sessions: '/sessions/',
  logoutAll: '/logout/all/',
  hello: '/hello/',
} as const

export const DEFAULT_API_PREFIX = '/api'
export const JWKS_PATH = '/.well-known/jwks.json'

/** Header a browser client sends to ask for the refresh token in an HttpOnly cookie. */
export const AUTH_TRANSPORT_HEADER = 'x-auth-transport'
