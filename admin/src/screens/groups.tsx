/** Groups (the `roles` claim): create, rename, delete, and their members. */
import type { AdminGroup, AdminGroupMember, AdminUser } from '@tessera/protocol'
import { type ReactNode, useState } from 'react'
import { InlineForm, useActions } from '../actions.js'
import type { ScreenProps } from '../app.js'
import { PagedTable, Table, useFilters } from '../lists.js'
import { href, navigate } from '../router.js'
import { Dialog, ErrorNote, Field, Notice, ScreenTitle, useLoader } from '../ui.js'

const PAGE_SIZE = 25

export function GroupsScreen({ api, canWrite }: ScreenProps): ReactNode {
  const { filters: search, draft, setDraft, page, setPage, apply } = useFilters('')
  const [renaming, setRenaming] = useState<AdminGroup | null>(null)
  const groups = useLoader(
    () => api.list<AdminGroup>('/admin/groups/', { search, page, page_size: PAGE_SIZE }),
    [search, page],
  )
  const { act, confirmed, notice, error, confirmDialog } = useActions(groups.reload)
  const remove = (group: AdminGroup) =>
    confirmed(
      {
        title: `Delete the group ${group.name}?`,
        message: `Its ${group.member_count} member(s) lose the role ${group.name}, and their sessions end at once.`,
        confirm: 'Delete group',
      },
      async () => {
        await api.send('DELETE', `/admin/groups/${group.id}/`)
        return `Deleted the group ${group.name}.`
      },
    )

  return (
    <>
      <ScreenTitle>Groups</ScreenTitle>
      <form className="filters" aria-label="Search groups" onSubmit={apply}>
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
        <InlineForm
          label="New group"
          field="New group name"
          name="name"
          submit="Create group"
          maxLength={150}
          act={act}
          work={async (name) => {
            await api.send('POST', '/admin/groups/', { name })
            return `Created the group ${name}.`
          }}
        />
      ) : null}
      <Notice text={notice} />
      <ErrorNote error={error ?? groups.error} />
      <PagedTable
        label="Groups"
        testId="groups-table"
        columns={['Name', 'Members', canWrite && 'Actions']}
        data={groups.data}
        empty="No groups."
        pager="Groups"
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        row={(group) => (
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
        )}
      />
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
  const { act, confirmed, notice, error, confirmDialog } = useActions(() => {
    group.reload()
    members.reload()
  })
  /** A user id, or a username looked up with the user list's search. */
  const userIdOf = async (text: string): Promise<number> => {
    if (/^\d+$/.test(text)) return Number(text)
    const found = await api.list<AdminUser>('/admin/users/', { search: text, page_size: 500 })
    const user = found.results.find((candidate) => candidate.username === text)
    if (user === undefined) throw new Error(`No user is called ${text}.`)
    return user.id
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
        <InlineForm
          label="Add a member"
          field="Add a member (username or user id)"
          name="user"
          submit="Add member"
          act={act}
          work={async (text) => {
            const member = await api.send<AdminGroupMember>('POST', `${base}members/`, {
              user_id: await userIdOf(text.trim()),
            })
            return `Added ${member.username}.`
          }}
        />
      ) : null}
      {members.data ? (
        <Table
          label="Members"
          testId="members-table"
          columns={['Member', canWrite && 'Actions']}
          rows={members.data.results}
          row={(member) => (
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
                      void confirmed(
                        {
                          title: `Remove ${member.username} from ${name}?`,
                          message: `${member.username} loses the role ${name}; their sessions end at once.`,
                          confirm: 'Remove member',
                        },
                        async () => {
                          await api.send('DELETE', `${base}members/${member.id}/`)
                          return `Removed ${member.username}.`
                        },
                      )
                    }
                  >
                    Remove<span className="visually-hidden"> {member.username}</span>
                  </button>
                </td>
              ) : null}
            </tr>
          )}
        />
      ) : null}
      {members.data?.count === 0 ? <p>No members.</p> : null}
      {canWrite && group.data ? (
        <button
          type="button"
          className="danger"
          onClick={() =>
            void confirmed(
              {
                title: `Delete the group ${name}?`,
                message: `Its members lose the role ${name}, and their sessions end at once.`,
                confirm: 'Delete group',
              },
              async () => {
                await api.send('DELETE', base)
                navigate('groups')
                return `Deleted the group ${name}.`
              },
            )
          }
        >
          Delete this group
        </button>
      ) : null}
      {confirmDialog}
    </>
  )
}
