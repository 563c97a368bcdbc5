/** Signing keys of the KEY_DIR ring: stage a new one, promote it to sign, retire an old one. */
import type { AdminKey } from '@tessera/protocol'
import type { ReactNode } from 'react'
import { useActions } from '../actions.js'
import type { ScreenProps } from '../app.js'
import { Table } from '../lists.js'
import { ErrorNote, Notice, ScreenTitle, useLoader, when } from '../ui.js'

const STATUS: Record<string, string> = { active: 'Active', next: 'Staged', retired: 'Retired' }

export function KeysScreen({ api, canWrite }: ScreenProps): ReactNode {
  const keys = useLoader(() => api.list<AdminKey>('/admin/keys/', { page_size: 500 }), [])
  const { act, confirmed, notice, error, confirmDialog } = useActions(keys.reload)
  const change = (key: AdminKey, verb: 'promote' | 'retire') =>
    confirmed(
      verb === 'promote'
        ? {
            title: `Promote ${key.kid}?`,
            message: 'New tokens are signed with it from now on; tokens of the other live keys still verify.',
            confirm: 'Promote key',
          }
        : {
            title: `Retire ${key.kid}?`,
            message: 'Tokens signed with it are refused from now on: their users must log in again.',
            confirm: 'Retire key',
          },
      async () => {
        await api.send('POST', `/admin/keys/${encodeURIComponent(key.kid)}/${verb}/`)
        return verb === 'promote' ? `${key.kid} signs new tokens.` : `${key.kid} is retired.`
      },
    )
  return (
    <>
      <ScreenTitle>Signing keys</ScreenTitle>
      <p>
        A staged key is published in the JWKS and verifies at once; promoted, it signs; retired, its tokens
        are refused.
      </p>
      {canWrite ? (
        <button
          type="button"
          onClick={() =>
            void act(async () => {
              const key = await api.send<AdminKey>('POST', '/admin/keys/', {})
              return `Staged ${key.kid}: promote it once every verifier has fetched the JWKS.`
            })
          }
        >
          Stage a new key
        </button>
      ) : null}
      <Notice text={notice} />
      <ErrorNote error={error ?? keys.error} />
      {keys.data ? (
        <Table
          label="Signing keys"
          testId="keys-table"
          columns={['Key id', 'Algorithm', 'Status', 'Signs', 'Created', canWrite && 'Actions']}
          rows={keys.data.results}
          row={(key) => (
            <tr key={key.kid}>
              <td>
                <code>{key.kid}</code>
              </td>
              <td>{key.alg}</td>
              <td>{STATUS[key.status] ?? key.status}</td>
              <td>{key.signing ? 'Yes' : 'No'}</td>
              <td>{when(key.created)}</td>
              {canWrite ? (
                <td>
                  <div className="row-actions">
                    {key.status === 'next' ? (
                      <button type="button" onClick={() => void change(key, 'promote')}>
                        Promote<span className="visually-hidden"> {key.kid}</span>
                      </button>
                    ) : null}
                    {key.status !== 'retired' && !key.signing ? (
                      <button type="button" className="danger" onClick={() => void change(key, 'retire')}>
                        Retire<span className="visually-hidden"> {key.kid}</span>
                      </button>
                    ) : null}
                  </div>
                </td>
              ) : null}
            </tr>
          )}
        />
      ) : null}
      {confirmDialog}
    </>
  )
}
