/** The audit log: filters by user, event, IP and time, and the CSV export with the same filters. */
import type { AdminAuditEvent } from '@tessera/protocol'
import { type ChangeEvent, type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
import { PagedTable, useFilters } from '../lists.js'
import { ErrorNote, Field, ScreenTitle, UserRef, useLoader, when } from '../ui.js'

const PAGE_SIZE = 50

interface Filters {
  user: string
  event: string
  ip: string
  since: string
  until: string
}

/** A `datetime-local` value (the operator's local time) as ISO 8601 in UTC for the API. */
const utc = (local: string): string => (local === '' ? '' : new Date(local).toISOString())

export function AuditScreen({ api }: ScreenProps): ReactNode {
  const empty: Filters = { user: '', event: '', ip: '', since: '', until: '' }
  const { filters, draft, setDraft, page, setPage, apply } = useFilters<Filters>(empty)
  const [exportError, setExportError] = useState<unknown>(null)
  const query = { ...filters, since: utc(filters.since), until: utc(filters.until) }
  const events = useLoader(
    () => api.list<AdminAuditEvent>('/admin/audit/', { ...query, page, page_size: PAGE_SIZE }),
    [filters, page],
  )
  const set = (key: keyof Filters) => (event: ChangeEvent<HTMLInputElement>) =>
    setDraft({ ...draft, [key]: event.target.value })

  /** The export needs the Bearer token, so it is fetched and handed to the browser as a file. */
  const download = async () => {
    setExportError(null)
    try {
      const blob = await api.blob('/admin/audit/export/', query)
      const url = URL.createObjectURL(blob)
      const link = document.createElement('a')
      link.href = url
      link.download = `tessera-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (caught) {
      setExportError(caught)
    }
  }

  return (
    <>
      <ScreenTitle>Audit log</ScreenTitle>
      <form className="filters" aria-label="Filter the audit log" onSubmit={apply}>
        <Field
          label="User id"
          inputMode="numeric"
          pattern="\d*"
          value={draft.user}
          onChange={set('user')}
          data-testid="audit-user"
        />
        <Field
          label="Event"
          value={draft.event}
          onChange={set('event')}
          hint="e.g. user_deactivated"
          data-testid="audit-event"
        />
        <Field label="IP address" value={draft.ip} onChange={set('ip')} />
        <Field
          label="Since (your local time)"
          type="datetime-local"
          value={draft.since}
          onChange={set('since')}
        />
        <Field
          label="Until (your local time)"
          type="datetime-local"
          value={draft.until}
          onChange={set('until')}
        />
        <div className="actions">
          <button type="submit" data-testid="audit-filter">
            Filter
          </button>
          <button type="button" onClick={() => void download()} data-testid="audit-export">
            Export CSV
          </button>
        </div>
      </form>
      <ErrorNote error={exportError ?? events.error} />
      <PagedTable
        label="Audit events"
        testId="audit-table"
        columns={['When', 'Event', 'User', 'IP', 'Detail']}
        data={events.data}
        empty="No events match."
        pager="Audit log"
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        row={(event) => (
          <tr key={event.id} data-testid="audit-row">
            <td>{when(event.at)}</td>
            <td>{event.event}</td>
            <td>{event.user === null ? '—' : <UserRef id={event.user} username={event.username} />}</td>
            <td>{event.ip ?? '—'}</td>
            <td>
              <code className="detail">{JSON.stringify(event.detail)}</code>
            </td>
          </tr>
        )}
      />
    </>
  )
}
