/** One user: their record, password, second factors and sessions. Changes that take rights away ask first. */
import type { AdminGroup, AdminPage, AdminSession, AdminUser } from '@tessera/protocol'
import { type FormEvent, type ReactNode, useEffect, useState } from 'react'
import { useActions } from '../actions.js'
import type { ScreenProps } from '../app.js'
import { Table } from '../lists.js'
import { href } from '../router.js'
import { Check, ErrorNote, Field, Notice, ScreenTitle, useLoader, when, yesNo } from '../ui.js'

type Change = Partial<
  Pick<AdminUser, 'email' | 'email_verified' | 'is_active' | 'is_staff' | 'is_superuser' | 'groups'>
>

/** What a change takes away; each item ends the user's sessions (docs/admin.md). */
function revocations(user: AdminUser, change: Change): string[] {
  const lost: string[] = []
  if (change.is_active === false) lost.push('deactivates the account')
  if (change.is_staff === false) lost.push('removes staff status')
  if (change.is_superuser === false) lost.push('removes superuser status')
  const removed = user.groups.filter((group) => change.groups !== undefined && !change.groups.includes(group))
  if (removed.length > 0) lost.push(`removes the groups ${removed.join(', ')}`)
  return lost
}

export function UserScreen({ api, canWrite, me, id }: ScreenProps & { id: string }): ReactNode {
  const base = `/admin/users/${encodeURIComponent(id)}/`
  const user = useLoader(() => api.get<AdminUser>(base), [id])
  const sessions = useLoader(() => api.list<AdminSession>(`${base}sessions/`, { page_size: 500 }), [id])
  const groups = useLoader(
    () =>
      canWrite ? api.list<AdminGroup>('/admin/groups/', { page_size: 500 }) : Promise.resolve(undefined),
    [canWrite],
  )
  const { act, confirmed, ask, notice, error, confirmDialog } = useActions(() => {
    user.reload()
    sessions.reload()
  })

  if (user.data === undefined) {
    return (
      <>
        <ScreenTitle>User</ScreenTitle>
        <p>
          <a href={href('users')}>All users</a>
        </p>
        {user.loading ? <p role="status">Loading…</p> : <ErrorNote error={user.error} />}
      </>
    )
  }
  const current = user.data
  const name = current.username

  const save = (change: Change) =>
    act(async () => {
      const lost = revocations(current, change)
      if (lost.length > 0) {
        const yes = await ask({
          title: `Change ${name}?`,
          message: `This ${lost.join(', ')}: every session of ${name} ends at once, and their access tokens stop working.`,
          confirm: 'Save and end their sessions',
        })
        if (!yes) return 'Nothing was changed.'
      }
      await api.send('PATCH', base, change)
      return `Saved ${name}.`
    })

  return (
    <>
      <ScreenTitle>User {name}</ScreenTitle>
      <p>
        <a href={href('users')}>All users</a>
      </p>
      <Notice text={notice} />
      <ErrorNote error={error} />
      <section aria-labelledby="account-heading" className="panel">
        <h2 id="account-heading">Account</h2>
        {canWrite ? (
          <AccountForm
            key={JSON.stringify(current)}
            user={current}
            self={current.id === me.id}
            groups={groups.data}
            onSave={save}
          />
        ) : (
          <dl className="facts">
            <dt>E-mail</dt>
            <dd>{current.email}</dd>
            <dt>E-mail verified</dt>
            <dd>{yesNo(current.email_verified)}</dd>
            <dt>Active</dt>
            <dd>{yesNo(current.is_active)}</dd>
            <dt>Staff</dt>
            <dd>{yesNo(current.is_staff)}</dd>
            <dt>Superuser</dt>
            <dd>{yesNo(current.is_superuser)}</dd>
            <dt>Groups</dt>
            <dd>{current.groups.join(', ') || 'None'}</dd>
            <dt>Joined</dt>
            <dd>{when(current.date_joined)}</dd>
            <dt>Last login</dt>
            <dd>{when(current.last_login)}</dd>
          </dl>
        )}
        {canWrite ? (
          <dl className="facts">
            <dt>Joined</dt>
            <dd>{when(current.date_joined)}</dd>
            <dt>Last login</dt>
            <dd>{when(current.last_login)}</dd>
          </dl>
        ) : null}
      </section>

      <section aria-labelledby="mfa-heading" className="panel">
        <h2 id="mfa-heading">Second factors</h2>
        <p data-testid="user-mfa">
          {current.has_mfa
            ? `${name} has a second factor (an authenticator app or a passkey).`
            : `${name} has no second factor: the password alone opens the account.`}
        </p>
        {canWrite && current.has_mfa ? (
          <button
            type="button"
            className="danger"
            onClick={() =>
              void confirmed(
                {
                  title: `Reset the second factors of ${name}?`,
                  message: `This removes ${name}'s authenticator app, passkeys and recovery codes, and ends every session of ${name}.`,
                  confirm: 'Reset second factors',
                },
                async () => {
                  await api.send('POST', `${base}mfa/reset/`)
                  return `The second factors of ${name} were removed.`
                },
              )
            }
          >
            Reset second factors
          </button>
        ) : null}
      </section>

      {canWrite ? (
        <section aria-labelledby="password-heading" className="panel">
          <h2 id="password-heading">Password</h2>
          <PasswordForm
            onSet={(password) =>
              confirmed(
                {
                  title: `Set a new password for ${name}?`,
                  message: `The new password applies at once and every session of ${name} ends.`,
                  confirm: 'Set the password',
                },
                async () => {
                  await api.send('POST', `${base}password/`, { password })
                  return `The password of ${name} was set.`
                },
              )
            }
          />
        </section>
      ) : null}

      <section aria-labelledby="sessions-heading" className="panel">
        <h2 id="sessions-heading">Sessions</h2>
        <ErrorNote error={sessions.error} />
        {sessions.data ? (
          <Sessions
            page={sessions.data}
            canWrite={canWrite}
            onEnd={(session) =>
              confirmed(
                {
                  title: 'End this session?',
                  message: `${name} is signed out of ${session.device} at once.`,
                  confirm: 'End session',
                },
                async () => {
                  await api.send('DELETE', `${base}sessions/${session.id}/`)
                  return 'The session was ended.'
                },
              )
            }
          />
        ) : null}
        {canWrite ? (
          <button
            type="button"
            className="danger"
            data-testid="logout-all"
            onClick={() =>
              void confirmed(
                {
                  title: `Log ${name} out everywhere?`,
                  message: `Every session of ${name} ends, on every device.`,
                  confirm: 'Log out everywhere',
                },
                async () => {
                  const answer = await api.send<{ sessions: number }>('POST', `${base}logout/all/`)
                  return `${answer.sessions} session(s) of ${name} ended.`
                },
              )
            }
          >
            Log out everywhere
          </button>
        ) : null}
      </section>
      {confirmDialog}
    </>
  )
}

