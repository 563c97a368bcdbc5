/**
 * The admin's frame: sign-in, then the caller's own admin record decides what they see. Non-staff
 * users are refused (the API refuses them anyway), staff read, superusers also get write controls.
 */
import { TesseraClientError, type UserView } from '@tessera/client'
import type { AdminUser } from '@tessera/protocol'
import { useAuth } from '@tessera/react'
import type { ReactNode } from 'react'
import type { AdminApi } from './api.js'
import type { PageConfig } from './config.js'
import { href, useRoute } from './router.js'
import { AuditScreen } from './screens/audit.js'
import { ClientsScreen } from './screens/clients.js'
import { GroupScreen, GroupsScreen } from './screens/groups.js'
import { KeysScreen } from './screens/keys.js'
import { TokensScreen } from './screens/tokens.js'
import { UserScreen } from './screens/user.js'
import { UsersScreen } from './screens/users.js'
import { SignIn } from './sign-in.js'
import { ErrorNote, useLoader } from './ui.js'

/** What every screen gets: the API, and whether the caller may change anything. */
export interface ScreenProps {
  api: AdminApi
  canWrite: boolean
  me: AdminUser
}

const SCREENS = [
  ['users', 'Users'],
  ['groups', 'Groups'],
  ['tokens', 'Refresh tokens'],
  ['audit', 'Audit log'],
  ['clients', 'Introspection clients'],
  ['keys', 'Signing keys'],
] as const

export function App({ config, api }: { config: PageConfig; api: AdminApi }): ReactNode {
  const { status, user } = useAuth<UserView>()
  if (status === 'loading') {
    return (
      <main className="sign-in">
        <p role="status">Loading…</p>
      </main>
    )
  }
  if (status === 'anonymous') return <SignIn config={config} />
  return <Gate api={api} user={user} config={config} />
}

function SignOut(): ReactNode {
  const { logout } = useAuth()
  return (
    <button type="button" onClick={() => void logout()} data-testid="sign-out">
      Sign out
    </button>
  )
}

/** Reads the caller's own admin record: a 403 means no admin for them, and says why. */
function Gate({
  api,
  user,
  config,
}: {
  api: AdminApi
  user: UserView | null
  config: PageConfig
}): ReactNode {
  const self = useLoader(
    () =>
      user === null
        ? Promise.reject(new Error('Your account could not be read.'))
        : api.get<AdminUser>(`/admin/users/${user.id}/`),
    [user?.id],
  )
  if (self.loading && self.data === undefined) {
    return (
      <main className="sign-in">
        <p role="status">Loading…</p>
      </main>
    )
  }
  const { error } = self
  if (error instanceof TesseraClientError && error.status === 403) {
    const enrol = error.code === 'mfa_enrollment_required'
    return (
      <main className="sign-in" data-testid={enrol ? 'enrol-required' : 'refused'}>
        <h1>Tessera admin</h1>
        {enrol ? (
          <>
            <h2>Set up a second factor first</h2>
            <p>
              This server requires staff to use a second factor (MFA_REQUIRED_FOR_STAFF), and your account has
              none yet. Set up an authenticator app or a passkey for {user?.username ?? 'your account'} (the
              account page of your application, or <code>{config.apiPrefix}/mfa/totp/setup/</code>), then sign
              in here again.
            </p>
          </>
        ) : (
          <>
            <h2>No access</h2>
            <p>
              {user?.username ?? 'This account'} is neither staff nor a superuser: the admin is not available
              to it.
            </p>
          </>
        )}
        <SignOut />
      </main>
    )
  }
  if (self.data === undefined) {
    return (
      <main className="sign-in">
        <ErrorNote error={error} />
        <button type="button" onClick={self.reload}>
          Try again
        </button>
        <SignOut />
      </main>
    )
  }
  return <Shell api={api} me={self.data} />
}

function Shell({ api, me }: { api: AdminApi; me: AdminUser }): ReactNode {
  const route = useRoute()
  const props: ScreenProps = { api, me, canWrite: me.is_superuser }
  return (
    <>
      <button type="button" className="skip" onClick={skipToContent}>
        Skip to content
      </button>
      <header className="top">
        <p className="brand">Tessera admin</p>
        <p className="who" data-testid="who">
          {me.username} · {me.is_superuser ? 'superuser' : 'staff (read-only)'}
        </p>
        <SignOut />
      </header>
      <nav className="screens" aria-label="Admin screens">
        <ul>
          {SCREENS.map(([screen, label]) => (
            <li key={screen}>
              <a href={href(screen)} aria-current={route.screen === screen ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" tabIndex={-1}>
        {!props.canWrite ? (
          <p className="banner" data-testid="read-only">
            You are staff: you can read everything here, and change nothing.
          </p>
        ) : null}
        <Screen route={route} props={props} />
      </main>
    </>
  )
}

/** A button, not a `#content` link: the fragment holds the route. */
function skipToContent(): void {
  document.getElementById('content')?.focus()
}

function Screen({ route, props }: { route: ReturnType<typeof useRoute>; props: ScreenProps }): ReactNode {
  const key = `${route.screen}/${route.id ?? ''}`
  switch (route.screen) {
    case 'users':
      return route.id === undefined ? (
        <UsersScreen key={key} {...props} />
      ) : (
        <UserScreen key={key} id={route.id} {...props} />
      )
    case 'groups':
      return route.id === undefined ? (
        <GroupsScreen key={key} {...props} />
      ) : (
        <GroupScreen key={key} id={route.id} {...props} />
      )
    case 'tokens':
      return <TokensScreen key={key} {...props} />
    case 'audit':
      return <AuditScreen key={key} {...props} />
    case 'clients':
      return <ClientsScreen key={key} {...props} />
    case 'keys':
      return <KeysScreen key={key} {...props} />
    default:
      return (
        <p>
          No such screen. <a href={href('users')}>Go to the users</a>.
        </p>
      )
  }
}
