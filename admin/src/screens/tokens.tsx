/** Refresh tokens as simplejwt's admin shows OutstandingToken and BlacklistedToken, in one list. */
import type { AdminToken } from '@tessera/protocol'
import { type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
import { href } from '../router.js'
import {
  ErrorNote,
  Field,
  FlagFilter,
  Notice,
  Pager,
  ScreenTitle,
  TableWrap,
  useConfirm,
  useLoader,
  when,
} from '../ui.js'

const PAGE_SIZE = 25

export function TokensScreen({ api, canWrite }: ScreenProps): ReactNode {
  const [filters, setFilters] = useState({ user: '', blacklisted: '' })
  const [draft, setDraft] = useState(filters)
  const [ordering, setOrdering] = useState('-created_at')
  const [page, setPage] = useState(1)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [confirmDialog, ask] = useConfirm()
  const tokens = useLoader(
    () => api.list<AdminToken>('/admin/tokens/', { ...filters, ordering, page, page_size: PAGE_SIZE }),
    [filters, ordering, page],
  )
  const blacklist = async (token: AdminToken) => {
    setError(null)
    setNotice(null)
    try {
      const yes = await ask({
        title: 'Blacklist this refresh token?',
        message: `Its session (${token.session.slice(0, 8)}…) of user ${token.user} ends at once, as a logout with it would.`,
        confirm: 'Blacklist token',
      })
      if (!yes) return
      await api.send('POST', `/admin/tokens/${token.jti}/blacklist/`)
      setNotice('The token was blacklisted and its session ended.')
      tokens.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  return (
    <>
      <ScreenTitle>Refresh tokens</ScreenTitle>
      <form
        className="filters"
        aria-label="Filter refresh tokens"
        onSubmit={(event) => {
          event.preventDefault()
          setFilters(draft)
          setPage(1)
        }}
      >
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
      {tokens.data ? (
        <>
          <TableWrap label="Refresh tokens">
            <table data-testid="tokens-table">
              <thead>
                <tr>
                  <th scope="col">Token (jti)</th>
                  <th scope="col">User</th>
                  <th scope="col">Session</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Blacklisted</th>
                  {canWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {tokens.data.results.map((token) => (
                  <tr key={token.jti}>
                    <td>
                      <code title={token.jti}>{token.jti.slice(0, 12)}…</code>
                    </td>
                    <td>
                      <a href={href('users', token.user)}>{token.user}</a>
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
                ))}
              </tbody>
            </table>
          </TableWrap>
          {tokens.data.count === 0 ? <p>No tokens.</p> : null}
          <Pager
            label="Refresh tokens"
            page={page}
            pageSize={PAGE_SIZE}
            count={tokens.data.count}
            onPage={setPage}
          />
        </>
      ) : null}
      {confirmDialog}
    </>
  )
}