function AccountForm(props: {
  user: AdminUser
  /** The caller's own account: the API refuses to deactivate or demote it, so the form does not offer it. */
  self: boolean
  groups: AdminPage<AdminGroup> | undefined
  onSave: (change: Change) => Promise<void>
}): ReactNode {
  const { user } = props
  const [email, setEmail] = useState(user.email)
  const [flags, setFlags] = useState({
    email_verified: user.email_verified === true,
    is_active: user.is_active,
    is_staff: user.is_staff,
    is_superuser: user.is_superuser,
  })
  const [groups, setGroups] = useState<string[]>(user.groups)
  useEffect(() => setGroups(user.groups), [user.groups])
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const change: Change = {}
    if (email !== user.email) change.email = email
    for (const key of ['email_verified', 'is_active', 'is_staff', 'is_superuser'] as const) {
      if (flags[key] !== (user[key] === true)) change[key] = flags[key]
    }
    const sorted = [...groups].sort()
    if (sorted.join('\n') !== user.groups.join('\n')) change.groups = sorted
    void props.onSave(change)
  }
  const flag = (key: keyof typeof flags, label: string, locked = false) => (
    <Check
      label={label}
      checked={flags[key]}
      disabled={locked}
      onChange={(event) => setFlags({ ...flags, [key]: event.target.checked })}
      data-testid={`flag-${key}`}
    />
  )
  const names = props.groups?.results.map((group) => group.name) ?? user.groups
  return (
    <form onSubmit={submit} data-testid="account-form">
      <Field
        label="E-mail"
        type="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        required
      />
      {flag('email_verified', 'E-mail verified')}
      {props.self ? (
        <p className="hint" data-testid="self-note">
          This is your own account: you cannot deactivate it or take away your own rights.
        </p>
      ) : null}
      {flag('is_active', 'Active', props.self)}
      {flag('is_staff', 'Staff', props.self)}
      {flag('is_superuser', 'Superuser', props.self)}
      <fieldset>
        <legend>Groups</legend>
        {names.length === 0 ? <p>No groups yet.</p> : null}
        {names.map((group) => (
          <Check
            key={group}
            label={group}
            checked={groups.includes(group)}
            onChange={(event) =>
              setGroups(event.target.checked ? [...groups, group] : groups.filter((name) => name !== group))
            }
          />
        ))}
      </fieldset>
      <button type="submit" data-testid="account-save">
        Save changes
      </button>
    </form>
  )
}

function PasswordForm({ onSet }: { onSet: (password: string) => Promise<void> }): ReactNode {
  const [password, setPassword] = useState('')
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        void onSet(password).then(() => setPassword(''))
      }}
    >
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        required
        hint="Checked by the server's password validators."
      />
      <button type="submit">Set password</button>
    </form>
  )
}

function Sessions(props: {
  page: AdminPage<AdminSession>
  canWrite: boolean
  onEnd: (session: AdminSession) => Promise<void>
}): ReactNode {
  if (props.page.count === 0) return <p data-testid="no-sessions">No live sessions.</p>
  return (
    <Table
      label="Sessions"
      testId="sessions-table"
      columns={['Device', 'IP', 'Started', 'Last used', 'Expires', props.canWrite && 'Actions']}
      rows={props.page.results}
      row={(session) => (
        <tr key={session.id} data-testid="session-row">
          <td>{session.device}</td>
          <td>{session.ip ?? '—'}</td>
          <td>{when(session.created)}</td>
          <td>{when(session.last_used)}</td>
          <td>{when(session.expires)}</td>
          {props.canWrite ? (
            <td>
              <button type="button" className="danger" onClick={() => void props.onEnd(session)}>
                End session
              </button>
            </td>
          ) : null}
        </tr>
      )}
    />
  )
}
