/**
 * `tessera/react`: `<AuthProvider>` and `useAuth()` over a `tessera/client` instance.
 *
 * @example
 * ```ts
 * import { createTesseraClient } from 'tessera/client'
 * import { AuthProvider, useAuth } from 'tessera/react'
 * const client = createTesseraClient({ mode: 'cookie' })
 * root.render(createElement(AuthProvider, { client }, createElement(App)))
 * // in App: const { status, user, login, logout, fetch } = useAuth()
 * ```
 */
export { type AuthState, type AuthStatus, type AuthStore, createAuthStore } from './auth-store.js'
export { type AuthContextValue, AuthProvider, type AuthProviderProps, useAuth } from './provider.js'
