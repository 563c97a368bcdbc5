/** Signing keys of the KEY_DIR ring: stage a new one, promote it to sign, retire an old one. */
import type { AdminKey } from '@tessera/protocol'
import { type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
import { ErrorNote, Notice, ScreenTitle, TableWrap, useConfirm, useLoader, when } from '../ui.js'

const STATUS: Record<string, string> = { active: 'Active', next: 'Staged', retired: 'Retired' }

export function KeysScreen({ api, canWrite }: ScreenProps): ReactNode {
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [confirmDialog, ask] = useConfirm()
  const keys = useLoader(() => api.list<AdminKey>('/admin/keys/', { page_size: 500 }), [])
  const act = async (work: () => Promise<string>) => {
    setError(null)
    setNotice(null)
    try {
      setNotice(await work())
      keys.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const change = (key: AdminKey, verb: 'promote' | 'retire') =>
    act(async () => {
      const yes = await ask(
        verb === 'promote'
          ? {
              title: `Promote ${key.kid}?`,
              message:
                'New tokens are signed with it from now on; tokens of the other live keys still verify.',
              confirm: 'Promote key',
            }
          : {
              title: `Retire ${key.kid}?`,
              message: 'Tokens signed with it are refused from now on: their users must log in again.',
              confirm: 'Retire key',
            },
      )
      if (!yes) return 'Nothing was changed.'
      await api.send('POST', `/admin/keys/${encodeURIComponent(key.kid)}/${verb}/`)
      return verb === 'promote' ? `${key.kid} signs new tokens.` : `${key.kid} is retired.`
    })
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
        <TableWrap label="Signing keys">
          <table data-testid="keys-table">
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Status</th>
                <th scope="col">Signs</th>
                <th scope="col">Created</th>
                {canWrite ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {keys.data.results.map((key) => (
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
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {confirmDialog}
    </>
  )
}
