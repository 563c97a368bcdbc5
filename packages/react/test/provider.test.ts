import './mini-dom.js'
import { act, createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { createTesseraClient } from '@tessera/client'
import { type AuthContextValue, AuthProvider, useAuth } from '../src/index.js'
import { FakeServer, fakeClock } from '../../client/test/fake-server.js'
import { mount } from './mini-dom.js'

function setup() {
  const clock = fakeClock()
  const server = new FakeServer({ nowSeconds: clock.seconds })
  const client = createTesseraClient({
    baseUrl: 'http://auth.test',
    mode: 'cookie',
    fetch: server.fetch,
    clock: clock.ms,
    cookies: () => server.documentCookie(),
    tabCoordination: false,
  })
  return { server, client }
}

/** Reports every value the hook returns, and renders nothing. */
function Probe({ onRender }: { onRender: (value: AuthContextValue) => void }) {
  onRender(useAuth())
  return null
}

function Status() {
  const { status, user } = useAuth()
  return createElement('p', null, `${status}:${user?.username ?? '-'}`)
}

describe('AuthProvider (server render)', () => {
  it('renders the loading state: SSR never restores a browser session', () => {
    const { client, server } = setup()
    const html = renderToString(createElement(AuthProvider, { client }, createElement(Status)))
    expect(html).toBe('<p>loading:-</p>')
    expect(server.requests).toHaveLength(0)
  })

  it('useAuth() outside the provider throws a helpful error', () => {
    expect(() => renderToString(createElement(Status))).toThrow(
      'useAuth() must be used inside <AuthProvider>',
    )
  })
})

describe('AuthProvider (mounted, with act)', () => {
  it('moves loading → anonymous → authenticated → anonymous through the hook', async () => {
    const { client, server } = setup()
    const seen: AuthContextValue[] = []
    const view = await mount(
      createElement(
        AuthProvider,
        { client },
        createElement(Probe, { onRender: (value) => seen.push(value) }),
      ),
    )
    const latest = () => seen.at(-1) as AuthContextValue
    expect(seen[0]?.status).toBe('loading')
    expect(latest().status).toBe('anonymous')

    await act(() => latest().login('alice', 'Wonderland-42!'))
    expect(latest()).toMatchObject({ status: 'authenticated', user: { username: 'alice' } })

    const res = await latest().fetch('/api/hello/')
    expect(await res.json()).toEqual({ message: 'Hello, World!' })
    expect(server.requests.at(-1)?.headers.get('authorization')).toMatch(/^Bearer /)

    await act(() => latest().logout())
    expect(latest()).toMatchObject({ status: 'anonymous', user: null })
    expect(seen.map((v) => v.status).filter((s, i, all) => s !== all[i - 1])).toEqual([
      'loading',
      'anonymous',
      'authenticated',
      'anonymous',
    ])
    await view.unmount()
  })

  it('register is exposed and does not log in', async () => {
    const { client } = setup()
    let auth: AuthContextValue | undefined
    const view = await mount(
      createElement(
        AuthProvider,
        { client },
        createElement(Probe, {
          onRender: (value) => {
            auth = value
          },
        }),
      ),
    )
    const created = await act(() =>
      (auth as AuthContextValue).register({
        username: 'bob1',
        email: 'bob1@example.com',
        password: 'Correct-Horse-9',
      }),
    )
    expect(created).toMatchObject({ username: 'bob1' })
    expect(auth?.status).toBe('anonymous')
    expect(auth?.client).toBe(client)
    await view.unmount()
  })
})
