/**
 * React binding: `<AuthProvider client={…}>` owns one {@link AuthStore}; `useAuth()` reads it.
 * Written with `createElement` so the package needs no JSX build step.
 */
import {
  createContext,
  createElement,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
} from 'react'
import type {
  LoginResult,
  RegisterAnswer,
  RegisterInput,
  SecondFactor,
  TesseraClient,
  UserView,
} from '@tessera/client'
import { type AuthState, createAuthStore } from './auth-store.js'

/** What `useAuth()` returns: the session state plus the client's actions. */
export interface AuthContextValue<U = UserView> extends AuthState<U> {
  /** `{status: 'mfa_required', methods}` for a user with a second factor: then `completeMfa`. */
  login(username: string, password: string): Promise<LoginResult>
  completeMfa(factor: SecondFactor): Promise<void>
  logout(): Promise<void>
  register(input: RegisterInput): Promise<RegisterAnswer>
  /** The client's authenticated fetch (Bearer attached, refreshed when due). */
  fetch: TesseraClient['fetch']
  /** The underlying client, for anything else (`me()`, `logoutAll()`, events). */
  client: TesseraClient
}

const AuthContext = createContext<AuthContextValue<unknown> | null>(null)

export interface AuthProviderProps {
  client: TesseraClient
  children?: ReactNode
}

/**
 * Provides the session to the tree and restores it on mount.
 *
 * @example
 * ```ts
 * const client = createTesseraClient({ mode: 'cookie' })
 * createRoot(el).render(createElement(AuthProvider, { client }, createElement(App)))
 * ```
 */
export function AuthProvider({ client, children }: AuthProviderProps): ReactNode {
  const store = useMemo(() => createAuthStore<unknown>(client), [client])
  useEffect(() => store.start(), [store])
  // The server snapshot is the initial `loading` state: SSR never restores a browser session.
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
  const value = useMemo<AuthContextValue<unknown>>(
    () => ({
      ...state,
      login: store.login,
      completeMfa: store.completeMfa,
      logout: store.logout,
      register: store.register,
      fetch: client.fetch,
      client,
    }),
    [state, store, client],
  )
  return createElement(AuthContext.Provider, { value }, children)
}

/**
 * The session and actions. Must be called under `<AuthProvider>`.
 *
 * @example
 * ```ts
 * function Profile() {
 *   const { status, user, logout } = useAuth()
 *   if (status !== 'authenticated') return null
 *   return createElement('button', { onClick: () => logout() }, `Log out ${user?.username}`)
 * }
 * ```
 */
export function useAuth<U = UserView>(): AuthContextValue<U> {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth() must be used inside <AuthProvider>')
  return value as AuthContextValue<U>
}
