/** Refresh tokens as simplejwt's admin shows OutstandingToken and BlacklistedToken, in one list. */
import type { AdminToken } from '@tessera/protocol'
import { type ReactNode, useState } from 'react'
import { useActions } from '../actions.js'
import type { ScreenProps } from '../app.js'
import { PagedTable, useFilters } from '../lists.js'
import { ErrorNote, Field, FlagFilter, Notice, ScreenTitle, UserRef, useLoader, when } from '../ui.js'

const PAGE_SIZE = 25

export function TokensScreen({ api, canWrite }: ScreenProps): ReactNode {
  const { filters, draft, setDraft, page, setPage, apply } = useFilters({ user: '', blacklisted: '' })
  const [ordering, setOrdering] = useState('-created_at')
  const tokens = useLoader(
    () => api.list<AdminToken>('/admin/tokens/', { ...filters, ordering, page, page_size: PAGE_SIZE }),
    [filters, ordering, page],
  )
  const { act, ask, notice, error, confirmDialog } = useActions(tokens.reload)
  // Cancel leaves no notice here (unlike the other screens' "Nothing was changed.").
  const blacklist = (token: AdminToken) =>
    act(async () => {
      const yes = await ask({
        title: 'Blacklist this refresh token?',
        message: `Its session (${token.session.slice(0, 8)}…) of user ${token.username ?? `#${token.user}`} ends at once, as a logout with it would.`,
        confirm: 'Blacklist token',
      })
      if (!yes) return null
      await api.send('POST', `/admin/tokens/${token.jti}/blacklist/`)
      return 'The token was blacklisted and its session ended.'
    })
  return (
    <>
      <ScreenTitle>Refresh tokens</ScreenTitle>
      <form className="filters" aria-label="Filter refresh tokens" onSubmit={apply}>
        <Field
          label="User id"
          inputMode="numeric"
          pattern="\d*"
          value={draft.user}
          onChange={(event) => setDraft({ ...draft, user: event.target.value })}
        />
        <FlagFilter
          label="Blacklisted"
          name="blacklisted"
          value={draft.blacklisted}
          onChange={(value) => setDraft({ ...draft, blacklisted: value })}
        />
        <div className="field">
          <label htmlFor="token-order">Order</label>
          <select id="token-order" value={ordering} onChange={(event) => setOrdering(event.target.value)}>
            <option value="-created_at">Newest first</option>
            <option value="created_at">Oldest first</option>
            <option value="expires_at">Expiring first</option>
            <option value="-expires_at">Expiring last</option>
          </select>
        </div>
        <div className="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <Notice text={notice} />
      <ErrorNote error={error ?? tokens.error} />
      <PagedTable
        label="Refresh tokens"
        testId="tokens-table"
        columns={[
          'Token (jti)',
          'User',
          'Session',
          'Created',
          'Expires',
          'Blacklisted',
          canWrite && 'Actions',
        ]}
        data={tokens.data}
        empty="No tokens."
        pager="Refresh tokens"
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        row={(token) => (
          <tr key={token.jti}>
            <td>
              <code title={token.jti}>{token.jti.slice(0, 12)}…</code>
            </td>
            <td>
              <UserRef id={token.user} username={token.username} />
            </td>
            <td>
              <code title={token.session}>{token.session.slice(0, 8)}…</code>
            </td>
            <td>{when(token.created_at)}</td>
            <td>{when(token.expires_at)}</td>
            <td>{token.blacklisted_at === null ? 'No' : when(token.blacklisted_at)}</td>
            {canWrite ? (
              <td>
                {token.blacklisted_at === null ? (
                  <button type="button" className="danger" onClick={() => void blacklist(token)}>
                    Blacklist<span className="visually-hidden"> token {token.jti.slice(0, 12)}</span>
                  </button>
                ) : null}
              </td>
            ) : null}
          </tr>
        )}
      />
      {confirmDialog}
    </>
  )
}
