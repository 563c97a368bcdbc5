/** Users: search, filters, sort, pages; a superuser creates users here. */
import type { AdminUser } from '@tessera/protocol'
import { type FormEvent, type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
import { PagedTable, useFilters } from '../lists.js'
import { href, navigate } from '../router.js'
import {
  Check,
  Dialog,
  ErrorNote,
  Field,
  FlagFilter,
  Notice,
  ScreenTitle,
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

/** The yes/no filters, in the form's order. */
const FLAGS = [
  ['is_active', 'Active'],
  ['is_staff', 'Staff'],
  ['email_verified', 'E-mail verified'],
  ['has_mfa', 'Has MFA'],
] as const

const NO_FILTERS: Filters = { search: '', is_active: '', is_staff: '', email_verified: '', has_mfa: '' }

export function UsersScreen({ api, canWrite }: ScreenProps): ReactNode {
  const { filters, draft, setDraft, page, setPage, apply } = useFilters<Filters>(NO_FILTERS)
  const [ordering, setOrdering] = useState('username')
  const [pageSize, setPageSize] = useState(25)
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const users = useLoader(
    () => api.list<AdminUser>('/admin/users/', { ...filters, ordering, page, page_size: pageSize }),
    [filters, ordering, page, pageSize],
  )

  const sortBy = (field: string) => {
    setOrdering(ordering === field ? `-${field}` : field)
    setPage(1)
  }
  const sortState = (field: string): 'ascending' | 'descending' | undefined =>
    ordering === field ? 'ascending' : ordering === `-${field}` ? 'descending' : undefined
  const sortHead = ([field, label]: (typeof SORTABLE)[number]) => (
    <th key={field} scope="col" aria-sort={sortState(field)}>
      <button type="button" className="sort" onClick={() => sortBy(field)}>
        {label}
      </button>
    </th>
  )

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
        {FLAGS.map(([name, label]) => (
          <FlagFilter
            key={name}
            label={label}
            name={name}
            value={draft[name]}
            onChange={(v) => setDraft({ ...draft, [name]: v })}
          />
        ))}
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
      <PagedTable
        label="Users"
        testId="users-table"
        caption={<caption className="visually-hidden">Users, sorted by {ordering.replace('-', '')}</caption>}
        columns={[
          ...SORTABLE.slice(0, 2).map(sortHead),
          'Active',
          'Staff',
          'Superuser',
          'Verified',
          'MFA',
          ...SORTABLE.slice(2).map(sortHead),
        ]}
        data={users.data}
        empty="No user matches."
        pager="Users"
        page={page}
        pageSize={pageSize}
        onPage={setPage}
        row={(user) => (
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
        )}
      />
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
