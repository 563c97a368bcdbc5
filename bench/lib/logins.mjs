// Login load: requests that log in a small set of users in turn (login, login-flood).
import { PASSWORD } from './config.mjs'

export const LOGIN_USERS = 16
export function loginRequests(prefix) {
  let next = 0
  return [
    {
      method: 'POST',
      path: '/api/token/',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ username: `${prefix}${next++ % LOGIN_USERS}`, password: PASSWORD }),
      }),
    },
  ]
}
