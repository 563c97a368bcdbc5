/**
 * The auth state machine behind `<AuthProvider>`, kept free of React so it can be tested and reused
 * (it is a `useSyncExternalStore` store). Status: `loading` until the first restore settles, then
 * `authenticated` (with the user from `/me/`) or `anonymous`; client events keep it current, including
 * logins and logouts in other tabs.
 */
import type {
  LoginResult,
  RegisterAnswer,
  RegisterInput,
  SecondFactor,
  TesseraClient,
  UserView,
} from '@tessera/client'

export type AuthStatus = 'loading' | 'authenticated' | 'anonymous'

/** A snapshot of the session as the UI sees it. */
export interface AuthState<U = UserView> {
  user: U | null
  status: AuthStatus
  /** The last error while restoring or loading the user (not login errors: `login()` rejects with those). */
  error: unknown
}

/** A store over one client: subscribe/getSnapshot for React, actions for the UI. */
export interface AuthStore<U = UserView> {
  subscribe(onChange: () => void): () => void
  getSnapshot(): AuthState<U>
  /** Starts listening to the client and restores the session; returns the stop function. */
  start(): () => void
  /** Resolves `{status: 'mfa_required', methods}` for a user with a second factor: then `completeMfa`. */
  login(username: string, password: string): Promise<LoginResult>
  completeMfa(factor: SecondFactor): Promise<void>
  logout(): Promise<void>
  register(input: RegisterInput): Promise<RegisterAnswer>
}

/**
 * Creates the store for one client.
 *
 * @example
 * ```ts
 * const store = createAuthStore(client)
 * const stop = store.start()
 * store.subscribe(() => console.log(store.getSnapshot().status)) // 'authenticated' | 'anonymous'
 * ```
 */
export function createAuthStore<U = UserView>(client: TesseraClient): AuthStore<U> {
  let state: AuthState<U> = { user: null, status: 'loading', error: null }
  const subscribers = new Set<() => void>()
  const set = (next: AuthState<U>) => {
    state = next // a new object each time: useSyncExternalStore compares snapshots by identity
    for (const notify of subscribers) notify()
  }
  const signedOut = (error: unknown = null) => set({ user: null, status: 'anonymous', error })

  let loading: Promise<void> | undefined
  /** Loads `/me/` once per login, however many events ask for it. */
  const loadUser = (): Promise<void> => {
    loading ??= client
      .me<U>()
      .then(
        (user) => {
          // A logout may have happened while `/me/` was in flight.
          if (client.isAuthenticated()) set({ user, status: 'authenticated', error: null })
          else signedOut()
        },
        (error: unknown) => {
          if (client.isAuthenticated()) set({ user: null, status: 'authenticated', error })
          else signedOut(error)
        },
      )
      .finally(() => {
        loading = undefined
      })
    return loading
  }

  return {
    subscribe(onChange) {
      subscribers.add(onChange)
      return () => {
        subscribers.delete(onChange)
      }
    },
    getSnapshot: () => state,
    start() {
      const stops = [
        client.on('login', () => void loadUser()),
        client.on('logout', () => signedOut()),
        client.on('session-expired', () => signedOut()),
      ]
      client.restore().then(
        (restored) => (restored ? loadUser() : signedOut()),
        (error: unknown) => signedOut(error),
      )
      return () => {
        for (const stop of stops) stop()
      }
    },
    async login(username, password) {
      const result = await client.login(username, password)
      if (result.status === 'authenticated') await loadUser()
      return result
    },
    async completeMfa(factor) {
      await client.completeMfa(factor)
      await loadUser()
    },
    logout: () => client.logout(),
    register: (input) => client.register(input),
  }
}
