import { describe, expect, it } from 'vitest'
import {
  createTesseraClient,
  errorFromResponse,
  SessionExpiredError,
  TesseraClientError,
} from '../src/index.js'
import { FakeServer, fakeClock } from './fake-server.js'

function setup() {
  const clock = fakeClock()
  const server = new FakeServer({ nowSeconds: clock.seconds })
  const client = createTesseraClient({
    baseUrl: 'http://auth.test',
    mode: 'body',
    fetch: server.fetch,
    clock: clock.ms,
    tabCoordination: false,
  })
  return { server, client }
}

describe('typed errors', () => {
  it('401 on login: detail, no code (simplejwt obtain answers {detail} only)', async () => {
    const { client } = setup()
    const error = await client.login('alice', 'nope').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TesseraClientError)
    expect(error).not.toBeInstanceOf(SessionExpiredError)
    expect(error).toMatchObject({
      status: 401,
      code: undefined,
      detail: 'No active account found with the given credentials',
      fields: undefined,
    })
    expect((error as Error).message).toBe('No active account found with the given credentials')
    expect(client.isAuthenticated()).toBe(false)
  })

  it('400 on register: field errors', async () => {
    const { client } = setup()
    const error = await client
      .register({ username: 'alice', email: 'a@example.com', password: '1234' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TesseraClientError)
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid',
      detail: 'A user with that username already exists.',
      fields: {
        username: ['A user with that username already exists.'],
        password: ['This password is too short. It must contain at least 8 characters.'],
      },
    })
  })

  it('201 on register returns the new account', async () => {
    const { client, server } = setup()
    const created = await client.register({
      username: 'bob1',
      email: 'bob1@example.com',
      password: 'Correct-Horse-9',
    })
    expect(created).toEqual({ id: 2, username: 'bob1', email: 'bob1@example.com' })
    expect(server.requests[0]?.headers.get('x-auth-transport')).toBeNull()
  })

  it('429: code throttled and Retry-After in seconds', async () => {
    const { client, server } = setup()
    server.throttleNext = true
    const error = await client.login('alice', 'Wonderland-42!').catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 429, code: 'throttled', retryAfter: 7 })
  })

  it('a non-JSON error body still yields a typed error', async () => {
    const error = await errorFromResponse(
      new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }),
    )
    expect(error).toMatchObject({ status: 502, detail: 'Bad Gateway', code: undefined })
  })

  it('me() on an anonymous client raises the 401', async () => {
    const { client } = setup()
    await expect(client.me()).rejects.toMatchObject({
      status: 401,
      detail: 'Authentication credentials were not provided.',
    })
  })
})
