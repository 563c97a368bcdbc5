/** Users: search, filters, sort, pages; a superuser creates users here. */
import type { AdminUser } from '@tessera/protocol'
import { type FormEvent, type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
import { href, navigate } from '../router.js'
import {
  Check,
  Dialog,
  ErrorNote,
  Field,
  FlagFilter,
  Notice,
  Pager,
  ScreenTitle,
  TableWrap,
  useLoader,
  when,
  yesNo,
} from '../ui.js'

const SORTABLE = [
  ['username', 'Username'],
  ['email', 'E-mail'],
  ['date_joined', 'Joined'],
  ['last_login', 'Last login'],
] as const

interface Filters {
  search: string
  is_active: string
  is_staff: string
  email_verified: string
  has_mfa: string
}

const NO_FILTERS: Filters = { search: '', is_active: '', is_staff: '', email_verified: '', has_mfa: '' }

export function UsersScreen({ api, canWrite }: ScreenProps): ReactNode {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS)
  const [draft, setDraft] = useState<Filters>(NO_FILTERS)
  const [ordering, setOrdering] = useState('username')
  const [page, setPage] = useState(1)
  const [pageSize, setPageSize] = useState(25)
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const users = useLoader(
    () => api.list<AdminUser>('/admin/users/', { ...filters, ordering, page, page_size: pageSize }),
    [filters, ordering, page, pageSize],
  )

  const apply = (event: FormEvent) => {
    event.preventDefault()
    setFilters(draft)
    setPage(1)
  }
  const sortBy = (field: string) => {
    setOrdering(ordering === field ? `-${field}` : field)
    setPage(1)
  }
  const sortState = (field: string): 'ascending' | 'descending' | undefined =>
    ordering === field ? 'ascending' : ordering === `-${field}` ? 'descending' : undefined

  return (
    <>
      <ScreenTitle>Users</ScreenTitle>
      <form className="filters" onSubmit={apply} aria-label="Search and filter users">
        <Field
          label="Search by name or e-mail"
          type="search"
          name="search"
          value={draft.search}
          onChange={(event) => setDraft({ ...draft, search: event.target.value })}
          data-testid="user-search"
        />
        <FlagFilter
          label="Active"
          name="is_active"
          value={draft.is_active}
          onChange={(v) => setDraft({ ...draft, is_active: v })}
        />
        <FlagFilter
          label="Staff"
          name="is_staff"
          value={draft.is_staff}
          onChange={(v) => setDraft({ ...draft, is_staff: v })}
        />
        <FlagFilter
          label="E-mail verified"
          name="email_verified"
          value={draft.email_verified}
          onChange={(v) => setDraft({ ...draft, email_verified: v })}
        />
        <FlagFilter
          label="Has MFA"
          name="has_mfa"
          value={draft.has_mfa}
          onChange={(v) => setDraft({ ...draft, has_mfa: v })}
        />
        <div className="field">
          <label htmlFor="page-size">Per page</label>
          <select
            id="page-size"
            value={pageSize}
            onChange={(event) => {
              setPageSize(Number(event.target.value))
              setPage(1)
            }}
          >
            {[10, 25, 50, 100].map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="submit" data-testid="user-search-submit">
            Search
          </button>
          {canWrite ? (
            <button type="button" onClick={() => setCreating(true)} data-testid="user-create-open">
              New user
            </button>
          ) : null}
        </div>
      </form>
      <Notice text={notice} />
      <ErrorNote error={users.error} />
      {users.data ? (
        <>
          <TableWrap label="Users">
            <table data-testid="users-table">
              <caption className="visually-hidden">Users, sorted by {ordering.replace('-', '')}</caption>
              <thead>
                <tr>
                  {SORTABLE.slice(0, 2).map(([field, label]) => (
                    <th key={field} scope="col" aria-sort={sortState(field)}>
                      <button type="button" className="sort" onClick={() => sortBy(field)}>
                        {label}
                      </button>
                    </th>
                  ))}
                  <th scope="col">Active</th>
                  <th scope="col">Staff</th>
                  <th scope="col">Superuser</th>
                  <th scope="col">Verified</th>
                  <th scope="col">MFA</th>
                  {SORTABLE.slice(2).map(([field, label]) => (
                    <th key={field} scope="col" aria-sort={sortState(field)}>
                      <button type="button" className="sort" onClick={() => sortBy(field)}>
                        {label}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {users.data.results.map((user) => (
                  <tr key={user.id} data-testid="user-row">
                    <td>
                      <a href={href('users', user.id)}>{user.username}</a>
                    </td>
                    <td>{user.email}</td>
                    <td>{yesNo(user.is_active)}</td>
                    <td>{yesNo(user.is_staff)}</td>
                    <td>{yesNo(user.is_superuser)}</td>
                    <td>{yesNo(user.email_verified)}</td>
                    <td>{yesNo(user.has_mfa)}</td>
                    <td>{when(user.date_joined)}</td>
                    <td>{when(user.last_login)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {users.data.count === 0 ? <p>No user matches.</p> : null}
          <Pager label="Users" page={page} pageSize={pageSize} count={users.data.count} onPage={setPage} />
        </>
      ) : null}
      {canWrite ? (
        <CreateUser
          open={creating}
          onClose={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false)
            setNotice(`Created ${user.username}.`)
            navigate('users', user.id)
          }}
          api={api}
        />
      ) : null}
    </>
  )
}

function CreateUser(props: {
  open: boolean
  onClose: () => void
  onCreated: (user: AdminUser) => void
  api: ScreenProps['api']
}): ReactNode {
  const [error, setError] = useState<unknown>(null)
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setError(null)
    try {
      const user = await props.api.send<AdminUser>('POST', '/admin/users/', {
        username: form.get('username'),
        email: form.get('email'),
        password: form.get('password'),
        is_active: form.get('is_active') === 'on',
        is_staff: form.get('is_staff') === 'on',
        is_superuser: form.get('is_superuser') === 'on',
      })
      props.onCreated(user)
    } catch (caught) {
      setError(caught)
    }
  }
  return (
    <Dialog title="New user" open={props.open} onClose={props.onClose} testId="user-create">
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Username" name="username" required autoComplete="off" />
        <Field label="E-mail" name="email" type="email" required autoComplete="off" />
        <Field label="Password" name="password" type="password" required autoComplete="new-password" />
        <Check label="Active" name="is_active" defaultChecked />
        <Check label="Staff" name="is_staff" />
        <Check label="Superuser" name="is_superuser" />
        <ErrorNote error={error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit">Create</button>
        </div>
      </form>
    </Dialog>
  )
}
