/** Groups (the `roles` claim): create, rename, delete, and their members. */
import type { AdminGroup, AdminGroupMember, AdminUser } from '@tessera/protocol'
import { type FormEvent, type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
import { href, navigate } from '../router.js'
import {
  Dialog,
  ErrorNote,
  Field,
  Notice,
  Pager,
  ScreenTitle,
  TableWrap,
  useConfirm,
  useLoader,
} from '../ui.js'

const PAGE_SIZE = 25

export function GroupsScreen({ api, canWrite }: ScreenProps): ReactNode {
  const [search, setSearch] = useState('')
  const [draft, setDraft] = useState('')
  const [page, setPage] = useState(1)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [renaming, setRenaming] = useState<AdminGroup | null>(null)
  const [confirmDialog, ask] = useConfirm()
  const groups = useLoader(
    () => api.list<AdminGroup>('/admin/groups/', { search, page, page_size: PAGE_SIZE }),
    [search, page],
  )
  const act = async (work: () => Promise<string>) => {
    setError(null)
    setNotice(null)
    try {
      setNotice(await work())
      groups.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const name = String(new FormData(form).get('name') ?? '')
    void act(async () => {
      await api.send('POST', '/admin/groups/', { name })
      form.reset()
      return `Created the group ${name}.`
    })
  }
  const remove = (group: AdminGroup) =>
    act(async () => {
      const yes = await ask({
        title: `Delete the group ${group.name}?`,
        message: `Its ${group.member_count} member(s) lose the role ${group.name}, and their sessions end at once.`,
        confirm: 'Delete group',
      })
      if (!yes) return 'Nothing was changed.'
      await api.send('DELETE', `/admin/groups/${group.id}/`)
      return `Deleted the group ${group.name}.`
    })

  return (
    <>
      <ScreenTitle>Groups</ScreenTitle>
      <form
        className="filters"
        aria-label="Search groups"
        onSubmit={(event) => {
          event.preventDefault()
          setSearch(draft)
          setPage(1)
        }}
      >
        <Field
          label="Search by name"
          type="search"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <div className="actions">
          <button type="submit">Search</button>
        </div>
      </form>
      {canWrite ? (
        <form className="inline-form" onSubmit={create} aria-label="New group">
          <Field label="New group name" name="name" required maxLength={150} />
          <button type="submit">Create group</button>
        </form>
      ) : null}
      <Notice text={notice} />
      <ErrorNote error={error ?? groups.error} />
      {groups.data ? (
        <>
          <TableWrap label="Groups">
            <table data-testid="groups-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Members</th>
                  {canWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {groups.data.results.map((group) => (
                  <tr key={group.id}>
                    <td>
                      <a href={href('groups', group.id)}>{group.name}</a>
                    </td>
                    <td>{group.member_count}</td>
                    {canWrite ? (
                      <td>
                        <div className="row-actions">
                          <button type="button" onClick={() => setRenaming(group)}>
                            Rename<span className="visually-hidden"> {group.name}</span>
                          </button>
                          <button type="button" className="danger" onClick={() => void remove(group)}>
                            Delete<span className="visually-hidden"> {group.name}</span>
                          </button>
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {groups.data.count === 0 ? <p>No groups.</p> : null}
          <Pager label="Groups" page={page} pageSize={PAGE_SIZE} count={groups.data.count} onPage={setPage} />
        </>
      ) : null}
      <Dialog
        title={`Rename ${renaming?.name ?? ''}`}
        open={renaming !== null}
        onClose={() => setRenaming(null)}
      >
        <form
          onSubmit={(event) => {
            event.preventDefault()
            const group = renaming
            const name = String(new FormData(event.currentTarget).get('name') ?? '')
            setRenaming(null)
            if (group !== null) {
              void act(async () => {
                await api.send('PATCH', `/admin/groups/${group.id}/`, { name })
                return `Renamed ${group.name} to ${name}; its members' sessions ended.`
              })
            }
          }}
        >
          <p>Members' sessions end: their tokens name the old role.</p>
          <Field label="New name" name="name" defaultValue={renaming?.name ?? ''} required maxLength={150} />
          <div className="actions">
            <button type="button" onClick={() => setRenaming(null)}>
              Cancel
            </button>
            <button type="submit">Rename</button>
          </div>
        </form>
      </Dialog>
      {confirmDialog}
    </>
  )
}

export function GroupScreen({ api, canWrite, id }: ScreenProps & { id: string }): ReactNode {
  const base = `/admin/groups/${encodeURIComponent(id)}/`
  const group = useLoader(() => api.get<AdminGroup>(base), [id])
  const members = useLoader(() => api.list<AdminGroupMember>(`${base}members/`, { page_size: 500 }), [id])
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [confirmDialog, ask] = useConfirm()
  const act = async (work: () => Promise<string>) => {
    setError(null)
    setNotice(null)
    try {
      setNotice(await work())
      group.reload()
      members.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  /** A user id, or a username looked up with the user list's search. */
  const userIdOf = async (text: string): Promise<number> => {
    if (/^\d+$/.test(text)) return Number(text)
    const found = await api.list<AdminUser>('/admin/users/', { search: text, page_size: 500 })
    const user = found.results.find((candidate) => candidate.username === text)
    if (user === undefined) throw new Error(`No user is called ${text}.`)
    return user.id
  }
  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const text = String(new FormData(form).get('user') ?? '').trim()
    void act(async () => {
      const member = await api.send<AdminGroupMember>('POST', `${base}members/`, {
        user_id: await userIdOf(text),
      })
      form.reset()
      return `Added ${member.username}.`
    })
  }
  const name = group.data?.name ?? ''
  return (
    <>
      <ScreenTitle>Group {name}</ScreenTitle>
      <p>
        <a href={href('groups')}>All groups</a>
      </p>
      <Notice text={notice} />
      <ErrorNote error={error ?? group.error ?? members.error} />
      {canWrite && group.data ? (
        <form className="inline-form" onSubmit={add} aria-label="Add a member">
          <Field label="Add a member (username or user id)" name="user" required />
          <button type="submit">Add member</button>
        </form>
      ) : null}
      {members.data ? (
        <TableWrap label="Members">
          <table data-testid="members-table">
            <thead>
              <tr>
                <th scope="col">Member</th>
                {canWrite ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.data.results.map((member) => (
                <tr key={member.id}>
                  <td>
                    <a href={href('users', member.id)}>{member.username}</a>
                  </td>
                  {canWrite ? (
                    <td>
                      <button
                        type="button"
                        className="danger"
                        onClick={() =>
                          void act(async () => {
                            const yes = await ask({
                              title: `Remove ${member.username} from ${name}?`,
                              message: `${member.username} loses the role ${name}; their sessions end at once.`,
                              confirm: 'Remove member',
                            })
                            if (!yes) return 'Nothing was changed.'
                            await api.send('DELETE', `${base}members/${member.id}/`)
                            return `Removed ${member.username}.`
                          })
                        }
                      >
                        Remove<span className="visually-hidden"> {member.username}</span>
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {members.data?.count === 0 ? <p>No members.</p> : null}
      {canWrite && group.data ? (
        <button
          type="button"
          className="danger"
          onClick={() =>
            void act(async () => {
              const yes = await ask({
                title: `Delete the group ${name}?`,
                message: `Its members lose the role ${name}, and their sessions end at once.`,
                confirm: 'Delete group',
              })
              if (!yes) return 'Nothing was changed.'
              await api.send('DELETE', base)
              navigate('groups')
              return `Deleted the group ${name}.`
            })
          }
        >
          Delete this group
        </button>
      ) : null}
      {confirmDialog}
    </>
  )
}
