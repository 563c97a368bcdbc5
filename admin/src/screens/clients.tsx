/** Introspection clients (RFC 7662): the secret is shown once, at creation or rotation. */
import type { AdminClient, AdminClientCredentials } from '@tessera/protocol'
import { type FormEvent, type ReactNode, useState } from 'react'
import type { ScreenProps } from '../app.js'
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
  when,
} from '../ui.js'

const PAGE_SIZE = 25

export function ClientsScreen({ api, canWrite }: ScreenProps): ReactNode {
  const [page, setPage] = useState(1)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [secret, setSecret] = useState<AdminClientCredentials | null>(null)
  const [confirmDialog, ask] = useConfirm()
  const clients = useLoader(
    () => api.list<AdminClient>('/admin/clients/', { page, page_size: PAGE_SIZE }),
    [page],
  )
  const act = async (work: () => Promise<string>) => {
    setError(null)
    setNotice(null)
    try {
      setNotice(await work())
      clients.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const name = String(new FormData(form).get('name') ?? '')
    void act(async () => {
      setSecret(await api.send<AdminClientCredentials>('POST', '/admin/clients/', { name }))
      form.reset()
      return `Created the client ${name}.`
    })
  }
  return (
    <>
      <ScreenTitle>Introspection clients</ScreenTitle>
      <p>
        Services that ask this server whether a token is active (POST {api.prefix}/token/introspect/, HTTP
        Basic).
      </p>
      {canWrite ? (
        <form className="inline-form" onSubmit={create} aria-label="New client">
          <Field label="New client name" name="name" required />
          <button type="submit">Create client</button>
        </form>
      ) : null}
      <Notice text={notice} />
      <ErrorNote error={error ?? clients.error} />
      {clients.data ? (
        <>
          <TableWrap label="Introspection clients">
            <table data-testid="clients-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Created</th>
                  {canWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {clients.data.results.map((client) => (
                  <tr key={client.client_id}>
                    <td>{client.name}</td>
                    <td>
                      <code>{client.client_id}</code>
                    </td>
                    <td>{when(client.created_at)}</td>
                    {canWrite ? (
                      <td>
                        <div className="row-actions">
                          <button
                            type="button"
                            onClick={() =>
                              void act(async () => {
                                const yes = await ask({
                                  title: `Rotate the secret of ${client.name}?`,
                                  message:
                                    'The current secret stops working at once; the new one is shown once.',
                                  confirm: 'Rotate secret',
                                })
                                if (!yes) return 'Nothing was changed.'
                                setSecret(
                                  await api.send<AdminClientCredentials>(
                                    'POST',
                                    `/admin/clients/${encodeURIComponent(client.client_id)}/rotate/`,
                                  ),
                                )
                                return `Rotated the secret of ${client.name}.`
                              })
                            }
                          >
                            Rotate secret<span className="visually-hidden"> of {client.name}</span>
                          </button>
                          <button
                            type="button"
                            className="danger"
                            onClick={() =>
                              void act(async () => {
                                const yes = await ask({
                                  title: `Delete the client ${client.name}?`,
                                  message: 'It can no longer introspect tokens.',
                                  confirm: 'Delete client',
                                })
                                if (!yes) return 'Nothing was changed.'
                                await api.send(
                                  'DELETE',
                                  `/admin/clients/${encodeURIComponent(client.client_id)}/`,
                                )
                                return `Deleted the client ${client.name}.`
                              })
                            }
                          >
                            Delete<span className="visually-hidden"> {client.name}</span>
                          </button>
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {clients.data.count === 0 ? <p>No clients.</p> : null}
          <Pager
            label="Clients"
            page={page}
            pageSize={PAGE_SIZE}
            count={clients.data.count}
            onPage={setPage}
          />
        </>
      ) : null}
      <Dialog
        title="The client's secret"
        open={secret !== null}
        onClose={() => setSecret(null)}
        testId="secret-dialog"
      >
        <p>Copy it now: it is shown only this once (the server keeps only its hash).</p>
        <dl className="facts">
          <dt>Client id</dt>
          <dd>
            <code data-testid="client-id">{secret?.client_id}</code>
          </dd>
          <dt>Client secret</dt>
          <dd>
            <code data-testid="client-secret">{secret?.client_secret}</code>
          </dd>
        </dl>
        <div className="actions">
          <button type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      </Dialog>
      {confirmDialog}
    </>
  )
}
