/** Introspection clients (RFC 7662): the secret is shown once, at creation or rotation. */
import type { AdminClient, AdminClientCredentials } from '@tessera/protocol'
import { type ReactNode, useState } from 'react'
import { InlineForm, useActions } from '../actions.js'
import type { ScreenProps } from '../app.js'
import { PagedTable } from '../lists.js'
import { Dialog, ErrorNote, Notice, ScreenTitle, useLoader, when } from '../ui.js'

const PAGE_SIZE = 25

export function ClientsScreen({ api, canWrite }: ScreenProps): ReactNode {
  const [page, setPage] = useState(1)
  const [secret, setSecret] = useState<AdminClientCredentials | null>(null)
  const clients = useLoader(
    () => api.list<AdminClient>('/admin/clients/', { page, page_size: PAGE_SIZE }),
    [page],
  )
  const { act, confirmed, notice, error, confirmDialog } = useActions(clients.reload)
  return (
    <>
      <ScreenTitle>Introspection clients</ScreenTitle>
      <p>
        Services that ask this server whether a token is active (POST {api.prefix}/token/introspect/, HTTP
        Basic).
      </p>
      {canWrite ? (
        <InlineForm
          label="New client"
          field="New client name"
          name="name"
          submit="Create client"
          act={act}
          work={async (name) => {
            setSecret(await api.send<AdminClientCredentials>('POST', '/admin/clients/', { name }))
            return `Created the client ${name}.`
          }}
        />
      ) : null}
      <Notice text={notice} />
      <ErrorNote error={error ?? clients.error} />
      <PagedTable
        label="Introspection clients"
        testId="clients-table"
        columns={['Name', 'Client id', 'Created', canWrite && 'Actions']}
        data={clients.data}
        empty="No clients."
        pager="Clients"
        page={page}
        pageSize={PAGE_SIZE}
        onPage={setPage}
        row={(client) => (
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
                      void confirmed(
                        {
                          title: `Rotate the secret of ${client.name}?`,
                          message: 'The current secret stops working at once; the new one is shown once.',
                          confirm: 'Rotate secret',
                        },
                        async () => {
                          setSecret(
                            await api.send<AdminClientCredentials>(
                              'POST',
                              `/admin/clients/${encodeURIComponent(client.client_id)}/rotate/`,
                            ),
                          )
                          return `Rotated the secret of ${client.name}.`
                        },
                      )
                    }
                  >
                    Rotate secret<span className="visually-hidden"> of {client.name}</span>
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      void confirmed(
                        {
                          title: `Delete the client ${client.name}?`,
                          message: 'It can no longer introspect tokens.',
                          confirm: 'Delete client',
                        },
                        async () => {
                          await api.send('DELETE', `/admin/clients/${encodeURIComponent(client.client_id)}/`)
                          return `Deleted the client ${client.name}.`
                        },
                      )
                    }
                  >
                    Delete<span className="visually-hidden"> {client.name}</span>
                  </button>
                </div>
              </td>
            ) : null}
          </tr>
        )}
      />
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
